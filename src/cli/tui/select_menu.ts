/**
 * A filterable menu as a {@link Widget} (render + onKey), used by /login, /logout,
 * /model and /thinking. Typing filters (case-insensitive, every word must match the
 * label, the value when it is a string, or the hint), ↑/↓ (or Ctrl+P/Ctrl+N, Tab/Shift+Tab) move,
 * Enter picks, Escape, Ctrl+C or Ctrl+D cancels. No I/O.
 * @module
 */

import type { KeyEvent } from "./keys.ts";
import { oneLine } from "../../one_line.ts";
import type { Style } from "./style.ts";
import { truncate } from "./text.ts";
import type { KeyResult, Widget, WidgetView } from "./widget.ts";

/** One choice. */
export interface MenuItem<T> {
  /** What is shown. */
  label: string;
  /** What picking it returns. */
  value: T;
  /** Shown dim after the label (e.g. "current", "logged in"). */
  hint?: string;
}

/** A filterable single-choice menu. */
export class SelectMenu<T> implements Widget<T> {
  /** The question shown above the items. */
  readonly title: string;
  /** All items. */
  readonly items: readonly MenuItem<T>[];
  /** The filter typed so far. */
  filter = "";
  /** Index of the highlighted item in {@link visible}. */
  index = 0;
  #maxRows: number;
  #filterable: boolean;
  #picked: { value: T } | undefined;

  /** Creates a menu; `initial` is the index of the item highlighted first. */
  constructor(
    title: string,
    items: readonly MenuItem<T>[],
    options: { initial?: number; maxRows?: number; filterable?: boolean } = {},
  ) {
    this.title = title;
    this.items = items;
    this.index = Math.max(0, Math.min(options.initial ?? 0, items.length - 1));
    this.#maxRows = options.maxRows ?? 10;
    this.#filterable = options.filterable ?? true;
  }

  /** The items that match the filter, in their order. */
  get visible(): MenuItem<T>[] {
    const words = this.filter.toLowerCase().split(/\s+/).filter(Boolean);
    if (words.length === 0) return [...this.items];
    return this.items.filter((item) => {
      // A value that is not a string (a model, a session) is not text to match: "[object
      // Object]" would match `obj`, a number any digit typed.
      const value = typeof item.value === "string" ? item.value : "";
      const hay = `${item.label} ${value} ${item.hint ?? ""}`.toLowerCase();
      return words.every((w) => hay.includes(w));
    });
  }

  /** The value of the item picked, once a key picked one. */
  get value(): T | undefined {
    return this.#picked?.value;
  }

  #pick(item: MenuItem<T> | undefined): KeyResult {
    if (!item) return "handled";
    this.#picked = { value: item.value };
    return "done";
  }

  /** Applies one key: `done` when it picked an item ({@link value}), `cancel`, or `handled`. */
  onKey(event: KeyEvent): KeyResult {
    const handled: KeyResult = "handled";
    if (event.type === "text" || event.type === "paste") {
      if (!this.#filterable) {
        // y/n style: a first letter picks the item it starts.
        const ch = event.text.trim().toLowerCase()[0];
        const hit = this.items.find((i) => i.label.toLowerCase().startsWith(ch ?? "\0"));
        return this.#pick(hit);
      }
      this.filter += event.text.replace(/\n/g, " ");
      this.index = 0;
      return handled;
    }
    const count = this.visible.length;
    switch (event.name) {
      case "up":
      case "ctrl+p":
      case "shift+tab":
        if (count > 0) this.index = (this.index - 1 + count) % count;
        return handled;
      case "down":
      case "ctrl+n":
      case "tab":
        if (count > 0) this.index = (this.index + 1) % count;
        return handled;
      case "pageup":
        this.index = Math.max(0, this.index - this.#maxRows);
        return handled;
      case "pagedown":
        this.index = Math.max(0, Math.min(count - 1, this.index + this.#maxRows));
        return handled;
      case "backspace":
        this.filter = [...this.filter].slice(0, -1).join("");
        this.index = 0;
        return handled;
      case "ctrl+u":
      case "ctrl+w":
      case "word-backspace":
        this.filter = "";
        this.index = 0;
        return handled;
      case "enter":
        return this.#pick(this.visible[this.index]);
      case "escape":
      case "ctrl+c":
      case "ctrl+d":
        return "cancel";
    }
    return handled;
  }

  /**
   * Draws the menu into rows of at most `width` columns. Titles, labels and hints may
   * hold text from outside (model names from models.json or the live list): each is
   * shown as one line without escape sequences.
   */
  render(width: number, style: Style): WidgetView {
    const rows: string[] = [style.bold(truncate(oneLine(this.title), width))];
    if (this.#filterable && (this.filter !== "" || this.items.length > 5)) {
      rows.push(truncate(`${style.dim("filter:")} ${this.filter}`, width));
    }
    const visible = this.visible;
    if (visible.length === 0) rows.push(style.dim("  (nothing matches)"));
    const start = Math.max(
      0,
      Math.min(this.index - Math.floor(this.#maxRows / 2), visible.length - this.#maxRows),
    );
    const end = Math.min(visible.length, start + this.#maxRows);
    if (start > 0) rows.push(style.dim(`  ↑ ${start} more`));
    for (let i = start; i < end; i++) {
      const item = visible[i];
      const selected = i === this.index;
      const hint = item.hint ? ` ${style.dim(`(${oneLine(item.hint)})`)}` : "";
      const text = `${selected ? "❯" : " "} ${oneLine(item.label)}${hint}`;
      const line = truncate(text, width);
      rows.push(selected ? style.cyan(line) : line);
    }
    if (end < visible.length) rows.push(style.dim(`  ↓ ${visible.length - end} more`));
    const help = this.#filterable
      ? "↑↓ move · type to filter · Enter select · Esc cancel"
      : "↑↓ move · Enter select · Esc cancel";
    rows.push(style.dim(truncate(help, width)));
    return { rows };
  }
}
