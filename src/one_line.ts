/**
 * Text from outside (an issuer's `error_description`, a backend's message, a model name
 * from models.json or the live list, a pasted line) made safe to print as one line: escape
 * sequences, control characters and bidirectional overrides are dropped, and every run of
 * whitespace that holds a line break becomes one space. Nothing such text holds can move
 * the cursor, restyle the terminal, hide part of a message or start a new line.
 * @module
 */

const ESCAPES =
  // deno-lint-ignore no-control-regex
  /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[PX^_][^\x1b]*(?:\x1b\\)?|[ -/]*[0-~])?|\x9b[0-?]*[ -/]*[@-~]/g;
const LINE_BREAKS = /[\t ]*(?:\r\n|[\n\r\v\f\u0085\u2028\u2029])[\s]*/g;
// deno-lint-ignore no-control-regex
const CONTROLS = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * `text` as one printable line: escape sequences and control characters removed, line
 * breaks (with the blanks around them) turned into one space, tabs into spaces, ends
 * trimmed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { oneLine } from "./one_line.ts";
 * assert.equal(oneLine("bad\n  request\x1b[2J\x1b]0;title\x07!"), "bad request!");
 * assert.equal(oneLine("a\tb\u202ec"), "a bc");
 * ```
 */
export function oneLine(text: string): string {
  return text
    .replace(ESCAPES, "")
    .replace(LINE_BREAKS, " ")
    .replace(/\t/g, " ")
    .replace(CONTROLS, "")
    .trim();
}
