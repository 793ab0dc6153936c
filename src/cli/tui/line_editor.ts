/**
 * The prompt's line editor: a small state machine (text, cursor, history) that takes
 * key events and renders itself into terminal rows. No I/O: tested with plain values.
 *
 * Multi-line input: Shift+Enter (any key the decoder calls `newline`) inserts a line
 * break, and so does Enter right after a `\` (the `\` is removed). ↑/↓ move between
 * lines, and from the first/last line walk the history.
 * @module
 */

import type { KeyEvent } from "./keys.ts";
import { charWidth } from "./text.ts";

/** What a key did to the editor. */
export type EditorResult =
  | {
    /** The user pressed Enter: `text` is the submitted input. */
    type: "submit";
    /** The input. */
    text: string;
  }
  | {
    /** The key changed the text or the cursor (or nothing visible). */
    type: "handled";
  }
  | {
    /** The editor has no use for this key; the caller may. */
    type: "unhandled";
  };

/** The editor drawn into rows of at most `width` columns. */
export interface EditorView {
  /** The rows, without line endings. */
  rows: string[];
  /** The cursor's row in `rows`. */
  cursorRow: number;
  /** The cursor's column. */
  cursorCol: number;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** A multi-line text editor with a cursor and a history. */
export class LineEditor {
  /** The text being edited; lines separated by `\n`. */
  text = "";
  /** Cursor position, a UTF-16 index into {@link text}. */
  cursor = 0;
  /** Earlier submissions, oldest first. */
  readonly history: string[];
  #historyIndex: number;
  #draft = "";

  /** Creates an editor with an optional history (oldest first). */
  constructor(history: string[] = []) {
    this.history = history;
    this.#historyIndex = history.length;
  }

  /** Replaces the text and puts the cursor at its end. */
  setText(text: string): void {
    this.text = text;
    this.cursor = text.length;
  }

  /** Inserts text at the cursor. */
  insert(text: string): void {
    this.text = this.text.slice(0, this.cursor) + text + this.text.slice(this.cursor);
    this.cursor += text.length;
  }

  #lineStart(): number {
    return this.text.lastIndexOf("\n", this.cursor - 1) + 1;
  }

  #lineEnd(): number {
    const end = this.text.indexOf("\n", this.cursor);
    return end === -1 ? this.text.length : end;
  }

  #prevIndex(i: number): number {
    if (i <= 0) return 0;
    return isLowSurrogate(this.text.charCodeAt(i - 1)) && i >= 2 ? i - 2 : i - 1;
  }

  #nextIndex(i: number): number {
    if (i >= this.text.length) return this.text.length;
    return isLowSurrogate(this.text.charCodeAt(i + 1)) ? i + 2 : i + 1;
  }

  #wordLeft(i: number): number {
    while (i > 0 && /\s/.test(this.text[i - 1])) i--;
    while (i > 0 && !/\s/.test(this.text[i - 1])) i--;
    return i;
  }

  #wordRight(i: number): number {
    const n = this.text.length;
    while (i < n && /\s/.test(this.text[i])) i++;
    while (i < n && !/\s/.test(this.text[i])) i++;
    return i;
  }

  #delete(from: number, to: number): void {
    if (from >= to) return;
    this.text = this.text.slice(0, from) + this.text.slice(to);
    this.cursor = from;
  }

  /** Moves the cursor to the same column of the line above (-1) or below (+1). */
  #verticalMove(direction: -1 | 1): boolean {
    const start = this.#lineStart();
    const column = this.cursor - start;
    if (direction === -1) {
      if (start === 0) return false;
      const prevStart = this.text.lastIndexOf("\n", start - 2) + 1;
      this.cursor = Math.min(prevStart + column, start - 1);
      return true;
    }
    const end = this.#lineEnd();
    if (end === this.text.length) return false;
    const nextStart = end + 1;
    const nextEndRaw = this.text.indexOf("\n", nextStart);
    const nextEnd = nextEndRaw === -1 ? this.text.length : nextEndRaw;
    this.cursor = Math.min(nextStart + column, nextEnd);
    return true;
  }

  #historyMove(direction: -1 | 1): boolean {
    const target = this.#historyIndex + direction;
    if (target < 0 || target > this.history.length) return false;
    if (this.#historyIndex === this.history.length) this.#draft = this.text;
    this.#historyIndex = target;
    this.setText(target === this.history.length ? this.#draft : this.history[target]);
    return true;
  }

  /** Clears the text and returns it, recording it in the history. */
  submit(): string {
    const text = this.text;
    if (text.trim() !== "" && this.history[this.history.length - 1] !== text) {
      this.history.push(text);
    }
    this.#historyIndex = this.history.length;
    this.#draft = "";
    this.setText("");
    return text;
  }

  /** Applies one key. */
  onKey(event: KeyEvent): EditorResult {
    const handled: EditorResult = { type: "handled" };
    if (event.type === "text" || event.type === "paste") {
      this.insert(event.text);
      return handled;
    }
    switch (event.name) {
      case "enter": {
        if (this.cursor > 0 && this.text[this.cursor - 1] === "\\") {
          this.text = this.text.slice(0, this.cursor - 1) + "\n" + this.text.slice(this.cursor);
          return handled;
        }
        return { type: "submit", text: this.submit() };
      }
      case "newline":
        this.insert("\n");
        return handled;
      case "backspace":
        this.#delete(this.#prevIndex(this.cursor), this.cursor);
        return handled;
      case "delete":
        this.#delete(this.cursor, this.#nextIndex(this.cursor));
        return handled;
      case "left":
        this.cursor = this.#prevIndex(this.cursor);
        return handled;
      case "right":
        this.cursor = this.#nextIndex(this.cursor);
        return handled;
      case "word-left":
        this.cursor = this.#wordLeft(this.cursor);
        return handled;
      case "word-right":
        this.cursor = this.#wordRight(this.cursor);
        return handled;
      case "home":
      case "ctrl+a":
        this.cursor = this.#lineStart();
        return handled;
      case "end":
      case "ctrl+e":
        this.cursor = this.#lineEnd();
        return handled;
      case "ctrl+u":
        this.#delete(this.#lineStart(), this.cursor);
        return handled;
      case "ctrl+k":
        this.#delete(this.cursor, this.#lineEnd());
        return handled;
      case "ctrl+w":
      case "word-backspace":
        this.#delete(this.#wordLeft(this.cursor), this.cursor);
        return handled;
      case "word-delete":
        this.#delete(this.cursor, this.#wordRight(this.cursor));
        return handled;
      case "up":
        if (this.#verticalMove(-1) || this.#historyMove(-1)) return handled;
        return handled;
      case "down":
        if (this.#verticalMove(1) || this.#historyMove(1)) return handled;
        return handled;
    }
    return { type: "unhandled" };
  }

  /**
   * Draws the text into rows of `width` columns: the first line after `prompt`, the
   * others after `continuation` (both plain text; style them when printing).
   */
  render(width: number, prompt = "> ", continuation = "  "): EditorView {
    const cols = Math.max(4, width);
    const rows: string[] = [];
    let cursorRow = 0;
    let cursorCol = 0;
    let row = "";
    let col = 0;
    const lines = this.text.split("\n");
    let offset = 0;
    for (let l = 0; l < lines.length; l++) {
      const prefix = l === 0 ? prompt : continuation;
      row = prefix;
      col = [...prefix].reduce((w, ch) => w + charWidth(ch.codePointAt(0)!), 0);
      const line = lines[l];
      let i = 0;
      while (i <= line.length) {
        if (offset + i === this.cursor) {
          if (col >= cols) {
            rows.push(row);
            row = "";
            col = 0;
          }
          cursorRow = rows.length;
          cursorCol = col;
        }
        if (i === line.length) break;
        const cp = line.codePointAt(i)!;
        const ch = String.fromCodePoint(cp);
        const w = charWidth(cp);
        if (col + w > cols) {
          rows.push(row);
          row = "";
          col = 0;
        }
        row += ch;
        col += w;
        i += ch.length;
      }
      rows.push(row);
      offset += line.length + 1;
    }
    return { rows, cursorRow, cursorCol };
  }
}
