/**
 * The pi command line: the only place that reads `Deno.args`, builds the real Deps,
 * and turns errors into one line on stderr and an exit code
 * (0 done, 1 failure, 2 usage error, 130 interrupted, 143 terminated, 129 hangup).
 * @module
 */

import { createDeps, type Deps } from "./src/deps.ts";
import { exitCodeFor, PiError } from "./src/errors.ts";
import { formatError } from "./src/cli/format_error.ts";
import { run } from "./src/cli/run.ts";

/** The signals that end pi in order, with their exit codes and messages. */
const SIGNALS: readonly [Deno.Signal, number, string][] = [
  ["SIGINT", 130, "Interrupted"],
  ["SIGTERM", 143, "Terminated"],
  ["SIGHUP", 129, "Hangup"],
];

/**
 * After SIGTERM or SIGHUP, the longest pi takes to end in order before it exits anyway
 * (a refresh request gives up after 20 s).
 */
const ORDERLY_EXIT_LIMIT_MS = 30_000;

/** The error line, with the user's known secrets (auth.json, Codex CLI, env) hidden too. */
async function errorLine(err: unknown, deps: Deps): Promise<string> {
  const line = formatError(err, deps.env("PI_DEBUG") === "1");
  try {
    const { errorRedactor } = await import("./src/cli/secrets.ts");
    return errorRedactor(deps)(line);
  } catch {
    return line; // formatError has already hidden every token shape
  }
}

async function main(): Promise<number> {
  const deps = createDeps();
  const controller = new AbortController();
  let received: string | undefined;
  // Every signal is handled as Ctrl+C always was: the signal aborts what runs (tool process
  // groups are killed, a wait for the lock ends), a refresh request already sent is let
  // finish and saved under the lock, and files are closed whole.
  const listeners = SIGNALS.map(([signal, code, message]) => {
    const listener = () => {
      if (received !== undefined) {
        // A second Ctrl+C while the first is being honoured ends at once; a repeated
        // SIGTERM or SIGHUP (a closing terminal may send several) changes nothing.
        if (signal === "SIGINT") Deno.exit(code);
        return;
      }
      received = signal;
      controller.abort(new PiError("interrupted", message, { exitCode: code }));
      if (signal !== "SIGINT") {
        const timer = setTimeout(() => Deno.exit(code), ORDERLY_EXIT_LIMIT_MS);
        Deno.unrefTimer(timer);
      }
    };
    try {
      Deno.addSignalListener(signal, listener);
    } catch {
      return undefined; // not a signal on this platform (Windows has no SIGHUP, SIGTERM)
    }
    return [signal, listener] as const;
  });
  try {
    return await run(Deno.args, deps, controller.signal);
  } catch (err) {
    const reason = controller.signal.aborted ? controller.signal.reason : err;
    deps.stderr.write(await errorLine(reason, deps));
    return exitCodeFor(reason);
  } finally {
    if (received !== undefined) {
      // A refresh request that was sent has spent the old token: wait until the new one is
      // saved (the request itself gives up after 20 s).
      const { refreshesSettled } = await import("./src/auth/auth_storage.ts");
      await refreshesSettled();
    }
    for (const entry of listeners) if (entry) Deno.removeSignalListener(...entry);
  }
}

Deno.exit(await main());
