/**
 * AuthStorage against the issue 15 findings, in process: other tools' entries, unknown
 * fields on every write, logout that writes before it revokes, the `invalid_grant`
 * re-read, and the redactor that follows auth.json as it changes.
 */

import assert from "node:assert/strict";
import { AuthStorage } from "../mod.ts";
import { createDeps, type Deps } from "../src/deps.ts";
import { isPiError } from "../src/errors.ts";
import { registerOAuthProvider } from "../src/auth/oauth_providers.ts";
import { isPiEntry, parseAuthFile } from "../src/auth/auth_storage.ts";
import type { OAuthCredential } from "../src/auth/types.ts";
import { secretRedactor, WatchedSecrets } from "../src/cli/secrets.ts";
import { PiError } from "../src/errors.ts";
import { withDir } from "./fixtures/auth_process.ts";

function testDeps(vars: Record<string, string> = {}, home = "/nonexistent"): Deps {
  return { ...createDeps(), env: (name) => vars[name], homeDir: home };
}

Deno.test("which entries pi reads: the four of the contract and openai-codex accounts", () => {
  for (
    const name of [
      "openai-codex",
      "anthropic",
      "openai",
      "openai-codex:work",
      "openai-codex:a.b-c_9",
    ]
  ) {
    assert.equal(isPiEntry(name), true, name);
  }
  for (
    const name of [
      "x-custom",
      "openai-codex:",
      "openai-codex:Work",
      "openai-codex:a b",
      "OpenAI",
      "google",
    ]
  ) {
    assert.equal(isPiEntry(name), false, name);
  }
  const path = "/x/auth.json";
  assert.deepEqual(parseAuthFile('{"x": 1, "y": {"type": "martian"}, "z": null}', path), {
    x: 1,
    y: { type: "martian" },
    z: null,
  });
  assert.throws(() => parseAuthFile('{"openai-codex": {"type": "martian"}}', path), (e: Error) => {
    assert.ok(isPiError(e, "auth.invalid_file"));
    assert.equal(
      e.message,
      'Invalid credentials file /x/auth.json: "openai-codex".type must be "oauth" or "api_key" (it is "martian")',
    );
    return true;
  });
  // A type that is not a plain word is not repeated.
  assert.throws(
    () => parseAuthFile(JSON.stringify({ openai: { type: "\u001b[31mred" } }), path),
    /"openai"\.type must be "oauth" or "api_key"$/,
  );
});

Deno.test("set keeps the unknown fields of the entry it replaces, and other tools' entries", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/auth.json`;
    await Deno.writeTextFile(
      path,
      JSON.stringify({
        "openai-codex": {
          type: "oauth",
          access: "old-access-0123456789",
          refresh: "old-refresh-0123456789",
          expires: 1,
          accountId: "old",
          editorPlugin: { keep: true },
        },
        "x-custom": { foo: 1 },
      }),
      { mode: 0o600 },
    );
    const storage = new AuthStorage(path, { deps: testDeps() });
    assert.deepEqual(storage.list(), ["openai-codex"]);
    await storage.set("openai-codex", {
      type: "oauth",
      access: "new-access-0123456789",
      refresh: "new-refresh-0123456789",
      expires: 2,
    });
    assert.deepEqual(JSON.parse(await Deno.readTextFile(path)), {
      "openai-codex": {
        editorPlugin: { keep: true },
        type: "oauth",
        access: "new-access-0123456789",
        refresh: "new-refresh-0123456789",
        expires: 2,
      },
      "x-custom": { foo: 1 },
    });
    // remove and has see credentials only: another tool's entry is not pi's to remove.
    assert.equal(storage.has("x-custom"), false);
    assert.equal(await storage.remove("x-custom"), false);
    assert.deepEqual(JSON.parse(await Deno.readTextFile(path))["x-custom"], { foo: 1 });
  });
});

Deno.test("logout removes the entry from the file before it revokes it", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/auth.json`;
    const seenAtRevoke: unknown[] = [];
    registerOAuthProvider({
      id: "test-logout-order",
      name: "Test",
      login: () => Promise.reject(new Error("unused")),
      refresh: () => Promise.reject(new Error("unused")),
      getApiKey: (c) => c.access,
      revoke: async () => {
        seenAtRevoke.push(JSON.parse(await Deno.readTextFile(path))["test-logout-order"]);
      },
    });
    await Deno.writeTextFile(
      path,
      JSON.stringify({
        "test-logout-order": {
          type: "oauth",
          access: "a-0123456789",
          refresh: "r-0123456789",
          expires: Date.now() + 3_600_000,
        },
      }),
      { mode: 0o600 },
    );
    const storage = new AuthStorage(path, { deps: testDeps() });
    assert.deepEqual(await storage.logout("test-logout-order"), {
      removed: true,
      revocation: "revoked",
    });
    assert.deepEqual(seenAtRevoke, [undefined], "the file no longer held it when revoked");
  });
});

Deno.test("a refresh refused after another writer changed the entry uses the new entry; unchanged fails", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/auth.json`;
    const stale = (refresh: string) => ({
      type: "oauth",
      access: `access-of-${refresh}`,
      refresh,
      expires: Date.now() - 120_000,
    });
    const calls: string[] = [];
    let rotateMeanwhile = true;
    registerOAuthProvider({
      id: "test-reread",
      name: "Test",
      login: () => Promise.reject(new Error("unused")),
      refresh: (credential: OAuthCredential) => {
        calls.push(credential.refresh);
        if (rotateMeanwhile) {
          Deno.writeTextFileSync(
            path,
            JSON.stringify({
              "test-reread": {
                ...stale("r2-0123456789"),
                access: "fresh-0123456789",
                expires: Date.now() + 3_600_000,
              },
            }),
          );
        }
        return Promise.reject(
          new PiError("auth.refresh_failed", "Failed to refresh: refresh_token_reused"),
        );
      },
      getApiKey: (c) => c.access,
    });
    await Deno.writeTextFile(path, JSON.stringify({ "test-reread": stale("r1-0123456789") }), {
      mode: 0o600,
    });
    const storage = new AuthStorage(path, { deps: testDeps() });
    assert.equal(await storage.getApiKey("test-reread"), "fresh-0123456789");
    assert.deepEqual(calls, ["r1-0123456789"]);

    rotateMeanwhile = false;
    await Deno.writeTextFile(path, JSON.stringify({ "test-reread": stale("r3-0123456789") }));
    const before = await Deno.readFile(path);
    const fresh = new AuthStorage(path, { deps: testDeps() });
    await assert.rejects(fresh.getApiKey("test-reread"), { code: "auth.refresh_failed" });
    assert.deepEqual(await Deno.readFile(path), before);
  });
});

Deno.test("the tool output redactor follows auth.json and Codex CLI's auth.json as they change", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/auth.json`;
    await Deno.mkdir(`${dir}/codex`);
    await Deno.writeTextFile(
      path,
      JSON.stringify({ openai: { type: "api_key", key: "sk-first-key-0001" } }),
    );
    const storage = new AuthStorage(path, { deps: testDeps() });
    storage.list(); // the process's first read
    const redact = secretRedactor(storage, testDeps({ CODEX_HOME: `${dir}/codex` }));
    assert.equal(redact("a sk-first-key-0001 b"), "a [redacted] b");
    await Deno.writeTextFile(
      path,
      JSON.stringify({
        openai: { type: "api_key", key: "sk-second-key-0002" },
        "x-custom": { apiToken: "custom-tool-token-3", note: "plain note" },
      }),
    );
    await Deno.writeTextFile(
      `${dir}/codex/auth.json`,
      JSON.stringify({ tokens: { refresh_token: "codex-refresh-0004" } }),
    );
    assert.equal(
      redact(
        "sk-second-key-0002 custom-tool-token-3 codex-refresh-0004 sk-first-key-0001 plain note",
      ),
      "[redacted] [redacted] [redacted] [redacted] plain note",
    );
  });
});

Deno.test("WatchedSecrets reads a file again only when it changed, and never opens a FIFO", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/secrets.json`;
    let reads = 0;
    const watched = new WatchedSecrets(path, (json) => {
      reads++;
      return [(json as { v: string }).v];
    });
    assert.deepEqual(watched.poll(), []); // absent
    await Deno.writeTextFile(path, '{"v": "value-0001"}');
    assert.deepEqual(watched.poll(), ["value-0001"]);
    assert.deepEqual(watched.poll(), []);
    assert.equal(reads, 1);
    await Deno.writeTextFile(`${path}.new`, '{"v": "value-00002"}');
    await Deno.rename(`${path}.new`, path);
    assert.deepEqual(watched.poll(), ["value-00002"]);
    await Deno.remove(path);
    assert.ok(new Deno.Command("mkfifo", { args: [path] }).outputSync().success);
    assert.deepEqual(watched.poll(), [], "a FIFO is not read (that would hang)");
  });
});
