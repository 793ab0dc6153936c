/** What a library user does: `authStorage.login("openai-codex", {onAuth, onPrompt})`. */
import assert from "node:assert/strict";
import { AuthStorage, type Deps } from "../mod.ts";
import { follow } from "./fixtures/browser_follow.ts";
import { freePort, startFakeIssuer, TEST_ACCOUNT_ID } from "./fixtures/fake_oauth_issuer.ts";

Deno.test("AuthStorage.login('openai-codex', {onAuth, onPrompt}) stores the credential (0600)", async () => {
  const dir = await Deno.makeTempDir();
  const issuer = startFakeIssuer();
  let browsing: Promise<unknown> = Promise.resolve();
  try {
    const env: Record<string, string> = {
      PI_OPENAI_CODEX_ISSUER: issuer.url,
      PI_OAUTH_CALLBACK_PORT: String(freePort()),
    };
    const silent = { write() {}, isTerminal: () => false };
    const deps: Deps = {
      fetch: (i, init) => fetch(i, init),
      now: () => Date.now(),
      randomBytes: (n) => crypto.getRandomValues(new Uint8Array(n)),
      env: (n) => env[n],
      agentDir: dir,
      homeDir: dir,
      openUrl: () => Promise.resolve(false), // no browser here: the user opens the URL
      stdout: silent,
      stderr: silent,
      stdin: { isTerminal: () => false, readable: new ReadableStream() },
    };
    const storage = new AuthStorage(`${dir}/auth.json`, { deps });
    const credential = await storage.login("openai-codex", {
      onAuth: ({ url }) => browsing = follow(url), // "the user opens the URL"
      onPrompt: ({ signal }) =>
        new Promise((_, reject) => signal?.addEventListener("abort", () => reject(signal.reason))),
    });
    await browsing;
    assert.equal(credential.accountId, TEST_ACCOUNT_ID);
    assert.equal((await Deno.stat(`${dir}/auth.json`)).mode! & 0o777, 0o600);
    storage.reload();
    assert.equal(await storage.getApiKey("openai-codex"), issuer.issued[0].access);
  } finally {
    await browsing.catch(() => {});
    await issuer.close();
    await Deno.remove(dir, { recursive: true });
  }
});
