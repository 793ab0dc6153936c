/**
 * The paste prompt of a browser login, through the library (`loginOpenAICodex` and
 * `AuthStorage.login` with `onPrompt` callbacks), against the fake issuer on a pinned port:
 * an empty answer is asked again; a text without a code, another login's `state` or a code
 * the issuer refuses is said in one line and asked again while the callback server keeps
 * waiting; the login ends on success, on the issuer's refusal, or when nothing can
 * complete it any more.
 */
import assert from "node:assert/strict";
import { AuthStorage, type Deps } from "../mod.ts";
import { isPiError } from "../src/errors.ts";
import { loginOpenAICodex, MAX_PASTE_ATTEMPTS } from "../src/auth/openai_codex_login.ts";
import type { LoginCallbacks } from "../src/auth/types.ts";
import { follow, type Hop } from "./fixtures/browser_follow.ts";
import {
  type FakeIssuer,
  freePort,
  startFakeIssuer,
  TEST_ACCOUNT_ID,
} from "./fixtures/fake_oauth_issuer.ts";

function testDeps(issuer: FakeIssuer, port: number, dir = "/nonexistent"): Deps {
  const env: Record<string, string> = {
    PI_OPENAI_CODEX_ISSUER: issuer.url,
    PI_OAUTH_CALLBACK_PORT: String(port),
  };
  const silent = { write() {}, isTerminal: () => false };
  return {
    fetch: (input, init) => fetch(input, init),
    now: () => Date.now(),
    randomBytes: (n) => crypto.getRandomValues(new Uint8Array(n)),
    env: (name) => env[name],
    agentDir: dir,
    homeDir: dir,
    openUrl: () => Promise.resolve(true), // "opened": the tests follow the URL themselves
    stdout: silent,
    stderr: silent,
    stdin: { isTerminal: () => false, readable: new ReadableStream() },
  };
}

/** A prompt that waits until the login no longer needs it. */
const pending: LoginCallbacks["onPrompt"] = ({ signal }) =>
  new Promise((_, reject) => signal?.addEventListener("abort", () => reject(signal.reason)));

/** Another login's redirect URL (its state is not this login's). */
const otherLogin = (port: number) =>
  `http://localhost:${port}/auth/callback?code=stolen&state=not-this-login`;

/** The callback URL of `url` (the authorize URL), as a user copies it from the address bar. */
async function redirectOf(url: string): Promise<string> {
  const hops: Hop[] = await follow(url, { stopAtCallback: true });
  return hops.at(-1)!.url;
}

/** A login that hangs fails in 20 s rather than at the 5-minute limit. */
const LIMIT = { timeoutMs: 20_000 };

Deno.test("paste with a callback server waiting: empty, a typo and another login's URL are each asked again; the browser then completes", async () => {
  const issuer = startFakeIssuer();
  const port = freePort();
  const prompts: string[] = [];
  const progress: string[] = [];
  let url = "";
  let browsing: Promise<unknown> = Promise.resolve();
  const answers = ["", "   ", "hello world", otherLogin(port)];
  try {
    const credential = await loginOpenAICodex(
      {
        onAuth: (info) => url = info.url,
        onProgress: (m) => progress.push(m),
        onPrompt(prompt) {
          prompts.push(prompt.message);
          const answer = answers.shift();
          if (answer !== undefined) return Promise.resolve(answer);
          // Every answer so far was unusable: the callback server still waits for the browser.
          browsing = follow(url);
          return pending(prompt);
        },
      },
      testDeps(issuer, port),
      LIMIT,
    );
    await browsing;
    assert.equal(credential.accountId, TEST_ACCOUNT_ID);
    assert.equal(prompts.length, 5);
    assert.ok(
      prompts.every((m) => m === "Or paste the redirect URL (or code) here"),
      prompts.join(),
    );
    const said = progress.filter((m) => !m.startsWith("Exchanging"));
    assert.deepEqual(said.map((m) => m.split(/[;:]/)[0]), [
      'No authorization code in the pasted text "hello world"',
      "State mismatch",
    ]);
    assert.ok(said.every((m) => !m.includes("\n")));
    assert.equal(issuer.tokenCalls.length, 1); // the browser's code only
    assert.deepEqual(issuer.problems, []);
  } finally {
    await browsing.catch(() => {});
    await issuer.close();
  }
});

Deno.test("AuthStorage.login, port busy: empty, garbage, another login's URL and a refused code are asked again via onPrompt; the right URL logs in", async () => {
  const dir = await Deno.makeTempDir();
  const issuer = startFakeIssuer();
  const held = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (held.addr as Deno.NetAddr).port;
  const prompts: string[] = [];
  let url = "";
  try {
    const storage = new AuthStorage(`${dir}/auth.json`, { deps: testDeps(issuer, port, dir) });
    let step = 0;
    const credential = await storage.login("openai-codex", {
      onAuth: (info) => url = info.url,
      // No onProgress: what was wrong comes with the next question.
      async onPrompt({ message }) {
        prompts.push(message);
        switch (step++) {
          case 0:
            return "";
          case 1:
            return "not a url at all";
          case 2:
            return otherLogin(port);
          case 3:
            return "a-mistyped-code";
          default:
            return await redirectOf(url);
        }
      },
    });
    assert.equal(credential.accountId, TEST_ACCOUNT_ID);
    assert.equal(prompts.length, 5);
    const question = "Paste the URL the browser ends on (or the code)";
    assert.equal(prompts[0], question);
    assert.equal(prompts[1], question); // the empty answer: asked again, nothing to say
    assert.match(prompts[2], /^No authorization code in the pasted text "not a url at all";/);
    assert.match(prompts[3], /^State mismatch: the pasted URL is not from this login;/);
    assert.match(prompts[4], /^The pasted code did not log in: Token exchange failed: HTTP 400/);
    for (const p of prompts.slice(2)) assert.ok(p.endsWith(`. ${question}`), p);
    // The refused code was tried once; the right one logged in.
    assert.deepEqual(issuer.tokenCalls.map((c) => c.params.code === "a-mistyped-code"), [
      true,
      false,
    ]);
    storage.reload();
    assert.equal(await storage.getApiKey("openai-codex"), issuer.issued[0].access);
  } finally {
    held.close();
    await issuer.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("port busy: another login's URL is said, then stdin closing ends the login (nothing else can complete it)", async () => {
  const issuer = startFakeIssuer();
  const held = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (held.addr as Deno.NetAddr).port;
  const progress: string[] = [];
  let asked = 0;
  try {
    await assert.rejects(
      loginOpenAICodex({
        onAuth() {},
        onProgress: (m) => progress.push(m),
        onPrompt() {
          asked++;
          return asked === 1
            ? Promise.resolve(otherLogin(port))
            : Promise.reject(new Error("stdin ended"));
        },
      }, testDeps(issuer, port)),
      /stdin ended/,
    );
    assert.equal(asked, 2);
    assert.ok(progress.some((m) => m.startsWith("State mismatch")), progress.join("\n"));
    assert.equal(issuer.tokenCalls.length, 0);
  } finally {
    held.close();
    await issuer.close();
  }
});

Deno.test("a pasted URL where the issuer refused this login (its state) ends the login", async () => {
  const issuer = startFakeIssuer();
  const held = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (held.addr as Deno.NetAddr).port;
  let url = "";
  try {
    await assert.rejects(
      loginOpenAICodex({
        onAuth: (info) => url = info.url,
        onPrompt: () => {
          const state = new URL(url).searchParams.get("state")!;
          return Promise.resolve(
            `http://localhost:${port}/auth/callback?error=access_denied&state=${state}`,
          );
        },
      }, testDeps(issuer, port)),
      (err) => isPiError(err, "auth.login_failed") && /access_denied/.test(err.message),
    );
    assert.equal(issuer.tokenCalls.length, 0);
  } finally {
    held.close();
    await issuer.close();
  }
});

Deno.test("an onPrompt that answers '' at once, forever, gives up after MAX_PASTE_ATTEMPTS instead of spinning", async () => {
  const issuer = startFakeIssuer();
  const held = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (held.addr as Deno.NetAddr).port;
  let asked = 0;
  try {
    await assert.rejects(
      loginOpenAICodex({
        onAuth() {},
        onPrompt: () => {
          asked++;
          return Promise.resolve("");
        },
      }, testDeps(issuer, port)),
      (err) => isPiError(err, "auth.login_failed") && /No code was entered/.test(err.message),
    );
    assert.equal(asked, MAX_PASTE_ATTEMPTS);
  } finally {
    held.close();
    await issuer.close();
  }
});
