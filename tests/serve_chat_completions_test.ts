/** Chat Completions ⇄ Responses (src/serve/chat_completions.ts), with plain values. */
import assert from "node:assert/strict";
import {
  ChatChunkStream,
  chatCompletion,
  chatMessagesToInput,
  chatResponseFormat,
  chatToolChoice,
  chatToolsToResponses,
  chatUsage,
  finishReason,
  parseChatRequest,
} from "../src/serve/chat_completions.ts";
import type { AssistantMessage, StreamEvent } from "../src/ai/types.ts";
import { CODEX_USAGE, codexAnswer } from "./ai_fakes.ts";
import { badField } from "./fixtures/bad_request.ts";

const META = { id: "chatcmpl-1", created: 1700000000, model: "gpt-5.2-codex" };

Deno.test("messages → instructions and input items: roles, parts, tool calls and outputs", () => {
  const { instructions, input } = chatMessagesToInput([
    { role: "system", content: "Be brief." },
    { role: "developer", content: [{ type: "text", text: "Use metric units." }] },
    {
      role: "user",
      content: [
        { type: "text", text: "What is this?" },
        { type: "image_url", image_url: { url: "data:image/png;base64,AAAA", detail: "low" } },
      ],
    },
    {
      role: "assistant",
      content: "Let me look.",
      tool_calls: [
        { id: "call_a", type: "function", function: { name: "look", arguments: '{"x":1}' } },
        { id: "call_b", type: "function", function: { name: "zoom", arguments: "{}" } },
      ],
    },
    { role: "tool", tool_call_id: "call_a", content: "a cat" },
    { role: "tool", tool_call_id: "call_b", content: [{ type: "text", text: "a big cat" }] },
    { role: "system", content: "Now answer in French." },
    { role: "assistant", content: null, refusal: "Non." },
    { role: "user", content: "Please." },
  ]);
  assert.equal(instructions, "Be brief.\n\nUse metric units.");
  assert.deepEqual(input, [
    {
      type: "message",
      role: "user",
      content: [
        { type: "input_text", text: "What is this?" },
        { type: "input_image", image_url: "data:image/png;base64,AAAA", detail: "low" },
      ],
    },
    {
      type: "message",
      role: "assistant",
      content: [{ type: "output_text", text: "Let me look.", annotations: [] }],
    },
    { type: "function_call", call_id: "call_a", name: "look", arguments: '{"x":1}' },
    { type: "function_call", call_id: "call_b", name: "zoom", arguments: "{}" },
    { type: "function_call_output", call_id: "call_a", output: "a cat" },
    { type: "function_call_output", call_id: "call_b", output: "a big cat" },
    {
      type: "message",
      role: "developer",
      content: [{ type: "input_text", text: "Now answer in French." }],
    },
    {
      type: "message",
      role: "assistant",
      content: [{ type: "output_text", text: "Non.", annotations: [] }],
    },
    { type: "message", role: "user", content: [{ type: "input_text", text: "Please." }] },
  ]);
});

Deno.test("messages: an assistant message with only tool calls sends no empty text", () => {
  const { instructions, input } = chatMessagesToInput([
    { role: "user", content: "hi" },
    {
      role: "assistant",
      content: "",
      tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: { a: 1 } } }],
    },
    { role: "tool", tool_call_id: "c1", content: "ok" },
  ]);
  assert.equal(instructions, "");
  assert.deepEqual(input.map((i) => i.type), ["message", "function_call", "function_call_output"]);
  assert.equal(input[1].arguments, '{"a":1}');
});

Deno.test("messages: bad ones are 400s naming the field", () => {
  assert.match(badField(() => chatMessagesToInput(undefined)), /^messages: is required/);
  assert.match(badField(() => chatMessagesToInput([])), /^messages: must be a non-empty array/);
  assert.match(badField(() => chatMessagesToInput(["hi"])), /^messages\[0\]: must be an object/);
  assert.match(
    badField(() => chatMessagesToInput([{ role: "robot", content: "x" }])),
    /^messages\[0\]\.role: must be one of/,
  );
  assert.match(
    badField(() => chatMessagesToInput([{ role: "user", content: 5 }])),
    /^messages\[0\]\.content:/,
  );
  assert.match(
    badField(() =>
      chatMessagesToInput([{ role: "user", content: [{ type: "input_audio", input_audio: {} }] }])
    ),
    /^messages\[0\]\.content\[0\]\.type: "input_audio" is not supported/,
  );
  assert.match(
    badField(() => chatMessagesToInput([{ role: "tool", content: "x" }])),
    /^messages\[0\]\.tool_call_id: is required/,
  );
  assert.match(
    badField(() =>
      chatMessagesToInput([{ role: "user", content: "x" }, {
        role: "tool",
        tool_call_id: "nope",
        content: "x",
      }])
    ),
    /^messages\[1\]\.tool_call_id: "nope" answers no tool call/,
  );
  assert.match(
    badField(() =>
      chatMessagesToInput([{ role: "user", content: "x" }, {
        role: "assistant",
        tool_calls: [{ id: "c9", type: "function", function: { name: "f", arguments: "{}" } }],
      }])
    ),
    /^messages\[1\]\.tool_calls: tool call "c9" has no tool message answering it/,
  );
  assert.match(
    badField(() =>
      chatMessagesToInput([{ role: "assistant", tool_calls: [{ id: "c", function: {} }] }])
    ),
    /^messages\[0\]\.tool_calls\[0\]\.function\.name: is required/,
  );
});

Deno.test("tools, tool_choice and response_format in the Responses shape", () => {
  assert.deepEqual(
    chatToolsToResponses([{
      type: "function",
      function: { name: "f", description: "does f", parameters: { type: "object" }, strict: true },
    }, { type: "function", function: { name: "g" } }]),
    [
      {
        type: "function",
        name: "f",
        description: "does f",
        parameters: { type: "object" },
        strict: true,
      },
      {
        type: "function",
        name: "g",
        description: "",
        parameters: { type: "object", properties: {} },
        strict: false,
      },
    ],
  );
  assert.equal(chatToolsToResponses(undefined), undefined);
  assert.match(badField(() => chatToolsToResponses([{ type: "custom" }])), /^tools\[0\]\.type/);
  assert.match(
    badField(() => chatToolsToResponses([{ type: "function", function: {} }])),
    /^tools\[0\]\.function\.name/,
  );
  assert.equal(chatToolChoice("required"), "required");
  assert.deepEqual(chatToolChoice({ type: "function", function: { name: "f" } }), {
    type: "function",
    name: "f",
  });
  assert.match(badField(() => chatToolChoice("sometimes")), /^tool_choice:/);
  assert.equal(chatResponseFormat({ type: "text" }), undefined);
  assert.deepEqual(chatResponseFormat({ type: "json_object" }), {
    format: { type: "json_object" },
  });
  assert.deepEqual(
    chatResponseFormat({
      type: "json_schema",
      json_schema: { name: "out", schema: { type: "object" }, strict: true },
    }),
    { format: { type: "json_schema", name: "out", schema: { type: "object" }, strict: true } },
  );
  assert.match(
    badField(() => chatResponseFormat({ type: "json_schema", json_schema: {} })),
    /^response_format\.json_schema\.name/,
  );
});

Deno.test("parseChatRequest: the whole request, and the fields it checks", () => {
  const request = parseChatRequest({
    model: "gpt-5.2-codex",
    messages: [{ role: "user", content: "hi" }],
    tools: [{ type: "function", function: { name: "f" } }],
    tool_choice: "auto",
    parallel_tool_calls: false,
    reasoning_effort: "high",
    stream: true,
    stream_options: { include_usage: true },
    temperature: 0.2,
    max_tokens: 100,
    prompt_cache_key: "conv-1",
  });
  assert.equal(request.model, "gpt-5.2-codex");
  assert.equal(request.stream, true);
  assert.equal(request.includeUsage, true);
  assert.equal(request.reasoning, "high");
  assert.equal(request.promptCacheKey, "conv-1");
  assert.deepEqual(Object.keys(request.fields).sort(), [
    "input",
    "parallel_tool_calls",
    "tool_choice",
    "tools",
  ]);
  assert.equal(
    parseChatRequest({ model: "m", messages: [{ role: "user", content: "x" }] }).stream,
    false,
  );
  assert.equal(
    parseChatRequest({
      model: "m",
      messages: [{ role: "user", content: "x" }],
      reasoning_effort: "none",
    })
      .reasoning,
    "off",
  );
  const ok = [{ role: "user", content: "x" }];
  assert.match(badField(() => parseChatRequest("hi")), /^body:/);
  assert.match(badField(() => parseChatRequest({ messages: ok })), /^model: is required/);
  assert.match(badField(() => parseChatRequest({ model: 5, messages: ok })), /^model:/);
  assert.match(badField(() => parseChatRequest({ model: "m", messages: ok, n: 2 })), /^n:/);
  assert.match(
    badField(() => parseChatRequest({ model: "m", messages: ok, stream: "yes" })),
    /^stream:/,
  );
  assert.match(
    badField(() => parseChatRequest({ model: "m", messages: ok, reasoning_effort: "max" })),
    /^reasoning_effort: must be one of/,
  );
  assert.match(
    badField(() =>
      parseChatRequest({ model: "m", messages: ok, stream_options: { include_usage: 1 } })
    ),
    /^stream_options\.include_usage/,
  );
});

Deno.test("usage and finish reasons", () => {
  assert.deepEqual(chatUsage(CODEX_USAGE), {
    prompt_tokens: 100,
    completion_tokens: 10,
    total_tokens: 110,
    prompt_tokens_details: { cached_tokens: 20 },
    completion_tokens_details: { reasoning_tokens: 2 },
  });
  assert.equal(finishReason("stop"), "stop");
  assert.equal(finishReason("tool_use"), "tool_calls");
  assert.equal(finishReason("length"), "length");
});

Deno.test("chatCompletion: text, thinking as reasoning_content, tool calls (content null)", () => {
  const text = chatCompletion(
    META,
    codexAnswer([{ type: "thinking", thinking: "hmm" }, { type: "text", text: "Hi" }], "stop"),
  );
  assert.deepEqual(text, {
    id: "chatcmpl-1",
    object: "chat.completion",
    created: 1700000000,
    model: "gpt-5.2-codex",
    choices: [{
      index: 0,
      message: { role: "assistant", content: "Hi", refusal: null, reasoning_content: "hmm" },
      logprobs: null,
      finish_reason: "stop",
    }],
    usage: chatUsage(CODEX_USAGE),
  });
  const calls = chatCompletion(
    META,
    codexAnswer([
      { type: "tool_call", id: "fc_1", callId: "call_1", name: "f", arguments: { a: 1 } },
      {
        type: "tool_call",
        id: "fc_2",
        callId: "call_2",
        name: "g",
        arguments: {},
        rawArguments: "{bad",
      },
    ], "tool_use"),
  );
  const choice = (calls.choices as Record<string, unknown>[])[0];
  assert.equal(choice.finish_reason, "tool_calls");
  assert.deepEqual(choice.message, {
    role: "assistant",
    content: null,
    refusal: null,
    tool_calls: [
      { id: "call_1", type: "function", function: { name: "f", arguments: '{"a":1}' } },
      { id: "call_2", type: "function", function: { name: "g", arguments: "{bad" } },
    ],
  });
  const cut = chatCompletion(META, codexAnswer([{ type: "text", text: "long" }], "length"));
  assert.equal((cut.choices as Record<string, unknown>[])[0].finish_reason, "length");
});

/** Runs events through a ChatChunkStream; returns the deltas, finish reasons and usage chunks. */
function chunksOf(events: StreamEvent[], includeUsage: boolean) {
  const s = new ChatChunkStream(META, { includeUsage });
  const out = s.start();
  for (const e of events) s.push(e, out);
  for (const c of out) {
    assert.equal(c.object, "chat.completion.chunk");
    assert.equal(c.id, "chatcmpl-1");
  }
  return out;
}

const done = (
  content: AssistantMessage["content"],
  stop: AssistantMessage["stopReason"],
): StreamEvent => ({
  type: "done",
  stopReason: stop,
  message: codexAnswer(content, stop),
});

Deno.test("chunks: role first, text and reasoning deltas, finish reason, usage chunk last", () => {
  const out = chunksOf([
    { type: "thinking_start", index: 0 },
    { type: "thinking_delta", index: 0, delta: "hm" },
    { type: "thinking_end", index: 0, thinking: "hm" },
    { type: "text_start", index: 1 },
    { type: "text_delta", index: 1, delta: "Hel" },
    { type: "text_delta", index: 1, delta: "lo" },
    { type: "text_end", index: 1, text: "Hello" },
    { type: "usage", usage: CODEX_USAGE },
    done([{ type: "text", text: "Hello" }], "stop"),
  ], true);
  const deltas = out.map((c) => (c.choices as { delta: unknown }[])[0]?.delta);
  assert.deepEqual(deltas, [
    { role: "assistant", content: "" },
    { reasoning_content: "hm" },
    { content: "Hel" },
    { content: "lo" },
    {},
    undefined,
  ]);
  assert.equal((out[4].choices as { finish_reason: string }[])[0].finish_reason, "stop");
  assert.deepEqual(out[5].choices, []);
  assert.deepEqual(out[5].usage, chatUsage(CODEX_USAGE));
  assert.ok(out.slice(0, 5).every((c) => c.usage === null));
  // Without include_usage: no usage chunk and no usage field.
  const plain = chunksOf([done([], "stop")], false);
  assert.equal(plain.length, 2);
  assert.ok(plain.every((c) => !("usage" in c)));
});

Deno.test("chunks: tool calls streamed, whole, and with late ids; finish reason tool_calls", () => {
  const out = chunksOf([
    { type: "tool_call_start", index: 0, id: "fc_1", callId: "call_1", name: "f" },
    { type: "tool_call_delta", index: 0, delta: '{"a":' },
    { type: "tool_call_delta", index: 0, delta: "1}" },
    {
      type: "tool_call_end",
      index: 0,
      toolCall: { type: "tool_call", id: "fc_1", callId: "call_1", name: "f", arguments: { a: 1 } },
    },
    // Whole: no deltas, the arguments come with the end.
    { type: "tool_call_start", index: 1, id: "fc_2", callId: "call_2", name: "g" },
    {
      type: "tool_call_end",
      index: 1,
      toolCall: { type: "tool_call", id: "fc_2", callId: "call_2", name: "g", arguments: { b: 2 } },
    },
    // Deltas before the id and name are known: held until the end.
    { type: "tool_call_start", index: 2, id: "", callId: "", name: "" },
    { type: "tool_call_delta", index: 2, delta: "{}" },
    {
      type: "tool_call_end",
      index: 2,
      toolCall: { type: "tool_call", id: "fc_3", callId: "call_3", name: "h", arguments: {} },
    },
    done([], "tool_use"),
  ], false);
  const calls = out.flatMap((c) =>
    ((c.choices as { delta: { tool_calls?: unknown[] } }[])[0]?.delta.tool_calls) ?? []
  );
  assert.deepEqual(calls, [
    { index: 0, id: "call_1", type: "function", function: { name: "f", arguments: "" } },
    { index: 0, function: { arguments: '{"a":' } },
    { index: 0, function: { arguments: "1}" } },
    { index: 1, id: "call_2", type: "function", function: { name: "g", arguments: "" } },
    { index: 1, function: { arguments: '{"b":2}' } },
    { index: 2, id: "call_3", type: "function", function: { name: "h", arguments: "{}" } },
  ]);
  assert.equal((out.at(-1)!.choices as { finish_reason: string }[])[0].finish_reason, "tool_calls");
});
