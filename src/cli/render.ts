/**
 * What the interactive screen shows of pi, as plain functions from values to strings: a
 * streaming light-markdown renderer (code blocks, bold, italic, inline code, links,
 * headings, lists, quotes, tables), live tool output, tool call lines, thinking, and the
 * status line. No I/O. The terminal's generic text functions (styles, hyperlinks, widths,
 * wrapping, sanitize) live in tui/style.ts and tui/text.ts and are re-exported here for
 * pi's renderers.
 * @module
 */

import { oneLine } from "../one_line.ts";
import { createStyle, type Style } from "./tui/style.ts";
import { flowLine, sanitize, stringWidth, stripAnsi, truncate } from "./tui/text.ts";

export { createStyle, osc8, type Style, supportsHyperlinks, wantsColor } from "./tui/style.ts";
export {
  flowLine,
  rowCount,
  sanitize,
  stringWidth,
  stripAnsi,
  truncate,
  wrapLine,
} from "./tui/text.ts";

/**
 * The styles for text that is dim and italic as a whole (thinking): bold ends with
 * "normal intensity", which would end the dim too, so dim is turned on again after it;
 * dim and italic inside are what the whole already is.
 */
function insideDimItalic(style: Style): Style {
  if (!style.color) return style;
  const same = (s: string) => s;
  return { ...style, bold: (s) => `\x1b[1m${s}\x1b[22m\x1b[2m`, dim: same, italic: same };
}

const PUNCTUATION = /[!-/:-@[-`{-~]/;
const WORD = /[\p{L}\p{N}]/u;
// deno-lint-ignore no-control-regex
const BARE_URL = /(?:https?:\/\/|file:\/\/\/?)[^\s<>"'`\x00-\x1f]+/y;
const AUTOLINK = /<((?:https?|mailto|file):[^\s<>]+)>/y;
const LINKABLE = /^(?:https?:|mailto:|file:)/i;

/** A URL without the punctuation that ends the sentence around it (`.`, `,`, a lone `)`). */
function trimUrl(url: string): string {
  let end = url.length;
  while (end > 0) {
    const ch = url[end - 1];
    if (".,;:!?*_~'\"".includes(ch)) {
      end--;
    } else if (ch === ")") {
      const body = url.slice(0, end);
      if (body.split("(").length >= body.split(")").length) break;
      end--;
    } else break;
  }
  return url.slice(0, end);
}

/**
 * A link as the terminal shows it: an OSC 8 hyperlink on `label` when the terminal takes
 * them (and the URL is http, https, mailto or file), else the label and the URL after it
 * in parentheses (the URL alone when it is the label), unbroken.
 */
function renderLink(label: string, url: string, style: Style): string {
  const plainLabel = stripAnsi(label).trim();
  if (style.hyperlinks && LINKABLE.test(url)) {
    return style.link(style.cyan(plainLabel === "" ? url : label), url);
  }
  if (plainLabel === "" || plainLabel === url || `mailto:${plainLabel}` === url) {
    return style.cyan(url);
  }
  return `${label} (${style.cyan(url)})`;
}

/** `[label](url)` (or `![alt](url)`) at `i`: its end, label and URL; undefined if none. */
function parseLink(
  text: string,
  i: number,
): { end: number; label: string; url: string } | undefined {
  const open = text[i] === "!" ? i + 1 : i;
  if (text[open] !== "[") return undefined;
  let depth = 0;
  let close = -1;
  for (let k = open; k < text.length; k++) {
    const ch = text[k];
    if (ch === "\\") {
      k++;
      continue;
    }
    if (ch === "[") depth++;
    else if (ch === "]" && --depth === 0) {
      close = k;
      break;
    }
  }
  if (close === -1 || text[close + 1] !== "(") return undefined;
  let parens = 0;
  let end = -1;
  for (let k = close + 2; k < text.length; k++) {
    const ch = text[k];
    if (ch === "(") parens++;
    else if (ch === ")") {
      if (parens === 0) {
        end = k;
        break;
      }
      parens--;
    }
  }
  if (end === -1) return undefined;
  const target = text.slice(close + 2, end).trim();
  const url = /^<([^>]*)>/.exec(target)?.[1] ?? target.split(/\s+/)[0] ?? "";
  if (url === "") return undefined;
  return { end: end + 1, label: text.slice(open + 1, close), url };
}

/** The end of the emphasis closed by `marker` that opens at `i`, or -1. */
function emphasisEnd(text: string, i: number, marker: string): number {
  const after = text[i + marker.length];
  if (after === undefined || /\s/.test(after) || after === marker[0]) return -1;
  // `_` and `__` do not open or close inside a word (snake_case stays as it is).
  if (marker[0] === "_" && i > 0 && WORD.test(text[i - 1])) return -1;
  for (let k = i + marker.length + 1; k <= text.length - marker.length; k++) {
    if (text[k - 1] === "\\") continue;
    if (text[k] === "`") {
      const close = text.indexOf("`", k + 1);
      if (close !== -1) {
        k = close;
        continue;
      }
    }
    if (text.startsWith(marker, k) && !/\s/.test(text[k - 1])) {
      const next = text[k + marker.length];
      if (next === marker[0]) continue;
      if (marker[0] === "_" && next !== undefined && WORD.test(next)) continue;
      return k;
    }
  }
  return -1;
}

/**
 * Inline markdown: `**bold**`, `__bold__`, `*italic*`, `_italic_`, `` `code` ``,
 * `[text](url)` and `<url>` links (see {@link Style.link}), backslash escapes. Markers are
 * removed; bare URLs are kept whole (and linked when hyperlinks are on).
 */
export function renderInline(text: string, style: Style): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === "\\" && PUNCTUATION.test(text[i + 1] ?? "")) {
      out += text[i + 1];
      i += 2;
      continue;
    }
    if (ch === "`") {
      let run = 1;
      while (text[i + run] === "`") run++;
      const fence = "`".repeat(run);
      let close = text.indexOf(fence, i + run);
      while (close !== -1 && text[close + run] === "`") {
        close = text.indexOf(fence, close + run + 1);
      }
      if (close > i + run - 1 && close !== -1) {
        const code = text.slice(i + run, close);
        const trimmed = /^ .* $/.test(code) && code.trim() !== "" ? code.slice(1, -1) : code;
        out += style.cyan(trimmed);
        i = close + run;
        continue;
      }
      out += fence;
      i += run;
      continue;
    }
    if (ch === "[" || (ch === "!" && text[i + 1] === "[")) {
      const link = parseLink(text, i);
      if (link) {
        out += renderLink(renderInline(link.label, style), link.url, style);
        i = link.end;
        continue;
      }
    }
    if (ch === "<") {
      AUTOLINK.lastIndex = i;
      const m = AUTOLINK.exec(text);
      if (m) {
        out += renderLink(m[1], m[1], style);
        i += m[0].length;
        continue;
      }
    }
    if ((ch === "h" || ch === "f") && (i === 0 || !WORD.test(text[i - 1]))) {
      BARE_URL.lastIndex = i;
      const m = BARE_URL.exec(text);
      if (m) {
        // A URL is never read as markdown; it is linked as a whole when hyperlinks are on.
        const url = trimUrl(m[0]);
        out += style.hyperlinks ? style.link(url, url) : url;
        i += url.length;
        continue;
      }
    }
    if (ch === "*" || ch === "_") {
      const two = text.slice(i, i + 2);
      if (two === "**" || two === "__") {
        const end = emphasisEnd(text, i, two);
        if (end !== -1) {
          out += style.bold(renderInline(text.slice(i + 2, end), style));
          i = end + 2;
          continue;
        }
      }
      const end = emphasisEnd(text, i, ch);
      if (end !== -1) {
        out += style.italic(renderInline(text.slice(i + 1, end), style));
        i = end + 1;
        continue;
      }
      // An unmatched run of markers is text.
      let run = 1;
      while (text[i + run] === ch) run++;
      out += text.slice(i, i + run);
      i += run;
      continue;
    }
    out += ch;
    i++;
  }
  return out;
}

/** How a table column is aligned (from its delimiter row: `:--`, `:-:`, `--:`). */
export type TableAlign = "left" | "center" | "right";

/** The cells of a table row (`| a | b |` or `a | b`); `\|` is a literal `|`. */
function splitTableRow(line: string): string[] {
  let row = line.trim();
  if (row.startsWith("|")) row = row.slice(1);
  if (row.endsWith("|") && !row.endsWith("\\|")) row = row.slice(0, -1);
  const cells: string[] = [];
  let cell = "";
  let code = false;
  for (let i = 0; i < row.length; i++) {
    const ch = row[i];
    if (ch === "\\" && row[i + 1] === "|") {
      cell += "|";
      i++;
    } else if (ch === "`") {
      code = !code;
      cell += ch;
    } else if (ch === "|" && !code) {
      cells.push(cell.trim());
      cell = "";
    } else cell += ch;
  }
  cells.push(cell.trim());
  return cells;
}

/** The alignments of a delimiter row (`|---|:-:|`), or undefined if `line` is not one. */
function tableDelimiter(line: string): TableAlign[] | undefined {
  if (!line.includes("-")) return undefined;
  const cells = splitTableRow(line);
  if (!cells.every((c) => /^:?-+:?$/.test(c))) return undefined;
  return cells.map((c) =>
    c.startsWith(":") && c.endsWith(":") ? "center" : c.endsWith(":") ? "right" : "left"
  );
}

function pad(text: string, width: number, align: TableAlign): string {
  const room = Math.max(0, width - stringWidth(text));
  if (align === "right") return " ".repeat(room) + text;
  if (align === "center") {
    const left = Math.floor(room / 2);
    return " ".repeat(left) + text + " ".repeat(room - left);
  }
  return text + " ".repeat(room);
}

function longestWord(text: string): number {
  return Math.max(0, ...stripAnsi(text).split(" ").map(stringWidth));
}

/**
 * A markdown table (header row first) as rows that fit `width`: columns aligned and
 * separated by `│`, the header bold and underlined by `─┼─`; too wide, the columns share
 * the width and their cells wrap at spaces; when even that cannot fit (a column narrower
 * than 4, or a word such as a URL wider than its column), each row becomes a block of
 * `header: value` lines, so nothing is cut or broken.
 */
export function renderTable(
  rows: readonly (readonly string[])[],
  aligns: readonly TableAlign[],
  width: number,
  style: Style,
): string[] {
  const n = Math.max(aligns.length, 1);
  const cells = rows.map((row) =>
    Array.from({ length: n }, (_, c) => renderInline(row[c] ?? "", style))
  );
  const natural = Array.from(
    { length: n },
    (_, c) => Math.max(...cells.map((r) => stringWidth(r[c]))),
  );
  const gaps = 3 * (n - 1);
  const room = width - gaps;
  let widths = natural;
  if (natural.reduce((a, b) => a + b, 0) > room) {
    // Share the room: narrow columns keep their width, the rest split what is left.
    widths = [...natural];
    const order = [...widths.keys()].sort((a, b) => natural[a] - natural[b]);
    let left = room;
    order.forEach((c, k) => {
      const share = Math.floor(left / (order.length - k));
      widths[c] = Math.min(natural[c], share);
      left -= widths[c];
    });
  }
  const fits = widths.every((w, c) =>
    w >= Math.min(4, natural[c]) && cells.every((r) => longestWord(r[c]) <= w)
  );
  if (!fits) {
    const header = cells[0];
    const out: string[] = [];
    cells.slice(1).forEach((row, r) => {
      if (r > 0) out.push(style.dim("─".repeat(Math.min(20, width))));
      row.forEach((cell, c) => out.push(`${style.bold(header[c])}: ${cell}`));
    });
    return out.length > 0 ? out : [header.map((h) => style.bold(h)).join(" │ ")];
  }
  const out: string[] = [];
  cells.forEach((row, r) => {
    const wrapped = row.map((cell, c) => flowLine(cell, widths[c]));
    const height = Math.max(...wrapped.map((w) => w.length));
    for (let k = 0; k < height; k++) {
      const line = wrapped.map((w, c) => {
        const cell = pad(w[k] ?? "", widths[c], aligns[c] ?? "left");
        return r === 0 ? style.bold(cell) : cell;
      }).join(style.dim(" │ "));
      out.push(line.replace(/ +$/, ""));
    }
    if (r === 0) out.push(style.dim(widths.map((w) => "─".repeat(w)).join("─┼─")));
  });
  return out;
}

function isTableRow(line: string): boolean {
  return line.includes("|") && line.trim() !== "";
}

/** Options of {@link MarkdownStream}. */
export interface MarkdownOptions {
  /** The width tables are fitted to (default 80 columns). */
  width?: () => number;
}

/**
 * Streaming light markdown. Text arrives in arbitrary pieces; each complete line is
 * rendered once and never changes, so it can go to the scrollback at once, while the
 * incomplete last line is shown live by {@link MarkdownStream.partial}. A line that may
 * start a table (it has a `|`) waits for the next one; a table is rendered, aligned to
 * the width, once its last row has come.
 */
export class MarkdownStream {
  #style: Style;
  #width: () => number;
  #pending = "";
  #inCode = false;
  #held: string | undefined;
  #table: { rows: string[][]; aligns: TableAlign[] } | undefined;

  /** Creates a renderer with the given styles. */
  constructor(style: Style, options: MarkdownOptions = {}) {
    this.#style = style;
    this.#width = options.width ?? (() => 80);
  }

  /** Adds text; returns the rendered lines it completed. */
  push(delta: string): string[] {
    this.#pending += delta;
    const out: string[] = [];
    let nl: number;
    while ((nl = this.#pending.indexOf("\n")) !== -1) {
      const line = this.#pending.slice(0, nl);
      this.#pending = this.#pending.slice(nl + 1);
      this.#line(line, out);
    }
    return out;
  }

  /** What is not complete yet (the last line, a table so far), rendered, without changing state. */
  partial(): string {
    const parts: string[] = [];
    if (this.#table) {
      parts.push(
        ...renderTable(this.#table.rows, this.#table.aligns, this.#width(), this.#style),
      );
    }
    if (this.#held !== undefined) parts.push(this.#renderLine(this.#held, false));
    if (this.#pending !== "") parts.push(this.#renderLine(this.#pending, false));
    return parts.join("\n");
  }

  /** Ends the text: the last line, if any, is returned as complete. */
  end(): string[] {
    const out: string[] = [];
    const rest = this.#pending;
    this.#pending = "";
    if (rest !== "") this.#line(rest, out);
    if (this.#held !== undefined) out.push(this.#renderLine(this.#held, true));
    this.#held = undefined;
    out.push(...this.#flushTable());
    this.#inCode = false;
    return out;
  }

  #line(line: string, out: string[]): void {
    if (this.#table) {
      if (isTableRow(line)) {
        this.#table.rows.push(splitTableRow(line));
        return;
      }
      out.push(...this.#flushTable());
    }
    if (this.#held !== undefined) {
      const held = this.#held;
      this.#held = undefined;
      const header = splitTableRow(held);
      const aligns = tableDelimiter(line);
      if (aligns && aligns.length === header.length) {
        this.#table = { rows: [header], aligns };
        return;
      }
      out.push(this.#renderLine(held, true));
    }
    if (!this.#inCode && isTableRow(line)) {
      this.#held = line;
      return;
    }
    out.push(this.#renderLine(line, true));
  }

  #flushTable(): string[] {
    const table = this.#table;
    this.#table = undefined;
    return table ? renderTable(table.rows, table.aligns, this.#width(), this.#style) : [];
  }

  #renderLine(line: string, commit: boolean): string {
    const s = this.#style;
    const fence = /^\s*(```|~~~)\s*([\w+-]*)\s*$/.exec(line);
    if (fence) {
      const opening = !this.#inCode;
      if (commit) this.#inCode = opening;
      if (!s.color) return line;
      return s.dim(opening ? `┌─ ${fence[2] || "code"}` : "└─");
    }
    if (this.#inCode) return s.color ? s.dim("│ ") + s.cyan(line) : line;
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) return s.bold(renderInline(heading[2], s));
    const bullet = /^(\s*)[-*+]\s+(.*)$/.exec(line);
    if (bullet) return `${bullet[1]}• ${renderInline(bullet[2], s)}`;
    const numbered = /^(\s*)(\d+[.)])\s+(.*)$/.exec(line);
    if (numbered) return `${numbered[1]}${numbered[2]} ${renderInline(numbered[3], s)}`;
    if (/^\s*([-*_])(\s*\1){2,}\s*$/.test(line)) return s.dim("─".repeat(20));
    const quote = /^>\s?(.*)$/.exec(line);
    if (quote) return s.dim("│ ") + s.italic(renderInline(quote[1], s));
    return renderInline(line, s);
  }
}

/**
 * The end of a command's output as it arrives, as whole lines: chunks are joined at their
 * line breaks (a chunk never runs into the line before it), `\r` alone starts the line
 * again (progress bars), blank lines are skipped, and only the last `keep` lines are held.
 */
export class LiveLines {
  #keep: number;
  #lines: string[] = [];
  #partial = "";
  #carriageReturn = false;

  /** Keeps the last `keep` lines (default 3). */
  constructor(keep = 3) {
    this.#keep = keep;
  }

  /** Adds a chunk of output. */
  push(chunk: string): void {
    let text = chunk;
    if (this.#carriageReturn && text !== "") {
      this.#carriageReturn = false;
      if (text.startsWith("\n")) {
        this.#commit();
        text = text.slice(1);
      } else {
        this.#partial = "";
      }
    }
    const parts = text.split(/(\r\n|\n|\r)/);
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i];
      if (i % 2 === 0) {
        // Enough of a line that never ends to fill a row.
        if (this.#partial.length < 1000) {
          this.#partial += part.slice(0, 1000 - this.#partial.length);
        }
      } else if (part === "\r") {
        // At the end of a chunk, `\r` may be the first half of `\r\n`.
        if (i === parts.length - 2 && parts[i + 1] === "") this.#carriageReturn = true;
        else this.#partial = "";
      } else {
        this.#commit();
      }
    }
  }

  #commit(): void {
    const line = sanitize(this.#partial);
    this.#partial = "";
    if (line.trim() === "") return;
    this.#lines.push(line);
    if (this.#lines.length > this.#keep) this.#lines.shift();
  }

  /** The last lines (the one still being written last), sanitized, at most `keep`. */
  rows(): string[] {
    const partial = sanitize(this.#partial);
    const rows = partial.trim() === "" ? [...this.#lines] : [...this.#lines, partial];
    return rows.slice(-this.#keep);
  }
}

/** Frames of the spinner. */
export const SPINNER_FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/** A compact token count: 950, 1.2k, 34k, 1.5M. */
export function formatTokens(n: number): string {
  if (n < 1000) return String(n);
  if (n < 10_000) return `${(n / 1000).toFixed(1).replace(/\.0$/, "")}k`;
  if (n < 1_000_000) return `${Math.round(n / 1000)}k`;
  return `${(n / 1_000_000).toFixed(1).replace(/\.0$/, "")}M`;
}

/** `Compacted: 212k → 31k tokens` (the screen and print mode both say it). */
export function compactedLine(before: number, after: number): string {
  return `Compacted: ${formatTokens(before)} → ${formatTokens(after)} tokens`;
}

/** Dollars with a precision that suits small amounts. */
export function formatCost(usd: number): string {
  if (usd === 0) return "$0";
  if (usd < 0.01) return `$${usd.toFixed(4)}`;
  if (usd < 1) return `$${usd.toFixed(3)}`;
  return `$${usd.toFixed(2)}`;
}

/** What the status line shows. */
export interface StatusInfo {
  /** Provider id. */
  provider: string;
  /** Model id. */
  model: string;
  /** Thinking level (`off` or a level). */
  thinking: string;
  /** Input tokens of this session (cached included). */
  tokensIn: number;
  /** Output tokens of this session. */
  tokensOut: number;
  /** What this session cost the user. */
  cost: number;
  /** What it would have cost at list prices. */
  listCost: number;
  /** Whether the user pays per token (false: subscription). */
  billed: boolean;
  /** Tokens of the context now (the last request's input + output). */
  contextTokens: number;
  /** The model's context window. */
  contextWindow: number;
  /** Whether the provider has no key (shown as a warning). */
  noKey?: boolean;
  /** The active ChatGPT account's name, shown when more than one is logged in. */
  account?: string;
  /** The active account's rate-limit windows (primary first): `5h 45%`, coloured when high. */
  limits?: readonly StatusLimit[];
  /** The sandbox and ask modes (`sandbox workspace · ask writes`; `+net`: --allow-network). */
  modes?: { sandbox: string; ask: string; allowNetwork: boolean };
}

/** One rate-limit window on the status line. */
export interface StatusLimit {
  /** The window's length (`5h`, `7d`). */
  label: string;
  /** Used percent, rounded. */
  usedPercent: number;
}

/** Used percent from which the status line shows a window yellow. */
const USAGE_WARN_PERCENT = 70;
/** Used percent from which it shows red, and pi warns before a turn. */
export const USAGE_HIGH_PERCENT = 90;

/**
 * `5h 45%`, yellow from 70 %, red from 90 % (not dim: the status line is dim as a whole,
 * so dim is ended around the colour and turned on again after it).
 */
function formatLimit(limit: StatusLimit, style: Style): string {
  const text = `${oneLine(limit.label)} ${limit.usedPercent}%`;
  const paint = limit.usedPercent >= USAGE_HIGH_PERCENT
    ? style.red
    : limit.usedPercent >= USAGE_WARN_PERCENT
    ? style.yellow
    : undefined;
  return paint && style.color ? `\x1b[22m${paint(text)}\x1b[2m` : text;
}

/** The status line, fitted to `width` (least important parts dropped first). */
export function formatStatus(info: StatusInfo, width: number, style: Style): string {
  // Names may come from models.json or the live list: one line, no escapes.
  // Each part with its rank: the highest rank is dropped first on a narrow terminal.
  const parts: { text: string; rank: number }[] = [
    { text: `${oneLine(info.provider)}/${oneLine(info.model)}`, rank: 0 },
  ];
  if (info.noKey) parts.push({ text: "not logged in: /login", rank: 0 });
  parts.push({ text: `thinking ${info.thinking}`, rank: 3 });
  parts.push({
    text: `↑${formatTokens(info.tokensIn)} ↓${formatTokens(info.tokensOut)}`,
    rank: 4,
  });
  parts.push({ text: info.billed ? formatCost(info.cost) : "subscription", rank: 5 });
  if (info.contextWindow > 0) {
    const pct = Math.min(100, Math.round(info.contextTokens / info.contextWindow * 100));
    // How full the context is matters most once a conversation is long: kept longest.
    parts.push({ text: `ctx ${pct}%`, rank: 1 });
  }
  // The subscription's meter: the primary window kept long, the second one while there is room.
  const [primary, ...more] = info.limits ?? [];
  const who = info.account === undefined ? undefined : oneLine(info.account);
  if (primary) {
    const limit = formatLimit(primary, style);
    parts.push({ text: who === undefined ? limit : `${who}: ${limit}`, rank: 2 });
    for (const l of more) parts.push({ text: formatLimit(l, style), rank: 4.5 });
  } else if (who !== undefined) {
    parts.push({ text: `account: ${who}`, rank: 2 });
  }
  if (info.modes) {
    const { sandbox, ask, allowNetwork } = info.modes;
    const net = allowNetwork && sandbox !== "off" ? "+net" : "";
    // Kept before all but ctx % while a mode is on; the defaults (off, never) go first.
    const defaults = sandbox === "off" && ask === "never";
    parts.push({ text: `sandbox ${sandbox}${net} · ask ${ask}`, rank: defaults ? 6 : 2.5 });
  }
  const join = () => parts.map((p) => p.text).join(" · ");
  let line = join();
  while (stringWidth(line) > width) {
    let drop = -1;
    for (let i = 0; i < parts.length; i++) {
      if (parts[i].rank > 0 && (drop === -1 || parts[i].rank > parts[drop].rank)) drop = i;
    }
    if (drop === -1) break;
    parts.splice(drop, 1);
    line = join();
  }
  return style.dim(truncate(line, width));
}

/** A one-line summary of a tool call's arguments, e.g. the command or the path. */
export function summarizeArgs(name: string, args: Record<string, unknown>): string {
  const pick = (k: string) => typeof args[k] === "string" ? args[k] as string : undefined;
  const main = name === "bash" ? pick("command") : pick("path") ?? pick("file_path");
  const text = main ?? JSON.stringify(args);
  return sanitize(text).replace(/\s*\n\s*/g, " ⏎ ");
}

/** A one-line summary of a tool result: its first line and how many lines there were. */
export function summarizeResult(text: string): string {
  const trimmed = sanitize(text).replace(/\s+$/, "");
  if (trimmed === "") return "(no output)";
  const lines = trimmed.split("\n");
  const first = lines[0].trim();
  return lines.length === 1 ? first : `${first} … (${lines.length} lines)`;
}

/**
 * One line for a tool call: `✓ bash  echo hi  → hi`. `result` undefined means it is
 * still running.
 */
export function formatToolLine(
  call: { name: string; args: Record<string, unknown> },
  result: { text: string; isError: boolean } | undefined,
  width: number,
  style: Style,
): string {
  const mark = result === undefined ? "•" : result.isError ? style.red("✗") : style.green("✓");
  const head = `${mark} ${style.bold(oneLine(call.name))} ${summarizeArgs(call.name, call.args)}`;
  const tail = result === undefined ? "" : style.dim(` → ${summarizeResult(result.text)}`);
  const headWidth = stringWidth(head);
  if (headWidth + stringWidth(tail) <= width) return head + tail;
  const room = width - Math.min(stringWidth(tail), Math.floor(width / 2));
  return truncate(head, room) + truncate(tail, width - Math.min(headWidth, room));
}

/**
 * Thinking, collapsed to one dim line, or shown whole when expanded: its markdown
 * rendered (a reasoning summary starts with a `**title**`), dim and italic. The lines are
 * logical lines; the screen flows them to its width.
 */
export function formatThinking(
  text: string,
  expanded: boolean,
  width: number,
  style: Style,
): string[] {
  const clean = text.trim();
  if (clean === "") return [];
  if (!expanded) {
    const words = clean.split(/\s+/).length;
    return [style.dim(truncate(`▸ Thought (${words} words; Ctrl+T shows it)`, width))];
  }
  const md = new MarkdownStream(insideDimItalic(style), { width: () => width });
  return [...md.push(clean), ...md.end()].map((l) => style.dim(style.italic(l)));
}

const PLAIN = createStyle(false);

/** Inline markdown reduced to its text (markers removed, no styles): for one-line previews. */
export function plainInline(text: string): string {
  return renderInline(text, PLAIN);
}
