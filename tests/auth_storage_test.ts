import assert from "node:assert/strict";
import { AuthStorage } from "../mod.ts";
import type { Deps } from "../src/deps.ts";
import { createDeps } from "../src/deps.ts";
import { isPiError } from "../src/errors.ts";
import { registerOAuthProvider } from "../src/auth/oauth_providers.ts";
import type { OAuthCredential } from "../src/auth/types.ts";
import { makeAccessToken, staleAuthFile, startFakeIssuer } from "./fixtures/auth_fake_issuer.ts";

const GET_KEY = new URL("./fixtures/auth_get_key.ts", import.meta.url).pathname;
const SET_KEY = new URL("./fixtures/auth_set_key.ts", import.meta.url).pathname;
const HOLD_LOCK = new URL("./fixtures/auth_hold_lock.ts", import.meta.url).pathname;

interface ChildResult {
  code: number;
  out: { key?: string; code?: string; message?: string; hint?: string };
  stderr: string;
}

async function runChild(
  script: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<ChildResult> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-config", script, ...args],
    env: { NO_COLOR: "1", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(output.stdout).trim();
  let out = {};
  try {
    out = JSON.parse(stdout.split("\n").at(-1) ?? "{}");
  } catch {
    out = { message: stdout };
  }
  return { code: output.code, out, stderr: new TextDecoder().decode(output.stderr) };
}

function testDeps(overrides: Partial<Deps> & { envVars?: Record<string, string> } = {}): Deps {
  const base = createDeps();
  const vars = overrides.envVars ?? {};
  return {
    ...base,
    env: (name) => vars[name],
    ...overrides,
  };
}

async function writeJson(path: string, value: unknown): Promise<void> {
  await Deno.writeTextFile(path, JSON.stringify(value, null, 2));
  await Deno.chmod(path, 0o600);
}

function modeOf(path: string): number {
  return (Deno.statSync(path).mode ?? 0) & 0o777;
}

/** Asserts that no secret appears in the error's message, hint or string form. */
function assertNoSecrets(err: unknown, secrets: string[]): void {
  const e = err as { message?: string; hint?: string };
  const text = `${e.message ?? ""}\n${e.hint ?? ""}\n${String(err)}`;
  for (const secret of secrets) {
    assert.ok(!text.includes(secret), `a token leaked into an error: ${text}`);
  }
}

Deno.test("20 processes with one expired token make exactly one refresh (5 rounds)", async () => {
  const dir = await Deno.makeTempDir();
  const issuer = startFakeIssuer({ delayMs: 300 });
  try {
    const path = `${dir}/auth.json`;
    for (let round = 0; round < 5; round++) {
      const refresh = `refresh-token-round-${round}-${crypto.randomUUID()}`;
      issuer.reset(refresh);
      const before = staleAuthFile(refresh);
      await writeJson(path, before);
      const startAt = Date.now() + 1200;
      const results = await Promise.all(
        Array.from(
          { length: 20 },
          () => runChild(GET_KEY, [path, String(startAt)], { PI_OPENAI_CODEX_ISSUER: issuer.url }),
        ),
      );
      for (const r of results) assert.equal(r.code, 0, JSON.stringify(r));
      assert.equal(issuer.refreshRequests, 1, `round ${round}: refresh requests`);
      const keys = new Set(results.map((r) => r.out.key));
      assert.deepEqual([...keys], [issuer.currentAccess], `round ${round}: all got the new token`);
      const after = JSON.parse(await Deno.readTextFile(path));
      assert.equal(modeOf(path), 0o600);
      assert.deepEqual(after.anthropic, before.anthropic);
      assert.deepEqual(after["some-future-provider"], before["some-future-provider"]);
      const codex = after["openai-codex"];
      assert.equal(codex.access, issuer.currentAccess);
      assert.equal(codex.refresh, issuer.currentRefresh);
      assert.equal(codex.accountId, "acc-fake");
      assert.deepEqual(codex.extraField, { kept: true });
      assert.ok(codex.expires > Date.now() + 3_000_000);
    }
  } finally {
    await issuer.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a SIGKILLed lock holder releases the lock; waiting is bounded before that", async () => {
  const dir = await Deno.makeTempDir();
  const issuer = startFakeIssuer({ delayMs: 10 });
  const path = `${dir}/auth.json`;
  const refresh = `refresh-token-${crypto.randomUUID()}`;
  issuer.reset(refresh);
  await writeJson(path, staleAuthFile(refresh));
  const before = await Deno.readFile(path);
  const holder = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-config", HOLD_LOCK, `${path}.lck`],
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  let killed = false;
  try {
    const reader = holder.stdout.pipeThrough(new TextDecoderStream()).getReader();
    const { value } = await reader.read();
    assert.equal(value?.trim(), "locked");
    reader.releaseLock();

    // While the holder lives: a bounded wait, then an error that names the lock file.
    const waiting = await runChild(GET_KEY, [path, "0", "700"], {
      PI_OPENAI_CODEX_ISSUER: issuer.url,
    });
    assert.equal(waiting.code, 1, JSON.stringify(waiting));
    assert.equal(waiting.out.code, "auth.lock_timeout");
    assert.ok(waiting.out.message?.includes(`${path}.lck`), waiting.out.message);
    assert.equal(issuer.refreshRequests, 0);
    assert.deepEqual(await Deno.readFile(path), before);

    holder.kill("SIGKILL");
    killed = true;
    await holder.status;
    await holder.stdout.cancel().catch(() => {});

    const next = await runChild(GET_KEY, [path, "0", "5000"], {
      PI_OPENAI_CODEX_ISSUER: issuer.url,
    });
    assert.equal(next.code, 0, JSON.stringify(next));
    assert.equal(next.out.key, issuer.currentAccess);
    assert.equal(issuer.refreshRequests, 1);
    const after = JSON.parse(await Deno.readTextFile(path));
    assert.equal(after["openai-codex"].refresh, issuer.currentRefresh);
    assert.ok(Deno.statSync(`${path}.lck`).isFile, "the lock file stays");
  } finally {
    if (!killed) {
      holder.kill("SIGKILL");
      await holder.status;
      await holder.stdout.cancel().catch(() => {});
    }
    await issuer.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a process SIGKILLed in the middle of a refresh leaves auth.json intact and the lock free", async () => {
  const dir = await Deno.makeTempDir();
  const issuer = startFakeIssuer({ delayMs: 60_000 });
  const path = `${dir}/auth.json`;
  const refresh = `refresh-token-${crypto.randomUUID()}`;
  issuer.reset(refresh);
  await writeJson(path, staleAuthFile(refresh));
  const before = await Deno.readFile(path);
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-config", GET_KEY, path],
    env: { PI_OPENAI_CODEX_ISSUER: issuer.url },
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  let done = false;
  try {
    // Wait until the refresh request is in flight (the child holds the lock then).
    for (let i = 0; i < 400 && issuer.refreshRequests === 0; i++) {
      await new Promise((r) => setTimeout(r, 25));
    }
    assert.equal(issuer.refreshRequests, 1, "the child reached the token endpoint");
    child.kill("SIGKILL");
    await child.status;
    done = true;
    assert.deepEqual(await Deno.readFile(path), before);
    // The server had not rotated for real in this scenario: accept the old token again.
    issuer.reset(refresh);
    issuer.delayMs = 0;
    const next = await runChild(GET_KEY, [path, "0", "5000"], {
      PI_OPENAI_CODEX_ISSUER: issuer.url,
    });
    assert.equal(next.code, 0, JSON.stringify(next));
    assert.equal(next.out.key, issuer.currentAccess);
    const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.deepEqual(names, ["auth.json", "auth.json.lck"]);
  } finally {
    if (!done) {
      child.kill("SIGKILL");
      await child.status;
    }
    await issuer.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("50 processes writing 50 providers at once lose no update", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/auth.json`;
    await writeJson(path, { existing: { type: "api_key", key: "sk-existing-0123456789", x: 1 } });
    const startAt = Date.now() + 2000;
    const providers = Array.from({ length: 50 }, (_, i) => `provider-${i}`);
    const results = await Promise.all(
      providers.map((p) =>
        new Deno.Command(Deno.execPath(), {
          args: ["run", "-A", "--no-config", SET_KEY, path, p, String(startAt)],
          stdin: "null",
          stdout: "piped",
          stderr: "piped",
        }).output()
      ),
    );
    for (const r of results) assert.equal(r.code, 0, new TextDecoder().decode(r.stderr));
    const after = JSON.parse(await Deno.readTextFile(path));
    for (const p of providers) {
      assert.deepEqual(after[p], { type: "api_key", key: `sk-${p}-0123456789` }, p);
    }
    assert.deepEqual(after.existing, { type: "api_key", key: "sk-existing-0123456789", x: 1 });
    assert.equal(Object.keys(after).length, 51);
    assert.equal(modeOf(path), 0o600);
    // No temp files left behind; the lock file is a sibling and stays.
    const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.deepEqual(names, ["auth.json", "auth.json.lck"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a refused refresh leaves auth.json byte-identical and says what to do", async () => {
  const dir = await Deno.makeTempDir();
  const issuer = startFakeIssuer({ delayMs: 0 });
  try {
    const path = `${dir}/auth.json`;
    const stale = staleAuthFile("refresh-token-already-used-0042");
    issuer.reset("refresh-token-something-else");
    await writeJson(path, stale);
    const before = await Deno.readFile(path);
    const storage = new AuthStorage(path, {
      deps: testDeps({ envVars: { PI_OPENAI_CODEX_ISSUER: issuer.url } }),
    });
    const err = await storage.getApiKey("openai-codex").then(() => undefined, (e) => e);
    assert.ok(isPiError(err, "auth.refresh_failed"), String(err));
    assert.match(err.message, /^Failed to refresh OAuth token for openai-codex: /);
    assert.match(err.message, /refresh_token_reused/);
    assert.equal(err.hint, "run /login (or pi login openai-codex)");
    const codex = stale["openai-codex"] as OAuthCredential;
    // The fake server echoes the refresh token in its description: it must be cut out.
    assertNoSecrets(err, [codex.refresh, codex.access, "sk-ant-keep-me-1234567890"]);
    assert.deepEqual(await Deno.readFile(path), before);
    assert.equal(issuer.refreshRequests, 1);

    // A second try makes a second request (nothing cached a failure), still untouched.
    await assert.rejects(storage.getApiKey("openai-codex"), { code: "auth.refresh_failed" });
    assert.deepEqual(await Deno.readFile(path), before);
  } finally {
    await issuer.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a network failure is auth.refresh_network, file untouched", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // A port that was just free: nothing listens there.
    const listener = Deno.listen({ port: 0, hostname: "127.0.0.1" });
    const port = (listener.addr as Deno.NetAddr).port;
    listener.close();
    const path = `${dir}/auth.json`;
    const stale = staleAuthFile("refresh-token-network-0007");
    await writeJson(path, stale);
    const before = await Deno.readFile(path);
    const storage = new AuthStorage(path, {
      deps: testDeps({ envVars: { PI_OPENAI_CODEX_ISSUER: `http://127.0.0.1:${port}` } }),
    });
    const err = await storage.getApiKey("openai-codex").then(() => undefined, (e) => e);
    assert.ok(isPiError(err, "auth.refresh_network"), String(err));
    assert.match(err.message, /could not reach 127\.0\.0\.1/);
    const codex = stale["openai-codex"] as OAuthCredential;
    assertNoSecrets(err, [codex.refresh, codex.access]);
    assert.deepEqual(await Deno.readFile(path), before);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a corrupt auth.json is a clear error naming it, and is never overwritten", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/auth.json`;
    const secret = "refresh-token-in-corrupt-file-123";
    const access = makeAccessToken("acc-1", 1);
    const cases: Array<[string, RegExp]> = [
      [
        `{"openai-codex": {"type": "oauth", "refresh": "${secret}", "access": "${access}"`,
        /not valid JSON/,
      ],
      [`["${secret}"]`, /top level must be a JSON object/],
      [`{"anthropic": "${secret}"}`, /"anthropic" must be an object/],
      [
        JSON.stringify({
          "openai-codex": { type: "oauth", access, refresh: secret, expires: "tomorrow" },
        }),
        /"openai-codex"\.expires must be a number/,
      ],
      [JSON.stringify({ openai: { type: "api_key", key: 42 } }), /"openai"\.key must be/],
    ];
    for (const [text, expected] of cases) {
      await Deno.writeTextFile(path, text, { mode: 0o600 });
      const before = await Deno.readFile(path);
      const storage = new AuthStorage(path, { deps: testDeps() });
      const attempts: Array<() => unknown> = [
        () => storage.list(),
        () => storage.get("openai-codex"),
        () => storage.getApiKey("openai-codex"),
        () => storage.set("anthropic", { type: "api_key", key: "sk-ant-new-0123456789" }),
        () => storage.remove("openai-codex"),
        () => storage.refresh("openai-codex", { force: true }),
        () => storage.logout("openai-codex"),
      ];
      for (const attempt of attempts) {
        const err = await (async () => await attempt())().then(() => undefined, (e) => e);
        assert.ok(isPiError(err, "auth.invalid_file"), `${text}: ${err}`);
        assert.ok(err.message.includes(path), err.message);
        assert.match(err.message, expected);
        assertNoSecrets(err, [secret, access]);
      }
      assert.deepEqual(await Deno.readFile(path), before, text);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a missing or empty auth.json is an empty store; the first write creates it 0600 in a 0700 dir", async () => {
  const root = await Deno.makeTempDir();
  try {
    const path = `${root}/agent/nested/auth.json`;
    const storage = new AuthStorage(path, { deps: testDeps({ agentDir: `${root}/agent/nested` }) });
    assert.deepEqual(storage.list(), []);
    assert.equal(await storage.getApiKey("anthropic"), undefined);
    assert.equal(storage.has("anthropic"), false);
    assert.throws(
      () => Deno.statSync(`${root}/agent`),
      Deno.errors.NotFound,
      "reads create nothing",
    );
    await storage.set("anthropic", { type: "api_key", key: "sk-ant-0123456789" });
    assert.equal(modeOf(path), 0o600);
    assert.equal(modeOf(`${root}/agent/nested`), 0o700);
    assert.deepEqual(storage.list(), ["anthropic"]);

    await Deno.writeTextFile(path, "  \n");
    storage.reload();
    assert.deepEqual(storage.list(), []);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("looser permissions are tightened and reported once", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const agent = `${dir}/agent`;
    await Deno.mkdir(agent);
    await Deno.chmod(agent, 0o755);
    const path = `${agent}/auth.json`;
    await Deno.writeTextFile(
      path,
      JSON.stringify({ anthropic: { type: "api_key", key: "sk-ant-0123456789" } }),
    );
    await Deno.chmod(path, 0o644);
    const warnings: string[] = [];
    const storage = new AuthStorage(undefined, {
      deps: testDeps({ agentDir: agent }),
      onWarning: (m) => warnings.push(m),
    });
    assert.equal(storage.path, path, "default path: <agent dir>/auth.json");
    assert.equal(await storage.getApiKey("anthropic"), "sk-ant-0123456789");
    assert.equal(modeOf(path), 0o600);
    assert.equal(modeOf(agent), 0o700);
    assert.deepEqual(warnings, [
      `Tightened permissions of ${agent} to 0700 (were 0755)`,
      `Tightened permissions of ${path} to 0600 (were 0644)`,
    ]);
    assert.deepEqual(storage.warnings, warnings);
    await Deno.chmod(path, 0o644);
    storage.reload();
    assert.equal(modeOf(path), 0o600);
    assert.equal(warnings.length, 2, "said once");

    // A store outside the agent dir tightens its file, never the directory it sits in.
    const shared = `${dir}/shared`;
    await Deno.mkdir(shared, { mode: 0o755 });
    await Deno.chmod(shared, 0o755);
    await Deno.writeTextFile(`${shared}/auth.json`, "{}", { mode: 0o644 });
    await Deno.chmod(`${shared}/auth.json`, 0o644);
    const elsewhere = new AuthStorage(`${shared}/auth.json`, {
      deps: testDeps({ agentDir: agent }),
    });
    await elsewhere.set("anthropic", { type: "api_key", key: "sk-ant-0123456789" });
    assert.equal(modeOf(shared), 0o755);
    assert.equal(modeOf(`${shared}/auth.json`), 0o600);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writes keep unknown providers and fields; get/has/list/remove", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/auth.json`;
    const original = staleAuthFile("refresh-token-keep-0001");
    await writeJson(path, original);
    const storage = new AuthStorage(path, { deps: testDeps() });
    await storage.set("openai", { type: "api_key", key: "sk-openai-0123456789" });
    let onDisk = JSON.parse(await Deno.readTextFile(path));
    assert.deepEqual(onDisk, {
      ...original,
      openai: { type: "api_key", key: "sk-openai-0123456789" },
    });
    assert.deepEqual(storage.get("openai-codex"), original["openai-codex"]);
    // Another tool's entry (not a credential) is kept in the file but is not one of pi's.
    assert.equal(storage.has("some-future-provider"), false);
    assert.equal(storage.get("some-future-provider"), undefined);
    assert.deepEqual(storage.list(), ["anthropic", "openai-codex", "openai"]);
    // get returns a copy
    (storage.get("anthropic") as { key: string }).key = "changed";
    assert.equal(await storage.getApiKey("anthropic"), "sk-ant-keep-me-1234567890");

    // Another process writes meanwhile: the next write re-reads under the lock.
    const edited: Record<string, unknown> = JSON.parse(await Deno.readTextFile(path));
    edited["written-elsewhere"] = { type: "api_key", key: "sk-elsewhere-0123456789" };
    await writeJson(path, edited);
    assert.equal(await storage.remove("anthropic"), true);
    assert.equal(await storage.remove("anthropic"), false);
    onDisk = JSON.parse(await Deno.readTextFile(path));
    assert.deepEqual(Object.keys(onDisk), [
      "openai-codex",
      "some-future-provider",
      "openai",
      "written-elsewhere",
    ]);
    assert.deepEqual(onDisk["some-future-provider"], original["some-future-provider"]);
    await assert.rejects(
      storage.set("x", { type: "oauth", access: "a", refresh: "" } as unknown as OAuthCredential),
      { code: "auth.invalid_token" },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("key resolution: runtime → OAuth → API key → environment → undefined", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/auth.json`;
    const jwt = makeAccessToken("acc-env", 9_999_999_999);
    const fresh = makeAccessToken("acc-stored", 9_999_999_999);
    await writeJson(path, {
      "openai-codex": {
        type: "oauth",
        access: fresh,
        refresh: "refresh-token-fresh-0001",
        expires: Date.now() + 3_600_000,
        accountId: "acc-stored",
      },
      anthropic: { type: "api_key", key: "sk-ant-stored-0123456789" },
    });
    const env: Record<string, string> = {
      OPENAI_API_KEY: "sk-proj-not-a-jwt-0123456789",
      ANTHROPIC_API_KEY: "sk-ant-env-0123456789",
    };
    const storage = new AuthStorage(path, { deps: testDeps({ envVars: env }) });
    assert.equal(await storage.getApiKey("openai-codex"), fresh);
    assert.equal(storage.keySource("openai-codex"), "oauth");
    assert.equal(await storage.getApiKey("anthropic"), "sk-ant-stored-0123456789");
    assert.equal(storage.keySource("anthropic"), "api_key");
    assert.equal(await storage.getApiKey("openai"), "sk-proj-not-a-jwt-0123456789");
    assert.equal(storage.keySource("openai"), "env");
    assert.equal(await storage.getApiKey("nobody"), undefined);
    assert.equal(storage.hasKey("nobody"), false);

    storage.setRuntimeApiKey("anthropic", "sk-ant-runtime-0123456789");
    assert.equal(await storage.getApiKey("anthropic"), "sk-ant-runtime-0123456789");
    assert.equal(storage.keySource("anthropic"), "runtime");
    storage.removeRuntimeApiKey("anthropic");
    assert.equal(await storage.getApiKey("anthropic"), "sk-ant-stored-0123456789");

    // openai-codex from the environment: a JWT is used, anything else is refused.
    await storage.remove("openai-codex");
    await storage.remove("anthropic");
    assert.equal(await storage.getApiKey("anthropic"), "sk-ant-env-0123456789");
    const err = await storage.getApiKey("openai-codex").then(() => undefined, (e) => e);
    assert.ok(isPiError(err, "auth.invalid_token"), String(err));
    assert.match(err.message, /OPENAI_API_KEY is not an access token \(JWT\)/);
    assertNoSecrets(err, [env.OPENAI_API_KEY]);
    assert.equal(storage.hasKey("openai-codex"), false, "a key it would refuse does not count");
    env.OPENAI_API_KEY = jwt;
    assert.equal(await storage.getApiKey("openai-codex"), jwt);
    assert.equal(storage.hasKey("openai-codex"), true);

    storage.setRuntimeApiKey("openai-codex", "not-a-jwt-runtime-key");
    assert.equal(storage.hasKey("openai-codex"), true);
    await assert.rejects(storage.getApiKey("openai-codex"), (e: Error) => {
      assert.match(e.message, /from --api-key is not an access token \(JWT\)/);
      assertNoSecrets(e, ["not-a-jwt-runtime-key"]);
      return true;
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("in one process, concurrent callers and instances share one refresh; force refresh after a 401", async () => {
  const dir = await Deno.makeTempDir();
  const issuer = startFakeIssuer({ delayMs: 100 });
  try {
    const path = `${dir}/auth.json`;
    const refresh = `refresh-token-${crypto.randomUUID()}`;
    issuer.reset(refresh);
    await writeJson(path, staleAuthFile(refresh));
    const deps = testDeps({ envVars: { PI_OPENAI_CODEX_ISSUER: issuer.url } });
    const a = new AuthStorage(path, { deps });
    const b = new AuthStorage(path, { deps });
    const keys = await Promise.all([
      ...Array.from({ length: 10 }, () => a.getApiKey("openai-codex")),
      ...Array.from({ length: 10 }, () => b.getApiKey("openai-codex")),
    ]);
    assert.equal(issuer.refreshRequests, 1);
    assert.deepEqual(new Set(keys), new Set([issuer.currentAccess]));

    // A fresh token is not refreshed again.
    assert.equal(await a.refresh("openai-codex"), issuer.currentAccess);
    assert.equal(issuer.refreshRequests, 1);

    // After a 401, force: one refresh, even with concurrent callers.
    const first = issuer.currentAccess;
    const forced = await Promise.all([
      a.refresh("openai-codex", { force: true }),
      a.refresh("openai-codex", { force: true }),
    ]);
    assert.equal(issuer.refreshRequests, 2);
    assert.notEqual(forced[0], first);
    assert.deepEqual(forced, [issuer.currentAccess, issuer.currentAccess]);
    // b still holds the old token in memory; its 401 finds a's new token in the file.
    assert.equal(await b.getApiKey("openai-codex"), first);
    assert.equal(await b.refresh("openai-codex", { force: true }), issuer.currentAccess);
    assert.equal(issuer.refreshRequests, 2);
  } finally {
    await issuer.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("login and logout go through the OAuth provider registry", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/auth.json`;
    const revoked: string[] = [];
    const credential: OAuthCredential = {
      type: "oauth",
      access: "test-access-0123456789",
      refresh: "test-refresh-0123456789",
      expires: Date.now() + 3_600_000,
    };
    registerOAuthProvider({
      id: "test-oauth-storage",
      name: "Test",
      login: (callbacks) => {
        callbacks.onAuth({ url: "http://127.0.0.1/authorize" });
        return Promise.resolve(credential);
      },
      refresh: () => Promise.reject(new Error("unused")),
      getApiKey: (c) => c.access,
      revoke: (c) => {
        revoked.push(c.refresh);
        return Promise.resolve();
      },
    });
    const storage = new AuthStorage(path, { deps: testDeps({ now: () => 1_767_225_600_000 }) });
    const urls: string[] = [];
    await storage.login("test-oauth-storage", {
      onAuth: ({ url }) => urls.push(url),
      onPrompt: () => Promise.resolve(""),
    });
    assert.deepEqual(urls, ["http://127.0.0.1/authorize"]);
    // The login is stored with the time it was made (pi auth status shows it).
    assert.deepEqual(JSON.parse(await Deno.readTextFile(path))["test-oauth-storage"], {
      ...credential,
      loggedInAt: 1_767_225_600_000,
    });
    assert.equal(await storage.getApiKey("test-oauth-storage"), "test-access-0123456789");

    assert.deepEqual(await storage.logout("test-oauth-storage"), {
      removed: true,
      revocation: "revoked",
    });
    assert.deepEqual(revoked, ["test-refresh-0123456789"]);
    assert.equal(storage.has("test-oauth-storage"), false);
    assert.equal((await storage.logout("test-oauth-storage")).removed, false);

    await assert.rejects(
      storage.login("nope", { onAuth() {}, onPrompt: () => Promise.resolve("") }),
      (e: Error) => {
        assert.ok(isPiError(e, "auth.unknown_provider"));
        assert.match(e.message, /^Unknown OAuth provider: nope \(known: openai-codex/);
        return true;
      },
    );
    await assert.rejects(storage.logout("nope"), { code: "auth.unknown_provider" });
    // A stored API key can be logged out of too.
    await storage.set("anthropic", { type: "api_key", key: "sk-ant-0123456789" });
    assert.deepEqual(await storage.logout("anthropic"), { removed: true, revocation: "none" });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a new login keeps the fields of the old entry that pi does not know", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/auth.json`;
    await Deno.writeTextFile(
      path,
      JSON.stringify({
        "test-relogin": {
          type: "oauth",
          access: "old-access-0123456789",
          refresh: "old-refresh-0123456789",
          expires: 1,
          accountId: "old-account",
          editorPlugin: { keep: true },
        },
        other: { type: "api_key", key: "other-key-0123456789", note: "kept" },
      }),
      { mode: 0o600 },
    );
    registerOAuthProvider({
      id: "test-relogin",
      name: "Test",
      login: () =>
        Promise.resolve({
          type: "oauth",
          access: "new-access-0123456789",
          refresh: "new-refresh-0123456789",
          expires: 2,
        }),
      refresh: () => Promise.reject(new Error("unused")),
      getApiKey: (c) => c.access,
    });
    const storage = new AuthStorage(path, { deps: testDeps({ now: () => 7 }) });
    await storage.login("test-relogin", { onAuth() {}, onPrompt: () => Promise.resolve("") });
    const saved = JSON.parse(await Deno.readTextFile(path));
    assert.deepEqual(saved["test-relogin"], {
      type: "oauth",
      access: "new-access-0123456789",
      refresh: "new-refresh-0123456789",
      expires: 2,
      loggedInAt: 7,
      editorPlugin: { keep: true },
    });
    assert.deepEqual(saved.other, { type: "api_key", key: "other-key-0123456789", note: "kept" });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("logout: an issuer that does not answer within the limit is said so; the entry goes anyway", async () => {
  const dir = await Deno.makeTempDir();
  const answered = Promise.withResolvers<void>();
  const silent = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async () => {
    await answered.promise;
    return new Response(null, { status: 200 });
  });
  try {
    const path = `${dir}/auth.json`;
    await writeJson(path, {
      "openai-codex": {
        type: "oauth",
        access: makeAccessToken("acc", Math.floor(Date.now() / 1000) + 3600),
        refresh: "rt-never-revoked-0123456789",
        expires: Date.now() + 3_600_000,
        accountId: "acc",
      },
    });
    const storage = new AuthStorage(path, {
      deps: testDeps({
        envVars: { PI_OPENAI_CODEX_ISSUER: `http://127.0.0.1:${silent.addr.port}` },
      }),
    });
    const result = await storage.logout("openai-codex", { revokeTimeoutMs: 100 });
    assert.equal(result.removed, true);
    assert.equal(result.revocation, "failed");
    assert.match(result.revokeError ?? "", /did not answer the revocation in time/);
    assert.equal(storage.has("openai-codex"), false);
  } finally {
    answered.resolve();
    await silent.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
