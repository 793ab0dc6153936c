import assert from "node:assert/strict";
import {
  iterateSSE,
  MAX_EVENT_LENGTH,
  readSSE,
  SSEDecoder,
  type SSEEvent,
  SSEEventTooLarge,
} from "../src/ai/sse.ts";

const enc = new TextEncoder();

/** A recorded-style stream with every awkward feature; ends without a blank line. */
const RECORDING = [
  ": keep-alive comment",
  "",
  "event: response.created",
  'data: {"type":"response.created","response":{"id":"resp_1"}}',
  "",
  "event: response.output_text.delta",
  'data: {"type":"response.output_text.delta","delta":"héllo wörld — 函数 🙂"}',
  "",
  ": comment between events",
  "event: multi",
  "data: line one",
  "data:line two without space",
  "data:  two spaces keep one",
  "id: 42",
  "retry: 1000",
  "unknownfield: ignored",
  "",
  "event: empty-is-not-dispatched",
  "",
  "data",
  "",
  'data: {"emoji":"👩‍💻","cjk":"日本語テキスト","cyrillic":"ответ"}',
  "",
  "event: last",
  'data: {"type":"response.completed"}',
].join("\n");

const EXPECTED: SSEEvent[] = [
  { event: "response.created", data: '{"type":"response.created","response":{"id":"resp_1"}}' },
  {
    event: "response.output_text.delta",
    data: '{"type":"response.output_text.delta","delta":"héllo wörld — 函数 🙂"}',
  },
  {
    event: "multi",
    data: "line one\nline two without space\n two spaces keep one",
    id: "42",
  },
  { event: "message", data: "", id: "42" },
  { event: "message", data: '{"emoji":"👩‍💻","cjk":"日本語テキスト","cyrillic":"ответ"}', id: "42" },
  { event: "last", data: '{"type":"response.completed"}', id: "42" },
];

function decodeChunks(chunks: Uint8Array[]): SSEEvent[] {
  const d = new SSEDecoder();
  const out: SSEEvent[] = [];
  for (const c of chunks) out.push(...d.decode(c));
  out.push(...d.flush());
  return out;
}

function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const sorted = [...new Set(cuts)].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const c of sorted) {
    out.push(bytes.subarray(prev, c));
    prev = c;
  }
  out.push(bytes.subarray(prev));
  return out;
}

/** Deterministic PRNG (mulberry32) so a failure can be reproduced. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VARIANTS: Record<string, string> = {
  lf: RECORDING,
  crlf: RECORDING.replaceAll("\n", "\r\n"),
  cr: RECORDING.replaceAll("\n", "\r"),
  mixed: mixedEndings(RECORDING),
};

/** Line endings cycling \n, \r\n, \r (never a lone \r before an empty \n-line: that is \r\n). */
function mixedEndings(text: string): string {
  let out = "";
  let prev = "";
  const lines = text.split("\n");
  lines.forEach((line, i) => {
    let end = ["\n", "\r\n", "\r"][i % 3];
    if (prev === "\r" && line === "" && end === "\n") end = "\r\n";
    out += line + (i < lines.length - 1 ? end : "");
    prev = end;
  });
  return out;
}

Deno.test("sse: the recording, whole, gives the expected events (all line-ending styles)", () => {
  for (const [name, text] of Object.entries(VARIANTS)) {
    assert.deepEqual(decodeChunks([enc.encode(text)]), EXPECTED, name);
  }
});

Deno.test("sse: byte by byte gives the same events", () => {
  for (const [name, text] of Object.entries(VARIANTS)) {
    const bytes = enc.encode(text);
    const chunks = Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1));
    assert.deepEqual(decodeChunks(chunks), EXPECTED, name);
  }
});

Deno.test("sse: 1,000 random splits per line-ending style give the same events", () => {
  const random = rng(0x5eed);
  let runs = 0;
  let splitUtf8 = 0;
  let splitCrlf = 0;
  for (const [name, text] of Object.entries(VARIANTS)) {
    const bytes = enc.encode(text);
    for (let i = 0; i < 1000; i++) {
      const n = 1 + Math.floor(random() * 40);
      const cuts = Array.from({ length: n }, () => 1 + Math.floor(random() * (bytes.length - 1)));
      for (const c of cuts) {
        if ((bytes[c] & 0xc0) === 0x80) splitUtf8++;
        if (bytes[c - 1] === 13 && bytes[c] === 10) splitCrlf++;
      }
      assert.deepEqual(decodeChunks(splitAt(bytes, cuts)), EXPECTED, `${name} cuts=${cuts}`);
      runs++;
    }
  }
  assert.equal(runs, 4000);
  // The random cuts really did land inside UTF-8 sequences and between \r and \n.
  assert.ok(splitUtf8 > 100, `utf-8 splits: ${splitUtf8}`);
  assert.ok(splitCrlf > 10, `crlf splits: ${splitCrlf}`);
});

Deno.test("sse: every multi-byte character split in every position", () => {
  const bytes = enc.encode(VARIANTS.crlf);
  for (let c = 1; c < bytes.length; c++) {
    if ((bytes[c] & 0xc0) !== 0x80 && !(bytes[c - 1] === 13 && bytes[c] === 10)) continue;
    assert.deepEqual(decodeChunks(splitAt(bytes, [c])), EXPECTED, `cut at ${c}`);
  }
});

Deno.test("sse: a last event without a trailing blank line is delivered, once", () => {
  for (const tail of ["data: x", "data: x\n", "data: x\r\n", "data: x\r", "data: x\n\n"]) {
    assert.deepEqual(decodeChunks([enc.encode(tail)]), [{ event: "message", data: "x" }], tail);
  }
  assert.deepEqual(decodeChunks([enc.encode("")]), []);
  assert.deepEqual(decodeChunks([enc.encode(": only a comment")]), []);
});

Deno.test("sse: a leading BOM is ignored and \\r\\n\\r\\n separates events", () => {
  const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...enc.encode("data: a\r\n\r\ndata: b\r\n\r\n")]);
  assert.deepEqual(decodeChunks([bytes]).map((e) => e.data), ["a", "b"]);
});

Deno.test("sse: long lines spanning many chunks", () => {
  const big = "x".repeat(200_000);
  const bytes = enc.encode(`data: ${big}\n\ndata: after\n\n`);
  const chunks = splitAt(bytes, Array.from({ length: 50 }, (_, i) => (i + 1) * 4001));
  const events = decodeChunks(chunks);
  assert.equal(events.length, 2);
  assert.equal(events[0].data.length, 200_000);
  assert.equal(events[1].data, "after");
});

Deno.test("sse: iterateSSE over a Response body", async () => {
  const bytes = enc.encode(VARIANTS.crlf);
  const make = () =>
    new ReadableStream<Uint8Array>({
      start(c) {
        for (const chunk of splitAt(bytes, [3, 17, 100, 101, 250])) c.enqueue(chunk);
        c.close();
      },
    });
  const viaIter: SSEEvent[] = [];
  for await (const e of iterateSSE(make())) viaIter.push(e);
  assert.deepEqual(viaIter, EXPECTED);
});

Deno.test("sse: a line or an event's data longer than the limit throws SSEEventTooLarge", () => {
  const tooLarge = (e: unknown) => e instanceof SSEEventTooLarge && e.limit === 100;
  // A line that never ends, arriving in pieces: stops at the limit, not at the end of input.
  const d = new SSEDecoder({ maxEventLength: 100 });
  const piece = enc.encode("x".repeat(30));
  assert.deepEqual(d.decode(enc.encode("data: ")), []);
  assert.deepEqual(d.decode(piece), []);
  assert.deepEqual(d.decode(piece), []);
  assert.deepEqual(d.decode(piece), []);
  assert.throws(() => d.decode(piece), tooLarge);
  // One long line in one chunk.
  assert.throws(
    () => new SSEDecoder({ maxEventLength: 100 }).decode(enc.encode(`data: ${"y".repeat(101)}\n`)),
    tooLarge,
  );
  // Many short data lines of one event.
  const lines = enc.encode("data: 0123456789\n".repeat(10));
  assert.throws(() => new SSEDecoder({ maxEventLength: 100 }).decode(lines), tooLarge);
  // At the limit: fine, split anywhere.
  const atLimit = enc.encode(`data:${"z".repeat(95)}\n\n`);
  for (const cut of [1, 50, 99, 100]) {
    const events = decodeWith(new SSEDecoder({ maxEventLength: 100 }), splitAt(atLimit, [cut]));
    assert.equal(events[0].data.length, 95);
  }
  assert.equal(
    new SSEEventTooLarge(16 * 1024 * 1024).message,
    "The server sent an event larger than 16 MiB",
  );
  assert.equal(MAX_EVENT_LENGTH, 16 * 1024 * 1024);
});

function decodeWith(d: SSEDecoder, chunks: Uint8Array[]): SSEEvent[] {
  const out: SSEEvent[] = [];
  for (const c of chunks) out.push(...d.decode(c));
  out.push(...d.flush());
  return out;
}

Deno.test("sse: readSSE yields each chunk's events together", async () => {
  const text = "data: a\n\ndata: b\n\ndata: c";
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(enc.encode(text.slice(0, 18))); // a, b and the start of c
      c.enqueue(enc.encode(": a comment\n")); // no event
      c.enqueue(enc.encode(text.slice(18))); // the rest of c, delivered at the end
      c.close();
    },
  });
  const batches: string[][] = [];
  for await (const events of readSSE(body)) batches.push(events.map((e) => e.data));
  assert.deepEqual(batches, [["a", "b"], ["c"]]);
});
