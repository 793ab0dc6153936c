/**
 * The approval question as a {@link Widget} (CONTRACT.md "Tool approval and sandbox"): the
 * tool and its arguments (the command, the path, the unified diff of a write or edit,
 * coloured `+`/`-` unless NO_COLOR), then the keys: `y` once, `a` always for this tool, `n`
 * no, Esc no and stop the turn (the screen decides Esc and Ctrl+C before the widget: closed,
 * its answer is undefined, which the caller takes as a stop). A body taller than the room
 * on the screen is cut with `… N more lines`; ↑/↓, PgUp/PgDn, Home/End scroll it. Any
 * other key (a typo, an empty Enter, a paste) answers nothing and says which keys do. When
 * the user was typing as the question opened (the next message, while the turn ran), answers
 * are held for a moment ({@link HOLD_MS}): a word typed on must not answer it (`a` is
 * "always").
 * Lines are wrapped, never cut: nothing of a command is hidden off the right edge. The
 * question's text comes from the model: it is sanitised here. No I/O.
 * @module
 */

import type { ApprovalAnswer } from "../../agent/approval.ts";
import type { ApprovalQuestion } from "../../agent/approval_question.ts";
import { oneLine } from "../../one_line.ts";
import type { KeyEvent } from "../tui/keys.ts";
import type { Style } from "../tui/style.ts";
import { sanitize, terminalRows, wrapLine } from "../tui/text.ts";
import type { KeyResult, Widget, WidgetView } from "../tui/widget.ts";

const ANSWERS: Readonly<Record<string, ApprovalAnswer>> = { y: "yes", a: "always", n: "no" };

/** What a key that answers nothing brings up. */
export const NUDGE = "Answer with y, a, n or Esc";
/** What an answer key typed while answers are held brings up. */
export const HELD = "Answer with y, a, n or Esc (keys typed as this opened are not taken)";
/** How long answers are held after the question opens while the user was typing. */
export const HOLD_MS = 600;

/** How a body line of a diff is coloured: by its first characters. */
function colourDiff(line: string, style: Style): (row: string) => string {
  if (line.startsWith("+++ ") || line.startsWith("--- ")) return style.bold;
  if (line.startsWith("@@")) return style.cyan;
  if (line.startsWith("+")) return style.green;
  if (line.startsWith("-")) return style.red;
  if (line.startsWith("\\")) return style.dim;
  return (row) => row;
}

/** `1 line`, `3 lines` (`more `: `1 more line`). */
function lines(n: number, more = ""): string {
  return `${n} ${more}line${n === 1 ? "" : "s"}`;
}

/** The approval question for one tool call; its value is the answer. */
export class ApprovalPrompt implements Widget<ApprovalAnswer> {
  /** What is asked. */
  readonly question: ApprovalQuestion;
  /** The first body row shown (scrolled with ↑/↓). */
  offset = 0;
  /** Whether the last key answered nothing (the nudge is shown). */
  nudged = false;
  /** Answer keys before this time (by `now`) are not taken; undefined: none held. */
  readonly holdUntil: number | undefined;
  #held = false;
  readonly #now: () => number;
  #value: ApprovalAnswer | undefined;
  #rows: { width: number; style: Style; rows: string[] } | undefined;
  #maxOffset = 0;
  #page = 1;

  /**
   * The question `question` (from src/agent/approval_question.ts). `holdUntil`: answer keys
   * before this time (by `now`, default `Date.now`) are not taken.
   */
  constructor(
    question: ApprovalQuestion,
    options: { holdUntil?: number; now?: () => number } = {},
  ) {
    this.question = question;
    this.holdUntil = options.holdUntil;
    this.#now = options.now ?? Date.now;
  }

  /** The answer, once a key gave one. */
  get value(): ApprovalAnswer | undefined {
    return this.#value;
  }

  /**
   * The body wrapped to `width`, indented and coloured (kept while the width is the same).
   * A line wraps where the terminal would (inside words too, so a wrapped row is seen as
   * one); a diff line's rows all start with its `+`/`-`/` `, other lines' rows after the
   * first are indented.
   */
  #bodyRows(width: number, style: Style): string[] {
    const cached = this.#rows;
    if (cached && cached.width === width && cached.style === style) return cached.rows;
    const diff = this.question.tool === "write" || this.question.tool === "edit";
    const rows: string[] = [];
    for (const raw of this.question.body) {
      const line = sanitize(raw).replace(/\n/g, " ");
      if (diff && /^[-+ ]/.test(line) && !/^(\+\+\+|---) /.test(line)) {
        const colour = colourDiff(line, style);
        for (const part of terminalRows(line.slice(1), width - 3)) {
          rows.push(`  ${colour(line[0] + part)}`);
        }
        continue;
      }
      const colour = diff ? colourDiff(line, style) : (row: string) => row;
      const [first, ...more] = terminalRows(line, width - 2);
      rows.push(`  ${colour(first)}`);
      if (more.length === 0) continue;
      for (const part of terminalRows(more.join(""), width - 4)) rows.push(`    ${colour(part)}`);
    }
    this.#rows = { width, style, rows };
    return rows;
  }

  /**
   * The title, the body (cut to fit `height` with `↑ N lines above` / `… N more lines`),
   * the note, and the keys.
   */
  render(width: number, style: Style, height?: number): WidgetView {
    const w = Math.max(10, width);
    const q = this.question;
    const head = wrapLine(oneLine(q.title), w).map((r) => style.bold(r));
    const tail: string[] = [];
    if (q.note !== undefined) {
      tail.push(...wrapLine(oneLine(q.note), w - 2, " ").map((r) => style.yellow(`  ${r}`)));
    }
    if (this.nudged) tail.push(...wrapLine(this.#held ? HELD : NUDGE, w).map(style.yellow));
    tail.push(...wrapLine(oneLine(q.keys), w));
    const body = this.#bodyRows(w, style);
    const room = height === undefined
      ? body.length
      : Math.max(1, height - head.length - tail.length);
    if (body.length <= room) {
      this.#maxOffset = 0;
      this.offset = 0;
      return { rows: [...head, ...body, ...tail] };
    }
    // Cut: one row says what is below, and one what is above once scrolled.
    this.#maxOffset = Math.max(1, body.length - Math.max(1, room - 2));
    this.offset = Math.min(this.offset, this.#maxOffset);
    const shown = Math.max(1, room - 1 - (this.offset > 0 ? 1 : 0));
    this.#page = shown;
    const end = Math.min(body.length, this.offset + shown);
    const rows = [...head];
    if (this.offset > 0) rows.push(style.dim(`  ↑ ${lines(this.offset)} above`));
    rows.push(...body.slice(this.offset, end));
    if (end < body.length) {
      rows.push(style.dim(`  … ${lines(body.length - end, "more ")} (↓ PgDn to scroll)`));
    }
    rows.push(...tail);
    return { rows };
  }

  /** `y`, `a`, `n` answer (any case); ↑/↓, PgUp/PgDn, Home/End scroll; Esc cancels. */
  onKey(key: KeyEvent): KeyResult {
    if (key.type === "text" && [...key.text].length === 1) {
      const answer = ANSWERS[key.text.toLowerCase()];
      const held = this.holdUntil !== undefined && this.#now() < this.holdUntil;
      if (answer !== undefined && !held) {
        this.#value = answer;
        return "done";
      }
      this.#held = held && answer !== undefined;
      this.nudged = true;
      return "handled";
    }
    if (key.type === "key") {
      const scroll: Partial<Record<string, number>> = {
        up: -1,
        down: 1,
        pageup: -this.#page,
        pagedown: this.#page,
        home: -Infinity,
        end: Infinity,
      };
      const by = scroll[key.name];
      if (by !== undefined) {
        this.offset = Math.max(0, Math.min(this.#maxOffset, this.offset + by));
        this.nudged = false;
        return "handled";
      }
      if (key.name === "escape" || key.name === "ctrl+c") return "cancel";
    }
    // A typo, an empty Enter, a paste: no answer; the keys that answer are said.
    this.#held = false;
    this.nudged = true;
    return "handled";
  }
}
