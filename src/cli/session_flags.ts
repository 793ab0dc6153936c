/**
 * The session a run continues, from its flags: `--continue` (the newest of the cwd),
 * `--session <id|prefix|path>` (that one), `--fork <id|prefix|path>` (a new session with a
 * copy of that one's conversation); `-r`/`--resume` is checked here (the screen shows its
 * picker). Print mode and the interactive screen both use it.
 * @module
 */

import { SessionRunner, type SessionRunnerOptions } from "../agent/session_runner.ts";
import { findSession } from "../agent/sessions.ts";
import { PiError } from "../errors.ts";
import type { OptionValues } from "./args.ts";

/** Whether the flags ask for an earlier session. */
export function wantsEarlierSession(options: OptionValues): boolean {
  return options.continue === true || typeof options.session === "string" ||
    typeof options.fork === "string";
}

/** Usage errors for flags that contradict each other. */
export function checkSessionFlags(options: OptionValues): void {
  const given = [
    options.continue === true ? "--continue" : undefined,
    typeof options.session === "string" ? "--session" : undefined,
    typeof options.fork === "string" ? "--fork" : undefined,
    options.resume === true ? "--resume" : undefined,
  ].filter((f) => f !== undefined);
  if (given.length > 1) {
    throw new PiError("usage", `${given.join(" and ")} cannot be used together`, {
      hint: "choose one session to continue or fork",
    });
  }
  if (options["no-session"] === true && (options.session || options.fork || options.resume)) {
    throw new PiError("usage", `--no-session cannot be used with ${given[0]}`, {
      hint: "drop --no-session to continue or fork a saved session",
    });
  }
}

/**
 * Usage errors for `-r`/`--resume` where no picker can be shown: with `-p` or `--mode json`
 * (`printing`), or without a terminal; and with the flags it contradicts.
 */
export function checkResumeFlags(
  options: OptionValues,
  where: { printing: boolean; terminal: boolean },
): void {
  if (options.resume !== true) return;
  if (where.printing) {
    const flag = options.print === true ? "-p" : "--mode json";
    throw new PiError("usage", `-r/--resume opens a picker: it cannot be used with ${flag}`, {
      hint: "pass --session <id> instead (pi sessions lists them)",
    });
  }
  if (!where.terminal) {
    throw new PiError("usage", "-r/--resume needs a terminal to show its picker", {
      hint: "pass --session <id> instead (pi sessions lists them)",
    });
  }
  checkSessionFlags(options);
}

/**
 * The runner of the session the flags name: undefined only for `--continue` when the cwd
 * has no session yet. Throws `usage` for contradicting flags or an ambiguous id prefix and
 * `session.not_found` when no session matches.
 */
export async function openFlaggedSession(
  options: OptionValues,
  runnerOptions: SessionRunnerOptions,
): Promise<SessionRunner | undefined> {
  checkSessionFlags(options);
  const { agentDir } = runnerOptions.deps;
  if (typeof options.fork === "string") {
    const source = findSession(agentDir, runnerOptions.cwd, options.fork);
    return await SessionRunner.fork(runnerOptions, source.path);
  }
  if (typeof options.session === "string") {
    const found = findSession(agentDir, runnerOptions.cwd, options.session);
    return await SessionRunner.open(runnerOptions, found.path);
  }
  if (options.continue === true) return await SessionRunner.continueLatest(runnerOptions);
  return undefined;
}
