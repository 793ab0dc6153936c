import assert from "node:assert/strict";
import { PiError } from "../src/errors.ts";
import { promptSecret, secretMask } from "../src/cli/prompts.ts";
import { drawn, fakeTerminal } from "./fixtures/prompt_terminal.ts";

Deno.test("promptSecret: typed and pasted text is never drawn, only its length; Backspace, Ctrl+U; Enter answers trimmed", async () => {
  const f = fakeTerminal();
  const answer = promptSecret({ message: "Paste your key", terminal: f.term });
  await drawn(f.written, "Paste your key");
  f.push("sk-ab");
  await drawn(f.written, secretMask(5));
  f.push("\x7f"); // Backspace
  await drawn(f.written, secretMask(4));
  f.push("\x15"); // Ctrl+U: start again
  f.push("\x1b[200~ sk-pasted-secret-0123\n\x1b[201~");
  await drawn(f.written, secretMask(" sk-pasted-secret-0123".length));
  f.push("\r");
  assert.equal(await answer, "sk-pasted-secret-0123");
  const out = f.written.join("");
  assert.doesNotMatch(out, /sk-/);
  assert.deepEqual(f.raw, [true, false]);
  assert.equal(secretMask(1), "[hidden: 1 character]");
  assert.equal(secretMask(0), "");
});

Deno.test("promptSecret: Enter with nothing typed answers empty; Ctrl+C is interrupted; no terminal is a usage error", async () => {
  const f = fakeTerminal();
  const empty = promptSecret({ message: "key", terminal: f.term });
  await drawn(f.written, "key");
  f.push("\r");
  assert.equal(await empty, "");

  const g = fakeTerminal();
  const stopped = promptSecret({ message: "key", terminal: g.term });
  await drawn(g.written, "key");
  g.push("sk-x\x03");
  await assert.rejects(stopped, (e) => e instanceof PiError && e.code === "interrupted");

  await assert.rejects(
    promptSecret({ message: "key", terminal: fakeTerminal({ terminal: false }).term }),
    (e) => e instanceof PiError && e.code === "usage",
  );
});
