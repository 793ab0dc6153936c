/**
 * Runs one command from argv. Heavy modules are imported only by the command that
 * needs them, so `pi --version` and `pi --help` stay fast and do no I/O.
 * @module
 */

import type { Deps } from "../deps.ts";
import { PiError } from "../errors.ts";
import { VERSION } from "../version.ts";
import { helpText, parseArgs, type ParsedArgs } from "./args.ts";

/** Reads all of stdin as text (used when stdin is not a terminal). */
export async function readAllText(stream: ReadableStream<Uint8Array>): Promise<string> {
  let text = "";
  const decoder = new TextDecoder();
  for await (const chunk of stream) text += decoder.decode(chunk, { stream: true });
  return text + decoder.decode();
}

/** Decides between interactive and print mode, and finds the message. */
async function runRoot(args: ParsedArgs, deps: Deps, signal: AbortSignal): Promise<number> {
  // `--mode json` is for scripts: JSON events, never the interactive screen.
  const printing = args.options.print === true || args.options.mode === "json";
  const interactive = !printing && deps.stdin.isTerminal() && deps.stdout.isTerminal();
  if (args.options.resume === true) {
    // The picker needs the screen: -r with -p, or without a terminal, is a usage error.
    (await import("./session_flags.ts")).checkResumeFlags(args.options, {
      printing,
      terminal: interactive,
    });
  }
  // Credentials and models are opened once, and unknown names fail (exit 2) before anything runs.
  const context = (await import("./model_selection.ts")).openRunContext(args.options, deps);
  if (interactive) {
    const { runInteractive } = await import("./interactive.ts");
    return await runInteractive(args, deps, signal, { context });
  }
  let message = args.positionals.join(" ").trim();
  if (message === "" && !deps.stdin.isTerminal()) {
    message = (await readAllText(deps.stdin.readable)).trim();
  }
  if (message === "") {
    // `pi -p` never asks, terminal or not; plain `pi` asks only when both ends are terminals.
    if (printing) {
      throw new PiError("usage", "No message given for pi -p", {
        hint: 'pass one (pi -p "…") or pipe one on stdin (echo … | pi -p)',
      });
    }
    throw new PiError("usage", "No message given and no terminal to ask for one", {
      hint: 'pass a message (pi -p "…"), pipe one on stdin, or run pi in a terminal',
    });
  }
  const { runPrintMode } = await import("./print_mode.ts");
  return await runPrintMode(deps, { message, options: args.options, signal, context });
}

/** Parses argv and runs the command; returns the exit code or throws a PiError. */
export async function run(
  argv: readonly string[],
  deps: Deps,
  _signal: AbortSignal,
): Promise<number> {
  const args = parseArgs(argv);
  if (args.options.help) {
    deps.stdout.write(helpText(args.command));
    return 0;
  }
  if (args.options.version) {
    deps.stdout.write(`pi ${VERSION}\n`);
    return 0;
  }
  switch (args.command.join(" ")) {
    case "login":
      return await (await import("./commands/login.ts")).runLogin(args, deps, _signal);
    case "logout":
      return await (await import("./commands/logout.ts")).runLogout(args, deps, _signal);
    case "auth status":
      return await (await import("./commands/status.ts")).runStatus(args, deps);
    case "usage":
      return await (await import("./commands/usage.ts")).runUsage(args, deps);
    case "models":
      return await (await import("./commands/models.ts")).runModels(args, deps, _signal);
    case "sessions":
      return (await import("./commands/sessions.ts")).runSessions(args, deps);
    case "export":
      return await (await import("./commands/export.ts")).runExport(args, deps);
    case "rewind":
      return await (await import("./commands/rewind.ts")).runRewind(args, deps);
    case "serve":
      return await (await import("./commands/serve.ts")).runServe(args, deps, _signal);
  }
  return await runRoot(args, deps, _signal);
}
