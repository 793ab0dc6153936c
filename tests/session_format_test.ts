import assert from "node:assert/strict";
import { buildSessionContext, parseSession, sessionName } from "../src/agent/session_format.ts";
import { COMPACTION_SUMMARY_PREFIX } from "../src/agent/session_messages.ts";
import type { Message } from "../src/ai/types.ts";

const T = "2026-01-01T00:00:00.000Z";
const header = { type: "session", version: 3, id: "sess-1", timestamp: T, cwd: "/p" };

function file(...lines: unknown[]): string {
  return lines.map((l) => typeof l === "string" ? l : JSON.stringify(l)).join("\n") + "\n";
}

function msg(id: string, parentId: string | null, message: Record<string, unknown>) {
  return { type: "message", id, parentId, timestamp: T, message: { timestamp: 0, ...message } };
}

const usage = (input: number) => ({
  input,
  output: 5,
  cacheRead: 0,
  cacheWrite: 0,
  totalTokens: input + 5,
  cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 },
});

function assistant(text: string, extra: Record<string, unknown> = {}) {
  return {
    role: "assistant",
    content: [{ type: "text", text }],
    api: "openai-codex-responses",
    provider: "openai-codex",
    model: "gpt-5.2-codex",
    usage: usage(100),
    stopReason: "stop",
    ...extra,
  };
}

/** The conversation as short strings: `user:text`, `assistant:text`, `result:callId`. */
function shape(messages: readonly { message: Message }[]): string[] {
  return messages.map(({ message: m }) => {
    if (m.role === "tool_result") return `result:${m.callId}`;
    const text = typeof m.content === "string"
      ? m.content
      : m.content.map((c) =>
        c.type === "text" ? c.text : c.type === "tool_call" ? `call:${c.callId}` : c.type
      ).join("+");
    return `${m.role}:${text.startsWith(COMPACTION_SUMMARY_PREFIX) ? "SUMMARY" : text}`;
  });
}

Deno.test("the conversation is the path from the newest entry; settings come from the path", () => {
  const text = file(
    header,
    {
      type: "model_change",
      id: "m1",
      parentId: null,
      timestamp: T,
      provider: "openai-codex",
      modelId: "gpt-5.2-codex",
    },
    {
      type: "thinking_level_change",
      id: "t1",
      parentId: "m1",
      timestamp: T,
      thinkingLevel: "high",
    },
    msg("u1", "t1", { role: "user", content: "first" }),
    msg("a1", "u1", assistant("one")),
    msg("u2", "a1", { role: "user", content: "abandoned branch" }),
    msg("a2", "u2", assistant("not sent", { provider: "anthropic", model: "claude" })),
    // A later entry branches from a1: the path skips u2/a2.
    { type: "label", id: "l1", parentId: "a1", timestamp: T, targetId: "u1", label: "x" },
    { type: "session_info", id: "n1", parentId: "l1", timestamp: T, name: "  Parser work " },
    {
      type: "custom",
      id: "c1",
      parentId: "n1",
      timestamp: T,
      customType: "pi-thing",
      data: { a: 1 },
    },
    { type: "future_entry", id: "f1", parentId: "c1", timestamp: T, whatever: true },
    msg("u3", "f1", { role: "user", content: "second" }),
  );
  const parsed = parseSession(text, "/s.jsonl");
  assert.equal(parsed.version, 3);
  assert.equal(parsed.leafId, "u3");
  assert.equal(parsed.warning, undefined);
  assert.equal(sessionName(parsed), "Parser work");
  const context = buildSessionContext(parsed);
  assert.deepEqual(shape(context.messages), ["user:first", "assistant:one", "user:second"]);
  assert.deepEqual(context.messages.map((m) => m.entryId), ["u1", "a1", "u3"]);
  assert.deepEqual(context.model, { provider: "openai-codex", modelId: "gpt-5.2-codex" });
  assert.equal(context.thinkingLevel, "high");
  assert.equal(context.leafId, "u3");
  assert.equal(context.userMessages, 2, "u1 and u3: the abandoned branch is not counted");
  assert.equal(context.usages.length, 1);
  assert.equal(context.lastUsage?.input, 100);
  // Another leaf: the abandoned branch, with the model of its assistant message.
  const other = buildSessionContext(parsed, { leafId: "a2" });
  assert.deepEqual(shape(other.messages), [
    "user:first",
    "assistant:one",
    "user:abandoned branch",
    "assistant:not sent",
  ]);
  assert.deepEqual(other.model, { provider: "anthropic", modelId: "claude" });
});

Deno.test("a compaction on the path: its summary, the kept entries, then the newer ones", () => {
  const text = file(
    header,
    msg("u1", null, { role: "user", content: "oldest" }),
    msg("a1", "u1", assistant("old answer")),
    msg("u2", "a1", { role: "user", content: "kept" }),
    msg("a2", "u2", {
      ...assistant("", { stopReason: "toolUse" }),
      content: [{ type: "toolCall", id: "call_1|fc_1", name: "bash", arguments: {} }],
    }),
    msg("r2", "a2", {
      role: "toolResult",
      toolCallId: "call_1|fc_1",
      toolName: "bash",
      content: [],
      isError: false,
    }),
    {
      type: "compaction",
      id: "c1",
      parentId: "r2",
      timestamp: T,
      summary: "Earlier: oldest, old answer.",
      firstKeptEntryId: "u2",
      tokensBefore: 5000,
    },
    msg("a3", "c1", assistant("after")),
    {
      type: "branch_summary",
      id: "b1",
      parentId: "a3",
      timestamp: T,
      fromId: "a1",
      summary: "tried X",
    },
    {
      type: "custom_message",
      id: "cm",
      parentId: "b1",
      timestamp: T,
      customType: "ext",
      content: "injected",
      display: false,
    },
  );
  const context = buildSessionContext(parseSession(text, "/s.jsonl"));
  assert.deepEqual(shape(context.messages), [
    "user:SUMMARY",
    "user:kept",
    "assistant:call:call_1",
    "result:call_1",
    "assistant:after",
    "user:The following is a summary of a branch that this conversation came back from:\n\n<summary>\ntried X</summary>",
    "user:injected",
  ]);
  assert.deepEqual(context.messages.map((m) => m.entryId), [
    "c1",
    "u2",
    "a2",
    "r2",
    "a3",
    "b1",
    "cm",
  ]);
  const summary = context.messages[0].message;
  assert.ok(summary.role === "user" && typeof summary.content !== "string");
  assert.equal(
    summary.content[0].type === "text" && summary.content[0].text,
    `${COMPACTION_SUMMARY_PREFIX}Earlier: oldest, old answer.\n</summary>`,
  );
  assert.equal(context.compaction?.tokensBefore, 5000);
  assert.deepEqual(context.toolCallIds, new Map([["call_1", "call_1|fc_1"]]));
  assert.equal(context.usages.length, 3, "every answer on the path counts in the totals");
  assert.equal(
    context.lastUsage?.input,
    100,
    "the answer after the compaction measures the context",
  );
});

Deno.test("the last compaction on the path wins; none after the last answer: no context size yet", () => {
  const text = file(
    header,
    msg("u1", null, { role: "user", content: "a" }),
    msg("a1", "u1", assistant("b")),
    {
      type: "compaction",
      id: "c1",
      parentId: "a1",
      timestamp: T,
      summary: "S1",
      firstKeptEntryId: "a1",
      tokensBefore: 1,
    },
    msg("u2", "c1", { role: "user", content: "c" }),
    {
      type: "compaction",
      id: "c2",
      parentId: "u2",
      timestamp: T,
      summary: "S2",
      firstKeptEntryId: "u2",
      tokensBefore: 2,
    },
  );
  const context = buildSessionContext(parseSession(text, "/s.jsonl"));
  assert.deepEqual(shape(context.messages), ["user:SUMMARY", "user:c"]);
  assert.equal(context.compaction?.summary, "S2");
  assert.equal(context.lastUsage, undefined);
  assert.equal(context.userMessages, 2, "the compacted ones count too");
});

Deno.test("pi's version-1 file opens in file order, and its appended version-3 entries follow", () => {
  // As pi wrote it before (src/agent/session_store.ts, version 1), then continued by this pi.
  const text = file(
    {
      type: "session",
      version: 1,
      id: "old-1",
      cwd: "/p",
      model: "openai-codex/gpt-5.1-codex-mini",
      timestamp: T,
    },
    { type: "message", timestamp: T, message: { role: "user", content: "old question" } },
    {
      type: "message",
      timestamp: T,
      message: {
        role: "assistant",
        content: [{
          type: "tool_call",
          id: "fc_1",
          callId: "call_1",
          name: "bash",
          arguments: { command: "ls" },
        }],
        api: "openai-codex-responses",
        provider: "openai-codex",
        model: "gpt-5.1-codex-mini",
        usage: { ...usage(50), reasoning: 0, listCost: usage(50).cost, billed: false },
        stopReason: "tool_use",
      },
    },
    { type: "usage", timestamp: T, model: "openai-codex/gpt-5.1-codex-mini", usage: usage(50) },
    {
      type: "message",
      timestamp: T,
      message: {
        role: "tool_result",
        callId: "call_1",
        toolName: "bash",
        content: [{ type: "text", text: "a" }],
        isError: false,
      },
    },
    { type: "model", timestamp: T, model: "anthropic/claude-x" },
    '{"type":"message","timestamp":"2026-01-0', // torn by a kill
    msg("n1", null, { role: "user", content: "new question" }),
    msg("n2", "n1", assistant("new answer")),
  );
  const parsed = parseSession(text, "/old.jsonl");
  assert.equal(parsed.version, 1);
  assert.deepEqual(parsed.skipped, [7]);
  assert.equal(parsed.warning, "Skipped unreadable line 7 of /old.jsonl (cut off or corrupt)");
  const context = buildSessionContext(parsed);
  assert.deepEqual(shape(context.messages), [
    "user:old question",
    "assistant:call:call_1",
    "result:call_1",
    "user:new question",
    "assistant:new answer",
  ]);
  assert.deepEqual(context.messages.map((m) => m.entryId), [
    undefined,
    undefined,
    undefined,
    "n1",
    "n2",
  ]);
  assert.deepEqual(context.model, { provider: "openai-codex", modelId: "gpt-5.2-codex" });
  assert.equal(context.leafId, "n2");
  // Before anything was appended: the header's and the `model` entry's model.
  const before = buildSessionContext(parseSession(
    file(
      {
        type: "session",
        version: 1,
        id: "old-1",
        cwd: "/p",
        model: "openai-codex/gpt-5.1-codex-mini",
        timestamp: T,
      },
      { type: "message", timestamp: T, message: { role: "user", content: "q" } },
    ),
    "/x",
  ));
  assert.deepEqual(before.model, { provider: "openai-codex", modelId: "gpt-5.1-codex-mini" });
  assert.equal(before.leafId, null);
});

Deno.test("pi-mono's version-1 file (no version, compaction by index) opens", () => {
  const text = file(
    { type: "session", id: "m1", timestamp: T, cwd: "/p" },
    { type: "message", timestamp: T, message: { role: "user", content: "a", timestamp: 1 } },
    { type: "message", timestamp: T, message: assistant("b") },
    { type: "thinking_level_change", timestamp: T, thinkingLevel: "low" },
    { type: "message", timestamp: T, message: { role: "user", content: "c", timestamp: 1 } },
    { type: "compaction", timestamp: T, summary: "S", firstKeptEntryIndex: 4, tokensBefore: 9 },
    { type: "message", timestamp: T, message: assistant("d") },
  );
  const context = buildSessionContext(parseSession(text, "/m.jsonl"));
  assert.deepEqual(shape(context.messages), ["user:SUMMARY", "user:c", "assistant:d"]);
  assert.equal(context.thinkingLevel, "low");
});

Deno.test("pi-mono's version-2 file: hookMessage joins as user text; entries without ids are skipped", () => {
  const text = file(
    { ...header, version: 2 },
    msg("a", null, { role: "hookMessage", customType: "x", content: "from a hook", display: true }),
    { type: "message", timestamp: T, message: { role: "user", content: "no id" } },
    msg("b", "a", { role: "user", content: "real" }),
  );
  const context = buildSessionContext(parseSession(text, "/v2.jsonl"));
  assert.deepEqual(shape(context.messages), ["user:from a hook", "user:real"]);
});

Deno.test("corrupt lines anywhere are skipped with one warning; the rest is read", () => {
  const text = file(
    header,
    msg("u1", null, { role: "user", content: "a" }),
    "garbage {",
    "42",
    msg("a1", "u1", assistant("b")),
    '{"no":"type"}',
  ) + '{"type":"message","id":"x","par';
  const parsed = parseSession(text, "/c.jsonl");
  assert.deepEqual(parsed.skipped, [3, 4, 6, 7]);
  assert.equal(
    parsed.warning,
    "Skipped unreadable lines 3, 4, 6, 7 of /c.jsonl (cut off or corrupt)",
  );
  assert.deepEqual(shape(buildSessionContext(parsed).messages), ["user:a", "assistant:b"]);
});

Deno.test("a file without a session header is refused with its name", () => {
  assert.throws(
    () => parseSession('{"type":"message"}\n', "/x.jsonl"),
    /\/x\.jsonl is not a session file/,
  );
  assert.throws(() => parseSession("", "/empty.jsonl"), /empty\.jsonl is not a session file/);
});

Deno.test("a parentId loop or a missing parent ends the path instead of hanging", () => {
  const text = file(
    header,
    msg("a", "b", { role: "user", content: "a" }),
    msg("b", "a", { role: "user", content: "b" }),
  );
  assert.deepEqual(shape(buildSessionContext(parseSession(text, "/l")).messages), [
    "user:a",
    "user:b",
  ]);
  const orphan = file(header, msg("z", "missing", { role: "user", content: "z" }));
  assert.deepEqual(shape(buildSessionContext(parseSession(orphan, "/o")).messages), ["user:z"]);
});
