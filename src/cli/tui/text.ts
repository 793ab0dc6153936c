/**
 * Text on a terminal, as plain functions: ANSI stripped, untrusted text made safe to
 * print ({@link sanitize}), display widths (wide and combining characters), cutting to a
 * width, and wrapping that never breaks a word ({@link flowLine}: a URL or a path longer
 * than the row is left whole for the terminal to wrap, and {@link rowCount} counts the rows
 * it takes). No I/O.
 * @module
 */

// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g;

/** The text without ANSI escape sequences. */
export function stripAnsi(s: string): string {
  return s.replace(ANSI, "");
}

// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Makes untrusted text (model output, tool output, server messages) safe to print:
 * control characters (escape sequences included) and bidirectional overrides are
 * dropped, except newlines; tabs become spaces and `\r\n` becomes `\n`. Nothing a model
 * or a command prints can move the cursor, restyle the screen or reorder what is shown.
 * (For text that must stay on one line, see `oneLine` in src/one_line.ts.)
 */
export function sanitize(text: string): string {
  return text.replace(ANSI, "").replace(/\r\n/g, "\n").replace(/\t/g, "    ").replace(CONTROL, "");
}

/** Columns a code point takes: 0 for combining marks and controls, 2 for wide ones. */
export function charWidth(cp: number): number {
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return 0;
  if (cp < 0x300) return 1;
  if (
    (cp >= 0x300 && cp <= 0x36f) || (cp >= 0x200b && cp <= 0x200f) ||
    (cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0x20d0 && cp <= 0x20ff)
  ) return 0;
  if (
    (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0x303e) ||
    (cp >= 0x3041 && cp <= 0x33ff) || (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) || (cp >= 0x20000 && cp <= 0x3fffd)
  ) return 2;
  return 1;
}

/** Columns a string takes on screen (ANSI sequences take none). */
export function stringWidth(s: string): number {
  let w = 0;
  for (const ch of stripAnsi(s)) w += charWidth(ch.codePointAt(0)!);
  return w;
}

/** Splits a styled string into ANSI sequences and single characters. */
function tokens(s: string): string[] {
  const out: string[] = [];
  let last = 0;
  for (const m of s.matchAll(ANSI)) {
    for (const ch of s.slice(last, m.index)) out.push(ch);
    out.push(m[0]);
    last = m.index! + m[0].length;
  }
  for (const ch of s.slice(last)) out.push(ch);
  return out;
}

/**
 * Cuts a (styled) string to `width` columns, ending with `…` when cut. The escape
 * sequences of the part cut off are kept (they take no room), so styles and hyperlinks
 * opened before the cut are closed as they were.
 */
export function truncate(s: string, width: number): string {
  if (stringWidth(s) <= width) return s;
  if (width <= 0) return "";
  let out = "";
  let w = 0;
  let cut = false;
  for (const t of tokens(s)) {
    if (t.startsWith("\x1b")) {
      out += t;
      continue;
    }
    if (cut) continue;
    const cw = charWidth(t.codePointAt(0)!);
    if (w + cw > width - 1) {
      out += "…";
      cut = true;
      continue;
    }
    out += t;
    w += cw;
  }
  return out;
}

/**
 * Wraps one (styled) line into rows of at most `width` columns, breaking at spaces when
 * it can and inside a word when it must. `indent` starts every continuation row.
 */
export function wrapLine(line: string, width: number, indent = ""): string[] {
  const cols = Math.max(1, width);
  if (stringWidth(line) <= cols) return [line];
  const indentWidth = stringWidth(indent);
  const rows: string[] = [];
  let row = "";
  let w = 0;
  let lastSpace = -1; // index in `row` after the last space
  let widthAtSpace = 0;
  for (const t of tokens(line)) {
    if (t.startsWith("\x1b")) {
      row += t;
      continue;
    }
    const cw = charWidth(t.codePointAt(0)!);
    if (w + cw > cols) {
      if (t === " ") {
        rows.push(row);
        row = indent;
        w = indentWidth;
        lastSpace = -1;
        continue;
      }
      if (lastSpace > 0 && widthAtSpace > indentWidth) {
        rows.push(row.slice(0, lastSpace).trimEnd());
        row = indent + row.slice(lastSpace);
        w = stringWidth(row);
      } else {
        rows.push(row);
        row = indent;
        w = indentWidth;
      }
      lastSpace = -1;
    }
    row += t;
    w += cw;
    if (t === " ") {
      lastSpace = row.length;
      widthAtSpace = w;
    }
  }
  if (row !== "" && row !== indent) rows.push(row);
  return rows;
}

/**
 * Flows one (styled) line into rows of at most `width` columns, breaking only at spaces:
 * a word longer than a row (a URL, a path) is never broken but left whole on its own row,
 * for the terminal to wrap, so that it can still be clicked, selected and copied as one.
 * Such a row takes several rows on screen: see {@link rowCount}.
 */
export function flowLine(line: string, width: number): string[] {
  const cols = Math.max(1, width);
  if (stringWidth(line) <= cols) return [line];
  const rows: string[] = [];
  let row = "";
  let w = 0;
  let spaces = "";
  let word = "";
  let wordWidth = 0;
  const place = () => {
    if (wordWidth === 0) {
      // Only escape sequences: they take no room (the spaces before them are dropped
      // when they would not fit).
      row += (w + spaces.length <= cols ? spaces : "") + word;
      w += w + spaces.length <= cols ? spaces.length : 0;
    } else if (w > 0 && w + spaces.length + wordWidth > cols) {
      rows.push(row);
      row = word;
      w = wordWidth;
    } else {
      const lead = w === 0 && rows.length > 0 ? "" : spaces; // no blanks starting a row
      row += lead + word;
      w += lead.length + wordWidth;
    }
    spaces = "";
    word = "";
    wordWidth = 0;
    if (w > cols) {
      // A word wider than the row: alone on its row(s), as it is.
      rows.push(row);
      row = "";
      w = 0;
    }
  };
  for (const t of tokens(line)) {
    if (t === " ") {
      if (wordWidth > 0) place();
      spaces += " ";
      continue;
    }
    word += t;
    if (!t.startsWith("\x1b")) wordWidth += charWidth(t.codePointAt(0)!);
  }
  place();
  if (row !== "" || rows.length === 0) rows.push(row);
  return rows;
}

/**
 * A line cut where a terminal `columns` wide wraps it (see {@link rowCount}); the escape
 * sequences stay with the characters they precede.
 */
export function terminalRows(line: string, columns: number): string[] {
  const cols = Math.max(1, columns);
  const rows: string[] = [];
  let row = "";
  let col = 0;
  for (const t of tokens(line)) {
    if (!t.startsWith("\x1b")) {
      const w = charWidth(t.codePointAt(0)!);
      if (w > 0 && col + w > cols) {
        rows.push(row);
        row = "";
        col = 0;
      }
      col += w;
    }
    row += t;
  }
  rows.push(row);
  return rows;
}

/**
 * The rows a line takes on a terminal `columns` wide that wraps it (auto-margin): a
 * line exactly as wide as the terminal takes one row, and a wide character that does not
 * fit at the end of a row moves to the next.
 */
export function rowCount(line: string, columns: number): number {
  const cols = Math.max(1, columns);
  let rows = 1;
  let col = 0;
  for (const ch of stripAnsi(line)) {
    const w = charWidth(ch.codePointAt(0)!);
    if (w === 0) continue;
    if (col + w > cols) {
      rows++;
      col = 0;
    }
    col += w;
  }
  return rows;
}

/**
 * The rows `lines` take on a terminal `columns` wide: each line flowed as
 * {@link flowLine} does, then each row counted as {@link rowCount} does.
 */
export function screenRows(lines: readonly string[], columns: number): number {
  let n = 0;
  for (const line of lines) for (const row of flowLine(line, columns)) n += rowCount(row, columns);
  return n;
}
