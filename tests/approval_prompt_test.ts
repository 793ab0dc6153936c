/**
 * The approval question as a widget, with keystrokes and no terminal: what it shows (the
 * tool, the command, the diff coloured +/- unless NO_COLOR, the keys), how it fits the room
 * it is given ("… N more lines", scrolling), which keys answer (y, a, n in any case) and
 * which answer nothing (a typo, an empty Enter, a paste: the nudge), and that the model's
 * text cannot style the screen. Plus the status line's modes.
 */

import assert from "node:assert/strict";
import { approvalQuestion } from "../src/agent/approval_question.ts";
import { ApprovalPrompt, HELD, NUDGE } from "../src/cli/interactive/approval_prompt.ts";
import { createStyle, formatStatus, stringWidth, stripAnsi } from "../src/cli/render.ts";
import { decodeKeys } from "../src/cli/tui/keys.ts";

const plain = createStyle(false);
const colour = createStyle(true);

function press(prompt: ApprovalPrompt, input: string): string[] {
  return decodeKeys(input).map((key) => prompt.onKey(key));
}

const edit = () =>
  new ApprovalPrompt(approvalQuestion(
    { name: "edit", arguments: { path: "a.txt", oldText: "two", newText: "2" } },
    { current: "one\ntwo\nthree\n" },
  ));

Deno.test("an edit's question: the title, the unified diff, the keys", () => {
  const view = edit().render(80, plain);
  assert.deepEqual(view.rows, [
    "Edit a.txt?",
    "  --- a/a.txt",
    "  +++ b/a.txt",
    "  @@ -1,3 +1,3 @@",
    "   one",
    "  -two",
    "  +2",
    "   three",
    "y yes · a always for edit · n no · Esc no, stop the turn",
  ]);
  assert.equal(view.cursor, undefined, "no cursor: keys answer, nothing is typed");
});

Deno.test("the diff is coloured: - red, + green, @@ cyan; NO_COLOR draws no escape at all", () => {
  const rows = edit().render(80, colour).rows;
  assert.equal(rows[5], "  \x1b[31m-two\x1b[39m");
  assert.equal(rows[6], "  \x1b[32m+2\x1b[39m");
  assert.equal(rows[3], "  \x1b[36m@@ -1,3 +1,3 @@\x1b[39m");
  assert.ok(edit().render(80, plain).rows.every((r) => !r.includes("\x1b")));
});

Deno.test("a bash command is shown whole: a long line wraps, it is never cut at the edge", () => {
  const command = "echo start; " + "x".repeat(150) + "; rm -rf ./build";
  const prompt = new ApprovalPrompt(approvalQuestion({ name: "bash", arguments: { command } }));
  const rows = prompt.render(60, plain).rows;
  assert.equal(rows[0], "Run bash?");
  for (const row of rows) assert.ok(stringWidth(row) <= 60, row);
  const body = rows.slice(1, -1);
  assert.ok(body[0].startsWith("  $ echo start; xxx"));
  assert.equal(body.map((r, i) => i === 0 ? r.slice(2) : r.slice(4)).join(""), `$ ${command}`);
});

Deno.test("a wrapped diff line keeps its + or - on every row", () => {
  const prompt = new ApprovalPrompt(approvalQuestion(
    { name: "write", arguments: { path: "n.txt", content: "a".repeat(100) + "\n" } },
  ));
  const rows = prompt.render(40, plain).rows;
  const added = rows.filter((r) => r.startsWith("  +a"));
  assert.equal(added.length, 3, rows.join("\n"));
  assert.equal(added.map((r) => r.slice(3)).join(""), "a".repeat(100));
});

Deno.test("cut to the height given: … N more lines; ↓, PgDn, End and Home scroll", () => {
  const content = Array.from({ length: 50 }, (_, i) => `line ${i + 1}`).join("\n") + "\n";
  const prompt = new ApprovalPrompt(approvalQuestion(
    { name: "write", arguments: { path: "n.txt", content } },
  ));
  // 53 body rows: ---, +++, @@ and 50 lines.
  let rows = prompt.render(80, plain, 12).rows;
  assert.equal(rows.length, 12);
  assert.equal(rows[0], "Write n.txt (new file)?");
  assert.equal(rows.at(-1), "y yes · a always for write · n no · Esc no, stop the turn");
  assert.equal(rows.at(-2), "  … 44 more lines (↓ PgDn to scroll)");
  assert.deepEqual(press(prompt, "\x1b[B"), ["handled"]); // ↓
  rows = prompt.render(80, plain, 12).rows;
  assert.equal(rows.length, 12);
  assert.equal(rows[1], "  ↑ 1 line above");
  assert.equal(rows[2], "  +++ b/n.txt");
  press(prompt, "\x1b[F"); // End
  rows = prompt.render(80, plain, 12).rows;
  assert.equal(rows.length, 11, "the last line shown, nothing below it");
  assert.equal(rows.at(-2), "  +line 50");
  assert.match(rows[1], /^ {2}↑ 45 lines above$/);
  press(prompt, "\x1b[H"); // Home
  assert.equal(prompt.render(80, plain, 12).rows[1], "  --- /dev/null");
  press(prompt, "\x1b[6~"); // PgDn
  assert.ok(prompt.offset > 1);
  // Without a height (or with room enough) every line is shown.
  assert.equal(prompt.render(80, plain).rows.length, 55);
});

Deno.test("y, a, n answer (in any case); Esc and Ctrl+C cancel", () => {
  for (const [input, answer] of [["y", "yes"], ["Y", "yes"], ["a", "always"], ["N", "no"]]) {
    const prompt = edit();
    assert.deepEqual(press(prompt, input), ["done"]);
    assert.equal(prompt.value, answer);
  }
  for (const input of ["\x1b", "\x03"]) {
    const prompt = edit();
    assert.deepEqual(press(prompt, input), ["cancel"]);
    assert.equal(prompt.value, undefined);
  }
});

Deno.test("a typo, an empty Enter, a paste or a word answer nothing: the nudge says which keys do", () => {
  const prompt = edit();
  for (const input of ["x", "\r", "\x1b[200~y\x1b[201~", "yes", " "]) {
    assert.deepEqual(press(prompt, input), ["handled"], JSON.stringify(input));
    assert.equal(prompt.value, undefined);
  }
  const rows = prompt.render(80, plain).rows;
  assert.equal(rows.at(-2), NUDGE);
  assert.deepEqual(press(prompt, "n"), ["done"]);
  assert.equal(prompt.value, "no");
});

Deno.test("held (the user was typing as it opened): answer keys wait until the hold ends", () => {
  let now = 1000;
  const prompt = new ApprovalPrompt(edit().question, { holdUntil: 1600, now: () => now });
  assert.deepEqual(press(prompt, "a"), ["handled"], "a word typed on does not answer");
  assert.equal(prompt.value, undefined);
  assert.equal(prompt.render(80, plain).rows.at(-2), HELD);
  assert.deepEqual(press(prompt, "\x1b"), ["cancel"], "Esc is never held");
  const later = new ApprovalPrompt(edit().question, { holdUntil: 1600, now: () => now });
  press(later, "n");
  now = 1600;
  assert.deepEqual(press(later, "n"), ["done"]);
  assert.equal(later.value, "no");
});

Deno.test("the model's text cannot style or move anything: escapes in a command are dropped", () => {
  const prompt = new ApprovalPrompt(approvalQuestion({
    name: "bash",
    arguments: { command: "echo hi\x1b[2J\x1b]8;;http://x\x07link\x1b]8;;\x07\u202e" },
  }));
  const rows = prompt.render(80, colour).rows;
  assert.equal(stripAnsi(rows[1]), "  $ echo hilink");
  assert.ok(!rows[1].includes("\x1b"), JSON.stringify(rows[1]));
  const title = new ApprovalPrompt(approvalQuestion({
    name: "edit",
    arguments: { path: "a\x1b[31m.txt\nb", oldText: "x", newText: "y" },
  })).render(80, plain).rows[0];
  assert.ok(!title.includes("\x1b") && !title.includes("\n"), JSON.stringify(title));
});

Deno.test("the status line shows the modes; kept over thinking, dropped before ctx %", () => {
  const info = {
    provider: "openai-codex",
    model: "gpt-5.2-codex",
    thinking: "medium",
    tokensIn: 1200,
    tokensOut: 300,
    cost: 0,
    listCost: 0,
    billed: false,
    contextTokens: 5000,
    contextWindow: 100_000,
  };
  const on = { ...info, modes: { sandbox: "workspace", ask: "writes", allowNetwork: false } };
  assert.equal(
    formatStatus(on, 200, plain),
    "openai-codex/gpt-5.2-codex · thinking medium · ↑1.2k ↓300 · subscription · ctx 5% · sandbox workspace · ask writes",
  );
  assert.equal(
    formatStatus(on, 79, plain),
    "openai-codex/gpt-5.2-codex · ctx 5% · sandbox workspace · ask writes",
  );
  assert.equal(formatStatus(on, 45, plain), "openai-codex/gpt-5.2-codex · ctx 5%");
  const net = { ...on, modes: { ...on.modes, allowNetwork: true } };
  assert.match(formatStatus(net, 200, plain), / · sandbox workspace\+net · ask writes$/);
  // The defaults are shown where there is room, and dropped first where there is not.
  const off = { ...info, modes: { sandbox: "off", ask: "never", allowNetwork: true } };
  assert.match(formatStatus(off, 200, plain), / · ctx 5% · sandbox off · ask never$/);
  assert.equal(
    formatStatus(off, 99, plain),
    "openai-codex/gpt-5.2-codex · thinking medium · ↑1.2k ↓300 · subscription · ctx 5%",
  );
});
