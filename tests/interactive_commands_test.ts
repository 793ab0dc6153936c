/**
 * The slash-command table and the screen's keys, in-process with keystrokes (no tmux):
 * /help lists every command of the table, Tab completes names (and a command's arguments),
 * an unknown command names the known ones, aliases dispatch, a new command is one more
 * entry in the table, and Ctrl+C / Escape do what the one place that decides them says.
 */

import assert from "node:assert/strict";
import {
  completeCommand,
  findCommand,
  parseSlash,
  SLASH_COMMANDS,
  type SlashCommand,
  unknownCommand,
} from "../src/cli/interactive/commands.ts";
import { SelectMenu } from "../src/cli/tui/select_menu.ts";
import { TextPrompt } from "../src/cli/tui/text_prompt.ts";
import { withApp } from "./fixtures/interactive_app.ts";
import { THINKING_ORDER, thinkingLevels } from "../src/models/thinking.ts";

const CTRL_C = "\x03";
const ESC = "\x1b";

Deno.test("slash table: names are unique, lower case, and no alias shadows a name", () => {
  const names = SLASH_COMMANDS.flatMap((c) => [c.name, ...(c.aliases ?? [])]);
  assert.equal(new Set(names).size, names.length, names.join(" "));
  for (const name of names) assert.match(name, /^[a-z][a-z0-9-]*$/);
  for (const c of SLASH_COMMANDS) assert.ok(c.summary.length > 0 && !c.summary.includes("\n"));
  assert.equal(findCommand(SLASH_COMMANDS, "models")?.name, "model");
  assert.equal(findCommand(SLASH_COMMANDS, "q")?.name, "quit");
  assert.equal(findCommand(SLASH_COMMANDS, "nope"), undefined);
  assert.deepEqual(parseSlash("/Compact  keep the parser "), {
    name: "compact",
    arg: "keep the parser",
  });
});

Deno.test("slash: slash commands parse into a name and an argument", () => {
  assert.deepEqual(parseSlash("/thinking high"), { name: "thinking", arg: "high" });
  assert.deepEqual(parseSlash("  /MODEL  openai-codex/gpt-5 "), {
    name: "model",
    arg: "openai-codex/gpt-5",
  });
  assert.deepEqual(parseSlash("/login"), { name: "login", arg: "" });
  assert.equal(parseSlash("hello"), undefined);
  const names = SLASH_COMMANDS.map((c) => `/${c.name}`);
  for (
    const c of [
      "/login",
      "/logout",
      "/model",
      "/thinking",
      "/usage",
      "/session",
      "/new",
      "/help",
      "/quit",
    ]
  ) {
    assert.ok(names.includes(c), c);
  }
});

Deno.test("/help lists every command of the table (with its aliases) and its summary, then the keys", async () => {
  await withApp({}, async (h) => {
    h.type("/help\r");
    await h.idle();
    const shown = h.transcript();
    const at = shown.indexOf("Commands");
    assert.ok(at !== -1, shown.join("\n"));
    const rows = shown.slice(at + 1, at + 1 + SLASH_COMMANDS.length);
    assert.deepEqual(
      rows.map((r) => r.trim().split(/\s{2,}/)),
      SLASH_COMMANDS.map((c) => [
        `/${c.name}`,
        c.aliases ? `${c.summary} (also ${c.aliases.map((a) => `/${a}`).join(", ")})` : c.summary,
      ]),
    );
    // The aliases are shown beside their command.
    assert.ok(
      rows.some((r) => /^ {2}\/model +pick a model.*\(also \/models\)/.test(r)),
      rows.join("\n"),
    );
    assert.ok(
      rows.some((r) => /^ {2}\/quit +exit.*\(also \/exit, \/q\)/.test(r)),
      rows.join("\n"),
    );
    assert.equal(shown[at + 1 + SLASH_COMMANDS.length], "Keys");
    assert.ok(shown.some((r) => /^ {2}Ctrl\+C \/ Esc +cancel the running turn/.test(r)));
  });
});

Deno.test("an unknown command says so and names the known ones", async () => {
  await withApp({}, async (h) => {
    h.type("/frob it\r");
    await h.idle();
    const known = SLASH_COMMANDS.map((c) => `/${c.name}`).join(", ");
    assert.deepEqual(h.transcript().slice(-2), [
      "› /frob it",
      `✗ Unknown command /frob (known: ${known})`,
    ]);
    assert.equal(unknownCommand(SLASH_COMMANDS, "x"), `Unknown command /x (known: ${known})`);
    // A typo of a known command is named.
    assert.equal(
      unknownCommand(SLASH_COMMANDS, "modle"),
      `Unknown command /modle; did you mean /model? (known: ${known})`,
    );
    assert.equal(h.app.editor.text, "", "the editor is free again");
  });
});

Deno.test("Tab completes a command's name; several fits are listed in the hint", async () => {
  await withApp({}, (h) => {
    h.type("/mo\t");
    assert.equal(h.app.editor.text, "/model ");
    h.type("\x15/lo\t"); // Ctrl+U clears the line
    assert.equal(h.app.editor.text, "/lo", "two fit: the text stays");
    assert.equal(h.app.state.hint?.text, "/login  /logout");
    h.type("go\t");
    assert.equal(h.app.editor.text, "/logout ", "the hint went with the next key");
    h.type("\x15/zz\t");
    assert.equal(h.app.editor.text, "/zz");
    assert.equal(h.app.state.hint, undefined);
    h.type("\x15hello\t");
    assert.equal(h.app.editor.text, "hello", "not a command: Tab does nothing");
    assert.deepEqual(completeCommand(SLASH_COMMANDS, "/model gpt", h.app), undefined);
  });
});

Deno.test("aliases dispatch: /models opens the model menu, Esc closes it; /q exits 0", async () => {
  await withApp({}, async (h) => {
    h.type("/models\r");
    await h.until(() => h.app.host.top instanceof SelectMenu);
    assert.equal((h.app.host.top as SelectMenu<unknown>).title, "Model");
    h.type(ESC);
    assert.equal(h.app.host.top, undefined);
    await h.idle();
    h.type("/q\r");
    assert.equal(await h.app.exited, 0);
  });
});

Deno.test("a new slash command is one entry in the table: help, dispatch, name and argument completion", async () => {
  const echo: SlashCommand = {
    name: "echo",
    summary: "print the argument",
    args: () => ["alpha", "beta", "beta2"],
    run(app, arg) {
      app.print(`echo: ${arg}`);
    },
  };
  await withApp({ commands: [...SLASH_COMMANDS, echo] }, async (h) => {
    h.type("/help\r");
    await h.idle();
    assert.ok(h.transcript().some((r) => /^ {2}\/echo +print the argument$/.test(r)));
    h.type("/ec\t");
    assert.equal(h.app.editor.text, "/echo ");
    h.type("a\t");
    assert.equal(h.app.editor.text, "/echo alpha ");
    h.type("\x15/echo b\t");
    assert.equal(h.app.editor.text, "/echo b");
    assert.equal(h.app.state.hint?.text, "beta  beta2");
    h.type("eta2 now\r");
    await h.idle();
    assert.equal(h.transcript().at(-1), "echo: beta2 now");
  });
});

Deno.test("Ctrl+C on an idle screen: clears the editor, then arms the exit, then exits", async () => {
  await withApp({}, async (h) => {
    h.type("draft");
    h.type(CTRL_C);
    assert.equal(h.app.editor.text, "");
    assert.equal(h.app.state.exitArmed, false);
    h.type(CTRL_C);
    assert.equal(h.app.state.exitArmed, true);
    assert.equal(h.app.state.hint?.text, "Press Ctrl+C again to exit (or Ctrl+D)");
    h.type("x\x7f"); // any other key disarms
    assert.equal(h.app.state.exitArmed, false);
    h.type(CTRL_C + CTRL_C);
    assert.equal(await h.app.exited, 0);
  });
});

Deno.test("Ctrl+C at a prompt opened by running work closes it and aborts the work; Escape only closes it", async () => {
  const seen: string[] = [];
  const quiz: SlashCommand = {
    name: "quiz",
    summary: "ask a question while working",
    async run(app) {
      const signal = app.beginWork("Asking…");
      try {
        const answer = await app.ask("Name?");
        seen.push(`${answer} aborted=${signal.aborted}`);
      } finally {
        app.endWork();
      }
    },
  };
  await withApp({ commands: [...SLASH_COMMANDS, quiz] }, async (h) => {
    h.type("draft");
    h.type("\x15/quiz\r");
    await h.until(() => h.app.host.top instanceof TextPrompt);
    h.type(ESC);
    await h.idle();
    h.type("/quiz\r");
    await h.until(() => h.app.host.top instanceof TextPrompt);
    h.type("bob" + CTRL_C);
    await h.idle();
    h.type("/quiz\r");
    await h.until(() => h.app.host.top instanceof TextPrompt);
    h.type("\r"); // an empty answer is no answer: the prompt stays
    assert.ok(h.app.host.top instanceof TextPrompt);
    h.type("ann\r");
    await h.idle();
    assert.deepEqual(seen, [
      "undefined aborted=false",
      "undefined aborted=true",
      "ann aborted=false",
    ]);
    assert.equal(h.app.state.work, undefined);
    assert.equal(h.app.state.exitArmed, false, "Ctrl+C at the prompt did not arm the exit");
  });
});

Deno.test("with no key, the offered /login is taken by Enter and replaced by typing", async () => {
  await withApp({ loggedIn: false }, (h) => {
    assert.equal(h.app.editor.text, "/login");
    assert.equal(h.app.state.suggested, true);
    h.type("hi");
    assert.equal(h.app.editor.text, "hi");
    assert.equal(h.app.state.suggested, false);
  });
});

Deno.test("/thinking: a level by name, an unknown one said with the model's levels, else a menu of the model's levels with the current one", async () => {
  await withApp({}, async (h) => {
    const model = h.app.state.model;
    const levels = thinkingLevels(model);
    h.type("/thinking banana\r");
    await h.idle();
    assert.equal(
      h.transcript().at(-1),
      `✗ Unknown thinking level: banana (known: ${
        THINKING_ORDER.join(", ")
      }; ${model.id} supports ${levels.join(", ")})`,
    );
    const current = h.app.level();
    h.type("/thinking\r");
    await h.until(() => h.app.host.top instanceof SelectMenu);
    const menu = h.app.host.top as SelectMenu<string>;
    assert.equal(menu.title, `Thinking level for ${model.id}`);
    assert.deepEqual(
      menu.items.map((i) => [i.label, i.hint]),
      levels.map((l) => [l, l === current ? "current" : undefined]),
    );
    assert.equal(menu.index, levels.indexOf(current), "the current level is highlighted");
    h.type(ESC);
    await h.idle();
    assert.equal(h.app.host.top, undefined);
    assert.equal(h.app.level(), current, "Esc changes nothing");
  });
});
