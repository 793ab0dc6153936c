/**
 * The focus stack of a screen: widgets opened on top of each other (a picker, then a
 * confirmation over it), the top one taking the keys and drawn. Opening a widget returns
 * a promise of its answer: its value when a key finishes it, undefined when it is
 * cancelled, closed by its owner or by its signal. No I/O: whoever owns the host reads the
 * keys and draws (tui/screen.ts); the host tells it when a signal closed a widget.
 * @module
 */

import type { KeyEvent } from "./keys.ts";
import type { Style } from "./style.ts";
import type { KeyResult, Widget, WidgetView } from "./widget.ts";

interface Entry {
  widget: Widget<unknown>;
  resolve: (value: unknown) => void;
  cleanup: () => void;
}

/** Options of {@link WidgetHost}. */
export interface WidgetHostOptions {
  /**
   * Called when a widget closed by itself (its signal aborted), for the owner to redraw.
   * After {@link WidgetHost.open}, {@link WidgetHost.onKey} and the closing calls the
   * owner redraws as after any key.
   */
  onClose?: () => void;
}

/** Options of {@link WidgetHost.open}. */
export interface OpenOptions {
  /** Closes the widget (its answer: undefined) when it aborts. */
  signal?: AbortSignal;
}

/** The focus stack: the widget on top takes the keys and is drawn. */
export class WidgetHost {
  #stack: Entry[] = [];
  #onClose: () => void;

  /** An empty stack. */
  constructor(options: WidgetHostOptions = {}) {
    this.#onClose = options.onClose ?? (() => {});
  }

  /** The widget on top (the one keys go to), or undefined when none is open. */
  get top(): Widget<unknown> | undefined {
    return this.#stack.at(-1)?.widget;
  }

  /** How many widgets are open. */
  get size(): number {
    return this.#stack.length;
  }

  /**
   * Opens `widget` on top. Resolves with its value when a key finishes it, with
   * undefined when it is cancelled or closed (by {@link close}, {@link closeAll} or its
   * signal). An aborted signal resolves at once without opening it.
   */
  open<T>(widget: Widget<T>, options: OpenOptions = {}): Promise<T | undefined> {
    const { signal } = options;
    return new Promise<T | undefined>((resolve) => {
      if (signal?.aborted) return resolve(undefined);
      const onAbort = () => {
        if (this.#remove(widget as Widget<unknown>, undefined)) this.#onClose();
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#stack.push({
        widget: widget as Widget<unknown>,
        resolve: resolve as (value: unknown) => void,
        cleanup: () => signal?.removeEventListener("abort", onAbort),
      });
    });
  }

  /**
   * Gives `key` to the widget on top: `none` when no widget is open (the key is the
   * owner's), else what the widget did. A widget done or cancelled is closed, and its
   * promise resolved.
   */
  onKey(key: KeyEvent): KeyResult | "none" {
    const entry = this.#stack.at(-1);
    if (!entry) return "none";
    const result = entry.widget.onKey(key);
    if (result === "done") this.#remove(entry.widget, entry.widget.value);
    else if (result === "cancel") this.#remove(entry.widget, undefined);
    return result;
  }

  /** Closes `widget` (default: the one on top) as cancelled; false when it was not open. */
  close(widget: Widget<unknown> | undefined = this.top): boolean {
    return widget !== undefined && this.#remove(widget, undefined);
  }

  /** Closes every open widget, top first, as cancelled. */
  closeAll(): void {
    while (this.close()) { /* the next one */ }
  }

  /**
   * The widget on top drawn into rows of at most `width` columns (and `height` rows, for a
   * widget that can cut itself: see {@link Widget.render}), or undefined.
   */
  render(width: number, style: Style, height?: number): WidgetView | undefined {
    return this.top?.render(width, style, height);
  }

  #remove(widget: Widget<unknown>, value: unknown): boolean {
    const i = this.#stack.findIndex((e) => e.widget === widget);
    if (i === -1) return false;
    const [entry] = this.#stack.splice(i, 1);
    entry.cleanup();
    entry.resolve(value);
    return true;
  }
}
