/**
 * The line editor's answer to each key, as the screen reads it: the keys it leaves to its
 * owner (Tab, Escape, Ctrl+C/D/P/T, Shift+Tab) are `unhandled` and change nothing; a paste
 * goes in as it is, line breaks included; an empty Enter submits "" and records nothing.
 */

import assert from "node:assert/strict";
import { decodeKeys } from "../src/cli/tui/keys.ts";
import { LineEditor } from "../src/cli/tui/line_editor.ts";

function type(editor: LineEditor, input: string) {
  return decodeKeys(input).map((k) => editor.onKey(k).type);
}

Deno.test("line editor: keys it has no use for are unhandled and change nothing", () => {
  const e = new LineEditor();
  e.setText("keep me");
  e.cursor = 2;
  for (const input of ["\t", "\x1b", "\x03", "\x04", "\x10", "\x14", "\x1b[Z", "\x0c"]) {
    assert.deepEqual(type(e, input), ["unhandled"], JSON.stringify(input));
  }
  assert.equal(e.text, "keep me");
  assert.equal(e.cursor, 2);
});

Deno.test("line editor: a paste goes in at the cursor as it is, line breaks included", () => {
  const e = new LineEditor();
  type(e, "ab\x1b[D");
  assert.deepEqual(type(e, "\x1b[200~one\r\ntwo\x1b[201~"), ["handled"]);
  assert.equal(e.text, "aone\ntwob");
  assert.equal(e.cursor, "aone\ntwo".length);
});

Deno.test("line editor: an empty Enter submits an empty text and leaves the history alone", () => {
  const e = new LineEditor(["earlier"]);
  assert.deepEqual(decodeKeys("\r").map((k) => e.onKey(k)), [{ type: "submit", text: "" }]);
  assert.deepEqual(e.history, ["earlier"]);
  type(e, "\x1b[A");
  assert.equal(e.text, "earlier", "↑ still recalls the last entry");
});
