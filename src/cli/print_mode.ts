/**
 * Print mode (`pi -p "msg"`, `echo msg | pi -p`, or any run whose stdout is not a terminal):
 * one prompt, tools included, then exit. Text mode writes the final answer to stdout and,
 * only when stderr is a terminal, tool activity to stderr. `--mode json` writes every agent
 * event as one JSON object per line (README: "JSON output"). The conversation is saved as a
 * session (src/agent/session_runner.ts) unless `--no-session`; `--continue` resumes the newest
 * session of the cwd with its model and thinking level, unless the flags choose them.
 * @module
 */

import { DEFAULT_MAX_TURNS } from "../agent/agent_loop.ts";
import {
  type RunnerEvent,
  SessionRunner,
  type SessionRunnerOptions,
} from "../agent/session_runner.ts";
import { missingKeyError } from "../ai/stream.ts";
import type { Deps } from "../deps.ts";
import { PiError, type PiErrorCode } from "../errors.ts";
import type { OptionValues } from "./args.ts";
import { continuedSelection, explicitChoice, type RunContext } from "./model_selection.ts";
import { openUsageStore } from "./usage_store.ts";
import { openFlaggedSession, wantsEarlierSession } from "./session_flags.ts";
import { secretRedactor } from "./secrets.ts";
import { oneLine } from "../one_line.ts";
import { compactedLine, createStyle, formatToolLine, wantsColor } from "./render.ts";
import { ToolControl, toolModes } from "./tool_control.ts";

/** Version of the `--mode json` line format (README: "JSON output"). */
export const JSON_FORMAT_VERSION = 1;

/** What a print-mode run needs besides Deps. */
export interface PrintModeOptions {
  /** The prompt. */
  message: string;
  /** Parsed options of the root command. */
  options: OptionValues;
  /** Ctrl+C. */
  signal: AbortSignal;
  /** Credentials, models and the selected model (from `openRunContext`). */
  context: RunContext;
  /** The working directory (default `Deno.cwd()`). */
  cwd?: string;
  /** Turn limit per prompt (default {@link DEFAULT_MAX_TURNS}). */
  maxTurns?: number;
}

/** Renders tool activity on stderr (only used when stderr is a terminal). */
function progressRenderer(deps: Deps): (event: RunnerEvent) => void {
  const style = createStyle(wantsColor(deps.env));
  const width = Math.max(40, Math.min(160, terminalColumns() ?? 100));
  const calls = new Map<string, { name: string; args: Record<string, unknown> }>();
  return (event) => {
    switch (event.type) {
      case "tool_call":
        calls.set(event.callId, { name: event.name, args: event.arguments });
        deps.stderr.write(
          formatToolLine({ name: event.name, args: event.arguments }, undefined, width, style) +
            "\n",
        );
        break;
      case "tool_result": {
        const call = calls.get(event.callId) ?? { name: event.name, args: {} };
        deps.stderr.write(
          formatToolLine(call, { text: event.output, isError: event.isError }, width, style) +
            "\n",
        );
        break;
      }
      case "compaction":
        deps.stderr.write(style.dim(compactedLine(event.tokensBefore, event.tokensAfter)) + "\n");
        break;
      case "retry":
        deps.stderr.write(
          style.yellow(
            `Retrying in ${
              Math.round(event.delayMs / 100) / 10
            } s (attempt ${event.attempt}): ${event.reason}`,
          ) + "\n",
        );
        break;
    }
  };
}

function terminalColumns(): number | undefined {
  try {
    return Deno.consoleSize().columns || undefined;
  } catch {
    return undefined;
  }
}

/** Runs one prompt in print mode; returns the exit code or throws a PiError. */
export async function runPrintMode(deps: Deps, options: PrintModeOptions): Promise<number> {
  const { signal } = options;
  const json = options.options.mode === "json";
  const cwd = options.cwd ?? Deno.cwd();
  const { authStorage: auth, registry } = options.context;
  let model = options.context.model;
  let thinking = options.context.thinking;

  // Tools under the sandbox and ask modes; without a terminal a call that needs asking is
  // declined (CONTRACT.md: Tool approval and sandbox).
  const control = new ToolControl(deps, toolModes(options.options, options.context.settings));
  const runnerOptions: SessionRunnerOptions = {
    deps,
    cwd,
    keys: auth,
    tools: control.tools,
    approve: control.headlessApprover({ json }),
    usageStore: openUsageStore(deps),
    persist: options.options["no-session"] !== true,
    redact: secretRedactor(auth, deps, [options.options["api-key"] as string | undefined]),
    maxTurns: options.maxTurns ?? DEFAULT_MAX_TURNS,
  };
  // The session: continue (or fork) the one the flags name, or start a new one.
  let runner: SessionRunner | undefined;
  if (wantsEarlierSession(options.options)) {
    runner = await openFlaggedSession(options.options, runnerOptions);
    if (runner === undefined) {
      deps.stderr.write(`pi: no earlier session in ${cwd}; starting a new one\n`);
    } else {
      if (runner.warning !== undefined) deps.stderr.write(`pi: ${oneLine(runner.warning)}\n`);
      // The session keeps its model and thinking level unless the flags chose them.
      const chosen = continuedSelection(
        registry,
        options.context,
        explicitChoice(options.options, options.context),
        runner.restored,
      );
      model = chosen.model;
      thinking = chosen.thinking;
      if (chosen.notice !== undefined) deps.stderr.write(`pi: ${oneLine(chosen.notice)}\n`);
    }
  }
  // No key (or a refused one): say so before anything is written.
  if (await auth.getApiKey(model.provider, { signal }) === undefined) {
    throw missingKeyError(model.provider);
  }
  runner ??= SessionRunner.create(runnerOptions);
  const modelName = `${model.provider}/${model.id}`;

  try {
    const progress = !json && deps.stderr.isTerminal() ? progressRenderer(deps) : undefined;
    if (json) {
      deps.stdout.write(
        JSON.stringify({
          type: "session",
          version: JSON_FORMAT_VERSION,
          id: runner.id,
          model: modelName,
          cwd,
          continued: runner.continued,
          path: runner.path ?? null,
        }) + "\n",
      );
    }
    let end: Extract<RunnerEvent, { type: "end" }> | undefined;
    const events = runner.prompt(options.message, { model, thinking, signal });
    for await (const event of events) {
      if (event.type === "end") end = event;
      else if (event.type === "account_switch" && !json) {
        deps.stderr.write(
          `pi: account ${event.from} hit its usage limit (${event.reason}); sending the request again on account ${event.to}\n`,
        );
      }
      if (json) deps.stdout.write(JSON.stringify(event) + "\n");
      else progress?.(event);
    }
    if (!end) throw new PiError("agent.failed", "The agent ended without a result");
    if (end.reason === "aborted") {
      throw signal.reason instanceof PiError
        ? signal.reason
        : new PiError("interrupted", "Interrupted");
    }
    if (!json && end.text !== "") {
      deps.stdout.write(end.text.endsWith("\n") ? end.text : `${end.text}\n`);
    }
    if (end.reason === "max_turns") {
      throw new PiError("agent.failed", end.error ?? "Too many turns", {
        hint: "continue with pi --continue",
      });
    }
    if (end.reason === "error") {
      throw new PiError(
        (end.errorCode ?? "agent.failed") as PiErrorCode,
        end.error ?? "The model failed",
        end.hint === undefined ? {} : { hint: end.hint },
      );
    }
    return 0;
  } finally {
    runner.close();
  }
}
