/**
 * Turns any error into the one line pi prints on stderr.
 * @module
 */

import { PiError } from "../errors.ts";
import { oneLine } from "../one_line.ts";
import { redact } from "../redact.ts";

/**
 * `pi: <message>; <hint>` on one line, redacted; with `debug`, the stack and causes follow.
 */
export function formatError(err: unknown, debug: boolean): string {
  let message: string;
  if (err instanceof PiError) {
    message = err.hint ? `${oneLine(err.message)}; ${oneLine(err.hint)}` : oneLine(err.message);
  } else if (err instanceof Error) {
    message = oneLine(err.message) || err.name;
  } else {
    message = oneLine(String(err));
  }
  let out = `pi: ${message}\n`;
  if (debug) {
    let cause: unknown = err;
    const seen = new Set<unknown>();
    while (cause instanceof Error && !seen.has(cause)) {
      seen.add(cause);
      out += `${cause.stack ?? cause.message}\n`;
      cause = cause.cause;
      if (cause !== undefined) out += "Caused by: ";
    }
    if (cause !== undefined && !(cause instanceof Error)) out += `${String(cause)}\n`;
  }
  return redact(out);
}
