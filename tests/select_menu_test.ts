import assert from "node:assert/strict";
import { decodeKeys } from "../src/cli/tui/keys.ts";
import { createStyle } from "../src/cli/render.ts";
import { SelectMenu } from "../src/cli/tui/select_menu.ts";
import type { KeyResult } from "../src/cli/tui/widget.ts";

const plain = createStyle(false);

/** The keys of `input`, one by one; what the last one did, and the value then picked. */
function press<T>(menu: SelectMenu<T>, input: string): { type: KeyResult; value?: T } {
  let last: KeyResult = "handled";
  for (const k of decodeKeys(input)) last = menu.onKey(k);
  return last === "done" ? { type: last, value: menu.value } : { type: last };
}

const models = ["gpt-5.2-codex", "gpt-5.1-codex-mini", "gpt-5", "claude-sonnet-4-5", "o1-pro"]
  .map((id) => ({ label: id, value: id }));

Deno.test("select menu: arrows move (wrapping), Enter picks", () => {
  const m = new SelectMenu("Model", models);
  assert.deepEqual(press(m, "\x1b[B\x1b[B\r"), { type: "done", value: "gpt-5" });
  const m2 = new SelectMenu("Model", models);
  assert.deepEqual(press(m2, "\x1b[A\r"), { type: "done", value: "o1-pro" });
});

Deno.test("select menu: typing filters by every word; Backspace widens again", () => {
  const m = new SelectMenu("Model", models);
  press(m, "codex mini");
  assert.deepEqual(m.visible.map((i) => i.value), ["gpt-5.1-codex-mini"]);
  press(m, "\x7f".repeat(5));
  assert.deepEqual(m.visible.map((i) => i.value), ["gpt-5.2-codex", "gpt-5.1-codex-mini"]);
  assert.deepEqual(press(m, "\x1b[B\r"), { type: "done", value: "gpt-5.1-codex-mini" });
  const none = new SelectMenu("Model", models);
  assert.deepEqual(press(none, "zzz\r"), { type: "handled" }, "nothing to pick");
  assert.ok(none.render(80, plain).rows.some((r) => r.includes("nothing matches")));
});

Deno.test("select menu: Escape and Ctrl+C cancel", () => {
  const m = new SelectMenu("Model", models);
  press(m, "\x1b");
  assert.deepEqual(press(m, "\x1b"), { type: "cancel" });
  assert.deepEqual(
    new SelectMenu("M", models).onKey({ type: "key", name: "ctrl+c", sequence: "\x03" }),
    "cancel",
  );
});

Deno.test("select menu: render marks the highlighted row and fits the width", () => {
  const m = new SelectMenu("Pick a model", models, { initial: 2, maxRows: 3 });
  const { rows } = m.render(20, plain);
  assert.equal(rows[0], "Pick a model");
  assert.ok(rows.includes("❯ gpt-5"));
  assert.ok(rows.some((r) => r.includes("↑ 1 more")));
  assert.ok(rows.some((r) => r.includes("↓ 1 more")));
  for (const r of rows) assert.ok([...r].length <= 20, r);
});

Deno.test("select menu: a yes/no menu answers to its first letter", () => {
  const confirm = new SelectMenu("Log out?", [
    { label: "Yes", value: true },
    { label: "No", value: false },
  ], { filterable: false, initial: 1 });
  assert.deepEqual(press(confirm, "y"), { type: "done", value: true });
});
