/**
 * The one entry point: `stream(model, context, options)` picks the client by
 * `model.api` and yields provider-neutral events. Around every client it does the
 * same things: key from the KeySource, fetch with the AbortSignal, rate-limit
 * headers, HTTP errors (and a 200 that is a web page), retries before any output,
 * one refresh after a 401 (openai-codex), the move to another account after a usage limit
 * (`--rotate-accounts`, KeySource.nextAccount), the idle timeout, and the final message
 * through the reducer.
 *
 * A long answer is tens of thousands of small events, so the path is built per network
 * read, not per event: the SSE events of one read go through the client's synchronous
 * parser and the reducer in one go and reach the {@link AssistantStream} as one batch,
 * which hands them on with waiting deltas joined. Nothing holds a read's bytes after it
 * is decoded, and the text is kept compactly (reduce.ts: TextBuffer).
 * @module
 */

import { tryJwtClaims } from "../auth/jwt.ts";
import type { KeySource } from "../auth/types.ts";
import type { Deps } from "../deps.ts";
import { isPiError, PiError } from "../errors.ts";
import type { ModelApi, ReasoningLevel } from "../models/types.ts";
import type { Model } from "../models/types.ts";
import type { ProviderClient } from "./client.ts";
import type { ResponsesFields } from "./responses_shared.ts";
import { redact } from "../redact.ts";
import { MessageBuilder } from "./reduce.ts";
import { abortableSleep, deadlineSignal } from "../sleep.ts";
import {
  ApiFailure,
  httpFailure,
  networkFailure,
  retryDelay,
  type RetryOptions,
  UsageLimitError,
} from "./retry.ts";
import { readSSE, type SSEEvent, SSEEventTooLarge } from "./sse.ts";
import type { AssistantMessage, Context, StopReason, StreamEvent } from "./types.ts";
import { parseCodexRateLimitHeaders, type UsageSnapshotStore } from "./usage.ts";
import type { UsageSnapshot } from "./types.ts";

/**
 * Options of {@link stream}.
 */
export interface StreamOptions {
  /** Where keys come from (an AuthStorage). */
  keys: KeySource;
  /** The outside world: `fetch`, `env` (base URLs), `now` (reset times). */
  deps: Pick<Deps, "fetch" | "env" | "now">;
  /** Stops the request, the stream and any backoff wait. */
  signal?: AbortSignal;
  /** Session id: Codex `session_id` header and `prompt_cache_key` (default: a new UUID). */
  sessionId?: string;
  /** Thinking level, clamped to what the model supports (default `medium`). */
  reasoning?: ReasoningLevel;
  /** Output token limit (default: the model's maximum, where the API needs one). */
  maxOutputTokens?: number;
  /** Retry tuning (tests inject short delays). */
  retry?: RetryOptions;
  /** A stream silent this long fails (ms, default 300 000; `Infinity`: no limit). */
  idleTimeoutMs?: number;
  /** Receives the `x-codex-*` rate-limit snapshot of every Codex response. */
  usageStore?: UsageSnapshotStore;
  /**
   * The Responses APIs only: a client's own `input`, `tools`, `tool_choice`, … sent as they
   * are in place of those built from the context (pi serve). Other APIs ignore it.
   */
  responses?: ResponsesFields;
}

/**
 * The clients, each loaded on its first request: importing the library or starting pi
 * does not load the request builders and parsers of every API.
 */
const CLIENTS: Record<ModelApi, () => Promise<ProviderClient>> = {
  "openai-codex-responses": async () =>
    (await import("./openai_codex_responses.ts")).openaiCodexResponses,
  "openai-responses": async () => (await import("./openai_responses.ts")).openaiResponses,
  "anthropic-messages": async () =>
    (await import("./anthropic_messages.ts")).anthropicMessagesClient,
};

/** Events the user sees; before the first of them an attempt may be retried silently. */
function isVisible(event: StreamEvent): boolean {
  switch (event.type) {
    case "text_start":
    case "thinking_start":
    case "usage":
    case "retry":
    case "account_switch":
      return false;
    default:
      return true;
  }
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

function errorText(e: unknown): string {
  return redact(e instanceof Error ? e.message : String(e));
}

function abortedError(cause?: unknown): PiError {
  return new PiError("api.aborted", "The request was aborted", { cause });
}

/** The error for a provider with no key anywhere in the resolution chain, with what to do. */
export function missingKeyError(provider: string): PiError {
  const hint = provider === "openai-codex"
    ? "run pi login openai-codex (or set OPENAI_API_KEY to an access token)"
    : provider === "anthropic"
    ? "set ANTHROPIC_API_KEY, or pass --api-key"
    : provider === "openai"
    ? "set OPENAI_API_KEY, or pass --api-key"
    : `pass --api-key for ${provider}`;
  return new PiError("auth.not_logged_in", `No API key for ${provider}`, { hint });
}

/** The account a rate-limit snapshot belongs to: the stored account of the key, else its claim. */
function labelSnapshot(
  snapshot: UsageSnapshot,
  keys: KeySource,
  provider: string,
  key: string,
): UsageSnapshot {
  const owner = keys.accountOf?.(provider, key);
  if (owner) snapshot.account = owner.entry;
  const accountId = owner?.accountId ?? tryJwtClaims(key).accountId; // none for a non-JWT key
  if (accountId !== undefined) snapshot.accountId = accountId;
  return snapshot;
}

/**
 * The usage-limit error with the other logged-in accounts named in its hint (when there
 * are any): what the user can switch to, or, after a rotation found none, that they are at
 * their limits too.
 */
function withOtherAccounts(
  error: PiError,
  keys: KeySource,
  provider: string,
  key: string | undefined,
  rotated: boolean,
): PiError {
  const others = keys.otherAccounts?.(provider, key) ?? [];
  if (others.length === 0) return error;
  const names = others.join(", ");
  const hint = rotated
    ? `${error.hint}; the other accounts (${names}) are at their limits too, or cannot be used`
    : `${error.hint}; or use another logged-in account: ${names} (--account <name> or /account <name>; --rotate-accounts switches by itself)`;
  if (error instanceof UsageLimitError) {
    return new UsageLimitError(error.kind, error.message, { hint, resetsAt: error.resetsAt });
  }
  return new PiError(error.code, error.message, { hint, cause: error.cause });
}

/**
 * Watches one reply for silence and for the abort signal. Silence is the time spent
 * waiting for the network since the last *event*: chunks that complete no event (keep-alive
 * comments, a slowly arriving event) do not count as activity, and the consumer's own time
 * between reads does not count as silence. When the limit passes or the signal aborts,
 * the reader is cancelled (its pending read settles at once) and {@link StreamWatch.error}
 * says why. One timer at a time for the whole stream, re-armed only when it fires early: a
 * timer per chunk would be wasteful, and the first setTimeout in a Deno process loads
 * Node-style timers (~4 ms before the first text). An infinite `idleMs` means no limit.
 */
class StreamWatch {
  /** Time spent waiting in reads since the last event, finished reads only. */
  #quiet = 0;
  /** When the pending read began, or -1. */
  #since = -1;
  /** Bytes arrived since the last event. */
  #bytes = false;
  #stopped = false;
  #idleMs: number;
  #provider: string;
  #signal: AbortSignal | undefined;
  #onAbort: (() => void) | undefined;
  #reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  /** The pending timer and its listener: a timer with a listener keeps the process alive. */
  #timer: { signal: AbortSignal; fire: () => void } | undefined;
  /** Why the watch ended the stream, once it has. */
  error: unknown = undefined;

  constructor(idleMs: number, signal: AbortSignal | undefined, provider: string) {
    this.#idleMs = idleMs;
    this.#signal = signal;
    this.#provider = provider;
    if (signal) {
      this.#onAbort = () => this.#fail(signal.reason);
      if (signal.aborted) this.#onAbort();
      else signal.addEventListener("abort", this.#onAbort, { once: true });
    }
    this.#arm(idleMs);
  }

  #fire = () => {
    this.#timer = undefined;
    if (this.#stopped) return;
    const quiet = this.#quiet + (this.#since >= 0 ? performance.now() - this.#since : 0);
    if (quiet < this.#idleMs) return this.#arm(this.#idleMs - quiet);
    const seconds = Math.round(this.#idleMs / 100) / 10;
    this.#fail(
      new ApiFailure(
        "api.stream",
        `No data from ${this.#provider} for ${seconds} s${
          this.#bytes ? " (only keep-alive pings)" : ""
        }`,
        {
          retryable: true,
          broken: true,
          hint: "try again; if it keeps happening, check the network",
        },
      ),
    );
  };

  #arm(ms: number): void {
    if (this.#stopped) return;
    const signal = deadlineSignal(Math.max(1, ms));
    if (!signal) return;
    signal.addEventListener("abort", this.#fire, { once: true });
    this.#timer = { signal, fire: this.#fire };
  }

  #fail(error: unknown): void {
    if (this.#stopped) return;
    this.error = error;
    this.stop();
    this.#reader?.cancel(error).catch(() => {});
  }

  /** A read of `reader` begins. */
  reading(reader: ReadableStreamDefaultReader<Uint8Array>): void {
    this.#reader = reader;
    this.#since = performance.now();
  }

  /** The read has its answer (`bytes` long). */
  read(bytes: number): void {
    if (this.#since >= 0) this.#quiet += performance.now() - this.#since;
    this.#since = -1;
    if (bytes > 0) this.#bytes = true;
  }

  /** Events arrived: the silence ends. */
  event(): void {
    this.#quiet = 0;
    this.#bytes = false;
  }

  /** Stops watching; the pending timer no longer keeps the process alive. */
  stop(): void {
    this.#stopped = true;
    if (this.#onAbort) this.#signal?.removeEventListener("abort", this.#onAbort);
    if (this.#timer) this.#timer.signal.removeEventListener("abort", this.#timer.fire);
    this.#timer = undefined;
  }
}

/** A body that begins with `<` (after a BOM and white space) is a web page, not events. */
class HtmlSniffer {
  #decided = false;

  /** Whether `chunk` shows the body to be HTML; false once anything else was seen. */
  isHtml(chunk: Uint8Array): boolean {
    if (this.#decided) return false;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      // BOM bytes, space, tab, CR, LF
      if (b === 0xef || b === 0xbb || b === 0xbf || b === 32 || b === 9 || b === 13 || b === 10) {
        continue;
      }
      this.#decided = true;
      return b === 0x3c;
    }
    return false;
  }
}

/** The error for a 200 reply that is a web page (a proxy's, or a network login page). */
function htmlFailure(provider: string, why: string): ApiFailure {
  return new ApiFailure(
    "api.http",
    `${provider} answered with a web page (${why}), not an event stream: probably a proxy or a network login page`,
    {
      hint:
        "check HTTPS_PROXY and the base URL, or open a web page in a browser to log in to the network, then try again",
    },
  );
}

/**
 * Reads SSE events from a body, the events of each network read together. Fails when it
 * stays without events for `idleMs`, when one event grows beyond the SSE limit, and when
 * the body turns out to be a web page.
 */
async function* readEvents(
  body: ReadableStream<Uint8Array>,
  idleMs: number,
  signal: AbortSignal | undefined,
  provider: string,
): AsyncGenerator<SSEEvent[]> {
  const watch = new StreamWatch(idleMs, signal, provider);
  const html = new HtmlSniffer();
  const read = async (reader: ReadableStreamDefaultReader<Uint8Array>) => {
    watch.reading(reader);
    let r: ReadableStreamReadResult<Uint8Array>;
    try {
      r = await reader.read();
    } catch (e) {
      watch.read(0);
      if (watch.error !== undefined) throw watch.error;
      if (isPiError(e) || signal?.aborted) throw e;
      throw new ApiFailure("api.network", `Lost the connection to ${provider} (${errorText(e)})`, {
        cause: e,
        retryable: true,
        broken: true,
      });
    }
    watch.read(r.done ? 0 : r.value.length);
    if (watch.error !== undefined) throw watch.error;
    if (!r.done && html.isHtml(r.value)) throw htmlFailure(provider, "its body is HTML");
    return r;
  };
  try {
    for await (const events of readSSE(body, read)) {
      watch.event();
      yield events;
    }
  } catch (e) {
    if (e instanceof SSEEventTooLarge) {
      throw new ApiFailure(
        "api.stream",
        `${provider} sent an event larger than ${e.size}`,
        { cause: e, hint: "this is not a normal answer; check the base URL or the proxy" },
      );
    }
    throw e;
  } finally {
    watch.stop();
  }
}

/**
 * Runs the request with retries and yields events ending in one `done` or `error` (the
 * events of one network read as one array). Never throws.
 */
async function* run(
  model: Model,
  context: Context,
  options: StreamOptions,
): AsyncGenerator<StreamEvent | StreamEvent[]> {
  const { deps, signal } = options;
  // Loads while the key is looked up.
  const clientLoading = CLIENTS[model.api]?.();
  clientLoading?.catch(() => {}); // awaited below; an early exit must not leave it unhandled
  let client: ProviderClient | undefined;
  const retry = options.retry ?? {};
  const maxRetries = retry.maxRetries ?? 4;
  const maxRetryAfter = retry.maxRetryAfterMs ?? 120_000;
  const sleep = retry.sleep ?? abortableSleep;
  const idleMs = options.idleTimeoutMs ?? 300_000;
  const sessionId = options.sessionId ?? crypto.randomUUID();
  const builder = new MessageBuilder(model);
  let retries = 0;
  let refreshed = false;
  let key: string | undefined;
  let shown = false;
  /** Accounts that hit their usage limit on this request. */
  const limited = new Set<string>();

  const fail = (error: PiError): StreamEvent => {
    const aborted = error.code === "api.aborted";
    return {
      type: "error",
      error,
      message: builder.snapshot(aborted ? "aborted" : "error", error.message),
    };
  };

  while (true) {
    const held: StreamEvent[] = [];
    const attempt = new AbortController();
    const fetchSignal = signal ? AbortSignal.any([signal, attempt.signal]) : attempt.signal;
    try {
      if (signal?.aborted) throw abortedError(signal.reason);
      if (!clientLoading) {
        throw new PiError("models.unknown", `Unknown API for model ${model.id}: ${model.api}`);
      }
      key ??= await options.keys.getApiKey(model.provider, { signal });
      if (!key) throw missingKeyError(model.provider);
      client ??= await clientLoading;
      const req = client.request(model, context, {
        key,
        sessionId,
        reasoning: options.reasoning,
        maxOutputTokens: options.maxOutputTokens,
        env: deps.env,
        responses: options.responses,
      });
      let response: Response;
      try {
        response = await deps.fetch(req.url, {
          method: "POST",
          headers: req.headers,
          body: req.body,
          signal: fetchSignal,
        });
      } catch (e) {
        if (signal?.aborted) throw abortedError(e);
        throw networkFailure(model.provider, e);
      }
      if (client.codexRateLimits && options.usageStore) {
        const snap = parseCodexRateLimitHeaders(response.headers, deps.now(), model.provider);
        if (snap) options.usageStore.update(labelSnapshot(snap, options.keys, model.provider, key));
      }
      if (!response.ok || !response.body) {
        let text = "";
        try {
          text = await response.text();
        } catch {
          // the body is part of the message only
        }
        throw httpFailure(model.provider, response.status, text, response.headers, deps.now());
      }
      if (/^\s*text\/html/i.test(response.headers.get("content-type") ?? "")) {
        throw htmlFailure(model.provider, "text/html");
      }
      // Each network read's events go through the parser and the builder together, and on
      // to the consumer as one batch.
      const parser = client.parser(model, (id) => builder.setResponseId(id), deps.now());
      const parsed: StreamEvent[] = [];
      let stopReason: StopReason | undefined;
      for await (const batch of readEvents(response.body, idleMs, signal, model.provider)) {
        for (let i = 0; i < batch.length && stopReason === undefined; i++) {
          stopReason = parser.push(batch[i], parsed);
        }
        if (parsed.length > 0) {
          const out: StreamEvent[] = [];
          for (let i = 0; i < parsed.length; i++) {
            const ev = parsed[i];
            if (!shown && !isVisible(ev)) {
              held.push(ev);
              continue;
            }
            if (!shown) {
              shown = true;
              for (const h of held) {
                builder.apply(h);
                out.push(h);
              }
              held.length = 0;
            }
            builder.apply(ev);
            out.push(ev);
          }
          parsed.length = 0;
          if (out.length > 0) yield out;
        }
        if (stopReason !== undefined) break;
      }
      if (stopReason === undefined) throw parser.incomplete();
      for (const h of held) builder.apply(h);
      if (held.length > 0) yield held;
      yield { type: "done", stopReason, message: builder.finish(stopReason) };
      return;
    } catch (e) {
      if (signal?.aborted) {
        yield fail(isPiError(e, "api.aborted") ? e : abortedError(e));
        return;
      }
      let error: PiError = isPiError(e)
        ? e
        : new PiError("api.stream", `Unexpected failure: ${e instanceof Error ? e.message : e}`, {
          cause: e,
        });
      if (
        error instanceof ApiFailure && error.unauthorized && client?.refreshOnUnauthorized &&
        !refreshed && !shown
      ) {
        refreshed = true;
        try {
          // The refused key's own account is refreshed, even when another one has become the
          // active account since. Another request may have refreshed it since this key was
          // sent (many requests at once with one revoked token): refresh then answers with
          // that token, and makes no second refresh.
          key = await options.keys.refresh(model.provider, { force: true, signal, key });
        } catch (refreshError) {
          yield fail(isPiError(refreshError) ? refreshError : error);
          return;
        }
        if (key) continue;
        yield fail(error);
        return;
      }
      if (isPiError(error, "api.usage_limit")) {
        // usage_limit_reached before anything was shown: the same request on another account.
        const limit = error instanceof UsageLimitError ? error : undefined;
        const rotating = limit?.kind === "usage_limit_reached" && !shown &&
          options.keys.accountRotation === true;
        if (rotating) {
          const from = key === undefined
            ? undefined
            : options.keys.accountOf?.(model.provider, key)?.name;
          if (from !== undefined) limited.add(from);
          let next;
          try {
            next = await options.keys.nextAccount?.(model.provider, {
              reason: limit.kind,
              key,
              exclude: limited,
              signal,
            });
          } catch (switchError) {
            yield fail(isPiError(switchError) ? switchError : error);
            return;
          }
          if (next) {
            limited.add(next.from);
            key = next.key;
            refreshed = false; // the new account may need its own refresh after a 401
            yield { type: "account_switch", from: next.from, to: next.to, reason: limit.kind };
            continue;
          }
        }
        error = withOtherAccounts(error, options.keys, model.provider, key, rotating);
      }
      if (error instanceof ApiFailure && error.retryable && !shown && retries < maxRetries) {
        const wait = error.retryAfterMs;
        if (wait === undefined || wait <= maxRetryAfter) {
          retries++;
          const delayMs = retryDelay(retries, retry, wait);
          yield { type: "retry", attempt: retries, delayMs, reason: error.message };
          try {
            await sleep(delayMs, signal);
          } catch (sleepError) {
            yield fail(abortedError(sleepError));
            return;
          }
          continue;
        }
      }
      if (error instanceof ApiFailure && error.broken && shown) {
        error = new PiError(
          "api.stream",
          `The answer from ${model.provider} was cut off: ${lowerFirst(error.message)}`,
          { cause: error, hint: "the partial answer is kept; send the message again to retry" },
        );
      }
      yield fail(error);
      return;
    } finally {
      attempt.abort();
    }
  }
}

type DeltaEvent = Extract<
  StreamEvent,
  { type: "text_delta" | "thinking_delta" | "tool_call_delta" }
>;

/** `a` and `b` joined when `b` adds to the same block as the delta `a`, else undefined. */
function joinDeltas(a: StreamEvent, b: StreamEvent): DeltaEvent | undefined {
  if (a.type !== "text_delta" && a.type !== "thinking_delta" && a.type !== "tool_call_delta") {
    return undefined;
  }
  if (b.type !== a.type || b.index !== a.index) return undefined;
  return { type: a.type, index: a.index, delta: a.delta + b.delta };
}

/**
 * A running answer: iterate it for events (once), or await {@link AssistantStream.result}.
 * The request starts when the stream is created, and the answer is read as fast as it
 * arrives, whatever the consumer's pace: deltas of one block that are waiting for the
 * consumer travel as one delta (their text joined), so a slow consumer — or none, for
 * {@link complete} — holds the text once rather than an event per delta.
 *
 * @example
 * ```ts ignore
 * import { stream } from "./stream.ts";
 * const s = stream(model, context, { keys: authStorage, deps });
 * for await (const ev of s) if (ev.type === "text_delta") console.log(ev.delta);
 * const message = await s.result();
 * ```
 */
export class AssistantStream implements AsyncIterable<StreamEvent> {
  /** Events not yet taken, from `#head` on. */
  #queue: StreamEvent[] = [];
  #head = 0;
  #waiting: ((r: IteratorResult<StreamEvent>) => void) | undefined;
  #ended = false;
  #iterated = false;
  #result: Promise<AssistantMessage>;

  #stop: AbortController | undefined;

  /**
   * Starts pumping `source` (which must end with a `done` or `error` event; an array is
   * events that arrived together). `stop` is aborted when a consumer stops iterating
   * before the end.
   */
  constructor(
    source: AsyncIterable<StreamEvent | readonly StreamEvent[]>,
    stop?: AbortController,
  ) {
    this.#stop = stop;
    let resolve!: (m: AssistantMessage) => void;
    let reject!: (e: unknown) => void;
    this.#result = new Promise((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.#result.catch(() => {});
    (async () => {
      let final: StreamEvent | undefined;
      try {
        for await (const item of source) {
          if (Array.isArray(item)) {
            for (let i = 0; i < item.length; i++) this.#push(item[i]);
            final = item.at(-1) ?? final;
          } else {
            this.#push(item as StreamEvent);
            final = item as StreamEvent;
          }
          this.#wake();
        }
      } catch (e) {
        reject(e);
      }
      this.#ended = true;
      this.#wake();
      if (final?.type === "done") resolve(final.message);
      else if (final?.type === "error") reject(final.error);
      else reject(new PiError("api.stream", "The stream ended without a result"));
    })();
  }

  #push(ev: StreamEvent): void {
    const last = this.#queue.length - 1;
    const joined = last >= this.#head ? joinDeltas(this.#queue[last], ev) : undefined;
    if (joined) this.#queue[last] = joined;
    else this.#queue.push(ev);
  }

  /** Hands the next event (or the end) to a waiting consumer. */
  #wake(): void {
    const waiting = this.#waiting;
    if (!waiting) return;
    const r = this.#take();
    if (r === undefined) return;
    this.#waiting = undefined;
    waiting(r);
  }

  #take(): IteratorResult<StreamEvent> | undefined {
    if (this.#head < this.#queue.length) {
      const value = this.#queue[this.#head];
      this.#queue[this.#head++] = undefined as unknown as StreamEvent;
      if (this.#head === this.#queue.length) {
        this.#queue = [];
        this.#head = 0;
      } else if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
        this.#queue = this.#queue.slice(this.#head);
        this.#head = 0;
      }
      return { value, done: false };
    }
    if (this.#ended) return { value: undefined, done: true };
    return undefined;
  }

  /** The final message; rejects with the PiError of an `error` event. */
  result(): Promise<AssistantMessage> {
    return this.#result;
  }

  /** The events, once. Leaving the loop early (`break`) aborts the request. */
  [Symbol.asyncIterator](): AsyncIterator<StreamEvent> {
    let first = true;
    let finished = false;
    return {
      next: () => {
        if (first) {
          first = false;
          if (this.#iterated) {
            return Promise.reject(
              new PiError("api.stream", "An AssistantStream can be iterated once"),
            );
          }
          this.#iterated = true;
        }
        const r = finished ? { value: undefined, done: true as const } : this.#take();
        if (r !== undefined) {
          if (r.done) finished = true;
          return Promise.resolve(r);
        }
        return new Promise((resolve) => this.#waiting = resolve);
      },
      return: () => {
        finished = true;
        if (!this.#ended) this.#stop?.abort();
        return Promise.resolve({ value: undefined, done: true as const });
      },
    };
  }
}

/**
 * Streams one answer from `model`: picks the client by `model.api`
 * (`openai-codex-responses`, `openai-responses`, `anthropic-messages`) and yields
 * {@link StreamEvent}s ending in exactly one `done` or `error`.
 *
 * @example
 * ```ts ignore
 * import { stream } from "./stream.ts";
 * const s = stream(model, { systemPrompt: "Be brief.", messages: [{ role: "user", content: "Hi" }] }, {
 *   keys: authStorage,
 *   deps,
 * });
 * for await (const ev of s) if (ev.type === "text_delta") console.log(ev.delta);
 * ```
 */
export function stream(model: Model, context: Context, options: StreamOptions): AssistantStream {
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  return new AssistantStream(run(model, context, { ...options, signal }), stop);
}

/**
 * Streams and returns only the final message (throws the PiError of a failure).
 *
 * @example
 * ```ts ignore
 * import { complete } from "./stream.ts";
 * const answer = await complete(model, { systemPrompt: "", messages: [{ role: "user", content: "2+2?" }] }, {
 *   keys: authStorage,
 *   deps,
 * });
 * console.log(answer.content, answer.usage.cost.total);
 * ```
 */
export function complete(
  model: Model,
  context: Context,
  options: StreamOptions,
): Promise<AssistantMessage> {
  return stream(model, context, options).result();
}
