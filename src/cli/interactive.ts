/**
 * `pi` on a terminal: the prompt, the answer streamed as it arrives, tool calls as one
 * line each, a spinner, a status line, and the slash commands (the one table in
 * interactive/commands.ts, which /help lists: /login, /logout, /account, /model, /thinking,
 * /usage, /session, /new, /resume, /fork, /name, /rewind, /compact, /sandbox, /ask, /help,
 * /quit). Tools run
 * under the sandbox and ask modes (flags, settings.json); a call that needs asking opens
 * the approval question (interactive/approvals.ts).
 *
 * Keys: Enter sends; Shift+Enter (or `\` at the end of a line) adds a line; ↑/↓ history;
 * Ctrl+C cancels the running turn (on an idle, empty prompt: press it twice to exit);
 * Ctrl+D on an empty prompt exits; Ctrl+P / Shift+Ctrl+P cycle the `--models` scope
 * (or every available model); Shift+Tab cycles the thinking level; Ctrl+T shows or
 * hides thinking; Tab completes a slash command; Ctrl+L redraws; Escape cancels a turn or a
 * menu.
 *
 * This module is the entry: it opens the session (--continue, --session, --fork; `-r` shows
 * the picker of the directory's sessions first), builds the
 * {@link App} (interactive/app.ts) on the terminal and runs it. The terminal widgets are
 * in tui/, the app's keys, turn and slash commands in interactive/. The agent loop and the
 * streaming clients are imported only when the first prompt is sent, so the prompt is ready
 * fast; the tools are loaded at the start, under their modes, so that every session runner
 * (a continued one too) gets them.
 * @module
 */

import type { Deps } from "../deps.ts";
import { exitCodeFor } from "../errors.ts";
import type { ReasoningLevel } from "../models/types.ts";
import type { SessionRunner } from "../agent/session_runner.ts";
import type { ParsedArgs } from "./args.ts";
import { continuedSelection, explicitChoice, type RunContext } from "./model_selection.ts";
import { openUsageStore } from "./usage_store.ts";
import { ToolControl, toolModes } from "./tool_control.ts";
import { secretRedactor } from "./secrets.ts";
import { Terminal, type TerminalHost } from "./tui/terminal.ts";
import { App } from "./interactive/app.ts";
import { SLASH_COMMANDS } from "./interactive/commands.ts";
import { errorLine } from "./interactive/lines.ts";
import { resumeAtStart } from "./interactive/sessions.ts";

/** Options of {@link runInteractive} (tests inject the terminal host). */
export interface InteractiveOptions {
  /** Credentials, models and the selected model (from `openRunContext`). */
  context: RunContext;
  /** The terminal host (default: the real one). */
  host?: TerminalHost;
}

/** Runs the interactive mode until /quit, Ctrl+D or a double Ctrl+C; returns the exit code. */
export async function runInteractive(
  args: ParsedArgs,
  deps: Deps,
  signal: AbortSignal,
  options: InteractiveOptions,
): Promise<number> {
  const { authStorage: auth, registry, ...selection } = options.context;
  const usageStore = openUsageStore(deps);
  const noSession = args.options["no-session"] === true;
  const redactSecrets = secretRedactor(auth, deps, [args.options["api-key"] as string | undefined]);
  // `--thinking` is the session's level and wins over `:level` suffixes; without it, the
  // first model's suffix (of --models or --model) is for that model only.
  let model = selection.model;
  let levels: { thinking?: ReasoningLevel; modelThinking?: ReasoningLevel; suffixes: boolean } =
    typeof args.options.thinking === "string"
      ? { thinking: selection.thinking, suffixes: false }
      : { modelThinking: selection.thinking, suffixes: true };
  // The tools under the sandbox and ask modes. What they say and ask goes to the app,
  // created below (before any prompt can run a tool); a continued session's runner gets
  // them too.
  const tools = new ToolControl(deps, toolModes(args.options, options.context.settings), {
    say: (line) => app.sayOnce(line),
  });
  let runner: SessionRunner | undefined;
  let notice: string | undefined;
  // --continue, --session <id> or --fork <id>: that session's conversation, model and level.
  if (args.options.continue || args.options.session || args.options.fork) {
    const { openFlaggedSession } = await import("./session_flags.ts");
    runner = await openFlaggedSession(args.options, {
      deps,
      cwd: Deno.cwd(),
      keys: auth,
      usageStore,
      persist: !noSession,
      redact: redactSecrets,
      tools: tools.tools,
      approve: (call, o) => app.approvals.approve(call, o),
    });
    if (runner) {
      // The session keeps its model and thinking level unless the flags chose them.
      const chosen = continuedSelection(
        registry,
        selection,
        explicitChoice(args.options, selection),
        runner.restored,
      );
      model = chosen.model;
      notice = chosen.notice;
      if (chosen.thinkingFromSession) levels = { thinking: chosen.thinking, suffixes: true };
    }
  }
  const term = new Terminal(deps, options.host);
  const app = new App(deps, term, {
    auth,
    registry,
    usageStore,
    commands: SLASH_COMMANDS,
    model,
    ...levels,
    scope: selection.scope,
    noSession,
    redact: redactSecrets,
    tools,
    ...(runner ? { runner } : {}),
  });
  if (notice !== undefined) app.state.notices.push(notice);
  // Ctrl+C, SIGTERM and SIGHUP (main.ts) end the app in order: 130, 143, 129.
  const onAbort = () => app.exit(exitCodeFor(signal.reason));
  signal.addEventListener("abort", onAbort, { once: true });
  term.enter({ onResize: () => app.onResize(), exitOnSignal: false });
  try {
    const input = term.readKeys((key) => {
      try {
        app.onKey(key);
      } catch (err) {
        app.error(errorLine(err));
      }
    }).then(() => app.exit(0), () => app.exit(0));
    // -r: the picker of this directory's sessions comes first (Esc: exit, nothing changed).
    if (args.options.resume === true) {
      const code = await resumeAtStart(app, explicitChoice(args.options, selection));
      if (code !== undefined) return code;
    }
    // A message on the command line is sent as the first prompt.
    const first = args.positionals.join(" ").trim();
    const started = app.start();
    if (first !== "") app.submit(first);
    // The live Codex model list refreshes in the background (cached for 24 h).
    if (registry.hasKey("openai-codex")) registry.refresh({ timeoutMs: 3000 }).catch(() => {});
    const code = await started.then(() => app.exited);
    void input;
    return code;
  } finally {
    signal.removeEventListener("abort", onAbort);
    app.finish();
    term.restore();
  }
}
