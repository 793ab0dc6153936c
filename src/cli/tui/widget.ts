/**
 * The one shape of every piece of the screen that takes keys (a menu, a text prompt, a
 * question): {@link Widget.render} draws it into rows, {@link Widget.onKey} applies one key
 * and says whether it is still open, done or cancelled. A widget does no I/O, so it is
 * tested with keystrokes alone; a {@link WidgetHost} (tui/host.ts) shows the one on top.
 * @module
 */

import type { KeyEvent } from "./keys.ts";
import type { CursorPosition } from "./screen.ts";
import type { Style } from "./style.ts";

/**
 * What a key did: `handled` (still open, redraw it), `done` (its {@link Widget.value} is
 * the answer) or `cancel` (closed without an answer).
 */
export type KeyResult = "handled" | "done" | "cancel";

/** A widget drawn: its rows, and where the cursor goes (none: the cursor is hidden). */
export interface WidgetView {
  /** Rows of at most the width asked for, without line endings. */
  rows: string[];
  /** The cursor, relative to {@link rows}. */
  cursor?: CursorPosition;
}

/** A piece of the screen that takes keys and gives an answer of type `T`. */
export interface Widget<T> {
  /**
   * Draws the widget into rows of at most `width` columns, and at most `height` rows when
   * the host gives a height (the room left on the screen); a widget that cannot fit cuts
   * itself (undefined: as many rows as it needs).
   */
  render(width: number, style: Style, height?: number): WidgetView;
  /**
   * Applies one key. Escape (and Ctrl+C) cancel every widget unless it has a use for them;
   * the screen that hosts it may decide them before the widget sees them.
   */
  onKey(key: KeyEvent): KeyResult;
  /** The answer, once {@link onKey} returned `done`; undefined before. */
  readonly value: T | undefined;
}
