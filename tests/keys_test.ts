import assert from "node:assert/strict";
import { decodeKeys, KeyDecoder, type KeyEvent } from "../src/cli/tui/keys.ts";

function names(events: KeyEvent[]): string[] {
  return events.map((e) => e.type === "key" ? e.name : `${e.type}:${e.text}`);
}

Deno.test("keys: printable text, multi-byte UTF-8 and control keys", () => {
  assert.deepEqual(names(decodeKeys("héllo 日本 👍")), ["text:héllo 日本 👍"]);
  assert.deepEqual(names(decodeKeys("ab\rc")), ["text:ab", "enter", "text:c"]);
  assert.deepEqual(
    names(decodeKeys("\x7f\x08\t\x01\x05\x15\x0b\x17\x03\x04\x10")),
    [
      "backspace",
      "backspace",
      "tab",
      "ctrl+a",
      "ctrl+e",
      "ctrl+u",
      "ctrl+k",
      "ctrl+w",
      "ctrl+c",
      "ctrl+d",
      "ctrl+p",
    ],
  );
});

Deno.test("keys: arrows, Home/End, Delete in CSI and SS3 forms, with modifiers", () => {
  assert.deepEqual(
    names(
      decodeKeys("\x1b[A\x1b[B\x1b[C\x1b[D\x1bOA\x1b[H\x1b[F\x1b[1~\x1b[4~\x1bOH\x1bOF\x1b[3~"),
    ),
    ["up", "down", "right", "left", "up", "home", "end", "home", "end", "home", "end", "delete"],
  );
  assert.deepEqual(
    names(decodeKeys("\x1b[1;5D\x1b[1;3C\x1bb\x1bf\x1b\x7f\x1b[5~\x1b[6~")),
    ["word-left", "word-right", "word-left", "word-right", "word-backspace", "pageup", "pagedown"],
  );
});

Deno.test("keys: Shift+Enter, Shift+Tab, Shift+Ctrl+P in the forms terminals send", () => {
  assert.deepEqual(
    names(decodeKeys("\x1b[13;2u\x1b\r\n\x1b[27;2;13~")),
    ["newline", "newline", "newline", "newline"],
  );
  assert.deepEqual(names(decodeKeys("\x1b[Z\x1b[9;2u")), ["shift+tab", "shift+tab"]);
  assert.deepEqual(
    names(decodeKeys("\x1b[112;6u\x1b[27;6;112~\x1b[80;6u\x1bp")),
    ["ctrl+shift+p", "ctrl+shift+p", "ctrl+shift+p", "ctrl+shift+p"],
  );
  assert.deepEqual(names(decodeKeys("\x1b[112;5u\x1b[99;5u")), ["ctrl+p", "ctrl+c"]);
});

Deno.test("keys: a lone Escape waits for flush; Escape then a key later is two keys", () => {
  const d = new KeyDecoder();
  assert.deepEqual(d.feed(new TextEncoder().encode("\x1b")), []);
  assert.equal(d.pending, true);
  assert.deepEqual(names(d.flush()), ["escape"]);
  assert.equal(d.pending, false);
});

Deno.test("keys: sequences and UTF-8 split at every byte give the same keys", () => {
  const input = "a\x1b[A日\x1b[112;6uß\x1b[200~x\ny\x1b[201~\x1b[1;5C👍\r";
  const whole = names(decodeKeys(input));
  assert.deepEqual(whole, [
    "text:a",
    "up",
    "text:日",
    "ctrl+shift+p",
    "text:ß",
    "paste:x\ny",
    "word-right",
    "text:👍",
    "enter",
  ]);
  const bytes = new TextEncoder().encode(input);
  // Byte by byte.
  const d = new KeyDecoder();
  const got: KeyEvent[] = [];
  for (const b of bytes) got.push(...d.feed(new Uint8Array([b])));
  got.push(...d.flush());
  // Text runs may be split into several events; join adjacent text to compare.
  const joined: string[] = [];
  for (const n of names(got)) {
    const last = joined[joined.length - 1];
    if (n.startsWith("text:") && last?.startsWith("text:")) joined[joined.length - 1] += n.slice(5);
    else joined.push(n);
  }
  assert.deepEqual(joined, whole);
  // Every split point into two reads.
  for (let cut = 1; cut < bytes.length; cut++) {
    const d2 = new KeyDecoder();
    const events = [...d2.feed(bytes.slice(0, cut)), ...d2.feed(bytes.slice(cut)), ...d2.flush()];
    const j: string[] = [];
    for (const n of names(events)) {
      const last = j[j.length - 1];
      if (n.startsWith("text:") && last?.startsWith("text:")) j[j.length - 1] += n.slice(5);
      else j.push(n);
    }
    assert.deepEqual(j, whole, `split at ${cut}`);
  }
});

Deno.test("keys: a bracketed paste keeps newlines and escape-like text as text", () => {
  assert.deepEqual(
    decodeKeys("\x1b[200~line1\r\nline2\x1b[A\x1b[201~z"),
    [{ type: "paste", text: "line1\nline2\x1b[A" }, { type: "text", text: "z" }],
  );
});
