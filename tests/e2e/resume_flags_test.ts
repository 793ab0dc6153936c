/**
 * `-r`/`--resume` shows a picker, so it needs the interactive screen: with `-p` or
 * `--mode json`, or without a terminal, it is a usage error (exit 2, one line, nothing
 * read or written); with a flag that names another session it contradicts it.
 */

import assert from "node:assert/strict";
import { parseArgs } from "../../src/cli/args.ts";
import { checkResumeFlags } from "../../src/cli/session_flags.ts";
import { PiError } from "../../src/errors.ts";
import { runPi } from "./run_pi.ts";

Deno.test("pi -r with -p, with --mode json, or without a terminal: usage error, exit 2, nothing written", async () => {
  const dir = await Deno.makeTempDir({ prefix: "pi-resume-flags-" });
  try {
    const env = { HOME: dir, PI_CODING_AGENT_DIR: `${dir}/agent` };
    const print = await runPi(["-r", "-p", "hi"], { env, cwd: dir });
    assert.equal(print.code, 2);
    assert.equal(
      print.stderr,
      "pi: -r/--resume opens a picker: it cannot be used with -p; pass --session <id> instead (pi sessions lists them)\n",
    );
    assert.equal(print.stdout, "");
    const json = await runPi(["--resume", "--mode", "json", "hi"], { env, cwd: dir });
    assert.equal(json.code, 2);
    assert.match(
      json.stderr,
      /^pi: -r\/--resume opens a picker: it cannot be used with --mode json;/,
    );
    const piped = await runPi(["-r"], { env, cwd: dir, stdin: "hello" });
    assert.equal(piped.code, 2);
    assert.equal(
      piped.stderr,
      "pi: -r/--resume needs a terminal to show its picker; pass --session <id> instead (pi sessions lists them)\n",
    );
    await assert.rejects(Deno.stat(`${dir}/agent`), Deno.errors.NotFound, "nothing was written");
    const help = await runPi(["--help"], { env, cwd: dir });
    assert.match(help.stdout, /-r, --resume +Pick a session of this directory to continue/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("-r contradicts --continue, --session, --fork and --no-session (usage errors), in a terminal too", () => {
  const terminal = { printing: false, terminal: true };
  const usage = (argv: string[], message: string) =>
    assert.throws(
      () => checkResumeFlags(parseArgs(argv).options, terminal),
      (err: unknown) => err instanceof PiError && err.code === "usage" && err.message === message,
    );
  usage(["-r", "--continue"], "--continue and --resume cannot be used together");
  usage(["-r", "--session", "abc"], "--session and --resume cannot be used together");
  usage(["--fork", "abc", "--resume"], "--fork and --resume cannot be used together");
  usage(["-r", "--no-session"], "--no-session cannot be used with --resume");
  checkResumeFlags(parseArgs(["-r", "--model", "gpt-5.2"]).options, terminal);
  checkResumeFlags(parseArgs(["--session", "abc"]).options, { printing: true, terminal: false });
});
