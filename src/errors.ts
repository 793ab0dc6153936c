/**
 * PiError: the one error family. Everything below the CLI throws these; only
 * main.ts turns them into a message and an exit code.
 * @module
 */

/** The codes that tests and main.ts switch on. */
export type PiErrorCode =
  | "usage"
  | "not_implemented"
  | "interrupted"
  | "io"
  | "auth.invalid_file"
  | "auth.lock_timeout"
  | "auth.refresh_failed"
  | "auth.refresh_network"
  | "auth.not_logged_in"
  | "auth.port_in_use"
  | "auth.state_mismatch"
  | "auth.login_failed"
  | "auth.login_cancelled"
  | "auth.login_timeout"
  | "auth.revoke_failed"
  | "auth.invalid_token"
  | "auth.unknown_provider"
  | "models.invalid_file"
  | "models.unknown"
  | "api.usage_limit"
  | "api.http"
  | "api.network"
  | "api.stream"
  | "api.aborted"
  | "agent.failed";

/** Options of a {@link PiError}. */
export interface PiErrorOptions {
  /** What the user can do next, printed after the message. */
  hint?: string;
  /** The underlying error (often one of `Deno.errors.*`). */
  cause?: unknown;
}

/**
 * An expected failure with a stable code and an optional hint.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PiError } from "./errors.ts";
 * const err = new PiError("auth.port_in_use", "Port 1455 already in use", {
 *   hint: "paste the redirect URL instead",
 * });
 * assert.equal(err.code, "auth.port_in_use");
 * ```
 */
export class PiError extends Error {
  /** A stable, machine-readable code. */
  readonly code: PiErrorCode;
  /** What to do next. */
  readonly hint: string | undefined;

  /** Creates an error with a code, a message and optional hint and cause. */
  constructor(code: PiErrorCode, message: string, options: PiErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "PiError";
    this.code = code;
    this.hint = options.hint;
  }
}

/** Whether `err` is a {@link PiError}, optionally with the given code. */
export function isPiError(err: unknown, code?: PiErrorCode): err is PiError {
  return err instanceof PiError && (code === undefined || err.code === code);
}

/** The exit code for an error: 2 usage, 130 interrupted, 1 anything else. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof PiError) {
    if (
      err.code === "usage" || err.code === "models.unknown" || err.code === "auth.unknown_provider"
    ) {
      return 2;
    }
    if (err.code === "interrupted" || err.code === "api.aborted") return 130;
    return 1;
  }
  if (err instanceof DOMException && err.name === "AbortError") return 130;
  return 1;
}
