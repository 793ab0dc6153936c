/**
 * The Responses parser when items arrive whole (CONTRACT.md: "An answer may arrive as whole
 * items"): the finished item is the source of truth, reconciled with whatever deltas came —
 * with or without `output_item.added`, `output_index` or `item_id`. Each case goes through
 * the parser and the reducer, and once through `stream()` against a real HTTP fake, sent a
 * byte at a time.
 */

import assert from "node:assert/strict";
import { reduceEvents } from "../src/ai/reduce.ts";
import { parseResponsesStream } from "../src/ai/responses_shared.ts";
import { stream } from "../src/ai/stream.ts";
import type { StopReason, StreamEvent } from "../src/ai/types.ts";
import {
  codexModel,
  codexToken,
  collect,
  deps,
  fakeKeys,
  sse,
  sseResponse,
  startFake,
} from "./ai_fakes.ts";

const model = codexModel();

type Json = Record<string, unknown>;

function ev(type: string, data: Json = {}): { event: string; data: string } {
  return { event: type, data: JSON.stringify({ type, ...data }) };
}

const COMPLETED = ev("response.completed", {
  response: { id: "r", status: "completed", output: [], usage: { input_tokens: 3 } },
});

function message(text: string, extra: Json = {}): Json {
  return {
    type: "message",
    role: "assistant",
    content: [{ type: "output_text", text, annotations: [] }],
    ...extra,
  };
}

/** Runs the SSE events through the parser: the neutral events and the stop reason. */
async function parse(events: { event: string; data: string }[]): Promise<{
  events: StreamEvent[];
  stop: StopReason;
}> {
  const parser = parseResponsesStream(
    (async function* () {
      yield* events;
    })(),
    model,
  );
  const out: StreamEvent[] = [];
  let r = await parser.next();
  for (; !r.done; r = await parser.next()) out.push(r.value);
  return { events: out, stop: r.value };
}

function text(events: StreamEvent[]): string {
  return events.filter((e) => e.type === "text_delta").map((e) => e.delta).join("");
}

function final(events: StreamEvent[]) {
  return reduceEvents(model, events);
}

Deno.test("whole items: a message only as output_item.done (no added, deltas, output_index)", async () => {
  const { events, stop } = await parse([
    ev("response.created", { response: { id: "r" } }),
    ev("response.output_item.done", { item: message("The whole answer.", { id: "msg_1" }) }),
    COMPLETED,
  ]);
  assert.equal(stop, "stop");
  assert.deepEqual(events.map((e) => e.type), ["text_start", "text_delta", "text_end", "usage"]);
  assert.equal(text(events), "The whole answer.", "consumers of deltas see it as one delta");
  assert.deepEqual(final(events).content, [{ type: "text", text: "The whole answer." }]);
});

Deno.test("whole items: a function_call only as output_item.done is a complete tool call", async () => {
  const { events, stop } = await parse([
    ev("response.output_item.done", {
      item: {
        type: "function_call",
        id: "fc_1",
        call_id: "call_1",
        name: "write",
        arguments: '{"path":"a.txt","content":"x"}',
      },
    }),
    COMPLETED,
  ]);
  assert.equal(stop, "tool_use");
  const end = events.find((e) => e.type === "tool_call_end");
  assert.deepEqual(end?.type === "tool_call_end" && end.toolCall, {
    type: "tool_call",
    id: "fc_1",
    callId: "call_1",
    name: "write",
    arguments: { path: "a.txt", content: "x" },
  });
  assert.deepEqual(final(events).content, [{
    type: "tool_call",
    id: "fc_1",
    callId: "call_1",
    name: "write",
    arguments: { path: "a.txt", content: "x" },
  }]);
});

Deno.test("whole items: reasoning, message and call, none with output_index, keep their order", async () => {
  const reasoning = {
    type: "reasoning",
    id: "rs_1",
    summary: [{ type: "summary_text", text: "One." }, { type: "summary_text", text: "Two." }],
    encrypted_content: "enc",
  };
  const { events, stop } = await parse([
    ev("response.output_item.done", { item: reasoning }),
    ev("response.output_item.done", { item: message("Calling.", { id: "msg_1" }) }),
    ev("response.output_item.done", {
      item: { type: "function_call", id: "fc_1", call_id: "c1", name: "read", arguments: "{}" },
    }),
    COMPLETED,
  ]);
  assert.equal(stop, "tool_use");
  const thinking = events.filter((e) => e.type === "thinking_delta").map((e) => e.delta).join("");
  assert.equal(thinking, "One.\n\nTwo.");
  const content = final(events).content;
  assert.deepEqual(content.map((c) => c.type), ["thinking", "text", "tool_call"]);
  assert.deepEqual(content[0], {
    type: "thinking",
    thinking: "One.\n\nTwo.",
    signature: JSON.stringify(reasoning),
  });
});

Deno.test("whole items: deltas without added events, by output_index, then the item: no duplicate", async () => {
  const { events } = await parse([
    ev("response.output_text.delta", { output_index: 0, delta: "Hel" }),
    ev("response.output_text.delta", { output_index: 0, delta: "lo" }),
    ev("response.output_item.done", { output_index: 0, item: message("Hello") }),
    COMPLETED,
  ]);
  assert.equal(text(events), "Hello");
  assert.deepEqual(final(events).content, [{ type: "text", text: "Hello" }]);
});

Deno.test("whole items: deltas with item_id only (no output_index), then the item by id", async () => {
  const { events } = await parse([
    ev("response.output_text.delta", { item_id: "msg_9", delta: "Hi " }),
    ev("response.output_text.delta", { item_id: "msg_9", delta: "there" }),
    ev("response.output_item.done", { item: message("Hi there", { id: "msg_9" }) }),
    COMPLETED,
  ]);
  assert.equal(text(events), "Hi there");
  assert.equal(events.filter((e) => e.type === "text_start").length, 1);
  assert.deepEqual(final(events).content, [{ type: "text", text: "Hi there" }]);
});

Deno.test("whole items: deltas and item with no identity at all are one block", async () => {
  const { events } = await parse([
    ev("response.output_text.delta", { delta: "a" }),
    ev("response.output_text.delta", { delta: "b" }),
    ev("response.output_item.done", { item: message("abc") }),
    ev("response.output_item.done", { item: message("second") }),
    COMPLETED,
  ]);
  assert.equal(text(events), "abcsecond");
  assert.deepEqual(final(events).content, [
    { type: "text", text: "abc" },
    { type: "text", text: "second" },
  ]);
});

Deno.test("whole items: the item's text wins over deltas that differ; no delta is resent", async () => {
  const { events } = await parse([
    ev("response.output_item.added", { output_index: 0, item: { type: "message", id: "m" } }),
    ev("response.output_text.delta", { output_index: 0, delta: "Helo wrld" }),
    ev("response.output_item.done", { output_index: 0, item: message("Hello world", { id: "m" }) }),
    COMPLETED,
  ]);
  assert.equal(text(events), "Helo wrld");
  assert.deepEqual(final(events).content, [{ type: "text", text: "Hello world" }]);
});

Deno.test("whole items: deltas that stop short are completed by the item, as one more delta", async () => {
  const { events } = await parse([
    ev("response.output_item.added", { output_index: 0, item: { type: "message", id: "m" } }),
    ev("response.output_text.delta", { output_index: 0, delta: "The start" }),
    ev("response.output_item.done", {
      output_index: 0,
      item: message("The start, and the rest.", { id: "m" }),
    }),
    COMPLETED,
  ]);
  const deltas = events.filter((e) => e.type === "text_delta").map((e) => e.delta);
  assert.deepEqual(deltas, ["The start", ", and the rest."]);
  assert.deepEqual(final(events).content, [{ type: "text", text: "The start, and the rest." }]);
});

Deno.test("whole items: an item without text parts keeps the deltas' text", async () => {
  const { events } = await parse([
    ev("response.output_text.delta", { output_index: 0, delta: "kept" }),
    ev("response.output_item.done", { output_index: 0, item: { type: "message", id: "m" } }),
    COMPLETED,
  ]);
  assert.deepEqual(final(events).content, [{ type: "text", text: "kept" }]);
});

Deno.test("whole items: argument deltas without an added event get their name from the item", async () => {
  const { events, stop } = await parse([
    ev("response.function_call_arguments.delta", { output_index: 1, delta: '{"path":' }),
    ev("response.function_call_arguments.delta", { output_index: 1, delta: '"b.txt"}' }),
    ev("response.output_item.done", {
      output_index: 1,
      item: { type: "function_call", id: "fc_2", call_id: "call_2", name: "read" },
    }),
    COMPLETED,
  ]);
  assert.equal(stop, "tool_use");
  assert.deepEqual(final(events).content, [{
    type: "tool_call",
    id: "fc_2",
    callId: "call_2",
    name: "read",
    arguments: { path: "b.txt" },
  }]);
});

Deno.test("whole items: reasoning deltas by item_id, then the finished item", async () => {
  const item = {
    type: "reasoning",
    id: "rs_1",
    summary: [{ type: "summary_text", text: "Plan A." }, { type: "summary_text", text: "Then B." }],
  };
  const { events } = await parse([
    ev("response.reasoning_summary_part.added", { item_id: "rs_1", summary_index: 0 }),
    ev("response.reasoning_summary_text.delta", { item_id: "rs_1", delta: "Plan A." }),
    ev("response.reasoning_summary_part.added", { item_id: "rs_1", summary_index: 1 }),
    ev("response.reasoning_summary_text.delta", { item_id: "rs_1", delta: "Then" }),
    ev("response.output_item.done", { item }),
    COMPLETED,
  ]);
  const deltas = events.filter((e) => e.type === "thinking_delta").map((e) => e.delta);
  assert.deepEqual(deltas, ["Plan A.", "\n\n", "Then", " B."]);
  assert.deepEqual(final(events).content, [
    { type: "thinking", thinking: "Plan A.\n\nThen B.", signature: JSON.stringify(item) },
  ]);
});

Deno.test("whole items: items only in response.completed's output are the answer", async () => {
  const { events, stop } = await parse([
    ev("response.created", { response: { id: "r" } }),
    ev("response.completed", {
      response: {
        id: "r",
        status: "completed",
        output: [
          message("From the final output.", { id: "msg_1" }),
          { type: "function_call", id: "fc_1", call_id: "c1", name: "read", arguments: "{}" },
        ],
      },
    }),
  ]);
  assert.equal(stop, "tool_use");
  assert.equal(text(events), "From the final output.");
  assert.deepEqual(final(events).content.map((c) => c.type), ["text", "tool_call"]);
});

Deno.test("whole items: response.completed repeating items already finished adds nothing", async () => {
  const { events } = await parse([
    ev("response.output_item.done", { item: message("Once.", { id: "msg_1" }) }),
    ev("response.output_item.done", { item: message("Twice?", {}) }),
    ev("response.completed", {
      response: {
        status: "completed",
        output: [message("Once.", { id: "msg_1" }), message("Twice?"), message("Thrice?")],
      },
    }),
  ]);
  assert.equal(text(events), "Once.Twice?");
  assert.equal(final(events).content.length, 2);
});

Deno.test("whole items: blocks still open at the end are ended with what their deltas said", async () => {
  const { events, stop } = await parse([
    ev("response.output_item.added", {
      output_index: 0,
      item: { type: "function_call", id: "fc_1", call_id: "c1", name: "bash" },
    }),
    ev("response.function_call_arguments.delta", { output_index: 0, delta: '{"command":"ls"}' }),
    COMPLETED,
  ]);
  assert.equal(stop, "tool_use");
  const end = events.find((e) => e.type === "tool_call_end");
  assert.ok(end?.type === "tool_call_end", "the agent loop reports the call (tool_call event)");
  assert.deepEqual(end.toolCall.arguments, { command: "ls" });
  assert.equal(end.toolCall.name, "bash");
});

Deno.test("whole items: stream() over HTTP, one byte at a time, gives the answer and the call", async () => {
  const body = new TextEncoder().encode(
    sse("response.created", { response: { id: "resp_1" } }) +
      sse("response.output_item.done", { item: message("Writing it.", { id: "msg_1" }) }) +
      sse("response.output_item.done", {
        item: {
          type: "function_call",
          id: "fc_1",
          call_id: "call_1",
          name: "write",
          arguments: '{"path":"a.txt","content":"hi"}',
        },
      }) +
      sse("response.completed", { response: { id: "resp_1", status: "completed", output: [] } }),
  );
  const fake = startFake(() => {
    let i = 0;
    return sseResponse(
      new ReadableStream<Uint8Array>({
        pull(c) {
          if (i < body.length) c.enqueue(body.subarray(i, ++i));
          else c.close();
        },
      }),
    );
  });
  try {
    const s = stream(model, { systemPrompt: "x", messages: [{ role: "user", content: "hi" }] }, {
      keys: fakeKeys({ "openai-codex": codexToken() }),
      deps: deps({ PI_OPENAI_CODEX_BASE_URL: `${fake.url}/backend-api` }),
    });
    const events = await collect(s);
    assert.equal(text(events), "Writing it.");
    assert.ok(events.some((e) => e.type === "tool_call_end"));
    const message_ = await s.result();
    assert.equal(message_.stopReason, "tool_use");
    assert.deepEqual(message_.content, [
      { type: "text", text: "Writing it." },
      {
        type: "tool_call",
        id: "fc_1",
        callId: "call_1",
        name: "write",
        arguments: { path: "a.txt", content: "hi" },
      },
    ]);
  } finally {
    await fake.close();
  }
});
