/**
 * What the interactive screen shows, as plain functions from values to strings:
 * styles (none under `NO_COLOR`), display widths, ANSI-aware wrapping, a streaming
 * light-markdown renderer (code blocks, bold, inline code, headings, lists), tool call
 * lines, thinking, and the status line. No I/O.
 * @module
 */

/** Text styles; every one is the identity when colour is off. */
export interface Style {
  /** Whether styles emit ANSI. */
  readonly color: boolean;
  /** Bold. */
  bold(s: string): string;
  /** Dim (thinking, hints). */
  dim(s: string): string;
  /** Italic. */
  italic(s: string): string;
  /** Red (errors). */
  red(s: string): string;
  /** Green (success). */
  green(s: string): string;
  /** Yellow (warnings). */
  yellow(s: string): string;
  /** Cyan (code, names). */
  cyan(s: string): string;
  /** Inverse (the selected menu row). */
  inverse(s: string): string;
}

function sgr(open: number, close: number): (s: string) => string {
  return (s) => `\x1b[${open}m${s}\x1b[${close}m`;
}

/** Styles, with ANSI when `color` is true. */
export function createStyle(color: boolean): Style {
  if (!color) {
    const id = (s: string) => s;
    return {
      color,
      bold: id,
      dim: id,
      italic: id,
      red: id,
      green: id,
      yellow: id,
      cyan: id,
      inverse: id,
    };
  }
  return {
    color,
    bold: sgr(1, 22),
    dim: sgr(2, 22),
    italic: sgr(3, 23),
    red: sgr(31, 39),
    green: sgr(32, 39),
    yellow: sgr(33, 39),
    cyan: sgr(36, 39),
    inverse: sgr(7, 27),
  };
}

/** Whether colour is wanted: `NO_COLOR` unset (or empty) and `TERM` not `dumb`. */
export function wantsColor(env: (name: string) => string | undefined): boolean {
  const noColor = env("NO_COLOR");
  if (noColor !== undefined && noColor !== "") return false;
  return env("TERM") !== "dumb";
}

// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g;

/** The text without ANSI escape sequences. */
export function stripAnsi(s: string): string {
  return s.replace(ANSI, "");
}

// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f]/g;

/**
 * Makes untrusted text (model output, tool output, server messages) safe to print:
 * control characters (escape sequences included) are dropped, except newlines; tabs
 * become spaces and `\r\n` becomes `\n`. Nothing a model or a command prints can move
 * the cursor or restyle the screen.
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

/** Cuts a (styled) string to `width` columns, ending with `…` when cut. */
export function truncate(s: string, width: number): string {
  if (stringWidth(s) <= width) return s;
  if (width <= 0) return "";
  let out = "";
  let w = 0;
  let styled = false;
  for (const t of tokens(s)) {
    if (t.startsWith("\x1b")) {
      out += t;
      styled = true;
      continue;
    }
    const cw = charWidth(t.codePointAt(0)!);
    if (w + cw > width - 1) break;
    out += t;
    w += cw;
  }
  return out + "…" + (styled ? "\x1b[0m" : "");
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

/** Wraps multi-line text; see {@link wrapLine}. */
export function wrapText(text: string, width: number, indent = ""): string[] {
  return text.split("\n").flatMap((line) => wrapLine(line, width, indent));
}

/** Inline markdown: `**bold**`, `__bold__`, `` `code` `` (markers removed). */
export function renderInline(text: string, style: Style): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    if (text[i] === "`") {
      const end = text.indexOf("`", i + 1);
      if (end > i + 1) {
        out += style.cyan(text.slice(i + 1, end));
        i = end + 1;
        continue;
      }
    }
    const two = text.slice(i, i + 2);
    if (two === "**" || two === "__") {
      const end = text.indexOf(two, i + 2);
      if (end > i + 2) {
        out += style.bold(text.slice(i + 2, end));
        i = end + 2;
        continue;
      }
    }
    out += text[i];
    i++;
  }
  return out;
}

/**
 * Streaming light markdown. Text arrives in arbitrary pieces; each complete line is
 * rendered once and never changes, so it can go to the scrollback at once, while the
 * incomplete last line is shown live by {@link MarkdownStream.partial}.
 */
export class MarkdownStream {
  #style: Style;
  #pending = "";
  #inCode = false;

  /** Creates a renderer with the given styles. */
  constructor(style: Style) {
    this.#style = style;
  }

  /** Adds text; returns the rendered lines it completed. */
  push(delta: string): string[] {
    this.#pending += delta;
    const out: string[] = [];
    let nl: number;
    while ((nl = this.#pending.indexOf("\n")) !== -1) {
      out.push(this.#renderLine(this.#pending.slice(0, nl), true));
      this.#pending = this.#pending.slice(nl + 1);
    }
    return out;
  }

  /** The incomplete last line, rendered (without changing state). */
  partial(): string {
    return this.#pending === "" ? "" : this.#renderLine(this.#pending, false);
  }

  /** Ends the text: the last line, if any, is returned as complete. */
  end(): string[] {
    const rest = this.#pending;
    this.#pending = "";
    const out = rest === "" ? [] : [this.#renderLine(rest, true)];
    this.#inCode = false;
    return out;
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

/** Frames of the spinner. */
export const SPINNER_FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/** A compact token count: 950, 1.2k, 34k, 1.5M. */
export function formatTokens(n: number): string {
  if (n < 1000) return String(n);
  if (n < 10_000) return `${(n / 1000).toFixed(1).replace(/\.0$/, "")}k`;
  if (n < 1_000_000) return `${Math.round(n / 1000)}k`;
  return `${(n / 1_000_000).toFixed(1).replace(/\.0$/, "")}M`;
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
}

/** The status line, fitted to `width` (least important parts dropped first). */
export function formatStatus(info: StatusInfo, width: number, style: Style): string {
  const parts: string[] = [`${info.provider}/${info.model}`];
  if (info.noKey) parts.push("not logged in: /login");
  parts.push(`thinking ${info.thinking}`);
  parts.push(`↑${formatTokens(info.tokensIn)} ↓${formatTokens(info.tokensOut)}`);
  parts.push(info.billed ? formatCost(info.cost) : "subscription");
  if (info.contextWindow > 0) {
    const pct = Math.min(100, Math.round(info.contextTokens / info.contextWindow * 100));
    parts.push(`ctx ${pct}%`);
  }
  let line = parts.join(" · ");
  // Narrow terminals: drop from the least important end, then truncate.
  while (stringWidth(line) > width && parts.length > 2) {
    parts.splice(parts.length - 1, 1);
    line = parts.join(" · ");
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
  const head = `${mark} ${style.bold(call.name)} ${summarizeArgs(call.name, call.args)}`;
  const tail = result === undefined ? "" : style.dim(` → ${summarizeResult(result.text)}`);
  const headWidth = stringWidth(head);
  if (headWidth + stringWidth(tail) <= width) return head + tail;
  const room = width - Math.min(stringWidth(tail), Math.floor(width / 2));
  return truncate(head, room) + truncate(tail, width - Math.min(headWidth, room));
}

/** Thinking, collapsed to one dim line, or shown whole (dim) when expanded. */
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
  return wrapText(clean, width).map((l) => style.dim(style.italic(l)));
}
