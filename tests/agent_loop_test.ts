import assert from "node:assert/strict";
import {
  type AgentEvent,
  batchCalls,
  closeDanglingToolCalls,
  runAgent,
} from "../src/agent/agent_loop.ts";
import { BUILTIN_TOOLS } from "../src/agent/tools/mod.ts";
import type { AssistantMessage, Message, ToolCall, Usage } from "../src/ai/types.ts";
import { scriptedModel, type Step } from "./fixtures/scripted_model.ts";
import { withDir } from "./fixtures/auth_process.ts";

function usage(input: number, output: number): Usage {
  const zero = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 };
  return {
    input,
    cacheRead: 0,
    cacheWrite: 0,
    output,
    reasoning: 0,
    totalTokens: input + output,
    cost: zero,
    listCost: zero,
    billed: false,
  };
}

const user = (text: string) => ({ role: "user" as const, content: text });

Deno.test("the loop runs tools until a turn has no tool calls, results matching call ids", async () => {
  await withDir(async (cwd) => {
    const { stream, contexts } = scriptedModel([
      { calls: [{ name: "write", args: { path: "a.txt", content: "x = 1\n" } }] },
      { calls: [{ name: "bash", args: { command: "echo $((6*7))" } }] },
      { calls: [{ name: "edit", args: { path: "a.txt", oldText: "x = 1", newText: "x = 42" } }] },
      { calls: [{ name: "read", args: { path: "a.txt" } }] },
      { text: "Done: x is 42." },
    ], usage(10, 5));
    const events = await Array.fromAsync(
      runAgent([], user("go"), { stream, systemPrompt: "SYS", tools: BUILTIN_TOOLS, cwd }),
    );
    const last = events.at(-1)!;
    assert.equal(last.type, "end");
    assert.equal(last.type === "end" && last.reason, "stop");
    assert.equal(last.type === "end" && last.text, "Done: x is 42.");
    assert.equal(last.type === "end" && last.turns, 5);
    assert.equal(last.type === "end" && last.usage.input, 50);
    assert.equal(await Deno.readTextFile(`${cwd}/a.txt`), "x = 42\n");
    assert.equal(contexts.length, 5);
    assert.equal(contexts[0].systemPrompt, "SYS");
    assert.deepEqual(contexts[0].tools!.map((t) => t.name), ["read", "write", "edit", "bash"]);
    // Turn 3 saw the bash output 42 under the bash call's id.
    const msgs = contexts[4].messages;
    const calls = msgs.flatMap((m) =>
      m.role === "assistant" ? m.content.filter((c) => c.type === "tool_call") : []
    ) as ToolCall[];
    const results = msgs.filter((m) => m.role === "tool_result");
    assert.deepEqual(results.map((r) => r.callId), calls.map((c) => c.callId));
    const bashResult = results[1];
    assert.equal(bashResult.role === "tool_result" && bashResult.content[0].type, "text");
    assert.deepEqual(bashResult.role === "tool_result" && bashResult.content[0], {
      type: "text",
      text: "42",
    });
    // message events are exactly the conversation.
    const messageEvents = events.filter((e) => e.type === "message").map((e) =>
      e.type === "message" ? e.message : undefined
    );
    assert.equal(messageEvents.length, 1 + 5 + 4);
    const kinds = events.map((e) => e.type);
    assert.equal(kinds.filter((k) => k === "turn_start").length, 5);
    assert.equal(kinds.filter((k) => k === "tool_call").length, 4);
    assert.equal(kinds.filter((k) => k === "tool_result").length, 4);
    assert.ok(kinds.includes("tool_output"), "bash output is streamed");
  });
});

Deno.test("the turn limit ends a runaway loop with a message, conversation consistent", async () => {
  await withDir(async (cwd) => {
    const steps: Step[] = Array.from({ length: 10 }, () => ({
      calls: [{ name: "bash", args: { command: "true" } }],
    }));
    const { stream, contexts } = scriptedModel(steps);
    const events = await Array.fromAsync(
      runAgent([], user("loop"), {
        stream,
        systemPrompt: "S",
        tools: BUILTIN_TOOLS,
        cwd,
        maxTurns: 3,
      }),
    );
    const last = events.at(-1)!;
    assert.equal(last.type === "end" && last.reason, "max_turns");
    assert.match(last.type === "end" && last.error || "", /Stopped after 3 model turns/);
    assert.equal(contexts.length, 3);
    const messages = events.flatMap((e) => e.type === "message" ? [e.message] : []);
    assert.equal(messages.at(-1)!.role, "tool_result");
  });
});

Deno.test("abort during a long bash ends promptly; every call still gets a result", async () => {
  await withDir(async (cwd) => {
    const { stream } = scriptedModel([
      {
        calls: [
          { name: "bash", args: { command: "sleep 30" } },
          { name: "read", args: { path: "x" } },
        ],
      },
    ]);
    const controller = new AbortController();
    const started = Date.now();
    const events: AgentEvent[] = [];
    for await (
      const e of runAgent([], user("sleep"), {
        stream,
        systemPrompt: "S",
        tools: BUILTIN_TOOLS,
        cwd,
        signal: controller.signal,
      })
    ) {
      events.push(e);
      if (e.type === "tool_call" && e.name === "bash") setTimeout(() => controller.abort(), 200);
    }
    const elapsed = Date.now() - started;
    const last = events.at(-1)!;
    assert.equal(last.type === "end" && last.reason, "aborted");
    const results = events.filter((e) => e.type === "tool_result");
    assert.equal(results.length, 2);
    assert.ok(results.every((r) => r.type === "tool_result" && r.isError));
    assert.ok(elapsed < 10_000, `took ${elapsed} ms`);
  });
});

Deno.test("abort during the stream keeps the partial text and no dangling tool calls", async () => {
  const { stream } = scriptedModel([{ hang: true }]);
  const controller = new AbortController();
  const events: AgentEvent[] = [];
  for await (
    const e of runAgent([], user("x"), {
      stream,
      systemPrompt: "S",
      tools: BUILTIN_TOOLS,
      cwd: "/",
      signal: controller.signal,
    })
  ) {
    events.push(e);
    if (e.type === "text_delta") controller.abort();
  }
  const last = events.at(-1)!;
  assert.equal(last.type === "end" && last.reason, "aborted");
  const messages = events.flatMap((e) => e.type === "message" ? [e.message] : []);
  assert.equal(messages.length, 2);
  assert.deepEqual((messages[1] as AssistantMessage).content, [{ type: "text", text: "partial" }]);
});

Deno.test("a model error ends the run with its code; history goes to the model first", async () => {
  const { stream, contexts } = scriptedModel([{ fail: "server exploded" }]);
  const history: Message[] = [user("earlier"), {
    role: "assistant",
    content: [{ type: "text", text: "earlier answer" }],
    api: "openai-codex-responses",
    provider: "openai-codex",
    model: "fake",
    usage: usage(0, 0),
    stopReason: "stop",
  }];
  const events = await Array.fromAsync(
    runAgent(history, user("now"), { stream, systemPrompt: "S", tools: [], cwd: "/" }),
  );
  const last = events.at(-1)!;
  assert.equal(last.type === "end" && last.reason, "error");
  assert.equal(last.type === "end" && last.errorCode, "api.http");
  assert.equal(last.type === "end" && last.error, "server exploded");
  assert.deepEqual(contexts[0].messages.map((m) => m.role), ["user", "assistant", "user"]);
});

Deno.test("unknown tools and bad arguments are told to the model", async () => {
  const { stream, contexts } = scriptedModel([
    { calls: [{ name: "nope", args: {} }, { name: "read", args: {} }] },
    { text: "ok" },
  ]);
  await Array.fromAsync(
    runAgent([], user("x"), { stream, systemPrompt: "S", tools: BUILTIN_TOOLS, cwd: "/" }),
  );
  const results = contexts[1].messages.filter((m) => m.role === "tool_result");
  const texts = results.map((r) =>
    r.role === "tool_result" && r.content[0].type === "text" ? r.content[0].text : ""
  );
  assert.match(texts[0], /Unknown tool "nope"; the tools are: read, write, edit, bash/);
  assert.match(texts[1], /Missing required argument "path"/);
});

Deno.test("consecutive read-only calls are batched, writes run alone and in order", () => {
  const call = (name: string, i: number): ToolCall => ({
    type: "tool_call",
    id: `i${i}`,
    callId: `c${i}`,
    name,
    arguments: {},
  });
  const calls = ["read", "read", "write", "read", "bash", "read", "read"].map(call);
  const batches = batchCalls(calls, BUILTIN_TOOLS).map((b) => b.map((c) => c.callId));
  assert.deepEqual(batches, [["c0", "c1"], ["c2"], ["c3"], ["c4"], ["c5", "c6"]]);
});

Deno.test("read-only calls in one batch run in parallel", async () => {
  let running = 0;
  let peak = 0;
  const slowRead = {
    ...BUILTIN_TOOLS[0],
    execute: async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 50));
      running--;
      return { content: [{ type: "text" as const, text: "ok" }], isError: false };
    },
  };
  const { stream } = scriptedModel([
    { calls: [{ name: "read", args: {} }, { name: "read", args: {} }, { name: "read", args: {} }] },
    { text: "done" },
  ]);
  await Array.fromAsync(
    runAgent([], user("x"), { stream, systemPrompt: "S", tools: [slowRead], cwd: "/" }),
  );
  assert.equal(peak, 3);
});

Deno.test("closeDanglingToolCalls answers calls left without a result, drops orphan results", () => {
  const call = (id: string): ToolCall => ({
    type: "tool_call",
    id: `fc_${id}`,
    callId: id,
    name: "bash",
    arguments: {},
  });
  const assistant = (ids: string[]): AssistantMessage => ({
    role: "assistant",
    content: ids.map(call),
    api: "openai-codex-responses",
    provider: "openai-codex",
    model: "fake",
    usage: usage(0, 0),
    stopReason: "tool_use",
  });
  const result = (id: string) => ({
    role: "tool_result" as const,
    callId: id,
    toolName: "bash",
    content: [{ type: "text" as const, text: "ok" }],
    isError: false,
  });
  const fixed = closeDanglingToolCalls([
    user("go"),
    assistant(["a", "b"]),
    result("a"),
    result("zzz"),
    user("again"),
  ]);
  assert.deepEqual(
    fixed.map((m) => m.role === "tool_result" ? `result:${m.callId}` : m.role),
    ["user", "assistant", "result:a", "result:b", "user"],
  );
  const added = fixed[3];
  assert.ok(added.role === "tool_result" && added.isError);
  // A consistent conversation is left as it is.
  const fine = [user("go"), assistant(["c"]), result("c")];
  assert.deepEqual(closeDanglingToolCalls(fine), fine);
});
