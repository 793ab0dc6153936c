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
  | "config"
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
  | "api.context_overflow"
  | "agent.failed"
  | "agent.compaction_failed"
  | "session.not_found";

/** Options of a {@link PiError}. */
export interface PiErrorOptions {
  /** What the user can do next, printed after the message. */
  hint?: string;
  /** The underlying error (often one of `Deno.errors.*`). */
  cause?: unknown;
  /** The exit code, when not the code's usual one (143 for an interruption by SIGTERM). */
  exitCode?: number;
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
  /** The exit code, when not the code's usual one (see {@link exitCodeFor}). */
  readonly exitCode: number | undefined;

  /** Creates an error with a code, a message and optional hint and cause. */
  constructor(code: PiErrorCode, message: string, options: PiErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "PiError";
    this.code = code;
    this.hint = options.hint;
    this.exitCode = options.exitCode;
  }
}

/** Whether `err` is a {@link PiError}, optionally with the given code. */
export function isPiError(err: unknown, code?: PiErrorCode): err is PiError {
  return err instanceof PiError && (code === undefined || err.code === code);
}

/**
 * The exit code for an error: its own `exitCode` if it has one (an `interrupted` error made
 * by SIGTERM says 143, by SIGHUP 129), else 2 usage, 130 interrupted, 1 anything else.
 */
export function exitCodeFor(err: unknown): number {
  if (err instanceof PiError) {
    if (err.exitCode !== undefined) return err.exitCode;
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

/** A file that exists but is not a regular file (a FIFO, a socket, a device). */
export class NotRegularFileError extends Error {
  /** `path` is the file; `kind` says what it is instead (`a FIFO`, `a socket`, …). */
  constructor(readonly path: string, readonly kind: string) {
    super(`${path} is not a regular file (${kind})`);
    this.name = "NotRegularFileError";
  }
}

/**
 * Why a file operation failed, in a few words for a message (`permission denied`,
 * `it is a directory`, `it is not a regular file (a FIFO)`, `no space left on device`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fsErrorReason } from "./errors.ts";
 * assert.equal(fsErrorReason(new Deno.errors.PermissionDenied("x")), "permission denied");
 * ```
 */
export function fsErrorReason(err: unknown): string {
  if (err instanceof NotRegularFileError) return `it is not a regular file (${err.kind})`;
  if (err instanceof Deno.errors.PermissionDenied) return "permission denied";
  if (err instanceof Deno.errors.IsADirectory) return "it is a directory";
  if (err instanceof Deno.errors.NotFound) return "no such file or directory";
  if (err instanceof Deno.errors.NotADirectory) return "a part of the path is not a directory";
  if (err instanceof Deno.errors.AlreadyExists) return "it already exists";
  if (err instanceof PiError) {
    return err.cause === undefined ? err.message : fsErrorReason(err.cause);
  }
  const message = err instanceof Error ? err.message : String(err);
  // "No space left on device (os error 28): write '…'" → "no space left on device"
  const head = message.replace(/\s*\(os error \d+\).*$/s, "").trim();
  return head === "" ? "unknown error" : head[0].toLowerCase() + head.slice(1);
}
