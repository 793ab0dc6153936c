/**
 * `pi login`, `pi logout` and `pi auth status` as processes against the fake issuer.
 * This is the ONLY test file that binds the fixed callback ports 1455 and 1457; its tests
 * run one after another.
 */
import assert from "node:assert/strict";
import { REPO, spawnPi } from "./run_pi.ts";
import { HAS_TMUX, TmuxPane } from "./tmux.ts";
import { assertWhole, authorizeUrl, recordedPane } from "./raw_output.ts";
import {
  type FakeIssuer,
  freePort,
  makeAccessToken,
  startFakeIssuer,
  TEST_ACCOUNT_ID,
  TEST_EMAIL,
} from "../fixtures/fake_oauth_issuer.ts";
import type { Hop } from "../fixtures/browser_follow.ts";

const BROWSER = `${Deno.execPath()} run -A --quiet ${REPO}tests/fixtures/browser_follow.ts`;

function kill(child: Deno.ChildProcess): void {
  try {
    child.kill();
  } catch {
    // already gone
  }
}

async function runPi(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return await spawnPi(args, env, { stdin: "null" }).done;
}

async function readHops(path: string): Promise<Hop[]> {
  try {
    return (await Deno.readTextFile(path)).trim().split("\n").filter(Boolean).map((l) =>
      JSON.parse(l)
    );
  } catch {
    return [];
  }
}

async function waitFor<T>(
  what: string,
  get: () => Promise<T | undefined>,
  ms = 20_000,
): Promise<T> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const value = await get();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

interface Setup {
  dir: string;
  agentDir: string;
  authFile: string;
  browserLog: string;
  issuer: FakeIssuer;
  env: Record<string, string>;
}

async function withSetup(fn: (s: Setup) => Promise<void>, issuerOptions = {}): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "pi_login_e2e_" });
  const issuer = startFakeIssuer(issuerOptions);
  const agentDir = `${dir}/agent`;
  const browserLog = `${dir}/browser.log`;
  const env = {
    PI_CODING_AGENT_DIR: agentDir,
    PI_OPENAI_CODEX_ISSUER: issuer.url,
    BROWSER,
    BROWSER_LOG: browserLog,
  };
  try {
    await fn({ dir, agentDir, authFile: `${agentDir}/auth.json`, browserLog, issuer, env });
  } finally {
    await issuer.close();
    await Deno.remove(dir, { recursive: true });
  }
}

function assertNoTokens(text: string, issuer: FakeIssuer) {
  for (const { access, refresh } of issuer.issued) {
    assert.ok(!text.includes(access), "access token in output");
    assert.ok(!text.includes(refresh), "refresh token in output");
    assert.ok(!text.includes(access.split(".")[1]), "JWT payload in output");
  }
  assert.ok(!/eyJ[A-Za-z0-9_-]{10,}/.test(text), "something JWT-like in output");
}

async function readAuth(path: string): Promise<Record<string, Record<string, unknown>>> {
  return JSON.parse(await Deno.readTextFile(path));
}

Deno.test("pi login openai-codex: browser script → 1455 callback → auth.json 0600 (and timing)", async () => {
  await withSetup(async ({ authFile, browserLog, issuer, env }) => {
    const result = await runPi(["login", "openai-codex"], env);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(issuer.problems, []);
    assert.deepEqual(issuer.log, ["GET /oauth/authorize", "POST /oauth/token"]);
    assert.equal(
      result.stdout,
      `Logged in to ChatGPT Plus/Pro (Codex Subscription) as ${TEST_EMAIL} (plan pro)\n`,
    );
    const hops = await readHops(browserLog);
    const callback = hops.find((h) => h.note === "callback")!;
    assert.equal(callback.status, 200);
    assert.match(callback.url, /^http:\/\/localhost:1455\/auth\/callback\?/);
    assert.equal(issuer.tokenCalls[0].params.redirect_uri, "http://localhost:1455/auth/callback");

    const info = await Deno.stat(authFile);
    assert.equal(info.mode! & 0o777, 0o600);
    const auth = await readAuth(authFile);
    const entry = auth["openai-codex"];
    assert.equal(entry.type, "oauth");
    assert.equal(entry.access, issuer.issued[0].access);
    assert.equal(entry.refresh, issuer.issued[0].refresh);
    assert.equal(typeof entry.expires, "number");
    assert.ok(Math.abs((entry.expires as number) - (Date.now() + 3600_000)) < 120_000);
    assert.equal(entry.accountId, TEST_ACCOUNT_ID);
    assertNoTokens(result.stdout + result.stderr, issuer);

    // Callback hit → auth.json written, minus the token endpoint's own latency.
    const token = issuer.tokenCalls[0];
    const written = info.mtime!.getTime();
    const total = written - callback.t;
    const own = token.end - token.start;
    console.log(
      `callback → auth.json: ${total} ms total, token endpoint ${own} ms, pi's own ${
        total - own
      } ms (mtime granularity applies)`,
    );
  });
});

Deno.test("pi login: 1455 and 1457 held → 'Port 1455 already in use' → paste on stdin completes", async () => {
  const a = Deno.listen({ hostname: "127.0.0.1", port: 1455 });
  const b = Deno.listen({ hostname: "127.0.0.1", port: 1457 });
  try {
    await withSetup(async ({ authFile, browserLog, issuer, env }) => {
      const pi = spawnPi(["login"], { ...env, BROWSER_STOP_AT_CALLBACK: "1" }, { stdin: "piped" });
      try {
        const hop = await waitFor("the callback URL", async () => {
          const hops = await readHops(browserLog);
          return hops.find((h) => h.note === "stopped");
        });
        await pi.waitStderr(/Port 1455 already in use/);
        await pi.write(`\n${hop.url}\n`);
        const result = await pi.done;
        assert.equal(result.code, 0, result.stderr);
        assert.match(result.stderr, /^Port 1455 already in use/m);
        assert.equal(
          issuer.tokenCalls[0].params.redirect_uri,
          "http://localhost:1455/auth/callback",
        );
        assert.equal((await readAuth(authFile))["openai-codex"].accountId, TEST_ACCOUNT_ID);
        assertNoTokens(result.stdout + result.stderr, issuer);
      } finally {
        await pi.closeStdin();
        await pi.done;
      }
    });
  } finally {
    a.close();
    b.close();
  }
});

Deno.test("pi login: 1455 held by something that ignores /cancel → the login completes on 1457", async () => {
  let cancelRequests = 0;
  const holder = Deno.serve({ hostname: "127.0.0.1", port: 1455, onListen() {} }, (req) => {
    if (new URL(req.url).pathname === "/cancel") cancelRequests++;
    return new Response("some other tool", { status: 200 });
  });
  try {
    await withSetup(async ({ authFile, browserLog, issuer, env }) => {
      const result = await runPi(["login", "openai-codex"], env);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(cancelRequests, 1);
      assert.equal(issuer.tokenCalls[0].params.redirect_uri, "http://localhost:1457/auth/callback");
      const callback = (await readHops(browserLog)).find((h) => h.note === "callback")!;
      assert.match(callback.url, /^http:\/\/localhost:1457\//);
      assert.equal((await readAuth(authFile))["openai-codex"].accountId, TEST_ACCOUNT_ID);
    });
  } finally {
    await holder.shutdown();
  }
});

Deno.test("pi login: a waiting login is cancelled by a second one, which completes on 1455", async () => {
  await withSetup(async ({ authFile, browserLog, issuer, env }) => {
    // The first login's "browser" does nothing; its stdin is closed (EOF does not cancel).
    const first = spawnPi(["login", "openai-codex"], { ...env, BROWSER: "true" }, {
      stdin: "null",
    });
    try {
      await first.waitStderr(/pi is waiting on http:\/\/localhost:1455\/auth\/callback/);
      const second = await runPi(["login", "openai-codex"], env);
      const firstResult = await first.done;
      assert.equal(firstResult.code, 1);
      assert.match(firstResult.stderr, /^pi: Login cancelled/m);
      assert.equal(second.code, 0, second.stderr);
      const callback = (await readHops(browserLog)).find((h) => h.note === "callback")!;
      assert.match(callback.url, /^http:\/\/localhost:1455\//);
      assert.equal((await readAuth(authFile))["openai-codex"].accountId, TEST_ACCOUNT_ID);
      assert.deepEqual(issuer.problems, []);
    } finally {
      kill(first.child);
      await first.done;
    }
  });
});

Deno.test("pi login: a pasted URL with the wrong state is said and asked again; stdin ending then exits 1, nothing written", async () => {
  const held = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (held.addr as Deno.NetAddr).port;
  try {
    await withSetup(async ({ authFile, issuer, env }) => {
      const pi = spawnPi(
        ["login"],
        { ...env, BROWSER: "true", PI_OAUTH_CALLBACK_PORT: String(port) },
        { stdin: "piped" },
      );
      try {
        await pi.waitStderr(new RegExp(`Port ${port} already in use`));
        await pi.write(`http://localhost:${port}/auth/callback?code=stolen&state=not-this-login\n`);
        await pi.waitStderr(/^State mismatch: the pasted URL is not from this login; /m);
        await pi.closeStdin(); // nothing else can complete this login now
        const result = await pi.done;
        assert.equal(result.code, 1);
        assert.match(result.stderr, /^pi: stdin ended without a redirect URL or code/m);
        assert.equal(issuer.tokenCalls.length, 0);
        assert.equal(await exists(authFile), false);
      } finally {
        await pi.closeStdin();
        await pi.done;
      }
    });
  } finally {
    held.close();
  }
});

Deno.test("pi login: a wrong-state callback gets 400 and the real one afterwards completes", async () => {
  await withSetup(async ({ authFile, browserLog, env }) => {
    const port = freePort();
    const result = await runPi(["login", "openai-codex"], {
      ...env,
      BROWSER_WRONG_STATE: "1",
      PI_OAUTH_CALLBACK_PORT: String(port),
    });
    assert.equal(result.code, 0, result.stderr);
    const hops = await readHops(browserLog);
    assert.deepEqual(hops.filter((h) => h.note).map((h) => [h.note, h.status]), [
      ["wrong-state", 400],
      ["callback", 200],
    ]);
    assert.match(hops.find((h) => h.note === "callback")!.url, new RegExp(`:${port}/`));
    assert.equal((await readAuth(authFile))["openai-codex"].type, "oauth");
  });
});

Deno.test("pi login --no-browser prints the URL to stderr and opens nothing", async () => {
  await withSetup(async ({ dir, authFile, env }) => {
    const marker = `${dir}/browser-was-run`;
    const pi = spawnPi(
      ["login", "--no-browser"],
      { ...env, BROWSER: `touch ${marker}`, PI_OAUTH_CALLBACK_PORT: String(freePort()) },
      { stdin: "null" },
    );
    try {
      await pi.waitStderr(/pi is waiting on/);
      const url = pi.stderr().match(/^\s+(http:\/\/127\.0\.0\.1:\d+\/oauth\/authorize\?\S+)$/m)
        ?.[1];
      assert.ok(url, pi.stderr());
      assert.equal(pi.stdout(), "");
      // The user opens it somewhere else (here: the test follows it).
      const { follow } = await import("../fixtures/browser_follow.ts");
      await follow(url);
      const result = await pi.done;
      assert.equal(result.code, 0, result.stderr);
      assert.equal(await exists(marker), false);
      assert.equal((await readAuth(authFile))["openai-codex"].type, "oauth");
    } finally {
      kill(pi.child);
      await pi.done;
    }
  });
});

Deno.test("pi login --device: code and URL shown, polling, credential saved", async () => {
  await withSetup(async ({ authFile, issuer, env }) => {
    const result = await runPi(["login", "openai-codex", "--device"], env);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /ABCD-EFGH/);
    assert.ok(result.stderr.includes(`${issuer.url}/codex/device`));
    assert.deepEqual(issuer.problems, []);
    assert.equal((await readAuth(authFile))["openai-codex"].accountId, TEST_ACCOUNT_ID);
    assertNoTokens(result.stdout + result.stderr, issuer);
  });
});

Deno.test("pi login --from-codex imports $CODEX_HOME/auth.json without a browser", async () => {
  await withSetup(async ({ dir, authFile, issuer, env }) => {
    const codexHome = `${dir}/codex`;
    await Deno.mkdir(codexHome);
    const access = makeAccessToken({ accountId: "acct-from-codex", email: "c@example.com" });
    await Deno.writeTextFile(
      `${codexHome}/auth.json`,
      JSON.stringify({
        OPENAI_API_KEY: null,
        tokens: {
          id_token: makeAccessToken(),
          access_token: access,
          refresh_token: "rt-codex-refresh",
          account_id: "acct-from-codex",
        },
        last_refresh: "2026-01-01T00:00:00Z",
      }),
    );
    const result = await runPi(["login", "--from-codex"], { ...env, CODEX_HOME: codexHome });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /as c@example\.com/);
    const entry = (await readAuth(authFile))["openai-codex"];
    assert.equal(entry.type, "oauth");
    assert.equal(entry.access, access);
    assert.equal(entry.refresh, "rt-codex-refresh");
    assert.equal(entry.accountId, "acct-from-codex");
    assert.equal(typeof entry.expires, "number");
    assert.deepEqual(issuer.log, []); // no network
    assert.equal((await Deno.stat(authFile)).mode! & 0o777, 0o600);

    const missing = await runPi(["login", "--from-codex"], { ...env, CODEX_HOME: `${dir}/none` });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /No Codex CLI login found/);
  });
});

Deno.test("pi logout removes only that provider and revokes its token; auth status --json has no token", async () => {
  await withSetup(async ({ authFile, issuer, env }) => {
    const login = await runPi(["login", "openai-codex"], {
      ...env,
      PI_OAUTH_CALLBACK_PORT: String(freePort()),
    });
    assert.equal(login.code, 0, login.stderr);
    const auth = await readAuth(authFile);
    auth.anthropic = { type: "api_key", key: "sk-ant-test-key-123456" };
    auth["some-tool"] = { type: "custom", keep: "me" };
    await Deno.writeTextFile(authFile, JSON.stringify(auth), { mode: 0o600 });

    const jwtEnv = makeAccessToken({ accountId: "acct-env" });
    const status = await runPi(["auth", "status", "--json"], { ...env, OPENAI_API_KEY: jwtEnv });
    assert.equal(status.code, 0, status.stderr);
    const parsed = JSON.parse(status.stdout);
    const codex = parsed.providers.find((p: { id: string }) => p.id === "openai-codex");
    assert.equal(codex.loggedIn, true);
    assert.equal(codex.source, "oauth");
    assert.equal(codex.accountId, TEST_ACCOUNT_ID);
    assert.equal(codex.email, TEST_EMAIL);
    assert.equal(codex.plan, "pro");
    assert.match(codex.expiresIn, /^in (59|60) minutes$|^in 1 hour$/);
    const anthropic = parsed.providers.find((p: { id: string }) => p.id === "anthropic");
    assert.equal(anthropic.source, "api_key");
    const openai = parsed.providers.find((p: { id: string }) => p.id === "openai");
    assert.equal(openai.source, "env");
    assertNoTokens(status.stdout + status.stderr, issuer);
    assert.ok(!status.stdout.includes("sk-ant-test-key-123456"));
    assert.ok(!status.stdout.includes(jwtEnv.split(".")[1]));
    const text = await runPi(["auth", "status"], env);
    assert.match(text.stdout, /openai-codex\s+logged in \(OAuth\), ada@example\.com, plan pro/);
    assertNoTokens(text.stdout, issuer);

    const refresh = issuer.issued[0].refresh;
    const logout = await runPi(["logout", "openai-codex"], env);
    assert.equal(logout.code, 0, logout.stderr);
    assert.match(
      logout.stdout,
      /Logged out of ChatGPT Plus\/Pro \(Codex Subscription\) \(token revoked\)/,
    );
    assert.deepEqual(issuer.revokeCalls, [{
      token: refresh,
      token_type_hint: "refresh_token",
      client_id: "app_EMoamEEZ73f0CkXaXp7hrann",
    }]);
    const after = await readAuth(authFile);
    assert.deepEqual(Object.keys(after).sort(), ["anthropic", "some-tool"]);
    assert.deepEqual(after["some-tool"], { type: "custom", keep: "me" });
    assertNoTokens(logout.stdout + logout.stderr, issuer);
  });
});

Deno.test("pi logout says when revocation failed, and removes the credential anyway", async () => {
  await withSetup(async ({ agentDir, authFile, env }) => {
    await Deno.mkdir(agentDir, { recursive: true, mode: 0o700 });
    await Deno.writeTextFile(
      authFile,
      JSON.stringify({
        "openai-codex": {
          type: "oauth",
          access: makeAccessToken(),
          refresh: "rt-dead-refresh",
          expires: Date.now() + 3600_000,
          accountId: "a",
        },
      }),
      { mode: 0o600 },
    );
    const down = `http://127.0.0.1:${freePort()}`;
    const result = await runPi(["logout"], { ...env, PI_OPENAI_CODEX_ISSUER: down });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /revoking the token failed/);
    assert.deepEqual(await readAuth(authFile), {});
  });
});

Deno.test("pi logout --all removes every entry (revoking OAuth tokens)", async () => {
  await withSetup(async ({ agentDir, authFile, issuer, env }) => {
    await Deno.mkdir(agentDir, { recursive: true, mode: 0o700 });
    await Deno.writeTextFile(
      authFile,
      JSON.stringify({
        "openai-codex": {
          type: "oauth",
          access: makeAccessToken(),
          refresh: "rt-all-refresh",
          expires: Date.now() + 3600_000,
        },
        anthropic: { type: "api_key", key: "sk-ant-xxxxxxxxxx" },
      }),
      { mode: 0o600 },
    );
    const several = await runPi(["logout"], env);
    assert.equal(several.code, 2);
    assert.match(several.stderr, /Several providers/);
    const result = await runPi(["logout", "--all"], env);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(await readAuth(authFile), {});
    assert.equal(issuer.revokeCalls.length, 1);
    assert.equal(issuer.revokeCalls[0].token, "rt-all-refresh");
    const none = await runPi(["logout"], env);
    assert.equal(none.code, 0);
    assert.match(none.stdout, /Not logged in/);
  });
});

Deno.test("pi login nope is a usage error listing the known providers", async () => {
  await withSetup(async ({ env }) => {
    const result = await runPi(["login", "nope"], env);
    assert.equal(result.code, 2);
    assert.match(
      result.stderr,
      /Unknown provider: nope \(known: openai-codex, anthropic, openai\)/,
    );
  });
});

Deno.test("Ctrl+C during a waiting login exits 130 and frees the port", async () => {
  await withSetup(async ({ authFile, env }) => {
    const port = freePort();
    const pi = spawnPi(
      ["login"],
      { ...env, BROWSER: "true", PI_OAUTH_CALLBACK_PORT: String(port) },
      { stdin: "null" },
    );
    try {
      await pi.waitStderr(/pi is waiting on/);
      pi.child.kill("SIGINT");
      const result = await pi.done;
      assert.equal(result.code, 130);
      assert.equal(await exists(authFile), false);
      Deno.listen({ hostname: "127.0.0.1", port }).close();
    } finally {
      kill(pi.child);
      await pi.done;
    }
  });
});

Deno.test({
  name:
    "pi login in a terminal: a provider menu, then the URL and a paste prompt; the callback wins",
  ignore: !HAS_TMUX,
  fn: async () => {
    await withSetup(async ({ dir, authFile, env }) => {
      const port = freePort();
      const pane = await TmuxPane.start(
        dir,
        { ...env, BROWSER: "true", PI_OAUTH_CALLBACK_PORT: String(port) },
        ["login"],
        { width: 100, height: 30, term: null, join: true },
      );
      try {
        await pane.waitFor(/ChatGPT Plus\/Pro \(Codex Subscription\)/);
        await pane.keys("Enter");
        const authorize = /http:\/\/127\.0\.0\.1:\d+\/oauth\/authorize\?\S+/;
        const url = (await pane.waitFor(authorize)).match(authorize)![0];
        await pane.waitFor(/paste the redirect URL/);
        const { follow } = await import("../fixtures/browser_follow.ts");
        await follow(url);
        assert.equal(await pane.exitCode(), 0, await pane.screen());
        const text = await pane.screen();
        assert.match(
          text,
          /Logged in to ChatGPT Plus\/Pro \(Codex Subscription\) as ada@example\.com/,
        );
        assert.doesNotMatch(text, /paste the redirect URL/); // the prompt line was cleared
        assert.equal((await readAuth(authFile))["openai-codex"].type, "oauth");
      } finally {
        await pane.kill();
      }
    });
  },
});

Deno.test({
  name:
    "pi login at 80 columns with 1455 and 1457 held: 'Port 1455 already in use' and the URL unbroken",
  ignore: !HAS_TMUX,
  fn: async () => {
    const a = Deno.listen({ hostname: "127.0.0.1", port: 1455 });
    const b = Deno.listen({ hostname: "127.0.0.1", port: 1457 });
    try {
      await withSetup(async ({ dir, env }) => {
        const { pane, raw } = await recordedPane(dir, { ...env, BROWSER: "true" }, [
          "login",
          "openai-codex",
        ]);
        try {
          await pane.waitFor(/^> $/m);
          const out = await raw();
          assertWhole(
            out,
            "Port 1455 already in use (and 1457): finish the login by pasting the URL the browser ends on",
            "the busy-port line",
          );
          const url = authorizeUrl(out);
          assertWhole(out, `  ${url}`, "the URL");
          assert.match(await pane.screen(), new RegExp(`^  ${RegExp.escape(url)}$`, "m"));
          await pane.keys("C-c");
          assert.equal(await pane.exitCode(), 130);
        } finally {
          await pane.kill();
        }
      });
    } finally {
      a.close();
      b.close();
    }
  },
});
