import assert from "node:assert/strict";
import { decodeKeys } from "../src/cli/tui/keys.ts";
import { LineEditor } from "../src/cli/tui/line_editor.ts";

function type(editor: LineEditor, input: string) {
  return decodeKeys(input).map((k) => editor.onKey(k));
}

Deno.test("line editor: typing, cursor movement, Home/End, Backspace, Delete", () => {
  const e = new LineEditor();
  type(e, "helo");
  type(e, "\x1b[D\x1b[D"); // ←←
  type(e, "l");
  assert.equal(e.text, "hello");
  type(e, "\x01X\x05Y"); // Ctrl+A X Ctrl+E Y
  assert.equal(e.text, "XhelloY");
  type(e, "\x1b[H\x1b[3~\x1b[F\x7f");
  assert.equal(e.text, "hello");
  assert.equal(e.cursor, 5);
});

Deno.test("line editor: Ctrl+U, Ctrl+K, Ctrl+W and word moves", () => {
  const e = new LineEditor();
  type(e, "one two three");
  type(e, "\x17");
  assert.equal(e.text, "one two ");
  type(e, "\x1b[1;5D"); // Ctrl+← to the start of "two"
  assert.equal(e.cursor, 4);
  type(e, "\x0b");
  assert.equal(e.text, "one ");
  type(e, "\x15");
  assert.equal(e.text, "");
});

Deno.test("line editor: multi-byte characters move and delete as one", () => {
  const e = new LineEditor();
  type(e, "a👍b");
  type(e, "\x1b[D\x7f");
  assert.equal(e.text, "ab");
  type(e, "\x1b[D\x1b[D");
  assert.equal(e.cursor, 0);
});

Deno.test("line editor: Enter submits; a trailing backslash or Shift+Enter adds a line", () => {
  const e = new LineEditor();
  const results = type(e, "first\\\rsecond\x1b[13;2uthird\r");
  const submit = results.find((r) => r.type === "submit");
  assert.deepEqual(submit, { type: "submit", text: "first\nsecond\nthird" });
  assert.equal(e.text, "");
});

Deno.test("line editor: ↑/↓ move between lines, then walk the history with the draft kept", () => {
  const e = new LineEditor();
  type(e, "one\r");
  type(e, "two\r");
  type(e, "draft");
  type(e, "\x1b[A");
  assert.equal(e.text, "two");
  type(e, "\x1b[A");
  assert.equal(e.text, "one");
  type(e, "\x1b[A");
  assert.equal(e.text, "one");
  type(e, "\x1b[B\x1b[B");
  assert.equal(e.text, "draft");
  // Multi-line: ↑ moves inside the text first.
  e.setText("");
  type(e, "abc\x1b\rde");
  type(e, "\x1b[A");
  assert.equal(e.text, "abc\nde");
  assert.equal(e.cursor, 2);
  type(e, "\x1b[A");
  assert.equal(e.text, "two", "from the first line ↑ goes to the history");
});

Deno.test("line editor: render wraps at the width and places the cursor", () => {
  const e = new LineEditor();
  e.setText("abcdefgh\nxy");
  const v = e.render(6, "> ", "  ");
  assert.deepEqual(v.rows, ["> abcd", "efgh", "  xy"]);
  assert.deepEqual([v.cursorRow, v.cursorCol], [2, 4]);
  e.cursor = 8; // end of the first line, exactly at the wrap
  const v2 = e.render(6, "> ", "  ");
  assert.deepEqual([v2.cursorRow, v2.cursorCol], [1, 4]);
  e.setText("日本語");
  const v3 = e.render(6, "> ", "  ");
  assert.deepEqual(v3.rows, ["> 日本", "語"]);
  assert.deepEqual([v3.cursorRow, v3.cursorCol], [1, 2]);
});
