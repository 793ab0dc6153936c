import assert from "node:assert/strict";
import { closest, COMMANDS, DEFAULT_SUBCOMMANDS, helpText, parseArgs } from "../src/cli/args.ts";
import { SLASH_COMMANDS } from "../src/cli/interactive/commands.ts";
import { PiError } from "../src/errors.ts";

function usageError(argv: string[]): PiError {
  try {
    parseArgs(argv);
  } catch (err) {
    assert.ok(err instanceof PiError);
    assert.equal(err.code, "usage");
    return err;
  }
  assert.fail(`expected a usage error for ${argv.join(" ")}`);
}

Deno.test("root options, both value syntaxes, and positionals", () => {
  const parsed = parseArgs(["--model", "gpt-5.2-codex", "--thinking=high", "-p", "hello", "world"]);
  assert.deepEqual(parsed.command, []);
  assert.equal(parsed.options.model, "gpt-5.2-codex");
  assert.equal(parsed.options.thinking, "high");
  assert.equal(parsed.options.print, true);
  assert.deepEqual(parsed.positionals, ["hello", "world"]);
});

Deno.test("-- ends options", () => {
  const parsed = parseArgs(["-p", "--", "--not-a-flag"]);
  assert.deepEqual(parsed.positionals, ["--not-a-flag"]);
});

Deno.test("subcommands and their options", () => {
  assert.deepEqual(parseArgs(["login", "openai-codex", "--device"]), {
    command: ["login"],
    options: { device: true },
    positionals: ["openai-codex"],
  });
  assert.deepEqual(parseArgs(["auth", "status", "--json"]).command, ["auth", "status"]);
  assert.deepEqual(parseArgs(["models", "openai-codex/*"]).positionals, ["openai-codex/*"]);
});

Deno.test("unknown flag names the flag and suggests the closest", () => {
  const err = usageError(["--frobnicate"]);
  assert.match(err.message, /--frobnicate/);
  const typo = usageError(["--modle", "x"]);
  assert.match(typo.hint ?? "", /did you mean --mode/);
  assert.match(usageError(["login", "--devic"]).hint ?? "", /--device/);
});

Deno.test("a subcommand's options are not the root's", () => {
  assert.match(usageError(["login", "--model", "x"]).message, /--model/);
});

Deno.test("missing value and bad choice", () => {
  assert.match(usageError(["--model"]).message, /Missing value for --model/);
  assert.match(usageError(["--model", "--print"]).message, /Missing value for --model/);
  const bad = usageError(["--thinking", "hgh"]);
  assert.match(
    bad.message,
    /Unknown thinking: hgh \(known: off, minimal, low, medium, high, xhigh\)/,
  );
  assert.match(bad.hint ?? "", /high/);
  assert.match(usageError(["--mode", "xml"]).message, /known: text, json/);
});

Deno.test("unknown or missing subcommand of a group", () => {
  assert.match(usageError(["auth", "stat"]).message, /Unknown subcommand: stat/);
  assert.match(usageError(["auth", "stat"]).hint ?? "", /pi auth status/);
});

Deno.test("pi auth alone is pi auth status (with its options)", () => {
  assert.deepEqual(parseArgs(["auth"]).command, ["auth", "status"]);
  const json = parseArgs(["auth", "--json"]);
  assert.deepEqual([json.command, json.options.json], [["auth", "status"], true]);
  const help = parseArgs(["auth", "--help"]);
  assert.deepEqual([help.command, help.options.help], [["auth", "status"], true]);
});

Deno.test("every command group has a default subcommand (a bare group runs it)", () => {
  for (const group of new Set(COMMANDS.filter((c) => c.path.length > 1).map((c) => c.path[0]))) {
    const fallback = DEFAULT_SUBCOMMANDS[group];
    assert.ok(
      COMMANDS.some((c) => c.path[0] === group && c.path[1] === fallback),
      `pi ${group} alone runs one of its subcommands`,
    );
  }
});

Deno.test("help text is generated from the declarations", () => {
  const root = helpText([]);
  for (const command of COMMANDS) {
    for (const option of command.path.length === 0 ? command.options : []) {
      assert.ok(root.includes(`--${option.name}`), `root help lists --${option.name}`);
    }
  }
  assert.ok(root.includes("PI_CODING_AGENT_DIR"));
  const login = helpText(["login"]);
  assert.ok(login.includes("--device") && login.includes("--no-browser"));
  assert.ok(!login.includes("--thinking"));
});

Deno.test("pi --help names every slash command of the interactive screen", () => {
  const root = helpText([]);
  for (const command of SLASH_COMMANDS) {
    assert.match(root, new RegExp(`/${command.name}[,.]`), `pi --help lists /${command.name}`);
  }
});

Deno.test("closest only suggests plausible typos", () => {
  assert.equal(closest("statu", ["status"]), "status");
  assert.equal(closest("zzzzzz", ["status", "login"]), undefined);
});
