/**
 * The `bash` tool: runs a command with `bash -c` in the working directory, in its own process
 * group, streaming output as it comes. A timeout or an abort kills the whole group; the output
 * the model sees is cut to its head and tail with a note; a non-zero exit is returned as text.
 * Under a sandbox (`context.sandbox`) the command runs inside bwrap (src/agent/sandbox.ts),
 * whose PID namespace dies with it: killing the group kills bwrap, and with it every process
 * the command started.
 * @module
 */

import { bwrapArgs, sandboxPolicy } from "../sandbox.ts";
import {
  errorResult,
  intArg,
  stringArg,
  type Tool,
  type ToolContext,
  type ToolResult,
} from "./types.ts";

/** Timeout when the model gives none, in seconds. */
export const DEFAULT_TIMEOUT_SECONDS = 120;
/** Longest timeout the model may ask for, in seconds. */
export const MAX_TIMEOUT_SECONDS = 3600;
/** Characters kept from the start of long output. */
export const HEAD_CHARS = 10 * 1024;
/** Characters kept from the end of long output. */
export const TAIL_CHARS = 20 * 1024;
/** How long to wait for output after the command exits before its group is stopped. */
const DRAIN_MS = 150;

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

function formatSize(chars: number): string {
  return chars < 1024 ? `${chars} characters` : `${(chars / 1024).toFixed(1)} KiB`;
}

/** Keeps the head and the tail of a long output, in bounded memory. */
export class HeadTailBuffer {
  #head = "";
  #tail: string[] = [];
  #tailChars = 0;
  #total = 0;
  #lines = 0;
  readonly #headLimit: number;
  readonly #tailLimit: number;

  /** A buffer keeping `headLimit` characters from the start and `tailLimit` from the end. */
  constructor(headLimit = HEAD_CHARS, tailLimit = TAIL_CHARS) {
    this.#headLimit = headLimit;
    this.#tailLimit = tailLimit;
  }

  /** Adds output. */
  push(text: string): void {
    this.#total += text.length;
    this.#lines += countLines(text);
    if (this.#head.length < this.#headLimit) {
      const room = this.#headLimit - this.#head.length;
      this.#head += text.slice(0, room);
      text = text.slice(room);
    }
    if (text === "") return;
    this.#tail.push(text);
    this.#tailChars += text.length;
    if (this.#tailChars > 2 * this.#tailLimit) {
      const joined = this.#tail.join("").slice(-this.#tailLimit);
      this.#tail = [joined];
      this.#tailChars = joined.length;
    }
  }

  /** Characters seen in all. */
  get total(): number {
    return this.#total;
  }

  /** The output, or its head and tail with a note about what was left out. */
  toString(): string {
    const tail = this.#tail.join("");
    if (this.#head.length + tail.length === this.#total && tail.length <= this.#tailLimit) {
      return this.#head + tail;
    }
    const kept = tail.slice(-this.#tailLimit);
    const omittedChars = this.#total - this.#head.length - kept.length;
    const omittedLines = Math.max(0, this.#lines - countLines(this.#head) - countLines(kept));
    return `${this.#head}\n\n[… ${omittedLines} lines (${
      formatSize(omittedChars)
    }) of output omitted; showing the first ${formatSize(this.#head.length)} and the last ${
      formatSize(kept.length)
    } …]\n\n${kept}`;
  }
}

/** `argv` run in a new process group (session) on this platform. */
function groupArgv(argv: readonly string[], os: string = Deno.build.os): string[] {
  if (os === "linux") return ["setsid", ...argv];
  if (os === "darwin") {
    // macOS has no setsid(1); perl's setpgrp gives the same own process group.
    return ["perl", "-e", "setpgrp(0,0); exec @ARGV or exit 127", ...argv];
  }
  return [...argv];
}

function killGroup(child: Deno.ChildProcess): void {
  try {
    if (Deno.build.os !== "windows") Deno.kill(-child.pid, "SIGKILL");
    else child.kill("SIGKILL");
  } catch {
    // Already gone.
    try {
      child.kill("SIGKILL");
    } catch {
      // Already gone.
    }
  }
}

async function pump(
  stream: ReadableStream<Uint8Array>,
  onText: (text: string) => void,
  stop: Promise<void>,
): Promise<void> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  const stopped = stop.then(() => ({ done: true as const, value: undefined }));
  try {
    while (true) {
      const { done, value } = await Promise.race([reader.read(), stopped]);
      if (done) break;
      onText(value);
    }
  } catch {
    // A pipe error ends the output; the exit status still tells the story.
  } finally {
    reader.cancel().catch(() => {});
  }
}

/** What a finished command produced. */
export interface CommandOutcome {
  /** Output of stdout and stderr, interleaved as it arrived, cut to head and tail. */
  output: string;
  /** Exit code (undefined when killed). */
  code: number | undefined;
  /** The signal that ended it, if any. */
  signal: string | undefined;
  /** Why pi stopped it, if it did. */
  stopped: "timeout" | "abort" | undefined;
}

/**
 * Runs `command` with `bash -c` in `cwd` in its own process group; kills the group on
 * timeout, on abort, and once the command has exited (stray background jobs). `argv`, when
 * given, is what runs instead of `bash -c command` (the sandbox's bwrap argv).
 */
export async function runCommand(
  command: string,
  options: {
    cwd: string;
    timeoutMs: number;
    signal?: AbortSignal;
    onUpdate?: (chunk: string) => void;
    argv?: readonly string[];
  },
): Promise<CommandOutcome> {
  const buffer = new HeadTailBuffer();
  const inner = options.argv ?? ["bash", "-c", command];
  const argv = groupArgv(inner);
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(argv[0], {
      args: argv.slice(1),
      cwd: options.cwd,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound) || argv[0] === inner[0]) throw err;
    // No setsid/perl: run it directly (only bash itself can then be killed; bwrap still
    // takes its whole sandbox with it).
    child = new Deno.Command(inner[0], {
      args: inner.slice(1),
      cwd: options.cwd,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  }
  let stopped: CommandOutcome["stopped"];
  let releaseReaders!: () => void;
  const readersStop = new Promise<void>((resolve) => releaseReaders = resolve);
  const onText = (text: string) => {
    buffer.push(text);
    options.onUpdate?.(text);
  };
  const readers = Promise.all([
    pump(child.stdout, onText, readersStop),
    pump(child.stderr, onText, readersStop),
  ]);
  const stop = (why: "timeout" | "abort") => {
    stopped ??= why;
    killGroup(child);
    releaseReaders();
  };
  const timer = setTimeout(() => stop("timeout"), options.timeoutMs);
  const onAbort = () => stop("abort");
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const status = await child.status;
    // Give the pipes a moment to drain, then stop whatever the command left running.
    let drainTimer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      readers,
      new Promise<void>((resolve) => drainTimer = setTimeout(resolve, DRAIN_MS)),
    ]);
    clearTimeout(drainTimer);
    killGroup(child);
    releaseReaders();
    await readers;
    return {
      output: buffer.toString(),
      code: status.signal ? undefined : status.code,
      signal: status.signal ?? undefined,
      stopped,
    };
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", onAbort);
  }
}

/** The text the model gets for an outcome. */
export function describeOutcome(outcome: CommandOutcome, timeoutSeconds: number): ToolResult {
  let text = outcome.output === "" ? "(no output)" : outcome.output.replace(/\n$/, "");
  let isError = false;
  if (outcome.stopped === "timeout") {
    text +=
      `\n\n[Command timed out after ${timeoutSeconds} s and was killed with its child processes. Run long jobs with a larger timeout, or in smaller steps.]`;
    isError = true;
  } else if (outcome.stopped === "abort") {
    text += "\n\n[Command aborted by the user; it was killed with its child processes.]";
    isError = true;
  } else if (outcome.signal) {
    text += `\n\n[Command killed by ${outcome.signal}]`;
    isError = true;
  } else if (outcome.code !== 0) {
    text += `\n\n[Command exited with code ${outcome.code}]`;
    isError = true;
  }
  return { content: [{ type: "text", text }], isError };
}

async function execute(args: Record<string, unknown>, context: ToolContext): Promise<ToolResult> {
  const command = stringArg(args, "command", true);
  if (typeof command !== "string") return errorResult(command!.error);
  if (command.trim() === "") return errorResult("The command is empty");
  const timeoutArg = intArg(args, "timeout");
  if (typeof timeoutArg === "object") return errorResult(timeoutArg.error);
  const timeout = Math.min(MAX_TIMEOUT_SECONDS, timeoutArg || DEFAULT_TIMEOUT_SECONDS);
  if (context.signal?.aborted) {
    return errorResult("Command not run: aborted by the user");
  }
  let outcome: CommandOutcome;
  try {
    const argv = context.sandbox
      ? bwrapArgs(await sandboxPolicy(context.sandbox, context.cwd), command)
      : undefined;
    outcome = await runCommand(command, {
      cwd: context.cwd,
      timeoutMs: timeout * 1000,
      signal: context.signal,
      onUpdate: context.onUpdate,
      ...(argv ? { argv } : {}),
    });
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      const what = context.sandbox ? "bash or bwrap" : "bash";
      return errorResult(
        `Cannot run the command: ${what} not found or no directory ${context.cwd}`,
      );
    }
    return errorResult(
      `Cannot run the command: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  return describeOutcome(outcome, timeout);
}

/** The `bash` tool. */
export const bashTool: Tool = {
  name: "bash",
  description:
    `Run a shell command with \`bash -c\` in the working directory. Returns stdout and stderr together; long output is cut to its beginning and end. A non-zero exit code is reported. Default timeout ${DEFAULT_TIMEOUT_SECONDS} s (set \`timeout\` in seconds for longer jobs). Stdin is empty; background processes are stopped when the command ends.`,
  parameters: {
    type: "object",
    properties: {
      command: { type: "string", description: "The command, run with bash -c" },
      timeout: {
        type: "integer",
        description: `Seconds before the command is killed (default ${DEFAULT_TIMEOUT_SECONDS})`,
      },
    },
    required: ["command"],
    additionalProperties: false,
  },
  readOnly: false,
  execute,
};
