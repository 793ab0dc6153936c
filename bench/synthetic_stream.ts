/**
 * The Responses stream the benches serve from their fake backends, shaped like the real
 * backend's (item ids, sequence numbers, `obfuscation`; ~250 bytes an event): one message
 * whose text comes in small deltas (words and pieces of words, some multi-byte), then the
 * whole text in `output_text.done` and `output_item.done`, and `response.completed`. Pure:
 * importing it starts nothing (bench/stream_memory_bench.ts, bench/serve_bench.ts).
 */

/** The stream's bytes and the answer text it carries. */
export interface SyntheticStream {
  /** The SSE bytes. */
  bytes: Uint8Array<ArrayBuffer>;
  /** Where each event ends in `bytes`. */
  ends: number[];
  /** Events in it. */
  events: number;
  /** The answer: every delta joined. */
  text: string;
}

const PIECES = [
  " the",
  " stream",
  "ed",
  " ans",
  "wer",
  " of",
  " a",
  " function",
  "(x)",
  ",",
  " é",
  " 函数",
  " ответ",
  "\n",
  " 🙂",
  " value",
];

/**
 * A stream of about `size.bytes` bytes in all, or with at least `size.textChars` characters
 * (UTF-16 code units) of answer text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { syntheticStream } from "./synthetic_stream.ts";
 * const s = syntheticStream({ textChars: 64 });
 * assert.ok(s.text.length >= 64);
 * assert.equal(s.ends.at(-1), s.bytes.length);
 * ```
 */
export function syntheticStream(size: { bytes: number } | { textChars: number }): SyntheticStream {
  const enc = new TextEncoder();
  const itemId = "msg_68b0c1d2e3f405162738495a6b7c8d9e0f1a2b3c4d5e6f70";
  const at = { item_id: itemId, output_index: 0, content_index: 0 };
  const parts: string[] = [];
  const text: string[] = [];
  const ends: number[] = [];
  let seq = 0;
  let bytes = 0;
  const push = (type: string, payload: Record<string, unknown>) => {
    const line = `event: ${type}\ndata: ${
      JSON.stringify({ type, sequence_number: seq++, ...payload })
    }\n\n`;
    parts.push(line);
    bytes += enc.encode(line).length;
    ends.push(bytes);
  };
  push("response.created", { response: { id: "resp_bench", status: "in_progress" } });
  push("response.output_item.added", {
    output_index: 0,
    item: { id: itemId, type: "message", status: "in_progress", role: "assistant", content: [] },
  });
  push("response.content_part.added", {
    ...at,
    part: { type: "output_text", annotations: [], text: "" },
  });
  let i = 0;
  let textBytes = 0;
  let textChars = 0;
  // By bytes: room for the closing events, which carry the whole text twice.
  const more = "bytes" in size
    ? () => bytes + 2 * textBytes + 2048 < size.bytes
    : () => textChars < size.textChars;
  while (more()) {
    const delta = PIECES[(i * 7 + (i >> 3)) % PIECES.length];
    text.push(delta);
    textBytes += enc.encode(delta).length;
    textChars += delta.length;
    push("response.output_text.delta", {
      ...at,
      delta,
      obfuscation: "Xq9ZpL2w".slice(0, 4 + (i % 5)),
    });
    i++;
  }
  const answer = text.join("");
  push("response.output_text.done", { ...at, text: answer });
  push("response.output_item.done", {
    output_index: 0,
    item: {
      id: itemId,
      type: "message",
      status: "completed",
      role: "assistant",
      content: [{ type: "output_text", annotations: [], logprobs: [], text: answer }],
    },
  });
  push("response.completed", {
    response: {
      id: "resp_bench",
      status: "completed",
      output: [],
      usage: {
        input_tokens: 1000,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens: i,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: 1000 + i,
      },
    },
  });
  return { bytes: enc.encode(parts.join("")), ends, events: seq, text: answer };
}
