/**
 * The refresh one AuthStorage shares among its callers (many requests of pi serve, a turn
 * and the model list): a caller that stops waiting (its signal aborts) does not stop it for
 * the others; it stops waiting for the lock only when no caller waits any more; a refresh
 * request already sent is finished and saved whoever stopped waiting.
 */
import assert from "node:assert/strict";
import { AuthStorage, refreshesSettled } from "../src/auth/auth_storage.ts";
import { createDeps, type Deps } from "../src/deps.ts";
import { PiError } from "../src/errors.ts";
import { type FakeIssuer, staleAuthFile, startFakeIssuer } from "./fixtures/auth_fake_issuer.ts";

const HOLD_LOCK = new URL("./fixtures/auth_hold_lock.ts", import.meta.url).pathname;

function issuerDeps(issuer: FakeIssuer): Deps {
  const vars: Record<string, string> = { PI_OPENAI_CODEX_ISSUER: issuer.url };
  return { ...createDeps(), env: (name) => vars[name] };
}

/** A stale openai-codex login in a temp dir, a fake issuer that accepts its refresh token. */
async function staleLogin(): Promise<{ dir: string; path: string; issuer: FakeIssuer }> {
  const dir = await Deno.makeTempDir({ prefix: "pi_shared_refresh_" });
  const path = `${dir}/auth.json`;
  const issuer = startFakeIssuer({ delayMs: 0 });
  const refresh = `refresh-token-${crypto.randomUUID()}`;
  issuer.reset(refresh);
  await Deno.writeTextFile(path, JSON.stringify(staleAuthFile(refresh)), { mode: 0o600 });
  return { dir, path, issuer };
}

/** Another process that holds the refresh lock until `release()`. */
async function holdLock(lockPath: string): Promise<{ release(): Promise<void> }> {
  const holder = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-config", HOLD_LOCK, lockPath],
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = holder.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const { value } = await reader.read();
  assert.equal(value?.trim(), "locked");
  reader.releaseLock();
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      holder.kill("SIGKILL");
      await holder.status;
      await holder.stdout.cancel().catch(() => {});
    },
  };
}

const gone = () => new PiError("api.aborted", "the client went away");

Deno.test("shared refresh: a caller that aborts while the lock is held elsewhere stops only its own wait; the refresh happens once for the others", async () => {
  const { dir, path, issuer } = await staleLogin();
  const holder = await holdLock(`${path}.lck`);
  try {
    const storage = new AuthStorage(path, { deps: issuerDeps(issuer) });
    const leaving = new AbortController();
    const first = storage.getApiKey("openai-codex", { signal: leaving.signal });
    const second = storage.getApiKey("openai-codex", { signal: new AbortController().signal });
    const third = storage.refresh("openai-codex");
    await new Promise((resolve) => setTimeout(resolve, 100)); // all three wait for the lock
    leaving.abort(gone());
    await assert.rejects(first, /the client went away/);
    await holder.release();
    assert.equal(await second, issuer.currentAccess);
    assert.equal(await third, issuer.currentAccess);
    assert.equal(issuer.refreshRequests, 1);
    const saved = JSON.parse(await Deno.readTextFile(path));
    assert.equal(saved["openai-codex"].refresh, issuer.currentRefresh);
  } finally {
    await holder.release();
    await issuer.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("shared refresh: once every caller aborts, the wait for the lock ends at once (Ctrl+C); a later caller refreshes", async () => {
  const { dir, path, issuer } = await staleLogin();
  const before = await Deno.readTextFile(path);
  const holder = await holdLock(`${path}.lck`);
  try {
    const storage = new AuthStorage(path, { deps: issuerDeps(issuer) });
    const a = new AbortController();
    const b = new AbortController();
    const first = storage.getApiKey("openai-codex", { signal: a.signal });
    const second = storage.getApiKey("openai-codex", { signal: b.signal });
    await new Promise((resolve) => setTimeout(resolve, 100));
    a.abort(gone());
    await assert.rejects(first, /the client went away/);
    const started = performance.now();
    b.abort(gone());
    await assert.rejects(second, /the client went away/);
    await refreshesSettled(); // what main.ts waits for before it exits on a signal
    assert.ok(performance.now() - started < 5_000, "not the 30 s lock limit");
    assert.equal(issuer.refreshRequests, 0);
    assert.equal(await Deno.readTextFile(path), before);

    // Already aborted: no wait at all.
    await assert.rejects(storage.getApiKey("openai-codex", { signal: a.signal }), /went away/);

    await holder.release();
    assert.equal(await storage.getApiKey("openai-codex"), issuer.currentAccess);
    assert.equal(issuer.refreshRequests, 1);
  } finally {
    await holder.release();
    await issuer.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("shared refresh: a refresh request already sent is finished and saved when its only caller aborts", async () => {
  const { dir, path, issuer } = await staleLogin();
  try {
    const storage = new AuthStorage(path, { deps: issuerDeps(issuer) });
    const interrupted = new AbortController();
    issuer.delayMs = 200;
    issuer.onRefresh = () => interrupted.abort(new PiError("interrupted", "Interrupted"));
    const key = storage.getApiKey("openai-codex", { signal: interrupted.signal });
    await assert.rejects(key, /Interrupted/);
    await refreshesSettled();
    assert.equal(issuer.refreshRequests, 1);
    const saved = JSON.parse(await Deno.readTextFile(path));
    assert.equal(saved["openai-codex"].refresh, issuer.currentRefresh);
    assert.equal(saved["openai-codex"].access, issuer.currentAccess);
  } finally {
    await issuer.close();
    await Deno.remove(dir, { recursive: true });
  }
});
