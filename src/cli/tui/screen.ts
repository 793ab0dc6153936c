/**
 * The screen model of the interactive mode: the transcript goes to the terminal's
 * scrollback once and is never redrawn; below it a small live region (the streaming
 * line, the spinner, the editor or a menu, the status line) is erased and redrawn in
 * place. {@link Screen.frame} returns the bytes of one update, so it is tested as a
 * plain function; nothing here writes.
 *
 * Lines are broken only at spaces ({@link flowLine}): a word wider than the terminal (a
 * URL, a path) is printed whole and the terminal wraps it, so it stays one piece to click
 * or copy. Such a line takes several rows, and every cursor movement counts them
 * ({@link rowCount}).
 * @module
 */

import { HIDE_CURSOR, SHOW_CURSOR } from "./terminal.ts";
import { flowLine, rowCount, terminalRows } from "./text.ts";

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

  /** Terminal rows the live region took at the last update. */
  get height(): number {
    return this.#height;
  }

  /**
   * The bytes that print `commit` lines above the live region (permanently) and redraw
   * the live region as `live`, flowed to `columns`, at most `maxRows` terminal rows (the
   * top ones are dropped first).
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
      for (const row of flowLine(line, columns)) out += row + "\r\n";
    }
    // The live rows, each with the terminal rows it takes.
    const rows: { text: string; height: number }[] = [];
    let cursorRow = -1; // in terminal rows from the top of the live region
    live.forEach((line, i) => {
      if (cursor && i === cursor.row) {
        cursorRow = rows.reduce((sum, r) => sum + r.height, 0) +
          Math.floor(Math.max(0, cursor.col) / columns);
      }
      for (const text of flowLine(line, columns)) {
        rows.push({ text, height: rowCount(text, columns) });
      }
    });
    // Keep the bottom `maxRows` terminal rows: whole rows go from the top, and a row
    // taller than what is left to drop is cut where the terminal would wrap it.
    const total = rows.reduce((sum, r) => sum + r.height, 0);
    const drop = Math.max(0, total - Math.max(1, maxRows));
    let dropped = 0;
    let start = 0;
    while (start < rows.length && dropped + rows[start].height <= drop) {
      dropped += rows[start].height;
      start++;
    }
    const shown = rows.slice(start).map((r) => r.text);
    if (dropped < drop && shown.length > 0) {
      shown.splice(0, 1, ...terminalRows(shown[0], columns).slice(drop - dropped));
    }
    cursorRow -= drop;
    out += shown.join("\r\n");
    const height = total - drop;
    const last = height - 1; // the terminal row the output ends on
    if (cursor && cursorRow >= 0 && cursorRow <= last) {
      const up = last - cursorRow;
      if (up > 0) out += `\x1b[${up}A`;
      out += "\r";
      const col = Math.max(0, cursor.col) % columns;
      if (col > 0) out += `\x1b[${col}C`;
      out += SHOW_CURSOR;
      this.#cursorRow = cursorRow;
    } else {
      this.#cursorRow = Math.max(0, last);
    }
    this.#height = height;
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
