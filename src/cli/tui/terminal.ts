/**
 * The terminal edge of the interactive mode: raw mode on and off (always restored, in
 * `finally`, on SIGTERM/SIGHUP and at process exit), the cursor shown again, bracketed
 * paste, the size, and keys read from stdin. Output goes through the Deps stdout.
 * @module
 */

import type { Deps } from "../../deps.ts";
import { KeyDecoder, type KeyEvent } from "./keys.ts";

/** How long a lone Escape waits for the rest of a sequence, in ms. */
export const ESCAPE_TIMEOUT_MS = 30;

/** Terminal size in cells. */
export interface Size {
  /** Columns. */
  columns: number;
  /** Rows. */
  rows: number;
}

/** What the terminal needs from the platform (injected in tests). */
export interface TerminalHost {
  /** Switches stdin's raw mode. */
  setRaw(on: boolean): void;
  /** The current size. */
  size(): Size;
  /** Adds a signal listener; returns its removal. */
  onSignal(signal: Deno.Signal, handler: () => void): () => void;
}

/** The real host: Deno.stdin and Deno's signal listeners. */
export function denoHost(): TerminalHost {
  return {
    setRaw: (on) => Deno.stdin.setRaw(on),
    size: () => {
      try {
        return Deno.consoleSize();
      } catch {
        return { columns: 80, rows: 24 };
      }
    },
    onSignal: (signal, handler) => {
      try {
        Deno.addSignalListener(signal, handler);
        return () => Deno.removeSignalListener(signal, handler);
      } catch {
        return () => {};
      }
    },
  };
}

/** Show/hide cursor, bracketed paste on/off. */
export const SHOW_CURSOR = "\x1b[?25h";
/** Hides the cursor while drawing. */
export const HIDE_CURSOR = "\x1b[?25l";
const PASTE_ON = "\x1b[?2004h";
const PASTE_OFF = "\x1b[?2004l";

/** A terminal in raw mode. Call {@link Terminal.restore} in `finally`. */
export class Terminal {
  #deps: Pick<Deps, "stdin" | "stdout">;
  #host: TerminalHost;
  #raw = false;
  #cleanups: (() => void)[] = [];
  #reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  #onUnload = () => this.restore();

  /**
   * Wraps the Deps' stdin/stdout (or any input and output: the CLI's prompts draw on
   * stderr) and a host (default: the real one).
   */
  constructor(deps: Pick<Deps, "stdin" | "stdout">, host: TerminalHost = denoHost()) {
    this.#deps = deps;
    this.#host = host;
  }

  /** Whether raw mode is on. */
  get raw(): boolean {
    return this.#raw;
  }

  /** The size now. */
  size(): Size {
    const s = this.#host.size();
    return { columns: Math.max(10, s.columns || 80), rows: Math.max(4, s.rows || 24) };
  }

  /**
   * Raw mode on, bracketed paste on. Termination signals restore the terminal and end
   * the process (129 for SIGHUP, 143 for SIGTERM) unless `exitOnSignal` is false (the
   * caller ends the process in order, as main.ts does for the interactive mode);
   * `onResize` runs on SIGWINCH.
   */
  enter(options: { onResize?: () => void; exitOnSignal?: boolean } = {}): void {
    if (this.#raw) return;
    this.#host.setRaw(true);
    this.#raw = true;
    this.write(PASTE_ON);
    globalThis.addEventListener("unload", this.#onUnload);
    const signals = options.exitOnSignal === false
      ? []
      : [["SIGTERM", 143], ["SIGHUP", 129]] as const;
    for (const [signal, code] of signals) {
      this.#cleanups.push(this.#host.onSignal(signal, () => {
        this.restore();
        Deno.exit(code);
      }));
    }
    if (options.onResize) {
      this.#cleanups.push(this.#host.onSignal("SIGWINCH", options.onResize));
    }
  }

  /** Raw mode off, paste mode off, cursor shown, listeners removed. Safe to call twice. */
  restore(): void {
    for (const cleanup of this.#cleanups.splice(0)) {
      try {
        cleanup();
      } catch { /* already removed */ }
    }
    globalThis.removeEventListener("unload", this.#onUnload);
    if (!this.#raw) return;
    this.#raw = false;
    try {
      this.#deps.stdout.write(PASTE_OFF + SHOW_CURSOR);
    } catch { /* stdout gone */ }
    try {
      this.#host.setRaw(false);
    } catch { /* stdin gone */ }
  }

  /** Writes text; in raw mode `\n` becomes `\r\n` (raw mode turns off output processing). */
  write(text: string): void {
    this.#deps.stdout.write(this.#raw ? text.replace(/\r?\n/g, "\r\n") : text);
  }

  /**
   * Reads keys until stdin ends or {@link stopInput} is called, calling `onKey` for each
   * one. A lone Escape is delivered after {@link ESCAPE_TIMEOUT_MS} of quiet.
   */
  async readKeys(onKey: (key: KeyEvent) => void): Promise<void> {
    const decoder = new KeyDecoder();
    const reader = this.#deps.stdin.readable.getReader();
    this.#reader = reader;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      while (true) {
        const { value, done } = await reader.read();
        if (done) break;
        clearTimeout(timer);
        for (const key of decoder.feed(value)) onKey(key);
        if (decoder.pending) {
          timer = setTimeout(() => {
            for (const key of decoder.flush()) onKey(key);
          }, ESCAPE_TIMEOUT_MS);
        }
      }
    } finally {
      clearTimeout(timer);
      for (const key of decoder.flush()) onKey(key);
      try {
        reader.releaseLock();
      } catch { /* a read is pending */ }
      this.#reader = undefined;
    }
  }

  /** Stops {@link readKeys}. */
  async stopInput(): Promise<void> {
    await this.#reader?.cancel().catch(() => {});
  }
}
