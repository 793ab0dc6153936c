/**
 * The widget host and the widgets the screen opens on it (tui/): driven with keystrokes
 * (the bytes a terminal sends, decoded as the screen decodes them), no terminal.
 */

import assert from "node:assert/strict";
import { decodeKeys, type KeyEvent } from "../src/cli/tui/keys.ts";
import { WidgetHost } from "../src/cli/tui/host.ts";
import { SelectMenu } from "../src/cli/tui/select_menu.ts";
import { createStyle } from "../src/cli/tui/style.ts";
import { TextPrompt } from "../src/cli/tui/text_prompt.ts";
import type { KeyResult, Widget, WidgetView } from "../src/cli/tui/widget.ts";

const plain = createStyle(false);

/** Sends the keys of `input` to the host; what the last one did. */
function type(host: WidgetHost, input: string): KeyResult | "none" {
  let last: KeyResult | "none" = "none";
  for (const key of decodeKeys(input)) last = host.onKey(key);
  return last;
}

/** Whether `promise` has settled (after the microtasks queued so far). */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  const pending = Symbol();
  return await Promise.race([promise, Promise.resolve(pending)]) !== pending;
}

const MODELS = ["gpt-5.2-codex", "gpt-5.1-codex-mini", "gpt-5", "claude-sonnet-4-5"]
  .map((id) => ({ label: id, value: id }));

Deno.test("host: no widget open, keys are the owner's and nothing is drawn", () => {
  const host = new WidgetHost();
  assert.equal(type(host, "x\r"), "none");
  assert.equal(host.top, undefined);
  assert.equal(host.render(80, plain), undefined);
});

Deno.test("host: a select menu filters as typed, moves with arrows, and Enter answers", async () => {
  const host = new WidgetHost();
  const answer = host.open(new SelectMenu("Model", MODELS));
  assert.equal(host.size, 1);
  assert.equal(host.render(40, plain)?.rows[0], "Model");
  assert.equal(type(host, "codex"), "handled");
  assert.deepEqual(
    host.render(40, plain)?.rows.filter((r) => r.includes("gpt")),
    ["❯ gpt-5.2-codex", "  gpt-5.1-codex-mini"],
  );
  assert.equal(type(host, "\x1b[B"), "handled");
  assert.equal(await settled(answer), false, "still open");
  assert.equal(type(host, "\r"), "done");
  assert.equal(await answer, "gpt-5.1-codex-mini");
  assert.equal(host.top, undefined, "closed once answered");
});

Deno.test("host: Escape cancels a menu (undefined), and Enter on no match keeps it open", async () => {
  const host = new WidgetHost();
  const answer = host.open(new SelectMenu("Model", MODELS));
  assert.equal(type(host, "zzz\r"), "handled");
  assert.ok(host.render(40, plain)?.rows.some((r) => r.includes("nothing matches")));
  assert.equal(host.onKey({ type: "key", name: "escape", sequence: "\x1b" }), "cancel");
  assert.equal(await answer, undefined);
  assert.equal(host.size, 0);
});

Deno.test("host: a text prompt ignores an empty Enter, edits, and answers with the line", async () => {
  const host = new WidgetHost();
  const prompt = new TextPrompt("Paste the redirect URL:");
  const answer = host.open(prompt);
  assert.equal(type(host, "\r"), "handled", "an empty line is no answer");
  assert.equal(type(host, "   \r"), "handled", "nor is a blank one");
  assert.equal(host.top, prompt, "the prompt stays");
  type(host, "http://x/?code=1\x7f2");
  const view = host.render(40, plain)!;
  assert.deepEqual(view.rows, ["Paste the redirect URL:", "> http://x/?code=2"]);
  assert.deepEqual(view.cursor, { row: 1, col: 18 });
  assert.equal(type(host, "\r"), "done");
  assert.equal(await answer, "http://x/?code=2");
});

Deno.test("host: a paste goes into the text prompt as it is; Escape cancels it", async () => {
  const host = new WidgetHost();
  const prompt = new TextPrompt("Code:");
  const answer = host.open(prompt);
  type(host, "\x1b[200~abc#def\x1b[201~");
  assert.equal(prompt.editor.text, "abc#def");
  assert.equal(type(host, "\x1b"), "cancel", "a lone Escape");
  assert.equal(await answer, undefined);
  assert.equal(prompt.value, undefined);
});

Deno.test("host: Ctrl+C cancels a text prompt and a menu when they see it", () => {
  const ctrlC: KeyEvent = { type: "key", name: "ctrl+c", sequence: "\x03" };
  assert.equal(new TextPrompt("?").onKey(ctrlC), "cancel");
  assert.equal(new SelectMenu("?", MODELS).onKey(ctrlC), "cancel");
});

Deno.test("host: a confirmation over a picker takes the keys; closing it shows the picker again", async () => {
  const host = new WidgetHost();
  const picker = new SelectMenu("Session", MODELS);
  const picked = host.open(picker);
  const confirm = new SelectMenu("Sure?", [
    { label: "Yes", value: true },
    { label: "No", value: false },
  ], { initial: 1, filterable: false });
  const sure = host.open(confirm);
  assert.equal(host.top, confirm);
  assert.equal(host.render(40, plain)?.rows[0], "Sure?");
  assert.equal(type(host, "y"), "done", "a first letter answers a yes/no menu");
  assert.equal(await sure, true);
  assert.equal(host.top, picker);
  assert.equal(host.render(40, plain)?.rows[0], "Session");
  assert.equal(picker.filter, "", "the picker did not see the confirmation's keys");
  assert.equal(await settled(picked), false);
  type(host, "\r");
  assert.equal(await picked, "gpt-5.2-codex");
});

Deno.test("host: an aborted signal closes its widget wherever it is and tells the owner", async () => {
  let closes = 0;
  const host = new WidgetHost({ onClose: () => closes++ });
  const controller = new AbortController();
  const below = host.open(new TextPrompt("Paste:"), { signal: controller.signal });
  const above = host.open(new SelectMenu("Model", MODELS));
  controller.abort();
  assert.equal(await below, undefined);
  assert.equal(closes, 1);
  assert.equal(host.size, 1, "the menu above stays");
  assert.equal(await settled(above), false);
  const gone = new AbortController();
  gone.abort();
  assert.equal(await host.open(new TextPrompt("Never shown"), { signal: gone.signal }), undefined);
  assert.equal(host.size, 1, "an aborted signal opens nothing");
  host.closeAll();
  assert.equal(await above, undefined);
  assert.equal(host.size, 0);
  assert.equal(closes, 1, "closing by the owner is not reported back to it");
  assert.equal(host.close(), false, "nothing left to close");
});

Deno.test("host: any object with render and onKey is a widget", async () => {
  /** A y/n question: y answers true, n false, other keys are ignored. */
  class YesNo implements Widget<boolean> {
    value: boolean | undefined;
    render(width: number): WidgetView {
      return { rows: ["Run it? [y/n]".slice(0, width)] };
    }
    onKey(key: KeyEvent): KeyResult {
      if (key.type !== "text") return "handled";
      if (key.text === "y" || key.text === "n") {
        this.value = key.text === "y";
        return "done";
      }
      return "handled";
    }
  }
  const host = new WidgetHost();
  const answer = host.open(new YesNo());
  assert.deepEqual(host.render(8, plain), { rows: ["Run it? "] });
  assert.equal(type(host, "x"), "handled");
  assert.equal(type(host, "n"), "done");
  assert.equal(await answer, false);
});
