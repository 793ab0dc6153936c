/**
 * pi serve's errors, as OpenAI error objects: `{"error":{"message","type","code"}}` with the
 * HTTP status the contract gives (400 a bad body naming the field, 401 a missing or wrong
 * key, 404 `model_not_found`, 429 a usage limit with `retry-after`, 502 the backend failed),
 * and how pi's own errors from the upstream request map onto them.
 * @module
 */

import { isPiError } from "../errors.ts";
import { ApiFailure, UsageLimitError } from "../ai/retry.ts";
import { oneLine } from "../one_line.ts";
import { redact } from "../redact.ts";

/** An error pi serve answers with: an HTTP status and an OpenAI error object. */
export class HttpError extends Error {
  /** The HTTP status. */
  readonly status: number;
  /** The OpenAI error `type` (`invalid_request_error`, `rate_limit_error`, `server_error`). */
  readonly type: string;
  /** The OpenAI error `code` (`model_not_found`, `invalid_api_key`, …). */
  readonly code: string;
  /** Extra response headers (`retry-after`). */
  readonly headers: Record<string, string>;

  /** Creates the error; `message` is shown to the client as it is. */
  constructor(
    status: number,
    type: string,
    code: string,
    message: string,
    headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "HttpError";
    this.status = status;
    this.type = type;
    this.code = code;
    this.headers = headers;
  }
}

/**
 * A 400 for a bad request body, naming the field (`messages[2].tool_call_id: …`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { badRequest, errorBody } from "./errors.ts";
 * const err = badRequest("messages", "is required");
 * assert.equal(err.status, 400);
 * assert.deepEqual(errorBody(err), {
 *   error: { message: "messages: is required", type: "invalid_request_error", code: "invalid_request" },
 * });
 * ```
 */
export function badRequest(field: string, problem: string, code = "invalid_request"): HttpError {
  return new HttpError(400, "invalid_request_error", code, `${field}: ${problem}`);
}

/** The 401 for a missing or wrong bearer key (the key itself is never repeated). */
export function unauthorized(missing: boolean): HttpError {
  return new HttpError(
    401,
    "invalid_request_error",
    "invalid_api_key",
    missing
      ? "Missing bearer key: send Authorization: Bearer <key> (pi serve printed where the key is)"
      : "Incorrect bearer key: use the key pi serve printed, PI_SERVE_KEY, or <agent dir>/serve-key",
  );
}

/** The 404 for a model pi does not serve. */
export function modelNotFound(model: string): HttpError {
  return new HttpError(
    404,
    "invalid_request_error",
    "model_not_found",
    `The model ${JSON.stringify(shorten(model, 100))} does not exist (see GET /v1/models)`,
  );
}

/** The 404 for a path pi serve does not answer. */
export function unknownUrl(method: string, path: string): HttpError {
  return new HttpError(
    404,
    "invalid_request_error",
    "unknown_url",
    `Unknown URL (${method} ${
      shorten(path, 200)
    }); pi serve answers /v1/models, /v1/chat/completions, /v1/responses and /health`,
  );
}

function shorten(text: string, max: number): string {
  const line = oneLine(text);
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

/** Seconds from `now` to `resetsAt`, at least 1 (a `retry-after` value). */
export function retryAfterSeconds(resetsAt: number, now: number): number {
  return Math.max(1, Math.ceil((resetsAt - now) / 1000));
}

/**
 * The answer for an error of the upstream request (a PiError from `stream()`): a usage
 * limit → 429 with `retry-after` (seconds to the reset); a context overflow → 400
 * `context_length_exceeded`; a request the backend refused as malformed (HTTP 400/404/413/
 * 422) → 400; anything else (network, 5xx after pi's retries, refused credentials, a
 * broken stream) → 502. The message is one line without tokens.
 */
export function upstreamError(err: unknown, now: number): HttpError {
  if (err instanceof HttpError) return err;
  const message = redact(oneLine(err instanceof Error ? err.message : String(err)));
  const hint = isPiError(err) && err.hint ? ` (${redact(oneLine(err.hint))})` : "";
  if (err instanceof UsageLimitError) {
    const headers: Record<string, string> = {};
    if (err.resetsAt !== undefined) {
      headers["retry-after"] = String(retryAfterSeconds(err.resetsAt, now));
    }
    return new HttpError(429, "rate_limit_error", err.kind, message, headers);
  }
  if (isPiError(err, "api.context_overflow")) {
    return new HttpError(400, "invalid_request_error", "context_length_exceeded", message);
  }
  if (err instanceof ApiFailure && err.status !== undefined && !err.unauthorized) {
    if ([400, 404, 413, 422].includes(err.status)) {
      return new HttpError(400, "invalid_request_error", "upstream_rejected", message);
    }
  }
  const code = isPiError(err) && err.code.startsWith("auth.") ||
      err instanceof ApiFailure && (err.status === 401 || err.status === 403)
    ? "upstream_auth"
    : "upstream_error";
  return new HttpError(502, "server_error", code, `${message}${hint}`);
}

/** The OpenAI error object of an error. */
export function errorBody(
  err: HttpError,
): { error: { message: string; type: string; code: string } } {
  return { error: { message: err.message, type: err.type, code: err.code } };
}

/**
 * The JSON response of an error. `x-should-retry: false` tells the official SDKs not to
 * send it again on their own: pi has already retried what retrying can help.
 */
export function errorResponse(err: HttpError): Response {
  return Response.json(errorBody(err), {
    status: err.status,
    headers: { ...err.headers, "x-should-retry": "false" },
  });
}
