/** /v1/responses of pi serve (src/serve/responses.ts): request in, events and objects out. */
import assert from "node:assert/strict";
import {
  outputItems,
  parseResponsesRequest,
  responseObject,
  ResponsesEventStream,
  responsesInputItems,
  sseText,
} from "../src/serve/responses.ts";
import { responsesUsage } from "../src/ai/responses_shared.ts";
import type { StreamEvent } from "../src/ai/types.ts";
import { CODEX_USAGE, codexAnswer } from "./ai_fakes.ts";
import { badField } from "./fixtures/bad_request.ts";

const META = { id: "resp_abc", createdAt: 1700000000, model: "gpt-5.2-codex" };

Deno.test("input: a string is one user message; items keep their shape without ids", () => {
  assert.deepEqual(responsesInputItems("Hi"), [
    { type: "message", role: "user", content: [{ type: "input_text", text: "Hi" }] },
  ]);
  const reasoning = {
    type: "reasoning",
    id: "rs_1",
    status: "completed",
    summary: [{ type: "summary_text", text: "t" }],
    encrypted_content: "enc",
  };
  assert.deepEqual(
    responsesInputItems([
      { role: "system", content: "Rules." },
      {
        role: "user",
        content: [{ type: "input_text", text: "q" }, { type: "input_image", image_url: "u" }],
      },
      reasoning,
      { type: "message", id: "msg_1", role: "assistant", content: "a" },
      {
        type: "function_call",
        id: "fc_1",
        call_id: "call_1",
        name: "f",
        arguments: "{}",
        status: "completed",
      },
      { type: "function_call_output", call_id: "call_1", output: "out" },
      { type: "web_search_call", id: "ws_1", status: "completed" },
    ]),
    [
      { type: "message", role: "developer", content: [{ type: "input_text", text: "Rules." }] },
      {
        type: "message",
        role: "user",
        content: [{ type: "input_text", text: "q" }, { type: "input_image", image_url: "u" }],
      },
      {
        type: "reasoning",
        summary: [{ type: "summary_text", text: "t" }],
        encrypted_content: "enc",
      },
      {
        type: "message",
        role: "assistant",
        content: [{ type: "output_text", text: "a", annotations: [] }],
      },
      { type: "function_call", call_id: "call_1", name: "f", arguments: "{}", status: "completed" },
      { type: "function_call_output", call_id: "call_1", output: "out" },
      { type: "web_search_call", status: "completed" },
    ],
  );
});

Deno.test("input and request: 400s naming the field", () => {
  assert.match(badField(() => responsesInputItems(5)), /^input: must be a string or an array/);
  assert.match(badField(() => responsesInputItems([1])), /^input\[0\]: must be an object/);
  assert.match(
    badField(() => responsesInputItems([{ content: "x" }])),
    /^input\[0\]\.type: is required/,
  );
  assert.match(
    badField(() => responsesInputItems([{ role: "tool", content: "x" }])),
    /^input\[0\]\.role: must be one of/,
  );
  assert.match(
    badField(() => responsesInputItems([{ type: "function_call", name: "f", arguments: "{}" }])),
    /^input\[0\]\.call_id: is required/,
  );
  assert.match(
    badField(() =>
      responsesInputItems([{ type: "function_call_output", call_id: "c", output: 1 }])
    ),
    /^input\[0\]\.output:/,
  );
  assert.match(
    badField(() => responsesInputItems([{ type: "item_reference", id: "msg_1" }])),
    /^input\[0\]: item_reference is not supported/,
  );
  assert.match(badField(() => parseResponsesRequest({ model: "m" })), /^input: is required/);
  assert.match(badField(() => parseResponsesRequest({ input: "x" })), /^model: is required/);
  assert.match(
    badField(() =>
      parseResponsesRequest({ model: "m", input: "x", previous_response_id: "resp_1" })
    ),
    /^previous_response_id: is not supported/,
  );
  assert.match(
    badField(() =>
      parseResponsesRequest({ model: "m", input: "x", tools: [{ type: "function" }] })
    ),
    /^tools\[0\]\.name: is required/,
  );
  assert.match(
    badField(() =>
      parseResponsesRequest({ model: "m", input: "x", reasoning: { effort: "huge" } })
    ),
    /^reasoning\.effort: must be one of/,
  );
  for (const effort of ["off", "constructor", "toString"]) {
    assert.match(
      badField(() => parseResponsesRequest({ model: "m", input: "x", reasoning: { effort } })),
      /^reasoning\.effort: must be one of none, minimal, low, medium, high, xhigh$/,
      effort,
    );
  }
  assert.match(
    badField(() => parseResponsesRequest({ model: "m", input: "x", instructions: 3 })),
    /^instructions: must be a string/,
  );
});

Deno.test("parseResponsesRequest: what is forwarded and what is pi's", () => {
  const tools = [{ type: "function", name: "f", parameters: { type: "object" } }];
  const request = parseResponsesRequest({
    model: "gpt-5.2-codex",
    instructions: "Be kind.",
    input: "Hi",
    tools,
    tool_choice: { type: "function", name: "f" },
    parallel_tool_calls: false,
    text: { format: { type: "json_object" } },
    reasoning: { effort: "minimal", summary: "detailed" },
    stream: true,
    store: true,
    temperature: 1,
    prompt_cache_key: "k",
  });
  assert.deepEqual(request, {
    model: "gpt-5.2-codex",
    stream: true,
    instructions: "Be kind.",
    fields: {
      input: [{ type: "message", role: "user", content: [{ type: "input_text", text: "Hi" }] }],
      tools,
      tool_choice: { type: "function", name: "f" },
      parallel_tool_calls: false,
      text: { format: { type: "json_object" } },
    },
    reasoning: "minimal",
    promptCacheKey: "k",
  });
});

Deno.test("responseObject and outputItems: items with stable ids, the reasoning item kept whole, usage", () => {
  const signature = JSON.stringify({
    type: "reasoning",
    id: "rs_upstream",
    summary: [{ type: "summary_text", text: "hm" }],
    encrypted_content: "enc",
  });
  const answer = codexAnswer([
    { type: "thinking", thinking: "hm", signature },
    { type: "text", text: "Hi" },
    { type: "tool_call", id: "fc_9", callId: "call_9", name: "f", arguments: { a: 1 } },
  ], "tool_use");
  assert.deepEqual(outputItems(META, answer), [
    {
      type: "reasoning",
      id: "rs_abc_0",
      summary: [{ type: "summary_text", text: "hm" }],
      encrypted_content: "enc",
    },
    {
      id: "msg_abc_1",
      type: "message",
      status: "completed",
      role: "assistant",
      content: [{ type: "output_text", text: "Hi", annotations: [] }],
    },
    {
      id: "fc_9",
      type: "function_call",
      status: "completed",
      call_id: "call_9",
      name: "f",
      arguments: '{"a":1}',
    },
  ]);
  const done = responseObject(META, { status: "completed", message: answer });
  assert.equal(done.status, "completed");
  assert.deepEqual(done.usage, responsesUsage(CODEX_USAGE));
  assert.deepEqual(responsesUsage(CODEX_USAGE), {
    input_tokens: 100,
    input_tokens_details: { cached_tokens: 20 },
    output_tokens: 10,
    output_tokens_details: { reasoning_tokens: 2 },
    total_tokens: 110,
  });
  const cut = responseObject(META, { status: "completed", message: codexAnswer([], "length") });
  assert.equal(cut.status, "incomplete");
  assert.deepEqual(cut.incomplete_details, { reason: "max_output_tokens" });
  const failed = responseObject(META, { status: "failed", code: "upstream_error", message: "x" });
  assert.deepEqual(failed.error, { code: "upstream_error", message: "x" });
});

Deno.test("events: the order of the OpenAI API, increasing sequence numbers, whole tool calls as one delta", () => {
  const s = new ResponsesEventStream(META);
  const out = s.start();
  const answer = codexAnswer([
    { type: "text", text: "Hi" },
    { type: "tool_call", id: "fc_1", callId: "call_1", name: "f", arguments: { a: 1 } },
  ], "tool_use");
  const events: StreamEvent[] = [
    { type: "text_start", index: 0 },
    { type: "text_delta", index: 0, delta: "H" },
    { type: "text_delta", index: 0, delta: "i" },
    { type: "text_end", index: 0, text: "Hi" },
    { type: "tool_call_start", index: 1, id: "fc_1", callId: "call_1", name: "f" },
    {
      type: "tool_call_end",
      index: 1,
      toolCall: { type: "tool_call", id: "fc_1", callId: "call_1", name: "f", arguments: { a: 1 } },
    },
    { type: "usage", usage: CODEX_USAGE },
    { type: "done", stopReason: "tool_use", message: answer },
  ];
  for (const e of events) s.push(e, out);
  assert.deepEqual(out.map((e) => e.type), [
    "response.created",
    "response.in_progress",
    "response.output_item.added",
    "response.content_part.added",
    "response.output_text.delta",
    "response.output_text.delta",
    "response.output_text.done",
    "response.content_part.done",
    "response.output_item.done",
    "response.output_item.added",
    "response.function_call_arguments.delta",
    "response.function_call_arguments.done",
    "response.output_item.done",
    "response.completed",
  ]);
  assert.deepEqual(out.map((e) => e.data.sequence_number), out.map((_, i) => i));
  assert.ok(out.every((e) => e.data.type === e.type));
  assert.equal(out[10].data.delta, '{"a":1}');
  assert.equal(out[4].data.item_id, "msg_abc_0");
  const completed = out.at(-1)!.data.response as Record<string, unknown>;
  assert.deepEqual(completed.output, outputItems(META, answer));
  assert.equal(
    sseText(out[4]),
    `event: response.output_text.delta\ndata: ${JSON.stringify(out[4].data)}\n\n`,
  );
  const failed = s.fail("upstream_error", "broke");
  assert.equal(failed.type, "response.failed");
  assert.equal(failed.data.sequence_number, out.length);
});

Deno.test("events: reasoning summary deltas, and the backend's reasoning item when it ends", () => {
  const s = new ResponsesEventStream(META);
  const out = s.start();
  const signature = JSON.stringify({
    type: "reasoning",
    id: "rs_x",
    summary: [],
    encrypted_content: "e",
  });
  for (
    const e of [
      { type: "thinking_start", index: 0 },
      { type: "thinking_delta", index: 0, delta: "so" },
      { type: "thinking_end", index: 0, thinking: "so", signature },
    ] satisfies StreamEvent[]
  ) s.push(e, out);
  assert.deepEqual(out.slice(2).map((e) => e.type), [
    "response.output_item.added",
    "response.reasoning_summary_part.added",
    "response.reasoning_summary_text.delta",
    "response.reasoning_summary_text.done",
    "response.reasoning_summary_part.done",
    "response.output_item.done",
  ]);
  assert.deepEqual(out.at(-1)!.data.item, {
    type: "reasoning",
    id: "rs_abc_0",
    summary: [],
    encrypted_content: "e",
  });
});
