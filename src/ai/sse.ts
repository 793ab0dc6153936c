/**
 * Server-Sent Events: bytes → text → lines → events, incrementally.
 *
 * One decoder object keeps the state between chunks: a streaming `TextDecoder`
 * (split UTF-8 sequences and a leading BOM), the unfinished last line, and the
 * fields of the event being built. Lines end at `\n`, `\r\n` or a lone `\r`,
 * also when the `\r` and the `\n` arrive in different chunks. Lines are found
 * with `String.prototype.indexOf` on whole decoded chunks, so nothing is
 * allocated per byte: one string per chunk, one slice per field line, one object
 * per event. A line that spans chunks is kept as pieces and joined once when it
 * ends (not copied again with every chunk), and no line or event `data` may grow
 * beyond {@link MAX_EVENT_LENGTH}: a server that never ends its line gets an
 * error, not unbounded buffering. Parsing follows the WHATWG `EventSource` rules
 * (comments, field without colon, one optional space after the colon, multi-line
 * `data`, an event with no `data` is not dispatched) and, like openai-node,
 * delivers a last event that the server did not close with a blank line.
 * @module
 */

/**
 * One server-sent event.
 */
export interface SSEEvent {
  /** The `event:` field; `message` when the server sent none. */
  event: string;
  /** The `data:` lines joined with `\n`. */
  data: string;
  /** The last `id:` field seen, if any. */
  id?: string;
}

/** The longest line or event `data` an {@link SSEDecoder} accepts by default: 16 MiB (of text). */
export const MAX_EVENT_LENGTH = 16 * 1024 * 1024;

/**
 * Thrown by {@link SSEDecoder.decode} when one line or one event's `data` grows beyond the
 * limit: a stream that never ends its line would otherwise be buffered without end.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SSEDecoder, SSEEventTooLarge } from "./sse.ts";
 * const decoder = new SSEDecoder({ maxEventLength: 8 });
 * assert.throws(
 *   () => decoder.decode(new TextEncoder().encode("data: 0123456789")),
 *   SSEEventTooLarge,
 * );
 * ```
 */
export class SSEEventTooLarge extends Error {
  /** The limit that was passed, in UTF-16 code units. */
  readonly limit: number;
  /** The limit for people: `16 MiB`. */
  readonly size: string;

  /** Creates the error for `limit`. */
  constructor(limit: number) {
    const size = sizeText(limit);
    super(`The server sent an event larger than ${size}`);
    this.name = "SSEEventTooLarge";
    this.limit = limit;
    this.size = size;
  }
}

/** `16 MiB`, `512 KiB` or `100 characters`. */
function sizeText(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} characters`;
}

const LF = 10;
const COLON = 58;
const SPACE = 32;

/**
 * An incremental SSE decoder. Feed it byte chunks with {@link SSEDecoder.decode}
 * and call {@link SSEDecoder.flush} at end of input.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SSEDecoder } from "./sse.ts";
 * const decoder = new SSEDecoder();
 * const bytes = new TextEncoder().encode("event: ping\ndata: {}\n\ndata: last");
 * const events = [...decoder.decode(bytes), ...decoder.flush()];
 * assert.equal(events.length, 2);
 * ```
 */
export class SSEDecoder {
  #text = new TextDecoder("utf-8");
  /** The unfinished last line, in pieces (joined once, when the line ends). */
  #pending: string[] = [];
  #pendingLength = 0;
  /** A chunk ended in `\r`: drop a `\n` that starts the next one. */
  #skipLF = false;
  #event: string | undefined = undefined;
  #data: string | undefined = undefined;
  #id: string | undefined = undefined;
  #out: SSEEvent[] = [];
  readonly #limit: number;

  /**
   * `maxEventLength`: the longest line or event `data` accepted, in UTF-16 code units
   * (default {@link MAX_EVENT_LENGTH}); beyond it {@link SSEDecoder.decode} throws an
   * {@link SSEEventTooLarge} instead of buffering without end.
   */
  constructor(options: { maxEventLength?: number } = {}) {
    this.#limit = options.maxEventLength ?? MAX_EVENT_LENGTH;
  }

  /** Decodes one chunk and returns the events it completed (often none). */
  decode(chunk: Uint8Array): SSEEvent[] {
    const text = this.#text.decode(chunk, { stream: true });
    if (text.length > 0) this.#lines(text);
    return this.#take();
  }

  /** Decodes already-decoded text (for tests and string sources). */
  decodeText(text: string): SSEEvent[] {
    if (text.length > 0) this.#lines(text);
    return this.#take();
  }

  /** Ends the input: the last unterminated line and event are delivered. */
  flush(): SSEEvent[] {
    const rest = this.#text.decode();
    if (rest.length > 0) this.#lines(rest);
    if (this.#pendingLength > 0) {
      const line = this.#takePending("");
      this.#field(line, 0, line.length);
    }
    this.#skipLF = false;
    this.#dispatch();
    return this.#take();
  }

  #take(): SSEEvent[] {
    if (this.#out.length === 0) return EMPTY;
    const out = this.#out;
    this.#out = [];
    return out;
  }

  /** The pending pieces and `tail` as one line. */
  #takePending(tail: string): string {
    const line = this.#pending.join("") + tail;
    this.#pending = [];
    this.#pendingLength = 0;
    return line;
  }

  #lines(s: string): void {
    let pos = 0;
    if (this.#skipLF) {
      this.#skipLF = false;
      if (s.charCodeAt(0) === LF) pos = 1;
    }
    const n = s.length;
    let cr = s.indexOf("\r", pos);
    let lf = s.indexOf("\n", pos);
    while (true) {
      let end: number;
      let next: number;
      if (cr !== -1 && (lf === -1 || cr < lf)) {
        end = cr;
        if (cr + 1 < n) {
          next = s.charCodeAt(cr + 1) === LF ? cr + 2 : cr + 1;
        } else {
          next = n;
          this.#skipLF = true;
        }
        cr = next < n ? s.indexOf("\r", next) : -1;
        if (lf !== -1 && lf < next) lf = next < n ? s.indexOf("\n", next) : -1;
      } else if (lf !== -1) {
        end = lf;
        next = lf + 1;
        lf = next < n ? s.indexOf("\n", next) : -1;
      } else {
        break;
      }
      if (this.#pendingLength > 0) {
        // The line began in an earlier chunk (only the first line of a chunk can).
        const line = this.#takePending(s.slice(pos, end));
        this.#field(line, 0, line.length);
      } else if (end === pos) this.#dispatch();
      else this.#field(s, pos, end);
      pos = next;
    }
    if (pos < n) {
      // Kept as a piece: a long line is joined once, not copied again with every chunk.
      this.#pending.push(pos === 0 ? s : s.slice(pos));
      this.#pendingLength += n - pos;
      if (this.#pendingLength > this.#limit) this.#tooLarge();
    }
  }

  #tooLarge(): never {
    this.#pending = [];
    this.#pendingLength = 0;
    this.#data = undefined;
    throw new SSEEventTooLarge(this.#limit);
  }

  /** One non-empty line `s[start, end)`. */
  #field(s: string, start: number, end: number): void {
    if (end - start > this.#limit) this.#tooLarge();
    const first = s.charCodeAt(start);
    if (first === COLON) return; // comment
    let name: string;
    let valueStart: number;
    // Fast paths for the fields that matter; the general rule otherwise.
    if (
      first === 100 && s.startsWith("data", start) &&
      (end === start + 4 || s.charCodeAt(start + 4) === COLON)
    ) {
      name = "data";
      valueStart = start + 5;
    } else if (
      first === 101 && s.startsWith("event", start) &&
      (end === start + 5 || s.charCodeAt(start + 5) === COLON)
    ) {
      name = "event";
      valueStart = start + 6;
    } else {
      const colon = s.indexOf(":", start);
      if (colon === -1 || colon >= end) {
        name = s.slice(start, end);
        valueStart = end;
      } else {
        name = s.slice(start, colon);
        valueStart = colon + 1;
      }
    }
    if (valueStart > end) valueStart = end;
    if (valueStart < end && s.charCodeAt(valueStart) === SPACE) valueStart++;
    const value = s.slice(valueStart, end);
    switch (name) {
      case "data":
        if (this.#data === undefined) this.#data = value;
        else if (this.#data.length + 1 + value.length > this.#limit) this.#tooLarge();
        else this.#data = this.#data + "\n" + value;
        break;
      case "event":
        this.#event = value;
        break;
      case "id":
        if (!value.includes("\0")) this.#id = value;
        break;
      default:
        // `retry` and unknown fields are ignored.
        break;
    }
  }

  #dispatch(): void {
    if (this.#data !== undefined) {
      const event: SSEEvent = { event: this.#event || "message", data: this.#data };
      if (this.#id !== undefined) event.id = this.#id;
      this.#out.push(event);
    }
    this.#data = undefined;
    this.#event = undefined;
  }
}

const EMPTY: SSEEvent[] = [];
Object.freeze(EMPTY);

/**
 * Reads a byte stream and yields its events, the events of each chunk together (one array
 * a chunk that completed any). `read` takes each chunk (default `reader.read()`; the
 * stream client wraps it with its idle and abort watch). When iteration stops early the
 * stream is cancelled, without waiting for that to settle, and the reader released.
 */
export async function* readSSE(
  body: ReadableStream<Uint8Array>,
  read: (
    reader: ReadableStreamDefaultReader<Uint8Array>,
  ) => Promise<ReadableStreamReadResult<Uint8Array>> = (reader) => reader.read(),
): AsyncGenerator<SSEEvent[]> {
  const reader = body.getReader();
  const decoder = new SSEDecoder();
  let done = false;
  try {
    while (true) {
      const r = await read(reader);
      if (r.done) {
        done = true;
        break;
      }
      const events = decoder.decode(r.value);
      if (events.length > 0) yield events;
    }
    const events = decoder.flush();
    if (events.length > 0) yield events;
  } finally {
    if (!done) reader.cancel().catch(() => {});
    try {
      reader.releaseLock();
    } catch {
      // a read may still be settling; the stream is cancelled anyway
    }
  }
}

/** {@link readSSE}, one event at a time. */
export async function* iterateSSE(
  body: ReadableStream<Uint8Array>,
  read?: (
    reader: ReadableStreamDefaultReader<Uint8Array>,
  ) => Promise<ReadableStreamReadResult<Uint8Array>>,
): AsyncGenerator<SSEEvent> {
  for await (const events of readSSE(body, read)) {
    for (let i = 0; i < events.length; i++) yield events[i];
  }
}
