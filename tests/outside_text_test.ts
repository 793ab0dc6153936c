// Text from outside (model names from models.json or the live list, tool names a model
// sends) shown in the interactive screen is one line without escape sequences.
import assert from "node:assert/strict";
import { createStyle, formatStatus, formatToolLine, stripAnsi } from "../src/cli/render.ts";
import { SelectMenu } from "../src/cli/tui/select_menu.ts";
import { formatRateLimits } from "../src/cli/usage_report.ts";

const plain = createStyle(false);
const color = createStyle(true);
const EVIL = "evil\x1b]0;pwned\x07\x1b[2J\nname\u202e";

Deno.test("status line: provider and model names are one line without escapes", () => {
  const line = formatStatus(
    {
      provider: "custom\r\nprov",
      model: EVIL,
      thinking: "high",
      tokensIn: 0,
      tokensOut: 0,
      cost: 0,
      listCost: 0,
      billed: true,
      contextTokens: 0,
      contextWindow: 0,
    },
    200,
    plain,
  );
  assert.equal(line, "custom prov/evil name · thinking high · ↑0 ↓0 · $0");
});

Deno.test("menus: titles, labels and hints are one line without escapes", () => {
  const menu = new SelectMenu(`Thinking level for ${EVIL}`, [
    { label: `openai-codex/${EVIL}`, value: 1, hint: EVIL },
  ]);
  const rows = menu.render(200, color).rows.map(stripAnsi);
  assert.equal(rows[0], "Thinking level for evil name");
  assert.equal(rows[1], "❯ openai-codex/evil name (evil name)");
  for (const row of menu.render(200, color).rows) {
    for (const bad of ["\x1b]", "\x1b[2J", "\n", "\u202e"]) assert.ok(!row.includes(bad), row);
  }
});

Deno.test("tool lines: a tool name from the model is one line without escapes", () => {
  const line = formatToolLine(
    { name: "\x1b[31mread\n", args: { path: "a.txt" } },
    undefined,
    80,
    plain,
  );
  assert.equal(line, "• read a.txt");
});

Deno.test("/usage: a window length that is not a number (usage.json edited by hand) is not shown", () => {
  const lines = formatRateLimits(
    {
      provider: "openai-codex",
      capturedAt: 0,
      primary: { usedPercent: 5, windowMinutes: "\x1b[2J" as unknown as number },
    },
    0,
    plain,
  );
  assert.equal(lines[0], "  primary: 5% used");
});
