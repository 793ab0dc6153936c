/**
 * Lines the interactive screen says in more than one place: an error as one line.
 * @module
 */

import { PiError } from "../../errors.ts";

/** An error's message (and hint) as the screen says it, before `✗ ` and redaction. */
export function errorLine(err: unknown): string {
  if (err instanceof PiError) return err.hint ? `${err.message}; ${err.hint}` : err.message;
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}
