import assert from "node:assert/strict";
import { PiError } from "../src/errors.ts";
import { stripAnsi } from "../src/cli/render.ts";
import { freePort } from "./fixtures/fake_oauth_issuer.ts";
import { HAS_TMUX, TmuxPane } from "./e2e/tmux.ts";
import { printAbovePrompt, promptSelect, promptText, StdinLines } from "../src/cli/prompts.ts";
import { drawn, fakeTerminal } from "./fixtures/prompt_terminal.ts";

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  return new ReadableStream({
    start(c) {
      for (const chunk of chunks) c.enqueue(enc.encode(chunk));
      c.close();
    },
  });
}

Deno.test("StdinLines: lines across chunks, CRLF, blank lines skipped, last line without newline", async () => {
  const lines = new StdinLines(streamOf(["\n  \r\nhttp://loc", "alhost/x?code=1\r\n", "last"]));
  assert.equal(await lines.nextNonEmpty(), "http://localhost/x?code=1");
  assert.equal(await lines.nextNonEmpty(), "last");
  assert.equal(await lines.nextNonEmpty(), null);
  assert.equal(await lines.next(), null);
});

Deno.test("StdinLines: an aborted wait keeps the line for the next prompt", async () => {
  let push!: (s: string) => void;
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      push = (s) => c.enqueue(new TextEncoder().encode(s));
    },
  });
  const lines = new StdinLines(stream);
  const controller = new AbortController();
  const first = lines.next(controller.signal);
  controller.abort(new Error("callback won"));
  await assert.rejects(first, /callback won/);
  push("code#state\n");
  assert.equal(await lines.next(), "code#state");
});

// ---- the prompts, in-process on a fake terminal (tests/fixtures/prompt_terminal.ts) ----

const SHOW_CURSOR = "\x1b[?25h";
const choices = [
  { value: "alpha", name: "Alpha" },
  { value: "beta", name: "Beta" },
  { value: "gamma", name: "Gamma" },
] as const;

Deno.test("promptSelect: ↓ then Enter picks the second choice; the pick stays as one line; raw mode off, cursor shown", async () => {
  const f = fakeTerminal();
  const answer = promptSelect({ message: "Pick one", choices, terminal: f.term });
  await drawn(f.written, "❯ Alpha");
  f.push("\x1b[B");
  await drawn(f.written, "❯ Beta");
  f.push("\r");
  assert.equal(await answer, "beta");
  assert.deepEqual(f.raw, [true, false]);
  const out = f.written.join("");
  assert.ok(out.endsWith(SHOW_CURSOR), JSON.stringify(out.slice(-40)));
  // After the last erase of the live region: only the summary line.
  const last = out.slice(out.lastIndexOf("\r\x1b[J"));
  assert.ok(last.startsWith("\r\x1b[JPick one Beta\r\n"), JSON.stringify(last));
  assert.doesNotMatch(last, /Alpha|Gamma/);
});

Deno.test("promptSelect: typing filters the choices; Enter picks the match", async () => {
  const f = fakeTerminal();
  const answer = promptSelect({ message: "Pick one", choices, terminal: f.term });
  f.push("gam");
  f.push("\r");
  assert.equal(await answer, "gamma");
});

for (const [what, keys] of [["Ctrl+C", "\x03"], ["Escape", "\x1b"]] as const) {
  Deno.test(`promptSelect: ${what} is PiError("interrupted") with the terminal restored`, async () => {
    const f = fakeTerminal();
    const answer = promptSelect({ message: "Pick one", choices, terminal: f.term });
    await drawn(f.written, "Alpha");
    f.push(keys);
    await assert.rejects(answer, (err) => err instanceof PiError && err.code === "interrupted");
    assert.deepEqual(f.raw, [true, false]);
    assert.ok(f.written.join("").endsWith(SHOW_CURSOR));
  });
}

Deno.test("promptText: typing, Backspace and a bracketed paste (its line break dropped); Enter answers and erases the prompt", async () => {
  const f = fakeTerminal();
  const answer = promptText({ message: "Paste the URL", terminal: f.term });
  await drawn(f.written, "Paste the URL");
  f.push("abcd");
  f.push("\x7f");
  f.push("\x1b[200~http://x\r\n/y\x1b[201~");
  await drawn(f.written, "> abchttp://x/y");
  f.push("\r");
  assert.equal(await answer, "abchttp://x/y");
  assert.deepEqual(f.raw, [true, false]);
  const out = f.written.join("");
  const last = out.slice(out.lastIndexOf("\x1b[J") + 3);
  assert.equal(stripAnsi(last), ""); // nothing drawn after the erase
});

Deno.test("printAbovePrompt: a line reported while a prompt is open is drawn above it, and the prompt below it again with what was typed; with no prompt open it says false", async () => {
  assert.equal(printAbovePrompt("nobody asks"), false);
  const f = fakeTerminal();
  const answer = promptText({ message: "Paste the URL", terminal: f.term });
  await drawn(f.written, "Paste the URL");
  f.push("http://x");
  await drawn(f.written, "> http://x");
  const before = f.written.length;
  assert.equal(printAbovePrompt("Could not open a browser"), true);
  const redraw = stripAnsi(f.written.slice(before).join(""));
  // The line on its own, then the prompt again (its question and what was typed).
  assert.match(redraw, /Could not open a browser\r\n[\s\S]*Paste the URL[\s\S]*> http:\/\/x/);
  f.push("\r");
  assert.equal(await answer, "http://x");
  assert.equal(printAbovePrompt("after"), false, "the prompt is closed");
});

Deno.test("promptText: Enter on an empty (or blank) line is no answer; the prompt stays", async () => {
  const f = fakeTerminal();
  const answer = promptText({ message: "Paste the URL", terminal: f.term });
  await drawn(f.written, "Paste the URL");
  let settled = false;
  answer.then(() => settled = true, () => settled = true);
  f.push("\r");
  f.push("  \r");
  f.push("\x7f\x7fcode#state");
  await drawn(f.written, "> code#state");
  assert.equal(settled, false, "an empty Enter answered the prompt");
  assert.deepEqual(f.raw, [true]); // still the one prompt, still in raw mode
  f.push("\r");
  assert.equal(await answer, "code#state");
  assert.deepEqual(f.raw, [true, false]);
});

Deno.test("promptText: when its signal aborts, the prompt is erased and raw mode is off at once", async () => {
  const f = fakeTerminal();
  const controller = new AbortController();
  const answer = promptText({ message: "Or paste", signal: controller.signal, terminal: f.term });
  f.push("half-typed");
  await drawn(f.written, "> half-typed");
  const before = f.written.length;
  controller.abort(new Error("callback won"));
  // Synchronously, before anything else can print:
  const after = f.written.slice(before).join("");
  assert.ok(after.includes("\x1b[J"), JSON.stringify(after));
  assert.ok(after.endsWith(SHOW_CURSOR));
  assert.deepEqual(f.raw, [true, false]);
  await assert.rejects(answer, /callback won/);
});

Deno.test("prompts: keys typed after one prompt ends reach the next one (stdin is shared, not closed)", async () => {
  const f = fakeTerminal();
  const first = promptSelect({ message: "Pick one", choices, terminal: f.term });
  f.push("\r");
  assert.equal(await first, "alpha");
  f.push("h"); // typed between the prompts
  const second = promptText({ message: "Then", terminal: f.term });
  f.push("i\r");
  assert.equal(await second, "hi");
  assert.deepEqual(f.raw, [true, false, true, false]);
});

Deno.test("prompts: stdin not a terminal is a usage error, nothing drawn; stdin ending is interrupted", async () => {
  const f = fakeTerminal({ terminal: false });
  await assert.rejects(
    promptText({ message: "the code", terminal: f.term }),
    (err) =>
      err instanceof PiError && err.code === "usage" && /stdin is not a terminal/.test(err.message),
  );
  await assert.rejects(
    promptSelect({ message: "a provider", choices, terminal: f.term }),
    (err) => err instanceof PiError && err.code === "usage",
  );
  assert.deepEqual(f.written, []);
  assert.deepEqual(f.raw, []);
  const g = fakeTerminal();
  const answer = promptText({ message: "the code", terminal: g.term });
  g.close();
  await assert.rejects(answer, (err) => err instanceof PiError && err.code === "interrupted");
  assert.deepEqual(g.raw, [true, false]);
});

// ---- pi login's prompts in a real terminal (tmux) ----

/**
 * Runs `pi login` in a private 90x30 tmux pane (pi sees no TERM); the pane records pi's exit
 * code and whether `stty -g` is the same as before pi ran.
 */
async function inTmux(fn: (pane: TmuxPane, port: number) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "pi_prompts_tmux_" });
  const port = freePort();
  const env = {
    HOME: dir,
    PI_CODING_AGENT_DIR: `${dir}/agent`,
    BROWSER: "true",
    PI_OAUTH_CALLBACK_PORT: String(port),
    // Never contacted: the prompts end before any token request.
    PI_OPENAI_CODEX_ISSUER: "http://127.0.0.1:9",
  };
  let pane: TmuxPane | undefined;
  try {
    pane = await TmuxPane.start(dir, env, ["login"], {
      width: 90,
      height: 30,
      term: null,
      join: true,
    });
    await fn(pane, port);
  } finally {
    await pane?.kill();
    await Deno.remove(dir, { recursive: true });
  }
}

/** After pi exits: its exit code, whether the terminal is as before, the cursor, the screen. */
async function result(pane: TmuxPane) {
  const exit = await pane.exitCode();
  return {
    exit,
    sane: await pane.sttyUnchanged(),
    cursorVisible: await pane.cursorVisible(),
    screen: await pane.screen(),
  };
}

const MENU = /❯ ChatGPT Plus\/Pro \(Codex Subscription\)/;
const tmuxTest = { ignore: !HAS_TMUX };

for (const [what, key] of [["Ctrl+C", "C-c"], ["Escape", "Escape"]]) {
  Deno.test({
    ...tmuxTest,
    name: `pi login in a terminal: ${what} in the provider menu exits 130, terminal as before`,
    fn: () =>
      inTmux(async (t) => {
        await t.waitFor(MENU);
        await t.keys(key);
        const r = await result(t);
        assert.equal(r.exit, 130, r.screen);
        assert.ok(r.sane, "stty settings changed");
        assert.ok(r.cursorVisible, "cursor hidden");
        assert.doesNotMatch(r.screen, /❯/); // the menu was erased
      }),
  });
}

Deno.test({
  ...tmuxTest,
  name: "pi login in a terminal: keys typed into the paste prompt after the menu reach it",
  fn: () =>
    inTmux(async (t, port) => {
      await t.waitFor(MENU);
      // The menu lists the API-key providers after the subscription: down and back up.
      await t.keys("Down", "Up", "Enter");
      await t.waitFor(/^> $/m);
      await t.type(`http://localhost:${port}/auth/callback?code=x&state=not-this-login`);
      await t.waitFor(/state=not-this-login/);
      await t.keys("Enter");
      // Another login's URL is said in one line and asked again (the login goes on).
      await t.waitFor(/^State mismatch: the pasted URL is not from this login;.*\n.*\n> $/m);
      await t.keys("C-c");
      const r = await result(t);
      assert.equal(r.exit, 130, r.screen);
      assert.match(r.screen, /^Log in to ChatGPT Plus\/Pro \(Codex Subscription\)/m);
      // The menu's erase and summary left the login's own lines whole.
      assert.match(r.screen, /^Opening the browser at:$/m);
      assert.match(r.screen, /^Sign in in the browser; pi is waiting on /m);
      assert.ok(r.sane, "stty settings changed");
      assert.ok(r.cursorVisible, "cursor hidden");
    }),
});

Deno.test({
  ...tmuxTest,
  name:
    "pi login in a terminal: Ctrl+C in the paste prompt exits 130, prompt erased, terminal as before",
  fn: () =>
    inTmux(async (t) => {
      await t.waitFor(MENU);
      await t.keys("Enter");
      await t.waitFor(/paste the redirect URL/);
      await t.type("half");
      await t.waitFor(/^> half$/m);
      await t.keys("C-c");
      const r = await result(t);
      assert.equal(r.exit, 130, r.screen);
      assert.match(r.screen, /^pi: Interrupted/m);
      assert.doesNotMatch(r.screen, /paste the redirect URL|> half/);
      assert.ok(r.sane, "stty settings changed");
      assert.ok(r.cursorVisible, "cursor hidden");
    }),
});
