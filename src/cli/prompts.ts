/**
 * The terminal prompts of the CLI: the only importer of `@inquirer/prompts`. Every
 * prompt checks `Deno.stdin.isTerminal()` first; without a terminal, answers come from
 * stdin lines ({@link StdinLines}). Ctrl+C in a prompt is `PiError("interrupted")`.
 * @module
 */

import process from "node:process";
import { input, select } from "npm:@inquirer/prompts@8.8.0";
import { PiError } from "../errors.ts";

function noTerminal(what: string): PiError {
  return new PiError("usage", `Cannot ask for ${what}: stdin is not a terminal`, {
    hint: "pass it on the command line or on stdin",
  });
}

function mapPromptError(err: unknown, signal?: AbortSignal): unknown {
  const name = err instanceof Error ? err.name : "";
  if (name === "ExitPromptError") return new PiError("interrupted", "Interrupted");
  if (name === "AbortPromptError" && signal?.aborted) return signal.reason;
  return err;
}

/** Asks for one line of text in the terminal (on stderr, so stdout stays clean). */
export async function promptText(
  options: { message: string; signal?: AbortSignal },
): Promise<string> {
  if (!Deno.stdin.isTerminal()) throw noTerminal(options.message);
  // An answer no longer needed (the browser callback won): clear the prompt's line at
  // once, before whatever is printed next.
  const clearLine = () => {
    if (Deno.stderr.isTerminal()) Deno.stderr.writeSync(new TextEncoder().encode("\r\x1b[2K"));
  };
  options.signal?.addEventListener("abort", clearLine, { once: true });
  try {
    return await input({ message: options.message }, {
      output: process.stderr,
      signal: options.signal,
      clearPromptOnDone: true,
    });
  } catch (err) {
    throw mapPromptError(err, options.signal);
  } finally {
    options.signal?.removeEventListener("abort", clearLine);
  }
}

/** Lets the user pick one of `choices` in the terminal. */
export async function promptSelect<T extends string>(options: {
  message: string;
  choices: readonly { value: T; name: string }[];
  signal?: AbortSignal;
}): Promise<T> {
  if (!Deno.stdin.isTerminal()) throw noTerminal(options.message);
  try {
    return await select<T>({
      message: options.message,
      choices: options.choices.map((c) => ({ value: c.value, name: c.name })),
    }, { output: process.stderr, signal: options.signal });
  } catch (err) {
    throw mapPromptError(err, options.signal);
  }
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
