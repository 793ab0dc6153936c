import assert from "node:assert/strict";
import type { Deps } from "../src/deps.ts";
import type { KeyEvent } from "../src/cli/tui/keys.ts";
import { Terminal, type TerminalHost } from "../src/cli/tui/terminal.ts";

function fakes(input: Uint8Array[] = []) {
  const written: string[] = [];
  const raw: boolean[] = [];
  const signals = new Map<string, () => void>();
  const host: TerminalHost = {
    setRaw: (on) => raw.push(on),
    size: () => ({ columns: 80, rows: 24 }),
    onSignal: (signal, handler) => {
      signals.set(signal, handler);
      return () => signals.delete(signal);
    },
  };
  const deps = {
    stdout: { write: (t: string) => written.push(t), isTerminal: () => true },
    stdin: {
      isTerminal: () => true,
      readable: new ReadableStream<Uint8Array>({
        async start(controller) {
          for (const chunk of input) {
            controller.enqueue(chunk);
            await new Promise((r) => setTimeout(r, 60));
          }
          controller.close();
        },
      }),
    },
  } as unknown as Deps;
  return { written, raw, signals, host, deps };
}

Deno.test("terminal: raw mode on, then restored once with the cursor shown and paste mode off", () => {
  const f = fakes();
  const term = new Terminal(f.deps, f.host);
  term.enter({ onResize: () => {} });
  assert.deepEqual(f.raw, [true]);
  assert.equal(term.raw, true);
  assert.ok(f.written.join("").includes("\x1b[?2004h"), "bracketed paste on");
  assert.ok(f.signals.has("SIGTERM") && f.signals.has("SIGHUP") && f.signals.has("SIGWINCH"));
  term.write("a\nb");
  assert.equal(f.written.at(-1), "a\r\nb", "newlines become CRLF in raw mode");
  term.restore();
  term.restore();
  assert.deepEqual(f.raw, [true, false], "restored exactly once");
  const out = f.written.join("");
  assert.ok(out.endsWith("\x1b[?2004l\x1b[?25h"), "paste off, cursor shown");
  assert.equal(f.signals.size, 0, "signal listeners removed");
  term.write("x\n");
  assert.equal(f.written.at(-1), "x\n", "no translation once restored");
});

Deno.test("terminal: keys are read from stdin; a lone Escape arrives after a quiet time", async () => {
  const enc = new TextEncoder();
  const f = fakes([enc.encode("hi\x1b[A"), enc.encode("\x1b"), enc.encode("\x03")]);
  const term = new Terminal(f.deps, f.host);
  const keys: KeyEvent[] = [];
  await term.readKeys((k) => keys.push(k));
  assert.deepEqual(
    keys.map((k) => (k.type === "key" ? k.name : k.text)),
    ["hi", "up", "escape", "ctrl+c"],
  );
});
