/**
 * The pi command line: the only place that reads `Deno.args`, builds the real Deps,
 * and turns errors into one line on stderr and an exit code
 * (0 done, 1 failure, 2 usage error, 130 interrupted).
 * @module
 */

import { createDeps } from "./src/deps.ts";
import { exitCodeFor, PiError } from "./src/errors.ts";
import { formatError } from "./src/cli/format_error.ts";
import { run } from "./src/cli/run.ts";

async function main(): Promise<number> {
  const deps = createDeps();
  const controller = new AbortController();
  let interrupts = 0;
  const onInterrupt = () => {
    interrupts++;
    // A second Ctrl+C while the first is being honoured ends at once.
    if (interrupts > 1) Deno.exit(130);
    controller.abort(new PiError("interrupted", "Interrupted"));
  };
  Deno.addSignalListener("SIGINT", onInterrupt);
  try {
    return await run(Deno.args, deps, controller.signal);
  } catch (err) {
    const interrupted = controller.signal.aborted;
    deps.stderr.write(
      formatError(interrupted ? controller.signal.reason : err, deps.env("PI_DEBUG") === "1"),
    );
    return interrupted ? 130 : exitCodeFor(err);
  } finally {
    Deno.removeSignalListener("SIGINT", onInterrupt);
  }
}

Deno.exit(await main());
