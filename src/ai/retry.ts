/**
 * Failure handling shared by every streaming client: which failures are retried,
 * how long to wait (exponential backoff with jitter, `retry-after`), and the
 * one-line errors the user sees.
 * @module
 */

import { PiError, type PiErrorCode } from "../errors.ts";
import { redact } from "../redact.ts";

/**
 * How failures before any output are retried.
 */
export interface RetryOptions {
  /** Retries after the first attempt (default 4). */
  maxRetries?: number;
  /** First backoff delay in ms (default 1000); doubles each retry. */
  baseDelayMs?: number;
  /** Upper bound of one backoff delay in ms (default 30 000). */
  maxDelayMs?: number;
  /** A `retry-after` longer than this (ms, default 120 000) is not waited for. */
  maxRetryAfterMs?: number;
  /** Waits `ms` or rejects when `signal` aborts (tests inject a fast one). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** A number in [0, 1) for jitter (default Math.random). */
  random?: () => number;
}

/** A failure with what the retry loop needs to know about it. */
export class ApiFailure extends PiError {
  /** Worth another attempt when nothing was shown yet. */
  readonly retryable: boolean;
  /** The server asked to wait this long (ms). */
  readonly retryAfterMs: number | undefined;
  /** HTTP 401: the key was refused. */
  readonly unauthorized: boolean;
  /** The connection or stream broke (as opposed to an error the server reported). */
  readonly broken: boolean;
  /** The HTTP status of the reply that failed, when it was one. */
  readonly status: number | undefined;

  /** Creates a failure. */
  constructor(
    code: PiErrorCode,
    message: string,
    options: {
      hint?: string;
      cause?: unknown;
      retryable?: boolean;
      retryAfterMs?: number;
      unauthorized?: boolean;
      broken?: boolean;
      status?: number;
    } = {},
  ) {
    super(code, message, { hint: options.hint, cause: options.cause });
    this.retryable = options.retryable ?? false;
    this.retryAfterMs = options.retryAfterMs;
    this.unauthorized = options.unauthorized ?? false;
    this.broken = options.broken ?? false;
    this.status = options.status;
  }
}

/**
 * The Codex usage limit (`api.usage_limit`), with its data: which limit, and when it
 * resets (pi serve answers 429 with `retry-after` from it).
 */
export class UsageLimitError extends PiError {
  /** `usage_limit_reached` (resets later) or `usage_not_included` (the plan lacks Codex). */
  readonly kind: "usage_limit_reached" | "usage_not_included";
  /** When the limit resets, epoch milliseconds, when the server said. */
  readonly resetsAt: number | undefined;

  /** Creates the error. */
  constructor(
    kind: UsageLimitError["kind"],
    message: string,
    options: { hint?: string; resetsAt?: number } = {},
  ) {
    super("api.usage_limit", message, { hint: options.hint });
    this.kind = kind;
    this.resetsAt = options.resetsAt;
  }
}

/**
 * The `retry-after` (seconds or HTTP date) or `retry-after-ms` header, in ms;
 * undefined when absent or unreadable.
 */
export function parseRetryAfter(headers: Headers, now: number): number | undefined {
  const ms = headers.get("retry-after-ms");
  if (ms !== null && ms.trim() !== "" && Number.isFinite(Number(ms))) {
    return Math.max(0, Number(ms));
  }
  const value = headers.get("retry-after");
  if (value === null || value.trim() === "") return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  if (Number.isFinite(date)) return Math.max(0, date - now);
  return undefined;
}

/**
 * The wait before retry number `retry` (1-based): `retry-after` when the server
 * sent one, else base·2^(retry-1) with ±25 % jitter, capped.
 */
export function retryDelay(
  retry: number,
  options: RetryOptions,
  retryAfterMs?: number,
): number {
  if (retryAfterMs !== undefined) return retryAfterMs;
  const base = options.baseDelayMs ?? 1000;
  const max = options.maxDelayMs ?? 30_000;
  const random = options.random ?? Math.random;
  const raw = Math.min(max, base * 2 ** (retry - 1));
  return Math.max(0, Math.round(raw * (0.75 + random() * 0.5)));
}

/** Pulls a human message out of an error body (`error.message`, `message`, `detail`). */
export function serverMessage(body: string): string {
  return messageOf(body, parseBody(body));
}

/** An error body as JSON, or undefined when it is not JSON. */
function parseBody(body: string): unknown {
  try {
    return JSON.parse(body.trim());
  } catch {
    return undefined;
  }
}

/** {@link serverMessage} of `body`, whose JSON (if any) is `json`. */
function messageOf(body: string, json: unknown): string {
  let text = body.trim();
  if (json !== null && typeof json === "object") {
    const { error, message, detail } = json as Record<string, unknown>;
    const candidates = [
      error !== null && typeof error === "object"
        ? (error as Record<string, unknown>).message
        : error,
      message,
      detail,
    ];
    const found = candidates.find((c) => typeof c === "string" && c.trim() !== "");
    if (typeof found === "string") text = found.trim();
  }
  text = text.replace(/\s+/g, " ");
  if (text.length > 300) text = text.slice(0, 297) + "...";
  return redact(text);
}

function formatLocal(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${
    p(d.getMinutes())
  }`;
}

function formatDuration(ms: number): string {
  const minutes = Math.max(1, Math.round(ms / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (h < 48) return m === 0 ? `${h} h` : `${h} h ${m} min`;
  return `${Math.round(h / 24)} days`;
}

/**
 * The Codex usage-limit error (`usage_limit_reached` / `usage_not_included`) of an error
 * object (of an HTTP error body, or of a `response.failed` or `error` event), or undefined
 * when it is not one. The reset time is shown in local time; the error carries the kind and
 * the reset time ({@link UsageLimitError}).
 */
export function usageLimitOf(
  err: Record<string, unknown> | undefined,
  now: number,
): UsageLimitError | undefined {
  const type = err?.type ?? err?.code;
  if (type !== "usage_limit_reached" && type !== "usage_not_included") return undefined;
  const plan = typeof err?.plan_type === "string" ? err.plan_type : undefined;
  const planText = plan ? ` (${plan} plan)` : "";
  if (type === "usage_not_included") {
    return new UsageLimitError(
      "usage_not_included",
      `Your ChatGPT plan${planText} does not include Codex usage`,
      { hint: "upgrade the plan, or use another provider (--provider)" },
    );
  }
  let resetsAt: number | undefined;
  if (typeof err?.resets_at === "number") resetsAt = err.resets_at * 1000;
  else if (typeof err?.resets_in_seconds === "number") {
    resetsAt = now + err.resets_in_seconds * 1000;
  }
  const when = resetsAt === undefined
    ? "later"
    : `at ${formatLocal(resetsAt)} local time (in ${formatDuration(resetsAt - now)})`;
  return new UsageLimitError(
    "usage_limit_reached",
    `You have hit your ChatGPT usage limit${planText}; it resets ${when}`,
    { hint: "wait for the reset, or switch model/provider (/model)", resetsAt },
  );
}

/**
 * Whether a server error says the input is longer than the model's context window: the
 * `code` (or `type`) `context_length_exceeded` of OpenAI and the Codex backend, or the
 * message of Anthropic (`prompt is too long: … tokens > … maximum`) and OpenAI (`Your input
 * exceeds the context window of this model`, `maximum context length is … tokens`).
 */
export function isContextOverflow(
  error: { code?: unknown; type?: unknown; message?: unknown },
): boolean {
  if (error.code === "context_length_exceeded" || error.type === "context_length_exceeded") {
    return true;
  }
  const message = typeof error.message === "string" ? error.message : "";
  return /prompt is too long|exceeds the context window|maximum context length is \d+|context[_ ]length[_ ]exceeded/i
    .test(message);
}

/**
 * The failure for a context overflow: code `api.context_overflow`, never retried as it is
 * (the session runner compacts and sends once more).
 */
export function contextOverflowFailure(provider: string, detail: string): ApiFailure {
  return new ApiFailure(
    "api.context_overflow",
    `The conversation is too long for the model's context window (${provider}: ${detail})`,
    { hint: "compact it (/compact) or start a new session" },
  );
}

/**
 * The failure for a stream that ended before its final event: retried while nothing was
 * shown, else the partial answer is kept (`broken`).
 */
export function incompleteStreamFailure(provider: string): ApiFailure {
  return new ApiFailure(
    "api.stream",
    `The ${provider} stream ended before the answer was complete`,
    { retryable: true, broken: true },
  );
}

/** The error object of a parsed error body: its `error` object, else the body's own object. */
function errorObject(json: unknown): Record<string, unknown> | undefined {
  if (json === null || typeof json !== "object") return undefined;
  const { error } = json as Record<string, unknown>;
  if (error && typeof error === "object") return error as Record<string, unknown>;
  return json as Record<string, unknown>;
}

/** The failure for a non-2xx response (body already read). */
export function httpFailure(
  provider: string,
  status: number,
  body: string,
  headers: Headers,
  now: number,
): ApiFailure | PiError {
  const json = parseBody(body);
  const error = errorObject(json);
  if (status === 429) {
    const limit = usageLimitOf(error, now);
    if (limit) return limit;
  }
  const message = messageOf(body, json) || `HTTP ${status}`;
  if ((status === 400 || status === 413) && error && isContextOverflow(error)) {
    return contextOverflowFailure(provider, message);
  }
  if (status === 401 || status === 403) {
    return new ApiFailure(
      "api.http",
      `${provider} refused the credentials (${status}): ${message}`,
      {
        unauthorized: status === 401,
        status,
        hint: provider === "openai-codex"
          ? "run /login (or pi login openai-codex)"
          : `check the API key for ${provider}`,
      },
    );
  }
  const retryable = status === 408 || status === 409 || status === 429 || status >= 500;
  return new ApiFailure("api.http", `${provider} API error ${status}: ${message}`, {
    status,
    retryable,
    retryAfterMs: retryable ? parseRetryAfter(headers, now) : undefined,
  });
}

/**
 * What went wrong with a connection, in a few words: Deno's fetch says only "fetch failed"
 * and keeps the reason (refused, no such host, timed out, a certificate) in its causes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { networkDetail } from "./retry.ts";
 * const err = new TypeError("fetch failed", {
 *   cause: new Error(
 *     "error sending request for url (http://127.0.0.1:9/v1): client error (Connect): tcp connect error: Connection refused (os error 111)",
 *   ),
 * });
 * assert.equal(networkDetail(err), "connection refused by 127.0.0.1:9");
 * ```
 */
export function networkDetail(err: unknown): string {
  const messages: string[] = [];
  let e: unknown = err;
  for (let depth = 0; e !== undefined && depth < 8; depth++) {
    messages.push(e instanceof Error ? e.message : String(e));
    e = e instanceof Error ? e.cause : undefined;
  }
  const all = messages.join(" · ");
  const url = /url \((https?:\/\/[^)\s]+)\)/.exec(all)?.[1];
  let host = "";
  try {
    if (url) host = new URL(url).host;
  } catch {
    // no host to name
  }
  const at = (text: string, prep: string) => host ? `${text} ${prep} ${host}` : text;
  if (/connection refused/i.test(all)) return at("connection refused", "by");
  if (/dns error|failed to lookup|name or service not known|no address associated/i.test(all)) {
    return at("could not resolve the host", "for");
  }
  if (/timed? ?out/i.test(all)) return at("connection timed out", "to");
  if (/connection reset|broken pipe|unexpected eof|connection closed/i.test(all)) {
    return at("the connection was closed", "by");
  }
  if (/certificate|tls|ssl/i.test(all)) {
    return at(`TLS failed (${messages.at(-1)})`, "with");
  }
  return messages.at(-1) ?? "unknown error";
}

/** A connection failure (fetch threw, the body broke). */
export function networkFailure(provider: string, cause: unknown): ApiFailure {
  const detail = networkDetail(cause);
  return new ApiFailure("api.network", `Could not reach ${provider}: ${redact(detail)}`, {
    cause,
    retryable: true,
    broken: true,
    hint: "check the network connection (and HTTPS_PROXY), then try again",
  });
}
