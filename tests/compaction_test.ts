/**
 * Compaction as pure functions on plain messages: token accounting, the decision, what is
 * kept (tool calls never split from their results, reasoning that cannot be replayed
 * dropped), the summary request, `compact` through a fake `complete`, and the overflow
 * recovery steps.
 */
import assert from "node:assert/strict";
import type {
  AssistantMessage,
  Context,
  Message,
  ThinkingContent,
  ToolCall,
  ToolResultMessage,
  UserMessage,
} from "../src/ai/types.ts";
import { emptyUsage } from "../src/ai/usage.ts";
import { responsesBody } from "../src/ai/responses_shared.ts";
import {
  autoCompact,
  compact,
  COMPACT_THRESHOLD,
  compactionSummaryMessage,
  compactionSummaryOf,
  type CompleteFunction,
  dropUnreplayableReasoning,
  estimateContextTokens,
  estimateMessagesTokens,
  estimateOverheadTokens,
  estimateTokens,
  IMAGE_TOKENS,
  overflowAfterCompaction,
  planCompaction,
  shouldCompact,
} from "../src/agent/compaction.ts";
import {
  capText,
  serializeConversation,
  splitFileLists,
  SUMMARY_PROMPT,
  SUMMARY_SYSTEM_PROMPT,
  summaryRequest,
  TOOL_OUTPUT_CAP,
} from "../src/agent/compaction_prompt.ts";
import { isPiError, PiError } from "../src/errors.ts";
import { codexModel, validateCodex } from "./ai_fakes.ts";

const model = codexModel();

function user(text: string): UserMessage {
  return { role: "user", content: text };
}

function assistant(
  content: AssistantMessage["content"],
  usage: { input?: number; cacheRead?: number; cacheWrite?: number } = {},
  stopReason: AssistantMessage["stopReason"] = "stop",
): AssistantMessage {
  return {
    role: "assistant",
    content,
    api: "openai-codex-responses",
    provider: "openai-codex",
    model: model.id,
    usage: { ...emptyUsage(model), ...usage },
    stopReason,
  };
}

let callSeq = 0;
function call(name: string, args: Record<string, unknown>, id?: string): ToolCall {
  const n = id ?? `call_${++callSeq}`;
  return { type: "tool_call", id: `fc_${n}`, callId: n, name, arguments: args };
}

function result(c: ToolCall, text: string, isError = false): ToolResultMessage {
  return {
    role: "tool_result",
    callId: c.callId,
    toolName: c.name,
    content: [{ type: "text", text }],
    isError,
  };
}

function text(t: string): { type: "text"; text: string } {
  return { type: "text", text: t };
}

function reasoning(summary: string, enc = "gAAAA-enc"): ThinkingContent {
  return {
    type: "thinking",
    thinking: summary,
    signature: JSON.stringify({
      id: "rs_1",
      type: "reasoning",
      summary: [{ type: "summary_text", text: summary }],
      encrypted_content: enc,
    }),
  };
}

/** A turn: a prompt, `tools` read calls each with an output of `outputChars`, a final answer. */
function turn(n: number, tools: number, outputChars: number): Message[] {
  const out: Message[] = [user(`prompt ${n}: look at src/file${n}.ts`)];
  for (let t = 0; t < tools; t++) {
    const c = call("read", { path: `src/file${n}_${t}.ts` });
    out.push(assistant([reasoning(`turn ${n} step ${t}`), c], {}, "tool_use"));
    out.push(result(c, `line of src/file${n}_${t}.ts\n`.repeat(Math.ceil(outputChars / 24))));
  }
  out.push(assistant([text(`done with turn ${n}`)], { input: 1000 * n }));
  return out;
}

/** Problems the real Codex server would find in a request of `messages`. */
function requestProblems(messages: Message[]): string[] {
  const body = responsesBody(model, { systemPrompt: "You are pi.", messages }, {
    sessionId: "0b7c5f6e-1111-4222-8333-944445555666",
  });
  return validateCodex({
    method: "POST",
    path: "/backend-api/codex/responses",
    headers: new Headers({
      authorization: "Bearer eyJx",
      "chatgpt-account-id": "acc-1234",
      "openai-beta": "responses=experimental",
      originator: "pi",
      session_id: "0b7c5f6e-1111-4222-8333-944445555666",
      accept: "text/event-stream",
      "content-type": "application/json",
    }),
    body,
  }, model);
}

/** Every tool call in `messages` has its result there and every result its call. */
function assertPairsIntact(messages: Message[]): void {
  const calls = new Set<string>();
  const results = new Set<string>();
  for (const m of messages) {
    if (m.role === "assistant") {
      for (const b of m.content) if (b.type === "tool_call") calls.add(b.callId);
    } else if (m.role === "tool_result") {
      assert.ok(calls.has(m.callId), `result ${m.callId} without its call`);
      results.add(m.callId);
    }
  }
  for (const c of calls) assert.ok(results.has(c), `call ${c} without its result`);
}

function fakeComplete(
  reply: string | ((ctx: Context) => AssistantMessage),
): CompleteFunction & { calls: { context: Context; sessionId: string }[] } {
  const calls: { context: Context; sessionId: string }[] = [];
  const fn = ((context: Context, options: { signal?: AbortSignal; sessionId: string }) => {
    calls.push({ context, sessionId: options.sessionId });
    return Promise.resolve(
      typeof reply === "string" ? assistant([text(reply)]) : reply(context),
    );
  }) as CompleteFunction & { calls: { context: Context; sessionId: string }[] };
  fn.calls = calls;
  return fn;
}

function requestText(ctx: Context): string {
  const content = ctx.messages[0].content as { type: string; text: string }[];
  return content[0].text;
}

const SESSION = "0b7c5f6e-1111-4222-8333-944445555666";

// ---------------------------------------------------------------------------------------------

Deno.test("summary message: the exact text pi-mono sends for its compactionSummary message", () => {
  // pi-mono packages/coding-agent/src/core/messages.ts: COMPACTION_SUMMARY_PREFIX + summary +
  // COMPACTION_SUMMARY_SUFFIX, one text block of a user message (convertToLlm).
  const m = compactionSummaryMessage("## Goal\nShip it");
  assert.deepEqual(m, {
    role: "user",
    content: [{
      type: "text",
      text: "The conversation history before this point was compacted into the following " +
        "summary:\n\n<summary>\n## Goal\nShip it\n</summary>",
    }],
  });
  assert.equal(compactionSummaryOf(m), "## Goal\nShip it");
  // As pi-mono's file would be rebuilt (string content works too).
  assert.equal(
    compactionSummaryOf({ role: "user", content: (m.content as { text: string }[])[0].text }),
    "## Goal\nShip it",
  );
  assert.equal(compactionSummaryOf(user("The conversation history before this point")), undefined);
  assert.equal(compactionSummaryOf(assistant([text("x")])), undefined);
  assert.equal(compactionSummaryOf(undefined), undefined);
});

Deno.test("estimateTokens: text, replayed thinking, tool arguments, tool results, images", () => {
  assert.equal(estimateTokens(user("a".repeat(400))), 100);
  assert.equal(estimateTokens(user("a".repeat(401))), 101);
  assert.equal(
    estimateTokens({
      role: "user",
      content: [text("a".repeat(40)), {
        type: "image",
        data: "x".repeat(99_999),
        mimeType: "image/png",
      }],
    }),
    10 + IMAGE_TOKENS,
  );
  // Unsigned thinking is not sent back; signed thinking is.
  assert.equal(estimateTokens(assistant([{ type: "thinking", thinking: "t".repeat(400) }])), 0);
  assert.equal(estimateTokens(assistant([reasoning("t".repeat(400))])), 100);
  const c = call("bash", { command: "ls -la" }, "c1"); // "bash" + {"command":"ls -la"}
  assert.equal(estimateTokens(assistant([c])), Math.ceil((4 + 20) / 4));
  const raw: ToolCall = { ...c, arguments: {}, rawArguments: "{not json" };
  assert.equal(estimateTokens(assistant([raw])), Math.ceil((4 + 9) / 4));
  assert.equal(estimateTokens(result(c, "o".repeat(8000))), 2000);
  assert.equal(
    estimateTokens({
      role: "tool_result",
      callId: "c1",
      toolName: "read",
      content: [{ type: "image", data: "x", mimeType: "image/png" }],
      isError: false,
    }),
    IMAGE_TOKENS,
  );
});

Deno.test("estimateContextTokens: last reported input plus what was added since", () => {
  const messages: Message[] = [
    user("a".repeat(400)),
    assistant([text("b".repeat(400))], { input: 5_000, cacheRead: 3_000, cacheWrite: 100 }),
    user("c".repeat(800)),
  ];
  const e = estimateContextTokens(messages);
  assert.equal(e.usageTokens, 8_100);
  assert.equal(e.lastUsageIndex, 1);
  assert.equal(e.trailingTokens, 100 + 200); // the answer itself and the new prompt
  assert.equal(e.tokens, 8_400);

  // Failed, aborted and zero-usage answers are skipped.
  const skipped = [
    ...messages,
    assistant([text("partial")], { input: 90_000 }, "error"),
    assistant([text("stopped")], { input: 90_000 }, "aborted"),
    assistant([text("none")]),
  ];
  assert.equal(estimateContextTokens(skipped).lastUsageIndex, 1);

  // usableFrom: the usage of kept messages after a compaction is not used.
  const stale = estimateContextTokens(messages, { usableFrom: 2, overheadTokens: 50 });
  assert.equal(stale.lastUsageIndex, undefined);
  assert.equal(stale.tokens, estimateMessagesTokens(messages) + 50);

  // No usage at all: everything estimated, plus the system prompt and tools.
  const overhead = estimateOverheadTokens({ systemPrompt: "x".repeat(400), tools: [] });
  assert.equal(overhead, Math.ceil(402 / 4));
  assert.equal(estimateContextTokens([user("a".repeat(40))], { overheadTokens: 7 }).tokens, 17);
});

Deno.test("shouldCompact: above 80 % of the window", () => {
  assert.equal(COMPACT_THRESHOLD, 0.8);
  assert.equal(shouldCompact(8_000, 10_000), false);
  assert.equal(shouldCompact(8_001, 10_000), true);
  assert.equal(shouldCompact(1, 0), false);
});

Deno.test("planCompaction: keeps the current turn and recent turns within 25 % of the window", () => {
  const messages = [
    ...turn(1, 2, 4000),
    ...turn(2, 2, 4000),
    ...turn(3, 2, 4000),
    ...turn(4, 1, 400),
  ];
  const total = estimateMessagesTokens(messages);
  const window = Math.ceil(total / 0.9);
  const plan = planCompaction(messages, { contextWindow: window });
  const current = messages.findLastIndex((m) => m.role === "user");
  assert.ok(plan.firstKeptIndex <= current, "the current user message is kept");
  assert.ok(plan.firstKeptIndex > 0, "something is summarised");
  assert.ok(estimateMessagesTokens(plan.kept) <= 0.25 * window);
  assert.deepEqual([...plan.toSummarize, ...plan.kept], messages);
  assert.equal(plan.splitTurn, false);
  assertPairsIntact(plan.kept);
  assertPairsIntact(plan.toSummarize);
  // Every earlier cut that keeps the pairs intact would have crossed the budget.
  for (let j = 0; j < plan.firstKeptIndex; j++) {
    if (messages[j].role === "tool_result") continue;
    let intact = true;
    try {
      assertPairsIntact(messages.slice(j));
    } catch {
      intact = false;
    }
    if (intact) assert.ok(estimateMessagesTokens(messages.slice(j)) > 0.25 * window, `cut ${j}`);
  }
});

Deno.test("planCompaction: never separates a tool call from its results, at any window", () => {
  // Parallel calls (two results after one assistant message), errors, images.
  const a = call("read", { path: "a.ts" });
  const b = call("bash", { command: "deno test" });
  const messages: Message[] = [
    user("start"),
    assistant([reasoning("plan"), a, b], { input: 100 }, "tool_use"),
    result(a, "A".repeat(3000)),
    result(b, "error: 3 tests failed".repeat(100), true),
    assistant([text("two things")], { input: 2000 }),
    ...turn(2, 3, 2500),
    ...turn(3, 2, 1500),
    {
      role: "user",
      content: [text("see screenshot"), { type: "image", data: "iVBOR", mimeType: "image/png" }],
    },
    ...turn(4, 2, 500).slice(1),
  ];
  for (let window = 1_000; window <= 40_000; window += 500) {
    const plan = planCompaction(messages, { contextWindow: window });
    assertPairsIntact(plan.kept);
    assertPairsIntact(plan.toSummarize);
    assert.deepEqual([...plan.toSummarize, ...plan.kept], messages);
    const first = plan.kept[0];
    assert.ok(first.role === "user" || first.role === "assistant");
    assert.deepEqual(requestProblems([compactionSummaryMessage("s"), ...plan.kept]), []);
  }
});

Deno.test("planCompaction: a single tool result bigger than the keep budget in an older turn is summarised", () => {
  const big = call("bash", { command: "cat huge.log" });
  const messages: Message[] = [
    user("look at the log"),
    assistant([big], {}, "tool_use"),
    result(big, "x".repeat(200_000)), // 50k tokens
    assistant([text("it is big")], { input: 51_000 }),
    user("now fix the parser"),
    assistant([text("ok")], { input: 52_000 }),
  ];
  const plan = planCompaction(messages, { contextWindow: 60_000 });
  // Kept from the answer after the huge result (a cut point: no call before it is open).
  assert.equal(plan.firstKeptIndex, 3);
  assert.equal(plan.splitTurn, false);
  assert.ok(plan.toSummarize.includes(messages[2]));
  assert.deepEqual(plan.kept, messages.slice(3));
});

Deno.test("planCompaction: a current turn over 70 % of the window is split at a tool-call boundary (and one under it is kept whole)", () => {
  const a1 = call("bash", { command: "cat huge.log" });
  const a2 = call("read", { path: "src/parser.ts" });
  const messages: Message[] = [
    ...turn(1, 1, 400),
    user("fix the parser; the log is in huge.log"),
    assistant([a1], {}, "tool_use"),
    result(a1, "x".repeat(160_000)), // 40k tokens
    assistant([reasoning("now the parser"), a2], {}, "tool_use"),
    result(a2, "export function parse() {}\n"),
    assistant([text("found it")]),
  ];
  // 40k tokens of a 60k window: kept whole, the current user message first.
  const whole = planCompaction(messages, { contextWindow: 60_000 });
  assert.equal(whole.splitTurn, false);
  assert.equal(whole.kept[0], messages[messages.length - 6]);
  // Of a 52k window (77 %): kept whole it could not get under the threshold: split.
  const plan = planCompaction(messages, { contextWindow: 52_000 });
  assert.equal(plan.splitTurn, true);
  assert.equal(plan.turnRequest, "fix the parser; the log is in huge.log");
  assert.equal(plan.kept[0], messages[messages.length - 3]); // the assistant calling read
  assertPairsIntact(plan.kept);
  assert.deepEqual(requestProblems([compactionSummaryMessage("s"), ...plan.kept]), []);
});

Deno.test("planCompaction: a conversation that is all one turn is split; one message cannot be", () => {
  const messages = turn(1, 6, 4000); // user, 6 × (call, result), answer
  const plan = planCompaction(messages, { contextWindow: 10_000 });
  assert.equal(plan.splitTurn, true);
  assert.ok(plan.firstKeptIndex > 0);
  assert.equal(plan.toSummarize[0], messages[0]);
  assert.equal(plan.turnRequest, "prompt 1: look at src/file1.ts");
  assertPairsIntact(plan.kept);
  assertPairsIntact(plan.toSummarize);

  const alone = planCompaction([user("x".repeat(100_000))], { contextWindow: 10_000 });
  assert.equal(alone.toSummarize.length, 0);
  assert.equal(alone.kept.length, 1);

  // Nothing that can start the kept part (no user or assistant message after the summary):
  // nothing is summarised, so the runner never gets an entry id past the end.
  const orphan = planCompaction([compactionSummaryMessage("s"), result(call("read", {}), "x")], {
    contextWindow: 10,
  });
  assert.equal(orphan.toSummarize.length, 0);
  assert.equal(orphan.firstKeptIndex, 1);
});

Deno.test("planCompaction: an earlier summary at the head is summarised again, not kept", () => {
  const head = compactionSummaryMessage("## Goal\nOld goal\n\n<read-files>\nold.ts\n</read-files>");
  const messages = [head, ...turn(5, 2, 4000), ...turn(6, 1, 400)];
  const plan = planCompaction(messages, { contextWindow: 8_000 });
  assert.equal(plan.previousSummary, "## Goal\nOld goal\n\n<read-files>\nold.ts\n</read-files>");
  assert.ok(plan.firstKeptIndex >= 1);
  assert.ok(!plan.toSummarize.includes(head));
  assert.ok(!plan.kept.includes(head));
});

Deno.test("dropUnreplayableReasoning: a reasoning item with nothing after it goes, the rest stays", () => {
  const c = call("read", { path: "a.ts" });
  const withCall = assistant([reasoning("r1"), c], {}, "tool_use");
  const lone = assistant([reasoning("thinking, then cut off")], {}, "aborted");
  const emptyText = assistant([reasoning("r3"), text("")], {}, "error");
  const anthropic: AssistantMessage = {
    ...assistant([{ type: "thinking", thinking: "claude", signature: "EqQBCkYIARgCKkC" }]),
    api: "anthropic-messages",
  };
  const out = dropUnreplayableReasoning([withCall, result(c, "x"), lone, emptyText, anthropic]);
  assert.equal(out[0], withCall);
  assert.deepEqual((out[2] as AssistantMessage).content, []);
  assert.deepEqual((out[3] as AssistantMessage).content, [text("")]);
  assert.equal(out[4], anthropic);
  // The lone reasoning item would be sent without the output it led to.
  const before = responsesBody(model, { systemPrompt: "x", messages: [user("hi"), lone] }, {
    sessionId: SESSION,
  });
  assert.equal((before.input as { type: string }[]).at(-1)?.type, "reasoning");
  const after = responsesBody(model, { systemPrompt: "x", messages: [user("hi"), out[2]] }, {
    sessionId: SESSION,
  });
  assert.deepEqual((after.input as { type: string }[]).map((i) => i.type), ["message"]);
});

Deno.test("serializeConversation: roles, thinking, tool calls, capped outputs, images", () => {
  const c = call("bash", { command: "deno test", cwd: "/repo" });
  const w = call("write", { path: "a.ts", content: "y".repeat(5000) });
  const out = serializeConversation([
    { role: "user", content: [text("look"), { type: "image", data: "i", mimeType: "image/png" }] },
    assistant([reasoning("plan it"), text("Running tests."), c, w], {}, "tool_use"),
    result(c, "HEAD" + "z".repeat(10_000) + "error: TS2304 Cannot find name 'foo'", true),
    result(w, "wrote a.ts"),
  ]);
  assert.match(out, /^\[User\]: look\n\[image\]/);
  assert.match(out, /\[Assistant thinking\]: plan it/);
  assert.match(out, /\[Assistant\]: Running tests\./);
  assert.match(
    out,
    /\[Assistant tool calls\]: bash\(command="deno test", cwd="\/repo"\); write\(path="a.ts", content="y+\\n\[… \d+ characters omitted …\]\\ny+"\)/,
  );
  assert.match(
    out,
    /\[Tool error \(bash\)\]: HEADz+\n\[… \d+ characters omitted …\]\n.*error: TS2304 Cannot find name 'foo'/,
  );
  assert.match(out, /\[Tool result \(write\)\]: wrote a.ts$/);
  assert.ok(out.length < 2 * TOOL_OUTPUT_CAP + 1500);

  // Too long as a whole: the oldest parts go, the newest stay.
  const many = Array.from({ length: 50 }, (_, i) => user(`message ${i} ` + "w".repeat(100)));
  const cut = serializeConversation(many, { maxChars: 1000 });
  assert.ok(cut.length <= 1200);
  assert.match(cut, /^\[… \d+ earlier parts of the conversation left out to fit this request …\]/);
  assert.match(cut, /message 49 /);
});

Deno.test("capText: head and tail, never half a surrogate pair", () => {
  assert.equal(capText("short", 10), "short");
  const s = "🙂".repeat(100);
  for (let max = 5; max < 40; max++) {
    const out = capText(s, max);
    assert.ok(out.length < s.length);
    assert.equal(out, out.toWellFormed(), `max ${max}`);
  }
});

Deno.test("summaryRequest: system prompt, no tools, previous summary, conversation, focus", () => {
  const req = summaryRequest([user("fix the parser in src/parse.ts")], {
    previousSummary: "## Goal\nEarlier work",
    instructions: "  focus on the parser  ",
  });
  assert.equal(req.systemPrompt, SUMMARY_SYSTEM_PROMPT);
  assert.equal(req.tools, undefined);
  assert.equal(req.messages.length, 1);
  const t = requestText(req);
  assert.ok(t.startsWith("<previous-summary>\n## Goal\nEarlier work\n</previous-summary>\n\n"));
  assert.ok(t.includes("<conversation>\n[User]: fix the parser in src/parse.ts\n</conversation>"));
  assert.ok(t.includes(SUMMARY_PROMPT));
  assert.match(t, /Write ONE updated checkpoint/);
  assert.match(t, /focus on the following; give it priority:\nfocus on the parser$/);
  const plain = requestText(summaryRequest([user("hi")]));
  assert.ok(!plain.includes("previous-summary") && !plain.includes("priority"));
});

Deno.test("compact: one summary request with the session id, the summary message, the kept turn", async () => {
  const messages = [...turn(1, 2, 4000), ...turn(2, 2, 4000), ...turn(3, 1, 200)];
  const edit = call("edit", { path: "src/file1_0.ts", oldText: "a", newText: "b" });
  messages.splice(5, 0, assistant([edit], {}, "tool_use"), result(edit, "edited"));
  const complete = fakeComplete("## Goal\nRefactor the files");
  const window = 20_000;
  const r = await compact(messages, {
    contextWindow: window,
    complete,
    sessionId: SESSION,
    instructions: "focus on the parser",
    overheadTokens: 300,
  });
  assert.equal(complete.calls.length, 1);
  assert.equal(complete.calls[0].sessionId, SESSION);
  const req = complete.calls[0].context;
  assert.equal(req.tools, undefined);
  const t = requestText(req);
  assert.match(t, /\[User\]: prompt 1: look at src\/file1.ts/);
  assert.match(t, /focus on the parser/);
  assert.ok(!t.includes("prompt 3:"), "the kept turn is not summarised");

  assert.ok(r.summary.startsWith("## Goal\nRefactor the files\n\n<read-files>\n"));
  assert.deepEqual(r.details.modifiedFiles, ["src/file1_0.ts"]);
  assert.ok(r.details.readFiles.includes("src/file1_1.ts"));
  assert.ok(!r.details.readFiles.includes("src/file1_0.ts"));
  assert.match(r.summary, /<modified-files>\nsrc\/file1_0.ts\n<\/modified-files>$/);
  assert.deepEqual(r.messages[0], compactionSummaryMessage(r.summary));
  assert.deepEqual(r.messages.slice(1), messages.slice(r.firstKeptIndex));
  assert.equal(r.tokensBefore, estimateContextTokens(messages).tokens);
  assert.equal(r.tokensAfter, estimateMessagesTokens(r.messages) + 300);
  assert.ok(r.tokensAfter < r.tokensBefore);
  assert.deepEqual(requestProblems(r.messages), []);
});

Deno.test("compact: iterative, the previous summary is updated and its file lists merged once", async () => {
  const first = await compact([...turn(1, 2, 4000), ...turn(2, 1, 200)], {
    contextWindow: 10_000,
    complete: fakeComplete("## Goal\nFirst"),
    sessionId: SESSION,
  });
  const next = [...first.messages, ...turn(3, 2, 4000), ...turn(4, 1, 200)];
  const complete = fakeComplete("## Goal\nSecond");
  const second = await compact(next, { contextWindow: 10_000, complete, sessionId: SESSION });
  const t = requestText(complete.calls[0].context);
  assert.match(t, /^<previous-summary>\n## Goal\nFirst\n<\/previous-summary>/);
  assert.ok(!t.includes("<read-files>"), "the file lists are kept apart from the model");
  assert.match(t, /prompt 2:/, "the messages the first compaction kept are summarised now");
  assert.equal(second.summary.match(/<read-files>/g)?.length, 1);
  for (const f of ["src/file1_0.ts", "src/file3_1.ts"]) {
    assert.ok(second.details.readFiles.includes(f));
  }
  assert.ok(second.firstKeptIndex >= 1);
  assert.deepEqual(splitFileLists(second.summary).text, "## Goal\nSecond");
});

Deno.test("compact: a split turn carries its request verbatim in the summary", async () => {
  const messages = turn(1, 6, 4000);
  const r = await compact(messages, {
    contextWindow: 10_000,
    complete: fakeComplete("## Goal\nLook at files"),
    sessionId: SESSION,
  });
  assert.equal(r.splitTurn, true);
  assert.match(r.summary, /## Current Request \(verbatim\)\nprompt 1: look at src\/file1.ts/);
  assert.equal(r.messages[1].role, "assistant");
  assert.deepEqual(requestProblems(r.messages), []);
});

Deno.test("compact: kept reasoning that cannot be replayed is dropped from the new conversation", async () => {
  const messages: Message[] = [
    ...turn(1, 2, 4000),
    user("go on"),
    assistant([reasoning("I will")], {}, "aborted"),
  ];
  const r = await compact(messages, {
    contextWindow: 10_000,
    complete: fakeComplete("## Goal\nx"),
    sessionId: SESSION,
  });
  assert.deepEqual((r.messages.at(-1) as AssistantMessage).content, []);
  assert.deepEqual(requestProblems(r.messages), []);
});

Deno.test("compact: failures are one-line PiErrors", async () => {
  const messages = [...turn(1, 2, 4000), ...turn(2, 1, 200)];
  const base = { contextWindow: 10_000, sessionId: SESSION };
  const thrown = await compact(messages, {
    ...base,
    complete: () =>
      Promise.reject(new PiError("api.http", "openai-codex API error 500: upstream died")),
  }).catch((e) => e);
  assert.ok(isPiError(thrown, "agent.compaction_failed"));
  assert.equal(
    thrown.message,
    "Compaction failed: the summary request failed: openai-codex API error 500: upstream died",
  );

  const errored = await compact(messages, {
    ...base,
    complete: () =>
      Promise.resolve({ ...assistant([]), stopReason: "error", errorMessage: "Boom" }),
  }).catch((e) => e);
  assert.ok(isPiError(errored, "agent.compaction_failed"));
  assert.equal(errored.message, "Compaction failed: the summary request failed: boom");

  const empty = await compact(messages, {
    ...base,
    complete: fakeComplete(() => assistant([reasoning("hmm"), text("  \n")])),
  }).catch((e) => e);
  assert.ok(isPiError(empty, "agent.compaction_failed"));
  assert.equal(empty.message, "Compaction failed: the model returned an empty summary");

  const aborted = await compact(messages, {
    ...base,
    complete: () => Promise.reject(new PiError("api.aborted", "The request was aborted")),
  }).catch((e) => e);
  assert.ok(isPiError(aborted, "api.aborted"));

  const nothing = await compact([user("x".repeat(1000))], {
    ...base,
    complete: fakeComplete("never"),
  }).catch((e) => e);
  assert.ok(isPiError(nothing, "agent.compaction_failed"));
  assert.doesNotMatch(nothing.message, /\n/);
});

Deno.test("autoCompact: nothing below 80 %, a compaction above", async () => {
  const messages = [...turn(1, 2, 4000), ...turn(2, 1, 200)];
  const tokens = estimateContextTokens(messages).tokens;
  const quiet = fakeComplete("never");
  assert.equal(
    await autoCompact(messages, {
      contextWindow: Math.ceil(tokens / 0.8),
      complete: quiet,
      sessionId: SESSION,
    }),
    undefined,
  );
  assert.equal(quiet.calls.length, 0);
  const busy = fakeComplete("## Goal\nx");
  const r = await autoCompact(messages, {
    contextWindow: Math.floor(tokens / 0.8) - 1,
    complete: busy,
    sessionId: SESSION,
  });
  assert.equal(busy.calls.length, 1);
  assert.ok(r && r.firstKeptIndex > 0);
  // Above the threshold but nothing that can be summarised: the request goes as it is.
  assert.equal(
    await autoCompact([user("x".repeat(40_000))], {
      contextWindow: 1_000,
      complete: quiet,
      sessionId: SESSION,
    }),
    undefined,
  );
});

Deno.test("overflow recovery: a second overflow is one clear error", () => {
  const overflow = new PiError("api.context_overflow", "too long");
  const err = overflowAfterCompaction(overflow);
  assert.ok(isPiError(err, "api.context_overflow"));
  assert.equal(err.message, "Context window exceeded even after compaction");
  assert.equal(err.cause, overflow);
});
