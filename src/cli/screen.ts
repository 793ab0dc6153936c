/**
 * The screen model of the interactive mode: the transcript goes to the terminal's
 * scrollback once and is never redrawn; below it a small live region (the streaming
 * line, the spinner, the editor or a menu, the status line) is erased and redrawn in
 * place. {@link Screen.frame} returns the bytes of one update, so it is tested as a
 * plain function; nothing here writes.
 * @module
 */

import { HIDE_CURSOR, SHOW_CURSOR } from "./terminal.ts";
import { stringWidth, wrapLine } from "./render.ts";

/** Where the cursor goes in the live region; undefined hides it. */
export interface CursorPosition {
  /** Row within the live rows. */
  row: number;
  /** Column. */
  col: number;
}

/** Tracks the live region and builds the output of each update. */
export class Screen {
  #cursorRow = 0;
  #height = 0;

  /** Rows the live region took at the last update. */
  get height(): number {
    return this.#height;
  }

  /**
   * The bytes that print `commit` lines above the live region (permanently) and redraw
   * the live region as `live`, each row fitted to `columns`, at most `maxRows` live
   * rows (the top ones are dropped first).
   */
  frame(
    commit: readonly string[],
    live: readonly string[],
    cursor: CursorPosition | undefined,
    columns: number,
    maxRows: number,
  ): string {
    let out = HIDE_CURSOR;
    if (this.#cursorRow > 0) out += `\x1b[${this.#cursorRow}A`;
    out += "\r\x1b[J";
    for (const line of commit) {
      for (const row of wrapLine(line, columns)) out += row + "\r\n";
    }
    // Fit the live rows: wrap, then keep the bottom `maxRows`.
    const rows: string[] = [];
    let cursorRow = -1;
    live.forEach((line, i) => {
      const wrapped = stringWidth(line) <= columns ? [line] : wrapLine(line, columns);
      if (cursor && i === cursor.row) cursorRow = rows.length;
      rows.push(...wrapped);
    });
    const drop = Math.max(0, rows.length - Math.max(1, maxRows));
    const shown = rows.slice(drop);
    cursorRow -= drop;
    out += shown.join("\r\n");
    const last = shown.length - 1;
    if (cursor && cursorRow >= 0 && last >= 0) {
      const up = last - cursorRow;
      if (up > 0) out += `\x1b[${up}A`;
      out += "\r";
      const col = Math.min(cursor.col, columns - 1);
      if (col > 0) out += `\x1b[${col}C`;
      out += SHOW_CURSOR;
      this.#cursorRow = cursorRow;
    } else {
      this.#cursorRow = Math.max(0, last);
    }
    this.#height = shown.length;
    return out;
  }

  /**
   * The bytes that clear the visible screen and home the cursor; the next
   * {@link frame} draws from the top. Used after a resize, when the terminal's reflow
   * has moved the old live region to where it can no longer be found.
   */
  reset(): string {
    this.#cursorRow = 0;
    this.#height = 0;
    return "\x1b[H\x1b[2J";
  }

  /** The bytes that erase the live region and leave the cursor at its start. */
  clear(): string {
    const up = this.#cursorRow > 0 ? `\x1b[${this.#cursorRow}A` : "";
    this.#cursorRow = 0;
    this.#height = 0;
    return `${up}\r\x1b[J${SHOW_CURSOR}`;
  }
}
