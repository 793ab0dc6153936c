/**
 * JSON text from a file the user edits (models.json, settings.json): parsed with a byte
 * order mark allowed, and a syntax error located by line and column (JSON.parse's own
 * message quotes the text and gives only an offset).
 * @module
 */

/** Where a JSON syntax error is: 1-based line and column, and what is wrong. */
export interface JsonErrorLocation {
  /** 1-based line. */
  line: number;
  /** 1-based column (in characters). */
  column: number;
  /** What is wrong, e.g. `expected ',' or '}'`. */
  reason: string;
}

class SyntaxAt extends Error {
  constructor(readonly offset: number, reason: string) {
    super(reason);
  }
}

/** Finds the first JSON syntax error in `text`, or undefined when it is valid JSON. */
export function locateJsonError(text: string): JsonErrorLocation | undefined {
  let i = 0;
  const n = text.length;
  const ws = () => {
    while (i < n && " \t\n\r".includes(text[i])) i++;
  };
  const shown = (ch: string | undefined) =>
    ch === undefined ? "end of file" : ch === '"' ? `'"'` : JSON.stringify(ch);
  const unexpected = (what?: string): never => {
    const got = i >= n ? "unexpected end of file" : `unexpected ${shown(text[i])}`;
    throw new SyntaxAt(i, what ? `${got}, expected ${what}` : got);
  };
  const string = () => {
    i++; // opening quote
    while (true) {
      if (i >= n) unexpected("a closing '\"'");
      const ch = text[i];
      if (ch === '"') {
        i++;
        return;
      }
      if (ch === "\\") {
        const esc = text[i + 1];
        if (esc === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
            i += 2;
            unexpected("four hex digits after \\u");
          }
          i += 6;
        } else if (esc !== undefined && '"\\/bfnrt'.includes(esc)) i += 2;
        else {
          i++;
          unexpected('an escape like \\n or \\"');
        }
      } else if (ch < " ") unexpected("a closing '\"' (control characters must be escaped)");
      else i++;
    }
  };
  const number = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0] === "-" || m[0] === "") unexpected("a value");
    i += m![0].length;
  };
  const value = (): void => {
    ws();
    const ch = text[i];
    if (ch === "{") {
      i++;
      ws();
      if (text[i] === "}") {
        i++;
        return;
      }
      while (true) {
        ws();
        if (text[i] !== '"') unexpected("a property name in double quotes");
        string();
        ws();
        if (text[i] !== ":") unexpected("':' after a property name");
        i++;
        value();
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "}") {
          i++;
          return;
        }
        unexpected("',' or '}'");
      }
    }
    if (ch === "[") {
      i++;
      ws();
      if (text[i] === "]") {
        i++;
        return;
      }
      while (true) {
        value();
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "]") {
          i++;
          return;
        }
        unexpected("',' or ']'");
      }
    }
    if (ch === '"') return string();
    if (ch === "-" || (ch >= "0" && ch <= "9")) return number();
    for (const word of ["true", "false", "null"]) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return;
      }
    }
    unexpected("a value");
  };
  try {
    value();
    ws();
    if (i < n) unexpected("nothing after the end of the JSON value");
    return undefined;
  } catch (err) {
    if (!(err instanceof SyntaxAt)) throw err;
    const before = text.slice(0, err.offset);
    const lines = before.split(/\r\n|\r|\n/);
    return { line: lines.length, column: lines[lines.length - 1].length + 1, reason: err.message };
  }
}

/**
 * `text` with what pi-mono also allows in models.json — `//` comments to the end of a line and
 * a comma before `}` or `]` — turned into spaces, outside strings, so that what is left is
 * JSON and every other character keeps its line and column.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { blankCommentsAndTrailingCommas } from "./json_text.ts";
 * const text = '{ "a": "x // y", // note\n  "b": [1, 2,],\n}';
 * assert.deepEqual(JSON.parse(blankCommentsAndTrailingCommas(text)), { a: "x // y", b: [1, 2] });
 * ```
 */
export function blankCommentsAndTrailingCommas(text: string): string {
  let out = "";
  let copied = 0;
  const blank = (from: number, to: number) => {
    out += text.slice(copied, from) + " ".repeat(to - from);
    copied = to;
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') {
      // Skip the string: to its closing quote, past escapes (an unclosed one runs to the end).
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === "\\") i++;
    } else if (ch === "/" && text[i + 1] === "/") {
      let end = text.indexOf("\n", i);
      if (end === -1) end = text.length;
      if (text[end - 1] === "\r") end--;
      blank(i, end);
      i = end - 1;
    } else if (ch === ",") {
      // A trailing comma: only spaces, line breaks and comments before the `}` or `]`.
      let j = i + 1;
      while (j < text.length) {
        if (" \t\r\n".includes(text[j])) j++;
        else if (text[j] === "/" && text[j + 1] === "/") {
          const end = text.indexOf("\n", j);
          j = end === -1 ? text.length : end;
        } else break;
      }
      if (text[j] === "}" || text[j] === "]") blank(i, i + 1);
    }
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/** The outcome of {@link parseJsonText}. */
export type JsonText =
  | { ok: true; value: unknown }
  | { ok: false; where: string; cause: unknown };

/**
 * Parses JSON text (a leading byte order mark is not part of it); on a syntax error, says
 * where: `line 3, column 7: unexpected "}", expected a value`. `commentsAndTrailingCommas`:
 * also allow those, as pi-mono does in models.json (see
 * {@link blankCommentsAndTrailingCommas}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseJsonText } from "./json_text.ts";
 * assert.deepEqual(parseJsonText('\uFEFF{"a": 1}'), { ok: true, value: { a: 1 } });
 * const bad = parseJsonText('{\n  "a": 1,\n}');
 * assert.ok(!bad.ok && bad.where.startsWith("line 3, column 1:"));
 * ```
 */
export function parseJsonText(
  text: string,
  options: { commentsAndTrailingCommas?: boolean } = {},
): JsonText {
  const bare = text.startsWith("\uFEFF") ? text.slice(1) : text;
  const body = options.commentsAndTrailingCommas ? blankCommentsAndTrailingCommas(bare) : bare;
  try {
    return { ok: true, value: JSON.parse(body) };
  } catch (err) {
    const message = (err as Error).message.replace(/,?\s*".*" is not valid JSON/s, "");
    let where: JsonErrorLocation | undefined;
    try {
      where = locateJsonError(body);
    } catch (deep) {
      // The locator recurses once per level: nesting deep enough ends its stack.
      if (!(deep instanceof RangeError)) throw deep;
      return { ok: false, where: `a depth too deep to locate: ${message}`, cause: err };
    }
    return {
      ok: false,
      where: where ? `line ${where.line}, column ${where.column}: ${where.reason}` : message,
      cause: err,
    };
  }
}
