/**
 * The terminal prompts of the CLI (`pi login`'s provider menu, paste prompt and hidden
 * API-key prompt, `pi logout`'s menu), built on the terminal widgets of tui/ and no npm
 * package: keys.ts decodes the
 * keys, select_menu.ts and line_editor.ts hold the state, screen.ts redraws the prompt in
 * place and terminal.ts switches raw mode (always restored, cursor shown). Prompts draw on
 * stderr, so stdout stays clean. Every prompt checks that stdin is a terminal first; without
 * one, answers come from stdin lines ({@link StdinLines}). Ctrl+C (and Escape in a menu) is
 * `PiError("interrupted")`.
 * @module
 */

import type { Output } from "../deps.ts";
import { PiError } from "../errors.ts";
import type { KeyEvent } from "./tui/keys.ts";
import { LineEditor } from "./tui/line_editor.ts";
import { createStyle, type Style, wantsColor } from "./render.ts";
import { type CursorPosition, Screen } from "./tui/screen.ts";
import { SelectMenu } from "./tui/select_menu.ts";
import { denoHost, Terminal, type TerminalHost } from "./tui/terminal.ts";

/**
 * The terminal's bytes, read by one reader for all the prompts of a process. Each prompt
 * reads through its own {@link stream}; a read still waiting when a prompt ends is left to
 * the next prompt rather than cancelled (cancelling `Deno.stdin.readable` closes stdin).
 */
export class SharedInput {
  #open: () => ReadableStream<Uint8Array>;
  #reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  #pending: Promise<ReadableStreamReadResult<Uint8Array>> | undefined;

  /** Reads from the stream `open` returns, opened when a prompt first reads. */
  constructor(open: () => ReadableStream<Uint8Array>) {
    this.#open = open;
  }

  /** A stream for one prompt; cancelling it leaves the shared input as it is. */
  stream(): ReadableStream<Uint8Array> {
    let cancelled = false;
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        this.#reader ??= this.#open().getReader();
        const read = this.#pending ??= this.#reader.read();
        let result: ReadableStreamReadResult<Uint8Array>;
        try {
          result = await read;
        } catch {
          result = { done: true, value: undefined }; // a broken stdin reads as its end
        }
        if (cancelled) return; // the next prompt takes these bytes
        this.#pending = undefined;
        if (result.done) controller.close();
        else controller.enqueue(result.value);
      },
      cancel: () => {
        cancelled = true;
      },
    }, { highWaterMark: 0 });
  }
}

/** Where prompts read keys and draw: the real terminal, or a test's. */
export interface PromptTerminal {
  /** Whether stdin is a terminal (without one, prompts refuse with a usage error). */
  isTerminal(): boolean;
  /** The keys typed. */
  input: SharedInput;
  /** Where prompts are drawn: stderr. */
  output: Output;
  /** Raw mode, size and signals. */
  host: TerminalHost;
  /** Whether to draw in colour. */
  color: boolean;
}

let real: PromptTerminal | undefined;

function env(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}

/** Deno's stdin and stderr, set up once per process (every prompt shares the stdin reader). */
function realTerminal(): PromptTerminal {
  if (real) return real;
  const encoder = new TextEncoder();
  const output: Output = {
    write(text) {
      let bytes = encoder.encode(text);
      while (bytes.length > 0) bytes = bytes.subarray(Deno.stderr.writeSync(bytes));
    },
    isTerminal: () => Deno.stderr.isTerminal(),
  };
  return real = {
    isTerminal: () => Deno.stdin.isTerminal(),
    input: new SharedInput(() => Deno.stdin.readable),
    output,
    host: denoHost(),
    color: output.isTerminal() && wantsColor(env),
  };
}

function noTerminal(what: string): PiError {
  return new PiError("usage", `Cannot ask for ${what}: stdin is not a terminal`, {
    hint: "pass it on the command line or on stdin",
  });
}

function interrupted(): PiError {
  return new PiError("interrupted", "Interrupted");
}

/** What a key did: `undefined` while still asking, else the answer. */
type Step<T> = { value: T; summary?: string } | undefined;

/** Draws a line above the prompt open now (if any), which is drawn again below it. */
let printAbove: ((line: string) => void) | undefined;

/**
 * Prints `line` above the prompt that is open now, and draws the prompt again below it;
 * false when no prompt is open (the caller then writes the line as usual). What a flow
 * reports while it asks (a browser that would not open) would otherwise be written into
 * the prompt's line.
 */
export function printAbovePrompt(line: string): boolean {
  if (!printAbove) return false;
  printAbove(line);
  return true;
}

/**
 * Runs one prompt in raw mode: draws `view` on the output, feeds keys to `onKey` (which
 * throws to fail the prompt) until it returns an answer. At the end the prompt is erased
 * (or replaced by the answer's `summary` line) and the terminal restored; when `signal`
 * aborts, that happens at once, before anything else is printed.
 */
async function interact<T>(
  term: PromptTerminal,
  signal: AbortSignal | undefined,
  view: (width: number, style: Style) => { rows: string[]; cursor?: CursorPosition },
  onKey: (key: KeyEvent) => Step<T>,
): Promise<T> {
  signal?.throwIfAborted();
  const style = createStyle(term.color);
  const terminal = new Terminal(
    { stdin: { isTerminal: () => true, readable: term.input.stream() }, stdout: term.output },
    term.host,
  );
  const screen = new Screen();
  const draw = (commit: string[] = [], live = true) => {
    const { columns, rows } = terminal.size();
    const shown = live ? view(columns - 1, style) : { rows: [] };
    terminal.write(screen.frame(commit, shown.rows, shown.cursor, columns, rows - 1));
  };
  let finished = false;
  /** Erases the prompt (or leaves `summary`) and restores the terminal; false if done before. */
  const end = (summary?: string): boolean => {
    if (finished) return false;
    finished = true;
    try {
      if (summary === undefined) terminal.write(screen.clear());
      else draw([summary], false);
    } finally {
      terminal.restore();
    }
    return true;
  };
  const answer = Promise.withResolvers<T>();
  const onAbort = () => {
    if (end()) answer.reject(signal!.reason);
  };
  const handleKey = (key: KeyEvent) => {
    if (finished) return;
    try {
      const step = onKey(key);
      if (step === undefined) draw();
      else if (end(step.summary)) answer.resolve(step.value);
    } catch (err) {
      if (end()) answer.reject(err);
    }
  };
  const inputEnded = () => {
    if (end()) answer.reject(new PiError("interrupted", "The terminal closed"));
  };
  signal?.addEventListener("abort", onAbort, { once: true });
  const above = (line: string) => finished || draw([line]);
  try {
    terminal.enter({ onResize: () => finished || draw() });
    draw();
    printAbove = above;
    terminal.readKeys(handleKey).then(inputEnded, inputEnded);
    return await answer.promise;
  } finally {
    if (printAbove === above) printAbove = undefined;
    signal?.removeEventListener("abort", onAbort);
    end();
    terminal.restore();
    await terminal.stopInput();
  }
}

/**
 * Asks for one line of text in the terminal (on stderr, so stdout stays clean). Enter
 * answers, except on an empty line, which is ignored (the prompt stays); a paste's line
 * breaks are dropped; the prompt is erased afterwards, and at once when `signal` aborts
 * (the answer is no longer needed), which rejects with its reason.
 */
export async function promptText(
  options: { message: string; signal?: AbortSignal; terminal?: PromptTerminal },
): Promise<string> {
  const term = options.terminal ?? realTerminal();
  if (!term.isTerminal()) throw noTerminal(options.message);
  const editor = new LineEditor();
  return await interact<string>(term, options.signal, (width, style) => {
    const view = editor.render(width, "> ", "  ");
    return {
      rows: [style.bold(options.message), ...view.rows],
      cursor: { row: 1 + view.cursorRow, col: view.cursorCol },
    };
  }, (key) => {
    if (key.type === "key") {
      if (key.name === "ctrl+c") throw interrupted();
      if (key.name === "enter" || key.name === "newline") {
        // An empty line is no answer: the prompt stays and asks again.
        return editor.text.trim() === "" ? undefined : { value: editor.text };
      }
    }
    editor.onKey(key.type === "paste" ? { ...key, text: key.text.replace(/\s*\n\s*/g, "") } : key);
    return undefined;
  });
}

/**
 * What {@link promptSecret} shows for `length` typed characters: never the text, only how
 * much of it there is.
 */
export function secretMask(length: number): string {
  return length === 0 ? "" : `[hidden: ${length} character${length === 1 ? "" : "s"}]`;
}

/**
 * Asks for a secret (an API key) in the terminal, on stderr, without showing it: the line
 * shows only how many characters were typed or pasted. Backspace deletes the last one,
 * Ctrl+U all; Enter answers (an empty answer is returned as "", for the caller to refuse);
 * line breaks and surrounding white space of a paste are dropped. Ctrl+C is
 * `PiError("interrupted")`. Nothing of the secret stays on the screen afterwards.
 */
export async function promptSecret(
  options: { message: string; signal?: AbortSignal; terminal?: PromptTerminal },
): Promise<string> {
  const term = options.terminal ?? realTerminal();
  if (!term.isTerminal()) throw noTerminal(options.message);
  let secret = "";
  return await interact<string>(term, options.signal, (_width, style) => {
    const line = `> ${style.dim(secretMask(secret.length))}`;
    return {
      rows: [style.bold(options.message), line],
      cursor: { row: 1, col: 2 + secretMask(secret.length).length },
    };
  }, (key) => {
    if (key.type === "key") {
      switch (key.name) {
        case "ctrl+c":
          throw interrupted();
        case "enter":
        case "newline":
          return { value: secret.trim() };
        case "backspace":
          secret = [...secret].slice(0, -1).join("");
          return undefined;
        case "ctrl+u":
        case "word-backspace":
        case "ctrl+w":
          secret = "";
          return undefined;
      }
      return undefined;
    }
    secret += key.type === "paste" ? key.text.replace(/\s*\n\s*/g, "") : key.text;
    return undefined;
  });
}

/**
 * Lets the user pick one of `choices` in the terminal (on stderr): ↑/↓ move, typing
 * filters, Enter picks (the pick stays on screen as one line); Ctrl+C or Escape is
 * `PiError("interrupted")`, an aborted `signal` rejects with its reason.
 */
export async function promptSelect<T extends string>(options: {
  message: string;
  choices: readonly { value: T; name: string }[];
  signal?: AbortSignal;
  terminal?: PromptTerminal;
}): Promise<T> {
  const term = options.terminal ?? realTerminal();
  if (!term.isTerminal()) throw noTerminal(options.message);
  const style = createStyle(term.color);
  const items = options.choices.map((c) => ({ label: c.name, value: c.value }));
  const menu = new SelectMenu(options.message, items, {
    maxRows: Math.max(3, Math.min(10, term.host.size().rows - 4)),
  });
  return await interact<T>(
    term,
    options.signal,
    (width, style) => menu.render(width, style),
    (key) => {
      if (key.type === "key" && key.name === "ctrl+c") throw interrupted();
      const result = menu.onKey(key);
      if (result === "cancel") throw new PiError("interrupted", "Cancelled");
      if (result === "handled" || menu.value === undefined) return undefined;
      const value = menu.value;
      const name = items.find((i) => i.value === value)?.label ?? value;
      return { value, summary: `${style.bold(options.message)} ${style.cyan(name)}` };
    },
  );
}

/**
 * Lines of a non-terminal stdin, read lazily and shared by several prompts. Reading stops
 * waiting when a prompt's signal aborts; the line is kept for the next prompt.
 */
export class StdinLines {
  #stream: ReadableStream<Uint8Array>;
  #lines: string[] = [];
  #eof = false;
  #pumping = false;
  #waiters: (() => void)[] = [];

  /** Reads from `stream` (normally `deps.stdin.readable`) once something asks. */
  constructor(stream: ReadableStream<Uint8Array>) {
    this.#stream = stream;
  }

  async #pump(): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for await (const chunk of this.#stream) {
        buffer += decoder.decode(chunk, { stream: true });
        let nl: number;
        while ((nl = buffer.indexOf("\n")) !== -1) {
          this.#lines.push(buffer.slice(0, nl).replace(/\r$/, ""));
          buffer = buffer.slice(nl + 1);
          this.#wake();
        }
      }
    } catch {
      // A broken stdin reads as its end.
    }
    buffer += decoder.decode();
    if (buffer !== "") this.#lines.push(buffer.replace(/\r$/, ""));
    this.#eof = true;
    this.#wake();
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  /** The next line, or `null` at end of input. Rejects with the signal's reason on abort. */
  async next(signal?: AbortSignal): Promise<string | null> {
    if (!this.#pumping) {
      this.#pumping = true;
      void this.#pump();
    }
    while (true) {
      if (signal?.aborted) throw signal.reason;
      if (this.#lines.length > 0) return this.#lines.shift()!;
      if (this.#eof) return null;
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => reject(signal!.reason);
        signal?.addEventListener("abort", onAbort, { once: true });
        this.#waiters.push(() => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        });
      });
    }
  }

  /** The next non-empty line (trimmed), or `null` at end of input. */
  async nextNonEmpty(signal?: AbortSignal): Promise<string | null> {
    while (true) {
      const line = await this.next(signal);
      if (line === null) return null;
      if (line.trim() !== "") return line.trim();
    }
  }
}
