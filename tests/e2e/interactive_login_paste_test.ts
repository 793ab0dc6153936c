/**
 * The interactive `/login` paste prompt behaves as `pi login`'s (CONTRACT.md, "Manual
 * entry"): an empty Enter is asked again, a typo is said in one line and asked again, and
 * a good paste logs in; Escape stops the pasting. tmux 80×24, fake issuer and backend on
 * 127.0.0.1, a pinned callback port (tests/e2e/login_test.ts owns 1455 and 1457).
 */
import assert from "node:assert/strict";
import { startFakeCodex } from "../fixtures/fake_codex_backend.ts";
import { freePort, startFakeIssuer } from "../fixtures/fake_oauth_issuer.ts";
import { stoppedAt } from "../fixtures/browser_follow.ts";
import { REPO } from "./run_pi.ts";
import { HAS_TMUX, HOST_ENV, TmuxPane } from "./tmux.ts";

interface Login {
  pane: TmuxPane;
  agentDir: string;
  issuer: ReturnType<typeof startFakeIssuer>;
  /** The callback URL the stand-in browser stopped at. */
  callback(): Promise<string>;
}

/**
 * pi in tmux (80×24, not logged in) against the fake issuer and backend, its callback port
 * pinned to a free one (held by another listener when `portBusy`), a stand-in browser that
 * stops at the callback URL, and `/login openai-codex` typed.
 */
async function withLogin(portBusy: boolean, fn: (login: Login) => Promise<void>): Promise<void> {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "pi-login-paste-" }));
  const agentDir = `${dir}/agent`;
  const issuer = startFakeIssuer();
  const fake = startFakeCodex([]);
  // Busy: held here. Free: one below the ephemeral range, so no other test is given it.
  const holder = portBusy ? Deno.listen({ hostname: "127.0.0.1", port: 0 }) : undefined;
  const port = holder ? (holder.addr as Deno.NetAddr).port : freePort();
  let pane: TmuxPane | undefined;
  try {
    pane = await TmuxPane.start(
      dir,
      {
        ...HOST_ENV,
        PI_CODING_AGENT_DIR: agentDir,
        PI_OPENAI_CODEX_BASE_URL: fake.url,
        PI_OPENAI_CODEX_ISSUER: issuer.url,
        PI_OAUTH_CALLBACK_PORT: String(port),
        BROWSER: `${Deno.execPath()} run -A ${REPO}tests/fixtures/browser_follow.ts`,
        BROWSER_LOG: `${dir}/browser.log`,
        BROWSER_STOP_AT_CALLBACK: "1",
      },
      [],
      { width: 80, height: 24 },
    );
    await pane.waitFor(/^› \/login/m);
    await pane.type("/login openai-codex");
    await pane.keys("Enter");
    await fn({ pane, agentDir, issuer, callback: () => stoppedAt(`${dir}/browser.log`) });
  } finally {
    holder?.close();
    await pane?.kill();
    await fake.close();
    await issuer.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name:
    "interactive /login, port busy: an empty Enter and a typo are asked again, then the pasted URL logs in",
  ignore: !HAS_TMUX,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withLogin(true, async ({ pane, agentDir, issuer, callback }) => {
      const question = /^Paste the URL the browser ends on \(or the code\)\n> ?$/m;
      await pane.waitFor(question);
      await pane.keys("Enter"); // empty: asked again
      await pane.waitFor(question);
      await pane.type("hello world");
      await pane.keys("Enter");
      await pane.waitFor((s) =>
        /No authorization code in the pasted text "hello world"/.test(s) && question.test(s)
      );
      await pane.type(await callback());
      await pane.keys("Enter");
      const done = await pane.waitFor("Logged in to");
      assert.match(done, /✓ Logged in to ChatGPT Plus\/Pro \(Codex Subscription\) as /);
      const auth = JSON.parse(await Deno.readTextFile(`${agentDir}/auth.json`));
      assert.equal(auth["openai-codex"].type, "oauth");
      assert.equal(issuer.tokenCalls.length, 1);
      assert.deepEqual(issuer.problems, []);
      await pane.keys("C-d");
      assert.equal(await pane.exitCode(), 0);
    }),
});

Deno.test({
  name:
    "interactive /login: Escape at the paste prompt stops the pasting; the browser callback still logs in",
  ignore: !HAS_TMUX,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withLogin(false, async ({ pane, callback }) => {
      await pane.waitFor(/^Or paste the redirect URL \(or code\) here\n> ?$/m);
      await pane.keys("Escape");
      await pane.waitFor(/^The paste prompt was closed: still waiting for the browser/m);
      assert.doesNotMatch(await pane.screen(), /Or paste the redirect URL/);
      // The callback server still waits: the browser's redirect completes the login.
      const response = await fetch(await callback());
      await response.body?.cancel();
      assert.equal(response.status, 200);
      await pane.waitFor("Logged in to");
      await pane.keys("C-d");
      assert.equal(await pane.exitCode(), 0);
    }),
});
