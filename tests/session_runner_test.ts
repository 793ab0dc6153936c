import assert from "node:assert/strict";
import {
  type ContextTransformer,
  type ModelStream,
  type RunnerEvent,
  SessionRunner,
  type SessionRunnerOptions,
} from "../src/agent/session_runner.ts";
import type { Tool } from "../src/agent/tools/types.ts";
import type { AssistantMessage, Context, Message, ToolCall, Usage } from "../src/ai/types.ts";
import { PiError } from "../src/errors.ts";
import { codexModel } from "./ai_fakes.ts";
import { runnerOptions } from "./fixtures/runner_options.ts";
import { withDir } from "./fixtures/auth_process.ts";

function usage(input: number): Usage {
  const zero = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 };
  return {
    input,
    cacheRead: 0,
    cacheWrite: 0,
    output: 5,
    reasoning: 0,
    totalTokens: input + 5,
    cost: zero,
    listCost: zero,
    billed: false,
  };
}

type Step = { text: string } | { call: string } | { fail: PiError };

interface Recorded {
  context: Context;
  sessionId: string;
  reasoning: string;
}

/** A fake model answering from a script; records what each request sent. */
function scripted(steps: Step[]): { stream: ModelStream; requests: Recorded[] } {
  const requests: Recorded[] = [];
  let n = 0;
  const stream: ModelStream = async function* (model, context, options) {
    requests.push({
      context: structuredClone(context),
      sessionId: options.sessionId,
      reasoning: options.reasoning,
    });
    const step = steps.shift() ?? { text: "(script ended)" };
    const message: AssistantMessage = {
      role: "assistant",
      content: [],
      api: model.api,
      provider: model.provider,
      model: model.id,
      usage: usage(100 * requests.length),
      stopReason: "stop",
    };
    if ("fail" in step) {
      message.stopReason = "error";
      yield { type: "error", error: step.fail, message };
      return;
    }
    if ("text" in step) {
      message.content.push({ type: "text", text: step.text });
      yield { type: "text_delta", index: 0, delta: step.text };
    } else {
      n++;
      const call: ToolCall = {
        type: "tool_call",
        id: `fc_${n}`,
        callId: `call_${n}`,
        name: "echo",
        arguments: { text: step.call },
      };
      message.content.push(call);
      message.stopReason = "tool_use";
      yield { type: "tool_call_end", index: 0, toolCall: call };
    }
    yield { type: "done", stopReason: message.stopReason, message };
  };
  return { stream, requests };
}

const echoTool: Tool = {
  name: "echo",
  description: "echoes",
  parameters: { type: "object" },
  readOnly: true,
  execute: (args) =>
    Promise.resolve({ content: [{ type: "text", text: String(args.text) }], isError: false }),
};

function options(dir: string, stream: ModelStream, over: Partial<SessionRunnerOptions> = {}) {
  return runnerOptions(dir, stream, [echoTool], over);
}

async function run(gen: AsyncIterable<RunnerEvent>): Promise<RunnerEvent[]> {
  const events: RunnerEvent[] = [];
  for await (const e of gen) events.push(e);
  return events;
}

async function entries(path: string) {
  return (await Deno.readTextFile(path)).trimEnd().split("\n").map((l) => JSON.parse(l));
}

const roles = (messages: readonly Message[]) => messages.map((m) => m.role);

Deno.test("the runner saves every entry as it happens and continues with the whole conversation", async () => {
  await withDir(async (dir) => {
    const fake = scripted([{ call: "x" }, { text: "one" }, { text: "two" }, { text: "three" }]);
    const model = codexModel();
    const first = SessionRunner.create(options(dir, fake.stream));
    const events = await run(first.prompt("hello", { model, thinking: "high" }));
    first.close();
    assert.equal(events.at(-1)?.type, "end");
    // message events carry the session's (pi-mono's) shapes.
    const messages = events.filter((e) => e.type === "message").map((e) => e.message);
    assert.deepEqual(messages.map((m) => m.role), ["user", "assistant", "toolResult", "assistant"]);
    const lines = await entries(first.path!);
    assert.deepEqual(lines.map((l) => l.type), [
      "session",
      "model_change",
      "thinking_level_change",
      "message",
      "message",
      "message",
      "message",
    ]);
    assert.equal(lines[0].id, first.id);
    assert.equal(lines[2].thinkingLevel, "high");
    for (let i = 2; i < lines.length; i++) assert.equal(lines[i].parentId, lines[i - 1].id);
    assert.equal(lines[5].message.toolCallId, "call_1|fc_1");
    assert.equal(fake.requests[0].sessionId, first.id);

    // Continued: the same session id, the whole conversation, the level from the file.
    const second = await SessionRunner.open(options(dir, fake.stream), first.path!);
    assert.equal(second.id, first.id);
    assert.deepEqual(second.restored, {
      model: { provider: "openai-codex", modelId: "gpt-5.2-codex" },
      thinking: "high",
    });
    assert.deepEqual(roles(second.messages), ["user", "assistant", "tool_result", "assistant"]);
    assert.equal(second.totals().contextTokens, 205, "the last answer's context: 200 in + 5 out");
    await run(second.prompt("again", { model, thinking: "high" }));
    const sent = fake.requests[2];
    assert.equal(sent.sessionId, first.id);
    assert.equal(sent.reasoning, "high");
    assert.deepEqual(roles(sent.context.messages), [
      "user",
      "assistant",
      "tool_result",
      "assistant",
      "user",
    ]);
    // Same model and level: nothing recorded; another level: one entry.
    await run(second.prompt("lower", { model, thinking: "low" }));
    second.close();
    const after = await entries(first.path!);
    assert.deepEqual(after.slice(7).map((l) => l.type), [
      "message",
      "message",
      "thinking_level_change",
      "message",
      "message",
    ]);
    assert.equal(after[7].parentId, lines.at(-1).id, "appended after the newest entry");
  });
});

Deno.test("the seam before each request: a transform replaces the context and saves a compaction", async () => {
  await withDir(async (dir) => {
    const fake = scripted([
      { text: "a1" },
      { text: "a2" },
      { text: "SUMMARY TEXT" }, // the summary request
      { call: "y" },
      { text: "a3" },
      { text: "a4" },
    ]);
    const model = codexModel({ contextWindow: 1000 });
    const seen: { turn: number; ids: (string | undefined)[]; last?: number }[] = [];
    let compacted = false;
    const transform: ContextTransformer = async (input) => {
      seen.push({
        turn: input.turn,
        ids: input.messages.map((m) => input.entryId(m)),
        last: input.lastUsage?.input,
      });
      if (compacted || input.messages.length < 5) return [...input.messages];
      compacted = true;
      const summary = await input.complete({
        systemPrompt: "Summarize.",
        messages: [{ role: "user", content: "summarize please" }],
      });
      const kept = input.messages.slice(-1); // the current user message
      const text = summary.content.map((c) => c.type === "text" ? c.text : "").join("");
      const { id, message } = input.appendCompaction({
        summary: text,
        firstKeptEntryId: input.entryId(kept[0])!,
        tokensBefore: 900,
      });
      assert.ok(id);
      input.emit({ type: "compaction", turn: input.turn, tokensBefore: 900, tokensAfter: 50 });
      return [message, ...kept];
    };
    const runner = SessionRunner.create(options(dir, fake.stream, { transformContext: transform }));
    await run(runner.prompt("q1", { model }));
    await run(runner.prompt("q2", { model }));
    const events = await run(runner.prompt("q3", { model }));
    runner.close();
    // The compaction event comes before the request's turn_start.
    const types = events.map((e) => e.type);
    assert.ok(types.indexOf("compaction") < types.indexOf("turn_start"), types.join());
    // The summary request: same session id, no tools.
    assert.equal(fake.requests[2].sessionId, runner.id);
    assert.deepEqual(fake.requests[2].context.tools, []);
    // The request after it sends the summary and the kept message; later turns build on it.
    const shape = (r: Recorded) =>
      r.context.messages.map((m) =>
        m.role === "user" ? (typeof m.content === "string" ? m.content : "SUMMARY") : m.role
      );
    assert.deepEqual(shape(fake.requests[3]), ["SUMMARY", "q3"]);
    assert.deepEqual(shape(fake.requests[4]), ["SUMMARY", "q3", "assistant", "tool_result"]);
    assert.equal(seen[0].last, undefined);
    assert.equal(seen[1].last, 100, "the last reported usage");
    assert.ok(
      seen.every((s) => s.ids.every((id) => id !== undefined)),
      "every message has its entry",
    );

    const lines = await entries(runner.path!);
    const compaction = lines.find((l) => l.type === "compaction");
    assert.equal(compaction.summary, "SUMMARY TEXT");
    assert.equal(compaction.tokensBefore, 900);
    const keptEntry = lines.find((l) => l.id === compaction.firstKeptEntryId);
    assert.equal(keptEntry.message.content, "q3");
    // Reopened, the conversation starts from the compaction, like the next request.
    const reopened = await SessionRunner.open(options(dir, fake.stream), runner.path!);
    assert.deepEqual(
      reopened.messages.map((m) =>
        m.role === "user" && typeof m.content === "string" ? m.content : m.role
      ),
      [
        "user",
        "q3",
        "assistant",
        "tool_result",
        "assistant",
      ],
    );
    await run(reopened.prompt("q4", { model }));
    reopened.close();
    assert.deepEqual(shape(fake.requests[5]), [
      "SUMMARY",
      "q3",
      "assistant",
      "tool_result",
      "assistant",
      "q4",
    ]);
  });
});

Deno.test("a context overflow is answered by the seam once and sent again", async () => {
  await withDir(async (dir) => {
    const overflow = () => new PiError("api.http", "context_length_exceeded");
    const fake = scripted([{ fail: overflow() }, { text: "fits now" }, { fail: overflow() }, {
      fail: overflow(),
    }]);
    const calls: (string | undefined)[] = [];
    const transform: ContextTransformer = (input) => {
      calls.push(input.overflow?.message);
      return Promise.resolve(input.overflow ? input.messages.slice(-1) : [...input.messages]);
    };
    const runner = SessionRunner.create(options(dir, fake.stream, {
      persist: false,
      transformContext: transform,
      isContextOverflow: (e) => e.message.includes("context_length_exceeded"),
    }));
    const model = codexModel();
    const ok = await run(runner.prompt("big", { model }));
    assert.deepEqual(calls, [undefined, "context_length_exceeded"]);
    const end = ok.at(-1);
    assert.equal(end?.type === "end" && end.reason, "stop");
    assert.equal(end?.type === "end" && end.text, "fits now");
    // A second overflow in the same turn ends the run with the error.
    const bad = await run(runner.prompt("bigger", { model }));
    const badEnd = bad.at(-1);
    assert.equal(badEnd?.type === "end" && badEnd.reason, "error");
    // The contract's message, also when the overflow is recognised by the injected predicate.
    assert.equal(
      badEnd?.type === "end" && badEnd.error,
      "Context window exceeded even after compaction",
    );
    assert.equal(badEnd?.type === "end" && badEnd.errorCode, "api.context_overflow");
    assert.equal(fake.requests.length, 4);
    assert.equal(runner.path, undefined, "--no-session: no file");
  });
});
