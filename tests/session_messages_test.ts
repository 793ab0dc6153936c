import assert from "node:assert/strict";
import type { AssistantMessage, Message, Usage } from "../src/ai/types.ts";
import {
  COMPACTION_SUMMARY_PREFIX,
  compactionSummaryMessage,
  fromSessionMessage,
  rememberToolCalls,
  sessionToolCallId,
  toSessionMessage,
} from "../src/agent/session_messages.ts";

const usage: Usage = {
  input: 80,
  cacheRead: 20,
  cacheWrite: 0,
  output: 10,
  reasoning: 2,
  totalTokens: 110,
  cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 },
  listCost: { input: 1, output: 2, cacheRead: 0.5, cacheWrite: 0, total: 3.5 },
  billed: false,
};

const reasoningItem = JSON.stringify({
  type: "reasoning",
  id: "rs_1",
  summary: [{ type: "summary_text", text: "plan" }],
  encrypted_content: "enc",
});

const responsesAssistant: AssistantMessage = {
  role: "assistant",
  content: [
    { type: "thinking", thinking: "plan", signature: reasoningItem },
    { type: "text", text: "Running it." },
    { type: "tool_call", id: "fc_1", callId: "call_1", name: "bash", arguments: { command: "ls" } },
  ],
  api: "openai-codex-responses",
  provider: "openai-codex",
  model: "gpt-5.2-codex",
  usage,
  stopReason: "tool_use",
  responseId: "resp_1",
};

const anthropicAssistant: AssistantMessage = {
  role: "assistant",
  content: [
    { type: "thinking", thinking: "", signature: "opaque", redacted: true },
    { type: "thinking", thinking: "hm", signature: "sig" },
    { type: "tool_call", id: "toolu_1", callId: "toolu_1", name: "read", arguments: {} },
  ],
  api: "anthropic-messages",
  provider: "anthropic",
  model: "claude",
  usage: { ...usage, cost: usage.listCost, billed: true },
  stopReason: "tool_use",
};

Deno.test("pi's messages are written in pi-mono's shapes", () => {
  const ids = new Map<string, string>();
  rememberToolCalls(ids, responsesAssistant);
  assert.deepEqual(toSessionMessage({ role: "user", content: "hi" }, { timestamp: 7 }), {
    role: "user",
    content: "hi",
    timestamp: 7,
  });
  assert.deepEqual(toSessionMessage(responsesAssistant, { timestamp: 8 }), {
    role: "assistant",
    content: [
      { type: "thinking", thinking: "plan", thinkingSignature: reasoningItem },
      { type: "text", text: "Running it." },
      { type: "toolCall", id: "call_1|fc_1", name: "bash", arguments: { command: "ls" } },
    ],
    api: "openai-codex-responses",
    provider: "openai-codex",
    model: "gpt-5.2-codex",
    usage: {
      input: 80,
      output: 10,
      cacheRead: 20,
      cacheWrite: 0,
      totalTokens: 110,
      cost: usage.cost,
      reasoning: 2,
      listCost: usage.listCost,
      billed: false,
    },
    stopReason: "toolUse",
    responseId: "resp_1",
    timestamp: 8,
  });
  // The result names its call by the call's whole session id, as pi-mono pairs them.
  assert.deepEqual(
    toSessionMessage({
      role: "tool_result",
      callId: "call_1",
      toolName: "bash",
      content: [{ type: "text", text: "a.txt" }],
      isError: false,
    }, { timestamp: 9, toolCallIds: ids }),
    {
      role: "toolResult",
      toolCallId: "call_1|fc_1",
      toolName: "bash",
      content: [{ type: "text", text: "a.txt" }],
      isError: false,
      timestamp: 9,
    },
  );
  const anthropic = toSessionMessage(anthropicAssistant, { timestamp: 1 });
  assert.equal(anthropic.role, "assistant");
  assert.deepEqual(anthropic.role === "assistant" && anthropic.content, [
    { type: "thinking", thinking: "", thinkingSignature: "opaque", redacted: true },
    { type: "thinking", thinking: "hm", thinkingSignature: "sig" },
    { type: "toolCall", id: "toolu_1", name: "read", arguments: {} },
  ]);
});

Deno.test("pi's messages come back unchanged from the session shapes", () => {
  const ids = new Map<string, string>();
  const conversation: Message[] = [
    {
      role: "user",
      content: [{ type: "text", text: "look" }, {
        type: "image",
        data: "AAA",
        mimeType: "image/png",
      }],
    },
    responsesAssistant,
    {
      role: "tool_result",
      callId: "call_1",
      toolName: "bash",
      content: [{ type: "text", text: "x" }],
      isError: true,
    },
    anthropicAssistant,
    { role: "tool_result", callId: "toolu_1", toolName: "read", content: [], isError: false },
    {
      role: "assistant",
      content: [{
        type: "tool_call",
        id: "fc_9",
        callId: "call_9",
        name: "bash",
        arguments: {},
        rawArguments: "{not json",
      }],
      api: "openai-codex-responses",
      provider: "openai-codex",
      model: "m",
      usage,
      stopReason: "aborted",
      errorMessage: "Interrupted",
    },
  ];
  for (const m of conversation) {
    rememberToolCalls(ids, m);
    const stored = JSON.parse(
      JSON.stringify(toSessionMessage(m, { timestamp: 1, toolCallIds: ids })),
    );
    assert.deepEqual(fromSessionMessage(stored), m);
  }
});

Deno.test("pi-mono's own messages are read: ids split on the first |, extra roles as user text", () => {
  // As pi-mono 0.73 writes them (text signatures, details, uuid call ids).
  const assistant = fromSessionMessage({
    role: "assistant",
    content: [
      { type: "text", text: "done", textSignature: '{"v":1,"id":"msg_3"}' },
      { type: "toolCall", id: "call_a|fc_b|odd", name: "edit", arguments: { path: "x" } },
    ],
    api: "openai-codex-responses",
    provider: "openai-codex",
    model: "gpt-5.2-codex",
    usage: {
      input: 1,
      output: 2,
      cacheRead: 3,
      cacheWrite: 0,
      totalTokens: 6,
      cost: { input: 0.1, output: 0.2, cacheRead: 0, cacheWrite: 0, total: 0.3 },
    },
    stopReason: "toolUse",
    timestamp: 1,
  });
  assert.ok(assistant?.role === "assistant");
  assert.deepEqual(assistant.content, [
    { type: "text", text: "done" },
    { type: "tool_call", id: "fc_b|odd", callId: "call_a", name: "edit", arguments: { path: "x" } },
  ]);
  assert.equal(assistant.stopReason, "tool_use");
  assert.equal(assistant.usage.totalTokens, 6);
  assert.equal(assistant.usage.listCost.total, 0.3);
  const result = fromSessionMessage({
    role: "toolResult",
    toolCallId: "call_a|fc_b|odd",
    toolName: "edit",
    content: [{ type: "text", text: "ok" }],
    details: { diff: "…" },
    isError: false,
    timestamp: 2,
  });
  assert.deepEqual(result, {
    role: "tool_result",
    callId: "call_a",
    toolName: "edit",
    content: [{ type: "text", text: "ok" }],
    isError: false,
  });
  assert.deepEqual(fromSessionMessage({ role: "custom", content: "note", display: true }), {
    role: "user",
    content: [{ type: "text", text: "note" }],
  });
  assert.deepEqual(
    fromSessionMessage({ role: "bashExecution", command: "ls", output: "a", exitCode: 2 }),
    {
      role: "user",
      content: [{ type: "text", text: "Ran `ls`\n```\na\n```\n\nCommand exited with code 2" }],
    },
  );
  assert.equal(
    fromSessionMessage({ role: "bashExecution", command: "ls", excludeFromContext: true }),
    undefined,
  );
  assert.equal(fromSessionMessage({ role: "someday" }), undefined);
  assert.equal(fromSessionMessage("nonsense"), undefined);
});

Deno.test("pi's earlier session shapes are still read", () => {
  assert.deepEqual(
    fromSessionMessage({
      role: "assistant",
      content: [
        { type: "thinking", thinking: "t", signature: "s" },
        { type: "tool_call", id: "fc_1", callId: "call_1", name: "bash", arguments: {} },
      ],
      api: "openai-codex-responses",
      provider: "openai-codex",
      model: "m",
      usage,
      stopReason: "tool_use",
    }),
    {
      role: "assistant",
      content: [
        { type: "thinking", thinking: "t", signature: "s" },
        { type: "tool_call", id: "fc_1", callId: "call_1", name: "bash", arguments: {} },
      ],
      api: "openai-codex-responses",
      provider: "openai-codex",
      model: "m",
      usage,
      stopReason: "tool_use",
    },
  );
  assert.deepEqual(
    fromSessionMessage({
      role: "tool_result",
      callId: "call_1",
      toolName: "bash",
      content: [{ type: "text", text: "x" }],
      isError: false,
    }),
    {
      role: "tool_result",
      callId: "call_1",
      toolName: "bash",
      content: [{ type: "text", text: "x" }],
      isError: false,
    },
  );
});

Deno.test("the ids: Responses calls carry both, Anthropic calls one", () => {
  assert.equal(sessionToolCallId({ id: "fc_1", callId: "call_1" }), "call_1|fc_1");
  assert.equal(sessionToolCallId({ id: "", callId: "call_1" }), "call_1");
  assert.equal(sessionToolCallId({ id: "toolu_1", callId: "toolu_1" }), "toolu_1");
});

Deno.test("a compaction summary is the user text pi-mono sends", () => {
  const m = compactionSummaryMessage("S");
  assert.deepEqual(m, {
    role: "user",
    content: [{
      type: "text",
      text:
        "The conversation history before this point was compacted into the following summary:\n\n<summary>\nS\n</summary>",
    }],
  });
  assert.ok(COMPACTION_SUMMARY_PREFIX.endsWith("<summary>\n"));
});
