/**
 * README.md shows every command, option, environment variable and slash command of pi: the
 * declarations `pi --help` and /help are made from are the list it is checked against.
 * @module
 */

import assert from "node:assert/strict";
import { COMMANDS, ENVIRONMENT } from "../src/cli/args.ts";
import { SLASH_COMMANDS } from "../src/cli/interactive/commands.ts";

const README = Deno.readTextFileSync(new URL("../README.md", import.meta.url));

/** The words README does not show as words (`-c` inside `--conversation-only` is not `-c`). */
function missing(words: Iterable<string>): string[] {
  const escape = (w: string) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return [...words].filter((w) => !new RegExp(`(?<![\\w-])${escape(w)}(?![\\w-])`).test(README));
}

Deno.test("README: every command's usage line, as pi --help prints it", () => {
  const lines = COMMANDS.flatMap((c) => c.usage.map((u) => `pi ${u}`));
  assert.deepEqual(missing(lines), []);
});

Deno.test("README: every option of every command, long and short", () => {
  const words = new Set<string>();
  for (const c of COMMANDS) {
    for (const o of c.options) {
      words.add(`--${o.name}`);
      if (o.short) words.add(`-${o.short}`);
    }
  }
  words.add("--help").add("-h");
  assert.deepEqual(missing(words), []);
});

Deno.test("README: every environment variable in its Environment table", () => {
  const table = README.slice(README.indexOf("## Environment"));
  const names = ENVIRONMENT.flatMap(([names]) => names.split(", "));
  assert.deepEqual(names.filter((n) => !table.includes(`\`${n}\``)), []);
});

Deno.test("README: every slash command and its aliases", () => {
  const names = SLASH_COMMANDS.flatMap((c) => [c.name, ...(c.aliases ?? [])]);
  assert.deepEqual(missing(names.map((n) => `\`/${n}`)), []);
});
