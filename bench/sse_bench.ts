/**
 * SSE decoding throughput: pi's SSEDecoder (bytes → events → parsed JSON Responses
 * events) against the `openai` SDK's `Stream.fromSSEResponse` on the same 20 MB
 * synthetic Responses stream, delivered in 16 KiB chunks. `pi-neutral` adds the
 * Responses parser as an async generator per event (parseResponsesStream); `pi-batched`
 * is how the stream client reads: the events of each chunk through the synchronous parser.
 *
 *   deno bench -A bench/sse_bench.ts
 *   deno run -A bench/sse_bench.ts --report
 */

import { Stream } from "npm:openai@7.57.0/streaming";
import { parseResponsesStream, ResponsesParser } from "../src/ai/responses_shared.ts";
import { iterateSSE, readSSE, SSEDecoder } from "../src/ai/sse.ts";
import type { StopReason, StreamEvent } from "../src/ai/types.ts";

const CHUNK = 16 * 1024;
const ENC = new TextEncoder();
const TARGET = 20 * 1000 * 1000;

/** A realistic Responses stream: deltas of prose (some multi-byte), then completion. */
export function syntheticResponsesStream(
  targetBytes: number,
): { bytes: Uint8Array; events: number } {
  const words = [
    "the",
    "stream",
    "décodé",
    "ответ",
    "函数",
    "value",
    "🙂",
    "reasoning",
    "token",
    "\\n",
  ];
  const parts: string[] = [];
  let events = 0;
  let seq = 0;
  const push = (type: string, payload: Record<string, unknown>) => {
    parts.push(
      `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq++, ...payload })}\n\n`,
    );
    events++;
  };
  push("response.created", { response: { id: "resp_1", status: "in_progress" } });
  push("response.output_item.added", {
    output_index: 0,
    item: { id: "msg_1", type: "message", role: "assistant", content: [] },
  });
  let size = 0;
  let i = 0;
  while (size < targetBytes - 4096) {
    const delta = `${words[i % words.length]} ${words[(i * 7) % words.length]} `;
    const line = `event: response.output_text.delta\ndata: ${
      JSON.stringify({
        type: "response.output_text.delta",
        sequence_number: seq++,
        item_id: "msg_1",
        output_index: 0,
        content_index: 0,
        delta,
      })
    }\n\n`;
    parts.push(line);
    events++;
    size += ENC.encode(line).length;
    i++;
  }
  push("response.output_item.done", {
    output_index: 0,
    item: { id: "msg_1", type: "message", content: [{ type: "output_text", text: "..." }] },
  });
  push("response.completed", {
    response: { id: "resp_1", status: "completed", usage: { input_tokens: 10, output_tokens: i } },
  });
  return { bytes: new TextEncoder().encode(parts.join("")), events };
}

const { bytes, events: EVENTS } = syntheticResponsesStream(TARGET);
const chunks: Uint8Array[] = [];
for (let i = 0; i < bytes.length; i += CHUNK) chunks.push(bytes.subarray(i, i + CHUNK));

function readable(): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(chunks[i++]);
      else controller.close();
    },
  }, { highWaterMark: 0 });
}

interface ResponsesEvent {
  type: string;
  delta?: string;
}

/** pi: SSEDecoder over the same chunks, JSON-parsed into typed events. */
export async function decodePi(): Promise<number> {
  const reader = readable().getReader();
  const decoder = new SSEDecoder();
  let n = 0;
  let textBytes = 0;
  while (true) {
    const r = await reader.read();
    if (r.done) break;
    const events = decoder.decode(r.value);
    for (let i = 0; i < events.length; i++) {
      const ev = JSON.parse(events[i].data) as ResponsesEvent;
      if (ev.type === "response.output_text.delta") textBytes += ev.delta!.length;
      n++;
    }
  }
  for (const e of decoder.flush()) {
    JSON.parse(e.data);
    n++;
  }
  if (textBytes === 0) throw new Error("no text");
  return n;
}

/** openai SDK: Stream.fromSSEResponse over the same chunks. */
export async function decodeSdk(): Promise<number> {
  const controller = new AbortController();
  const s = Stream.fromSSEResponse<ResponsesEvent>(new Response(readable()), controller);
  let n = 0;
  let textBytes = 0;
  for await (const ev of s) {
    if (ev.type === "response.output_text.delta") textBytes += ev.delta!.length;
    n++;
  }
  if (textBytes === 0) throw new Error("no text");
  return n;
}

/** pi, whole pipeline: bytes → SSE → provider-neutral StreamEvents (async generators). */
export async function decodePiNeutral(): Promise<number> {
  const model = {
    provider: "openai",
    billed: true,
    cost: { input: 1, output: 1, cacheRead: 0, cacheWrite: 0 },
  };
  let n = 0;
  let text = 0;
  const gen = parseResponsesStream(iterateSSE(readable()), model);
  let r = await gen.next();
  while (!r.done) {
    if (r.value.type === "text_delta") text += r.value.delta.length;
    n++;
    r = await gen.next();
  }
  if (text === 0 || r.value !== "stop") throw new Error("bad stream");
  return n;
}

/**
 * pi as the stream client reads: each read's SSE events (readSSE) through the synchronous
 * ResponsesParser in one go, as stream.ts does.
 */
export async function decodePiBatched(): Promise<number> {
  const parser = new ResponsesParser({
    provider: "openai",
    billed: true,
    cost: { input: 1, output: 1, cacheRead: 0, cacheWrite: 0 },
  });
  const out: StreamEvent[] = [];
  let n = 0;
  let text = 0;
  let stop: StopReason | undefined;
  for await (const batch of readSSE(readable())) {
    for (let i = 0; i < batch.length && stop === undefined; i++) stop = parser.push(batch[i], out);
    for (let i = 0; i < out.length; i++) {
      const ev = out[i];
      if (ev.type === "text_delta") text += ev.delta.length;
      n++;
    }
    out.length = 0;
    if (stop !== undefined) break;
  }
  if (text === 0 || stop !== "stop") throw new Error("bad stream");
  return n;
}

// Sanity: both see every event.
const [a, b] = [await decodePi(), await decodeSdk()];
if (a !== EVENTS || b !== EVENTS) {
  throw new Error(`event counts differ: pi ${a}, sdk ${b}, want ${EVENTS}`);
}

const MB = bytes.length / 1e6;
Deno.bench({
  name: `openai SDK Stream.fromSSEResponse (${MB.toFixed(1)} MB, ${EVENTS} events)`,
  group: "sse",
  baseline: true,
  n: 5,
  async fn() {
    await decodeSdk();
  },
});
Deno.bench({
  name: `pi SSEDecoder + JSON.parse (${MB.toFixed(1)} MB, ${EVENTS} events)`,
  group: "sse",
  n: 5,
  async fn() {
    await decodePi();
  },
});

Deno.bench({
  name: `pi bytes → neutral StreamEvents (text_delta…) (${MB.toFixed(1)} MB)`,
  group: "sse",
  n: 5,
  async fn() {
    await decodePiNeutral();
  },
});

Deno.bench({
  name: `pi bytes → neutral StreamEvents, a read at a time (${MB.toFixed(1)} MB)`,
  group: "sse",
  n: 5,
  async fn() {
    await decodePiBatched();
  },
});

if (import.meta.main && Deno.args.includes("--report")) {
  const fns = [
    ["sdk", decodeSdk],
    ["pi", decodePi],
    ["pi-neutral", decodePiNeutral],
    ["pi-batched", decodePiBatched],
  ] as const;
  for (const [name, fn] of fns) {
    const runs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      await fn();
      runs.push(performance.now() - t0);
    }
    runs.sort((x, y) => x - y);
    const ms = runs[2];
    console.log(
      `${name}: median ${ms.toFixed(0)} ms, ${(MB / (ms / 1000)).toFixed(0)} MB/s, ${
        Math.round(EVENTS / (ms / 1000))
      } events/s`,
    );
  }
}
