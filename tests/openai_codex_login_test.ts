import assert from "node:assert/strict";
import type { Deps } from "../src/deps.ts";
import { isPiError } from "../src/errors.ts";
import { loginOpenAICodex, parseCallbackPort } from "../src/auth/openai_codex_login.ts";
import type { LoginCallbacks } from "../src/auth/types.ts";
import { follow, type Hop } from "./fixtures/browser_follow.ts";
import {
  type FakeIssuer,
  freePort,
  startFakeIssuer,
  TEST_ACCOUNT_ID,
} from "./fixtures/fake_oauth_issuer.ts";

function testDeps(issuer: FakeIssuer, over: Partial<Deps> = {}): Deps {
  const env: Record<string, string> = {
    PI_OPENAI_CODEX_ISSUER: issuer.url,
    PI_OAUTH_CALLBACK_PORT: String(freePort()),
  };
  const silent = { write() {}, isTerminal: () => false };
  return {
    fetch: (input, init) => fetch(input, init),
    now: () => Date.now(),
    randomBytes: (n) => crypto.getRandomValues(new Uint8Array(n)),
    env: (name) => env[name],
    agentDir: "/nonexistent",
    homeDir: "/nonexistent",
    openUrl: () => Promise.resolve(false),
    stdout: silent,
    stderr: silent,
    stdin: { isTerminal: () => false, readable: new ReadableStream() },
    ...over,
  };
}

/** A browser that follows the URL in the background; hops land in `hops`. */
function browser(hops: Hop[], options: Parameters<typeof follow>[1] = {}) {
  const done: Promise<unknown>[] = [];
  let opened!: () => void;
  const wasOpened = new Promise<void>((resolve) => opened = resolve);
  return {
    openUrl(url: string) {
      done.push(follow(url, { ...options, onHop: (h) => hops.push(h) }).catch((e) => e));
      opened();
      return Promise.resolve(true);
    },
    settled: () => Promise.all(done),
    /**
     * A user who pastes what the browser ends on waits for it: it was started (the paste
     * prompt opens before it is), and it has got there.
     */
    finished: async () => {
      await wasOpened;
      await Promise.all(done);
    },
  };
}

const pendingPrompt: LoginCallbacks["onPrompt"] = ({ signal }) =>
  new Promise((_, reject) => signal?.addEventListener("abort", () => reject(signal.reason)));

Deno.test("browser login against the fake issuer: every parameter, PKCE, credential", async () => {
  const issuer = startFakeIssuer();
  const hops: Hop[] = [];
  const b = browser(hops);
  let auth: { url: string; instructions?: string } | undefined;
  let promptAborted = false;
  try {
    const credential = await loginOpenAICodex({
      onAuth: (info) => auth = info,
      onPrompt: (p) =>
        new Promise((_, reject) =>
          p.signal?.addEventListener("abort", () => {
            promptAborted = true;
            reject(p.signal!.reason);
          })
        ),
    }, testDeps(issuer, { openUrl: b.openUrl }));
    await b.settled();
    assert.deepEqual(issuer.problems, []);
    assert.equal(credential.type, "oauth");
    assert.equal(credential.access, issuer.issued[0].access);
    assert.equal(credential.refresh, issuer.issued[0].refresh);
    assert.equal(credential.accountId, TEST_ACCOUNT_ID);
    assert.ok(Math.abs(credential.expires - (Date.now() + 3600_000)) < 60_000);
    assert.ok(auth?.url.startsWith(`${issuer.url}/oauth/authorize?`));
    assert.ok(promptAborted, "the paste prompt is cancelled when the callback wins");
    assert.deepEqual(issuer.log, ["GET /oauth/authorize", "POST /oauth/token"]);
    assert.equal(hops.at(-1)?.status, 200);
  } finally {
    await b.settled();
    await issuer.close();
  }
});

Deno.test("a wrong-state callback gets 400 and the real one still completes", async () => {
  const issuer = startFakeIssuer();
  const hops: Hop[] = [];
  const b = browser(hops, { wrongStateFirst: true });
  try {
    const credential = await loginOpenAICodex(
      { onAuth() {}, onPrompt: pendingPrompt },
      testDeps(issuer, { openUrl: b.openUrl }),
    );
    await b.settled();
    assert.deepEqual(hops.filter((h) => h.note).map((h) => [h.note, h.status]), [
      ["wrong-state", 400],
      ["callback", 200],
    ]);
    assert.equal(credential.accountId, TEST_ACCOUNT_ID);
    assert.deepEqual(issuer.problems, []);
  } finally {
    await b.settled();
    await issuer.close();
  }
});

Deno.test("pinned port busy → 'Port N already in use' → the pasted URL completes the login", async () => {
  const issuer = startFakeIssuer();
  const held = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (held.addr as Deno.NetAddr).port;
  const hops: Hop[] = [];
  const b = browser(hops, { stopAtCallback: true });
  const progress: string[] = [];
  try {
    const deps = testDeps(issuer, { openUrl: b.openUrl });
    const credential = await loginOpenAICodex({
      onAuth() {},
      onProgress: (m) => progress.push(m),
      async onPrompt() {
        await b.finished();
        return hops.at(-1)!.url; // what the user copies from the address bar
      },
    }, { ...deps, env: (n) => n === "PI_OAUTH_CALLBACK_PORT" ? String(port) : deps.env(n) });
    assert.ok(progress.some((m) => m.startsWith(`Port ${port} already in use`)), progress.join());
    assert.equal(credential.accountId, TEST_ACCOUNT_ID);
    assert.deepEqual(issuer.problems, []);
  } finally {
    held.close();
    await b.settled();
    await issuer.close();
  }
});

Deno.test("a pasted URL with another login's state is refused before any token request", async () => {
  const issuer = startFakeIssuer();
  const held = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    await assert.rejects(
      loginOpenAICodex(
        {
          onAuth() {},
          onPrompt: () =>
            Promise.resolve("http://localhost:1455/auth/callback?code=stolen&state=other"),
        },
        testDeps(issuer),
        { callbackPort: (held.addr as Deno.NetAddr).port },
      ),
      (err) => isPiError(err, "auth.state_mismatch"),
    );
    assert.equal(issuer.tokenCalls.length, 0);
  } finally {
    held.close();
    await issuer.close();
  }
});

Deno.test("the paste wins the race while the callback server waits", async () => {
  const issuer = startFakeIssuer();
  const hops: Hop[] = [];
  const b = browser(hops, { stopAtCallback: true });
  try {
    const credential = await loginOpenAICodex({
      onAuth() {},
      async onPrompt() {
        await b.finished();
        const callback = new URL(hops.at(-1)!.url);
        return `${callback.searchParams.get("code")}#${callback.searchParams.get("state")}`;
      },
    }, testDeps(issuer, { openUrl: b.openUrl }));
    assert.equal(credential.accountId, TEST_ACCOUNT_ID);
  } finally {
    await b.settled();
    await issuer.close();
  }
});

Deno.test("a prompt that fails (stdin closed) does not cancel a browser login", async () => {
  const issuer = startFakeIssuer();
  const hops: Hop[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => release = r);
  const b = browser(hops);
  try {
    const credential = await loginOpenAICodex(
      {
        onAuth() {},
        onPrompt: () => {
          release();
          return Promise.reject(new Error("stdin closed"));
        },
      },
      testDeps(issuer, {
        openUrl: (url) => {
          gate.then(() => b.openUrl(url)); // the browser arrives after the prompt has failed
          return Promise.resolve(true);
        },
      }),
    );
    assert.equal(credential.accountId, TEST_ACCOUNT_ID);
  } finally {
    await b.settled();
    await issuer.close();
  }
});

Deno.test("GET /cancel ends a waiting login with 'Login cancelled'", async () => {
  const issuer = startFakeIssuer();
  const port = freePort();
  try {
    const deps = testDeps(issuer);
    await assert.rejects(
      loginOpenAICodex(
        {
          onAuth() {
            setTimeout(
              () => fetch(`http://127.0.0.1:${port}/cancel`).then((r) => r.body?.cancel()),
              50,
            );
          },
          onPrompt: pendingPrompt,
        },
        deps,
        { callbackPort: port },
      ),
      (err) => isPiError(err, "auth.login_cancelled") && err.message === "Login cancelled",
    );
    Deno.listen({ hostname: "127.0.0.1", port }).close(); // freed
  } finally {
    await issuer.close();
  }
});

Deno.test("the login gives up after its time limit, and Ctrl+C interrupts it", async () => {
  const issuer = startFakeIssuer();
  try {
    await assert.rejects(
      loginOpenAICodex({ onAuth() {}, onPrompt: pendingPrompt }, testDeps(issuer), {
        timeoutMs: 150,
      }),
      (err) => isPiError(err, "auth.login_timeout") && /timed out/.test(err.message),
    );
    const controller = new AbortController();
    await assert.rejects(
      loginOpenAICodex({
        onAuth: () => setTimeout(() => controller.abort(), 50),
        onPrompt: pendingPrompt,
        signal: controller.signal,
      }, testDeps(issuer)),
      (err) => isPiError(err, "interrupted"),
    );
    assert.equal(issuer.tokenCalls.length, 0);
  } finally {
    await issuer.close();
  }
});

Deno.test("device login: code shown, 403 = pending, exchange with the device redirect URI", async () => {
  const issuer = startFakeIssuer({ devicePending: 1 });
  let shown: { userCode: string; verificationUrl: string } | undefined;
  try {
    const credential = await loginOpenAICodex(
      {
        onAuth() {},
        onPrompt: pendingPrompt,
        onDeviceCode: (info) => shown = info,
      },
      testDeps(issuer),
      { device: true },
    );
    assert.deepEqual(shown, {
      userCode: "ABCD-EFGH",
      verificationUrl: `${issuer.url}/codex/device`,
    });
    assert.equal(credential.accountId, TEST_ACCOUNT_ID);
    assert.equal(issuer.tokenCalls[0].params.redirect_uri, `${issuer.url}/deviceauth/callback`);
    assert.deepEqual(issuer.problems, []);
    assert.deepEqual(issuer.log, [
      "POST /api/accounts/deviceauth/usercode",
      "POST /api/accounts/deviceauth/token",
      "POST /api/accounts/deviceauth/token",
      "POST /oauth/token",
    ]);
  } finally {
    await issuer.close();
  }
});

Deno.test("parseCallbackPort", () => {
  assert.equal(parseCallbackPort(undefined), undefined);
  assert.equal(parseCallbackPort(""), undefined);
  assert.equal(parseCallbackPort("1457"), 1457);
  assert.throws(() => parseCallbackPort("abc"), (e) => isPiError(e, "usage"));
  assert.throws(() => parseCallbackPort("70000"), (e) => isPiError(e, "usage"));
});

Deno.test("stdin ending while the browser is still being started ends the login with that error, once (not as an unhandled rejection)", async () => {
  const issuer = startFakeIssuer();
  const held = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    await assert.rejects(
      loginOpenAICodex(
        {
          onAuth() {},
          onPrompt: () => Promise.reject(new Error("stdin ended")),
        },
        testDeps(issuer, {
          // A browser that takes a while to start: the prompt has failed by then.
          openUrl: () => new Promise((resolve) => setTimeout(() => resolve(true), 200)),
        }),
        { callbackPort: (held.addr as Deno.NetAddr).port },
      ),
      /stdin ended/,
    );
    assert.equal(issuer.tokenCalls.length, 0);
  } finally {
    held.close();
    await issuer.close();
  }
});

Deno.test("GET /cancel while the browser is still being started ends the login with 'Login cancelled'", async () => {
  const issuer = startFakeIssuer();
  const port = freePort();
  try {
    await assert.rejects(
      loginOpenAICodex(
        { onAuth() {}, onPrompt: pendingPrompt },
        testDeps(issuer, {
          // Another pi's login cancels this one while its browser is starting.
          openUrl: async () => {
            const r = await fetch(`http://127.0.0.1:${port}/cancel`);
            await r.body?.cancel();
            await new Promise((resolve) => setTimeout(resolve, 100));
            return true;
          },
        }),
        { callbackPort: port },
      ),
      (err) => isPiError(err, "auth.login_cancelled") && err.message === "Login cancelled",
    );
  } finally {
    await issuer.close();
  }
});
