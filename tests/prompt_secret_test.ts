import assert from "node:assert/strict";
import { PiError } from "../src/errors.ts";
import { promptSecret, type PromptTerminal, secretMask, SharedInput } from "../src/cli/prompts.ts";

const enc = new TextEncoder();

function fakeTerminal(options: { terminal?: boolean } = {}) {
  let push!: (s: string) => void;
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      push = (s) => c.enqueue(enc.encode(s));
    },
  });
  const written: string[] = [];
  const raw: boolean[] = [];
  const term: PromptTerminal = {
    isTerminal: () => options.terminal ?? true,
    input: new SharedInput(() => stream),
    output: { write: (t) => void written.push(t), isTerminal: () => false },
    host: {
      setRaw: (on) => void raw.push(on),
      size: () => ({ columns: 80, rows: 24 }),
      onSignal: () => () => {},
    },
    color: false,
  };
  return { term, push: (s: string) => push(s), written, raw };
}

async function drawn(written: string[], text: string): Promise<void> {
  for (let i = 0; i < 200 && !written.join("").includes(text); i++) {
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.ok(written.join("").includes(text), `never drew ${text}: ${JSON.stringify(written)}`);
}

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
