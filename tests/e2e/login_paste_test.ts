/**
 * `pi login`'s manual entry as a user meets it (CONTRACT.md, "Manual entry"): an empty line
 * is ignored and asked again; a text with no code or another login's `state` is said in one
 * line and asked again while the callback server keeps waiting; the login ends on success,
 * or with exit 1 once nothing can complete it (stdin at its end and no callback server).
 * Piped stdin and a real terminal (tmux, 80×24). Every login pins its callback port
 * (PI_OAUTH_CALLBACK_PORT): tests/e2e/login_test.ts owns 1455 and 1457.
 */
import assert from "node:assert/strict";
import { REPO, spawnPi } from "./run_pi.ts";
import { HAS_TMUX, TmuxPane } from "./tmux.ts";
import { follow, stoppedAt } from "../fixtures/browser_follow.ts";
import {
  type FakeIssuer,
  freePort,
  startFakeIssuer,
  TEST_ACCOUNT_ID,
} from "../fixtures/fake_oauth_issuer.ts";

/** The line of a login's stderr that shows the authorize URL (captured). */
const AUTHORIZE_LINE = /^ {2}(http:\/\/127\.0\.0\.1:\d+\/oauth\/authorize\?\S+)$/m;
const NO_CODE = /^No authorization code in the pasted text "hello world"; paste the whole URL/m;
const MISMATCH = /^State mismatch: the pasted URL is not from this login; /m;

interface Setup {
  dir: string;
  authFile: string;
  issuer: FakeIssuer;
  env(port: number): Record<string, string>;
}

async function withSetup(fn: (s: Setup) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "pi_login_paste_" });
  const issuer = startFakeIssuer();
  try {
    await fn({
      dir,
      authFile: `${dir}/agent/auth.json`,
      issuer,
      env: (port) => ({
        HOME: dir,
        PI_CODING_AGENT_DIR: `${dir}/agent`,
        PI_OPENAI_CODEX_ISSUER: issuer.url,
        PI_OAUTH_CALLBACK_PORT: String(port),
        BROWSER: "true",
      }),
    });
  } finally {
    await issuer.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/** A port held by another program for the whole of `fn`. */
async function withHeldPort(fn: (port: number) => Promise<void>): Promise<void> {
  const held = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    await fn((held.addr as Deno.NetAddr).port);
  } finally {
    held.close();
  }
}

function kill(child: Deno.ChildProcess): void {
  try {
    child.kill();
  } catch {
    // already gone
  }
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

/** Where the browser ends after signing in: the callback URL a user copies. */
async function redirectOf(authorizeUrl: string): Promise<string> {
  return (await follow(authorizeUrl, { stopAtCallback: true })).at(-1)!.url;
}

Deno.test("pi login, port busy, piped stdin: an empty line, garbage and another login's URL are said and asked again; the right URL logs in", async () => {
  await withHeldPort(async (port) => {
    await withSetup(async ({ authFile, issuer, env }) => {
      const pi = spawnPi(["login", "--no-browser"], env(port), { stdin: "piped" });
      try {
        const [, url] = await pi.waitStderr(AUTHORIZE_LINE);
        await pi.waitStderr(/\(reading stdin\):\n/);
        await pi.write("\n   \nhello world\n");
        await pi.waitStderr(NO_CODE);
        await pi.write(`http://localhost:${port}/auth/callback?code=stolen&state=not-this-login\n`);
        await pi.waitStderr(MISMATCH);
        await pi.write(`\n${await redirectOf(url)}\n`);
        const result = await pi.done;
        assert.equal(result.code, 0, result.stderr);
        assert.match(result.stdout, /^Logged in to ChatGPT Plus\/Pro \(Codex Subscription\) as /);
        // Each problem is one line of its own; the question is not repeated on a pipe.
        const lines = result.stderr.split("\n");
        assert.equal(lines.filter((l) => NO_CODE.test(l)).length, 1);
        assert.equal(lines.filter((l) => MISMATCH.test(l)).length, 1);
        assert.equal(lines.filter((l) => l.endsWith("(reading stdin):")).length, 1);
        assert.doesNotMatch(result.stderr, /^pi: /m);
        assert.equal(issuer.tokenCalls.length, 1);
        assert.deepEqual(issuer.problems, []);
        const auth = JSON.parse(await Deno.readTextFile(authFile));
        assert.equal(auth["openai-codex"].accountId, TEST_ACCOUNT_ID);
      } finally {
        await pi.closeStdin();
        kill(pi.child);
        await pi.done;
      }
    });
  });
});

Deno.test("pi login, callback server waiting: garbage is said, stdin ends, and the browser still completes the login", async () => {
  await withSetup(async ({ authFile, issuer, env }) => {
    const port = freePort();
    const pi = spawnPi(["login", "--no-browser"], env(port), { stdin: "piped" });
    try {
      const [, url] = await pi.waitStderr(AUTHORIZE_LINE);
      await pi.waitStderr(new RegExp(`pi is waiting on http://localhost:${port}/auth/callback`));
      await pi.write("hello world\n");
      await pi.waitStderr(NO_CODE);
      await pi.closeStdin();
      await pi.waitStderr(
        /^stdin ended without a redirect URL or code that logs in: still waiting/m,
      );
      const hops = await follow(url);
      assert.equal(hops.at(-1)!.status, 200); // the callback server was still there
      const result = await pi.done;
      assert.equal(result.code, 0, result.stderr);
      assert.equal(issuer.tokenCalls.length, 1);
      assert.deepEqual(issuer.problems, []);
      assert.equal(
        JSON.parse(await Deno.readTextFile(authFile))["openai-codex"].accountId,
        TEST_ACCOUNT_ID,
      );
    } finally {
      kill(pi.child);
      await pi.done;
    }
  });
});

Deno.test("pi login, port busy: garbage, then stdin ends → exit 1 saying why; nothing written, no token request", async () => {
  await withHeldPort(async (port) => {
    await withSetup(async ({ authFile, issuer, env }) => {
      const pi = spawnPi(["login", "--no-browser"], env(port), { stdin: "piped" });
      try {
        await pi.waitStderr(new RegExp(`^Port ${port} already in use`, "m"));
        await pi.write("hello world\n");
        await pi.waitStderr(NO_CODE);
        await pi.closeStdin();
        const result = await pi.done;
        assert.equal(result.code, 1, result.stderr);
        const last = result.stderr.trimEnd().split("\n").at(-1)!;
        assert.match(last, /^pi: stdin ended without a redirect URL or code that logs in; /);
        assert.equal(result.stderr.match(/^pi: /gm)?.length, 1);
        assert.equal(issuer.tokenCalls.length, 0);
        assert.equal(await exists(authFile), false);
      } finally {
        kill(pi.child);
        await pi.done;
      }
    });
  });
});

Deno.test({
  name:
    "pi login in an 80×24 terminal: an empty Enter keeps the prompt, a typo is said and asked again, a good paste logs in",
  ignore: !HAS_TMUX,
  fn: async () => {
    await withSetup(async ({ dir, authFile, issuer, env }) => {
      const port = freePort();
      const log = `${dir}/browser.log`;
      const pane = await TmuxPane.start(
        dir,
        {
          ...env(port),
          // Signs in, then stops where the page would not load: the user copies the address.
          BROWSER: `${Deno.execPath()} run -A --quiet ${REPO}tests/fixtures/browser_follow.ts`,
          BROWSER_LOG: log,
          BROWSER_STOP_AT_CALLBACK: "1",
        },
        ["login", "openai-codex"],
        { width: 80, height: 24, join: true },
      );
      try {
        const prompt = /^Or paste the redirect URL \(or code\) here\n> $/m;
        await pane.waitFor(prompt);
        await pane.keys("Enter");
        await pane.type("hello");
        // Still the one prompt: the empty Enter was no answer.
        await pane.waitFor(/^Or paste the redirect URL \(or code\) here\n> hello$/m);
        await pane.type(" world");
        await pane.keys("Enter");
        const said = await pane.waitFor(
          (s) => NO_CODE.test(s) && /here\n> $/m.test(s.slice(s.search(NO_CODE))),
        );
        assert.doesNotMatch(said, /^pi: /m);
        const callback = await stoppedAt(log);
        await pane.type(callback);
        await pane.keys("Enter");
        assert.equal(await pane.exitCode(), 0, await pane.screen());
        const screen = await pane.screen();
        assert.match(screen, /^Logged in to ChatGPT Plus\/Pro \(Codex Subscription\) as /m);
        assert.equal(screen.match(NO_CODE)?.length, 1);
        assert.equal(issuer.tokenCalls.length, 1);
        assert.deepEqual(issuer.problems, []);
        assert.equal(
          JSON.parse(await Deno.readTextFile(authFile))["openai-codex"].accountId,
          TEST_ACCOUNT_ID,
        );
      } finally {
        await pane.kill();
      }
    });
  },
});
