/**
 * The one entry point: `stream(model, context, options)` picks the client by
 * `model.api` and yields provider-neutral events. Around every client it does the
 * same things: key from the KeySource, fetch with the AbortSignal, rate-limit
 * headers, HTTP errors, retries before any output, one refresh after a 401
 * (openai-codex), the idle timeout, and the final message through the reducer.
 * @module
 */

import type { KeySource } from "../auth/types.ts";
import type { Deps } from "../deps.ts";
import { isPiError, PiError } from "../errors.ts";
import type { ModelApi, ReasoningLevel } from "../models/types.ts";
import type { Model } from "../models/types.ts";
import type { ProviderClient } from "./client.ts";
import { redact } from "../redact.ts";
import { MessageBuilder } from "./reduce.ts";
import { abortableSleep, deadlineSignal } from "../sleep.ts";
import { ApiFailure, httpFailure, networkFailure, retryDelay, type RetryOptions } from "./retry.ts";
import { iterateSSE, type SSEEvent } from "./sse.ts";
import type { AssistantMessage, Context, StopReason, StreamEvent } from "./types.ts";
import { parseCodexRateLimitHeaders, type UsageSnapshotStore } from "./usage.ts";

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

/**
 * Rejects when a read stays unanswered for `idleMs` (time spent by the consumer between
 * reads does not count), or when `signal` aborts. One timer at a time for the whole
 * stream, re-armed only when it fires early: a timer per chunk would be wasteful, and the
 * first setTimeout in a Deno process loads Node-style timers (~4 ms before the first
 * text). An infinite `idleMs` means no limit.
 */
class StreamWatch {
  #last = performance.now();
  #reading = false;
  #stopped = false;
  #idleMs: number;
  #signal: AbortSignal | undefined;
  #onAbort: (() => void) | undefined;
  /** The pending timer and its listener: a timer with a listener keeps the process alive. */
  #timer: { signal: AbortSignal; fire: () => void } | undefined;
  /** Never resolves; rejects on silence or abort. */
  readonly failed: Promise<never>;

  constructor(idleMs: number, signal: AbortSignal | undefined, provider: string) {
    this.#idleMs = idleMs;
    this.#signal = signal;
    this.failed = new Promise<never>((_, reject) => {
      const fire = () => {
        if (this.#stopped) return;
        const quiet = this.#reading ? performance.now() - this.#last : 0;
        if (quiet < this.#idleMs) return this.#arm(this.#idleMs - quiet, fire);
        this.stop();
        const seconds = Math.round(idleMs / 100) / 10;
        reject(
          new ApiFailure("api.stream", `No data from ${provider} for ${seconds} s`, {
            retryable: true,
            broken: true,
            hint: "try again; if it keeps happening, check the network",
          }),
        );
      };
      this.#onAbort = () => {
        this.stop();
        reject(signal!.reason);
      };
      if (signal?.aborted) return this.#onAbort();
      signal?.addEventListener("abort", this.#onAbort, { once: true });
      this.#arm(idleMs, fire);
    });
    this.failed.catch(() => {}); // raced by every read; a late rejection is not unhandled
  }

  #arm(ms: number, fire: () => void): void {
    const signal = deadlineSignal(Math.max(1, ms));
    if (!signal) return;
    signal.addEventListener("abort", fire, { once: true });
    this.#timer = { signal, fire };
  }

  /** A read starts (true) or has its answer (false). */
  reading(waiting: boolean): void {
    this.#reading = waiting;
    this.#last = performance.now();
  }

  /** Stops watching; the pending timer no longer keeps the process alive. */
  stop(): void {
    this.#stopped = true;
    if (this.#onAbort) this.#signal?.removeEventListener("abort", this.#onAbort);
    if (this.#timer) this.#timer.signal.removeEventListener("abort", this.#timer.fire);
    this.#timer = undefined;
  }
}

/** Reads SSE events from a body, failing when it stays silent for `idleMs`. */
async function* readEvents(
  body: ReadableStream<Uint8Array>,
  idleMs: number,
  signal: AbortSignal | undefined,
  provider: string,
): AsyncGenerator<SSEEvent> {
  const watch = new StreamWatch(idleMs, signal, provider);
  const read = async (reader: ReadableStreamDefaultReader<Uint8Array>) => {
    watch.reading(true);
    try {
      return await Promise.race([reader.read(), watch.failed]);
    } catch (e) {
      if (isPiError(e) || signal?.aborted) throw e;
      throw new ApiFailure("api.network", `Lost the connection to ${provider} (${errorText(e)})`, {
        cause: e,
        retryable: true,
        broken: true,
      });
    } finally {
      watch.reading(false);
    }
  };
  try {
    yield* iterateSSE(body, read);
  } finally {
    watch.stop();
  }
}

/**
 * Runs the request with retries and yields events ending in one `done` or `error`.
 * Never throws.
 */
async function* run(
  model: Model,
  context: Context,
  options: StreamOptions,
): AsyncGenerator<StreamEvent> {
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
        if (snap) options.usageStore.update(snap);
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
      const events = readEvents(response.body, idleMs, signal, model.provider);
      const parser = client.parse(events, model, (id) => builder.setResponseId(id), deps.now());
      let r = await parser.next();
      while (!r.done) {
        const ev = r.value;
        if (!shown && !isVisible(ev)) {
          held.push(ev);
        } else {
          if (!shown) {
            shown = true;
            for (const h of held) {
              builder.apply(h);
              yield h;
            }
            held.length = 0;
          }
          builder.apply(ev);
          yield ev;
        }
        r = await parser.next();
      }
      for (const h of held) {
        builder.apply(h);
        yield h;
      }
      const stopReason: StopReason = r.value;
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
          key = await options.keys.refresh(model.provider, { force: true, signal });
        } catch (refreshError) {
          yield fail(isPiError(refreshError) ? refreshError : error);
          return;
        }
        if (key) continue;
        yield fail(error);
        return;
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

/**
 * A running answer: iterate it for events (once), or await {@link AssistantStream.result}.
 * The request starts when the stream is created.
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
  #queue: StreamEvent[] = [];
  #wake: (() => void) | undefined;
  #ended = false;
  #iterated = false;
  #result: Promise<AssistantMessage>;

  #stop: AbortController | undefined;

  /**
   * Starts pumping `source` (which must end with a `done` or `error` event).
   * `stop` is aborted when a consumer stops iterating before the end.
   */
  constructor(source: AsyncGenerator<StreamEvent>, stop?: AbortController) {
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
        for await (const ev of source) {
          if (ev.type === "done" || ev.type === "error") final = ev;
          this.#queue.push(ev);
          this.#wake?.();
        }
      } catch (e) {
        reject(e);
      }
      this.#ended = true;
      this.#wake?.();
      if (final?.type === "done") resolve(final.message);
      else if (final?.type === "error") reject(final.error);
      else reject(new PiError("api.stream", "The stream ended without a result"));
    })();
  }

  /** The final message; rejects with the PiError of an `error` event. */
  result(): Promise<AssistantMessage> {
    return this.#result;
  }

  /** The events, once. Leaving the loop early (`break`) aborts the request. */
  async *[Symbol.asyncIterator](): AsyncIterator<StreamEvent> {
    if (this.#iterated) throw new PiError("api.stream", "An AssistantStream can be iterated once");
    this.#iterated = true;
    try {
      yield* this.#drain();
    } finally {
      if (!this.#ended) this.#stop?.abort();
    }
  }

  async *#drain(): AsyncGenerator<StreamEvent> {
    let i = 0;
    while (true) {
      if (i < this.#queue.length) {
        const ev = this.#queue[i];
        this.#queue[i++] = undefined as unknown as StreamEvent;
        if (i > 1024 && i * 2 > this.#queue.length) {
          this.#queue = this.#queue.slice(i);
          i = 0;
        }
        yield ev;
        continue;
      }
      if (this.#ended) return;
      await new Promise<void>((r) => this.#wake = r);
      this.#wake = undefined;
    }
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
