import assert from "node:assert/strict";
import { type AccountChange, AuthStorage } from "../src/auth/auth_storage.ts";
import { createDeps, type Deps } from "../src/deps.ts";
import { isPiError } from "../src/errors.ts";
import { accountEntry, type FakeAccount, startAccountsIssuer } from "./fixtures/accounts_fakes.ts";

const A: FakeAccount = { accountId: "acct-a", email: "a@x.io", refresh: "rt-unit-a-0001" };
const B: FakeAccount = { accountId: "acct-b", email: "b@x.io", refresh: "rt-unit-b-0001" };
const C: FakeAccount = { accountId: "acct-c", email: "c@x.io", refresh: "rt-unit-c-0001" };

async function withStore(
  data: Record<string, unknown>,
  fn: (
    storage: AuthStorage,
    path: string,
    issuer: ReturnType<typeof startAccountsIssuer>,
  ) => void | Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  const issuer = startAccountsIssuer([A, B, C]);
  try {
    const path = `${dir}/auth.json`;
    await Deno.writeTextFile(path, JSON.stringify(data, null, 2), { mode: 0o600 });
    const vars: Record<string, string> = { PI_OPENAI_CODEX_ISSUER: issuer.url };
    const deps: Deps = { ...createDeps(), env: (n) => vars[n], agentDir: dir, homeDir: dir };
    await fn(new AuthStorage(path, { deps }), path, issuer);
  } finally {
    await issuer.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("accounts(): default first, then by name; OAuth entries only; accountOf and otherAccounts", async () => {
  const a = accountEntry(A, { expired: false });
  const b = accountEntry(B, { expired: false });
  await withStore({
    "openai-codex:zeta": b,
    "openai-codex:key-only": { type: "api_key", key: "sk-not-an-account-0123" },
    "openai-codex": a,
    "openai-codex:default": accountEntry(C, { expired: false }), // never an account
  }, (storage) => {
    assert.deepEqual(storage.accounts().map((x) => [x.name, x.entry, x.accountId]), [
      ["default", "openai-codex", "acct-a"],
      ["zeta", "openai-codex:zeta", "acct-b"],
    ]);
    assert.deepEqual(storage.accountOf("openai-codex", b.access as string), {
      name: "zeta",
      entry: "openai-codex:zeta",
      accountId: "acct-b",
    });
    assert.equal(storage.accountOf("anthropic", b.access as string), undefined);
    assert.deepEqual(storage.otherAccounts("openai-codex"), ["zeta"]);
    assert.deepEqual(storage.otherAccounts("openai-codex", b.access as string), ["default"]);
  });
});

Deno.test("accountOf: a login saved under two names is the first of them in accounts() order", async () => {
  const b = accountEntry(B, { expired: false });
  await withStore({ "openai-codex:zeta": b, "openai-codex:beta": b }, (storage) => {
    assert.deepEqual(storage.accountOf("openai-codex", b.access as string), {
      name: "beta",
      entry: "openai-codex:beta",
      accountId: "acct-b",
    });
    assert.deepEqual(storage.otherAccounts("openai-codex", b.access as string), ["zeta"]);
    assert.equal(storage.accountOf("openai-codex", "not-a-stored-token"), undefined);
  });
});

Deno.test("useAccount switches the key between requests; a 401 refresh of a key handed out before refreshes that key's account", async () => {
  await withStore({
    "openai-codex": accountEntry(A, { expired: false }),
    "openai-codex:work": accountEntry(B, { expired: false }),
  }, async (storage, _path, issuer) => {
    const changes: AccountChange[] = [];
    storage.onAccountChange((c) => changes.push(c));
    const keyA = await storage.getApiKey("openai-codex");
    assert.equal(storage.accountOf("openai-codex", keyA!)?.name, "default");
    storage.useAccount("work"); // /account work while the request with keyA is in flight
    const keyB = await storage.getApiKey("openai-codex");
    assert.equal(storage.accountOf("openai-codex", keyB!)?.name, "work");
    assert.equal(storage.keySource("openai-codex"), "oauth");
    assert.deepEqual(changes, [{ from: "default", to: "work", reason: "selected" }]);

    // keyA's request gets a 401: account default is refreshed, not the active one.
    const renewed = await storage.refresh("openai-codex", { force: true, key: keyA });
    assert.deepEqual(issuer.refreshes, { "acct-a": 1, "acct-b": 0, "acct-c": 0 });
    assert.equal(renewed, issuer.issued["acct-a"]);
    assert.equal(storage.activeAccount(), "work", "the refresh does not switch");
    assert.equal(await storage.getApiKey("openai-codex"), keyB);

    // Another request sent with keyA is refused after that refresh: it gets account
    // default's new token, without a second refresh (and not the active account's key).
    assert.equal(await storage.refresh("openai-codex", { force: true, key: keyA }), renewed);
    assert.deepEqual(issuer.refreshes, { "acct-a": 1, "acct-b": 0, "acct-c": 0 });

    assert.throws(
      () => storage.useAccount("nope"),
      (e) => isPiError(e, "usage") && e.message === "Unknown account: nope (known: default, work)",
    );
    assert.equal(storage.activeAccount(), "work");
  });
});

Deno.test("a named account logged out under a running pi: its key is an error that names the login, not another account's key", async () => {
  await withStore({
    "openai-codex": accountEntry(A, { expired: false }),
    "openai-codex:work": accountEntry(B, { expired: false }),
  }, async (storage) => {
    storage.useAccount("work");
    await storage.remove("openai-codex:work");
    await assert.rejects(
      storage.getApiKey("openai-codex"),
      (e) =>
        isPiError(e, "auth.not_logged_in") && /account work/.test(e.message) &&
        /pi login openai-codex --account work/.test(e.hint ?? ""),
    );
    assert.equal(storage.keySource("openai-codex"), undefined);
  });
});

Deno.test("nextAccount: off without rotation; else the next account below its limits with a valid login, refreshed, now active", async () => {
  const a = accountEntry(A, { expired: false });
  await withStore({
    "openai-codex": a,
    "openai-codex:b": accountEntry(B, { refresh: "rt-unit-b-dead" }), // its refresh is refused
    "openai-codex:c": accountEntry(C), // stale: refreshed on the way
    "openai-codex:d": accountEntry({ ...C, accountId: "acct-d" }, { expired: false }),
  }, async (storage, _path, issuer) => {
    const reason = "usage_limit_reached";
    assert.equal(
      await storage.nextAccount("openai-codex", { reason, key: a.access as string }),
      undefined,
    );
    storage.setAccountRotation(true);
    // b's login was refused before (remembered); d is at its limit.
    storage.useAccount("b");
    await assert.rejects(
      storage.getApiKey("openai-codex"),
      (e) => isPiError(e, "auth.refresh_failed"),
    );
    assert.ok(await storage.refreshRejection("openai-codex:b"));
    storage.useAccount("default");
    storage.setUsageSource((entry) =>
      entry === "openai-codex:d"
        ? { provider: "openai-codex", capturedAt: 0, primary: { usedPercent: 100 } }
        : undefined
    );
    const refusedBefore = issuer.refreshes["acct-b"];
    const changes: AccountChange[] = [];
    storage.onAccountChange((c) => changes.push(c));
    const next = await storage.nextAccount("openai-codex", { reason, key: a.access as string });
    assert.deepEqual(next, { key: issuer.issued["acct-c"], from: "default", to: "c" });
    assert.equal(issuer.refreshes["acct-b"], refusedBefore, "a refused login is not tried again");
    assert.equal(issuer.refreshes["acct-c"], 1);
    assert.equal(storage.activeAccount(), "c");
    assert.deepEqual(changes, [{ from: "default", to: "c", reason }]);
    // From c, with default already tried: nothing is left.
    assert.equal(
      await storage.nextAccount("openai-codex", {
        reason,
        key: next!.key,
        exclude: new Set(["default"]),
      }),
      undefined,
    );
  });
});

Deno.test("storeLogin: a ChatGPT account already stored under another name is said, and that entry is left as it was", async () => {
  await withStore(
    { "openai-codex:work": accountEntry(A, { expired: false }) },
    async (storage, path) => {
      const before = JSON.parse(await Deno.readTextFile(path))["openai-codex:work"];
      const again = accountEntry(A, { expired: false, refresh: "rt-second-login" });
      const saved = await storage.storeLogin("openai-codex", again as never);
      assert.equal(saved.refresh, "rt-second-login");
      const after = JSON.parse(await Deno.readTextFile(path));
      assert.deepEqual(after["openai-codex:work"], before, "the other name is not replaced");
      assert.equal(after["openai-codex"].refresh, "rt-second-login");
      assert.ok(
        storage.warnings.some((w) => /also logged in as "work".*saved as "default"/.test(w)),
        storage.warnings.join("\n"),
      );
      // The same name: a new login of that account.
      const again2 = await storage.storeLogin("openai-codex", again as never, { account: "work" });
      assert.equal(again2.refresh, "rt-second-login");
      assert.equal(typeof again2.loggedInAt, "number");
    },
  );
});

Deno.test("a named account's refresh that cannot reach the issuer: the hint names that account's login", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/auth.json`;
    await Deno.writeTextFile(path, JSON.stringify({ "openai-codex:work": accountEntry(B) }), {
      mode: 0o600,
    });
    const vars: Record<string, string> = { PI_OPENAI_CODEX_ISSUER: "http://127.0.0.1:9" };
    const deps: Deps = { ...createDeps(), env: (n) => vars[n], agentDir: dir, homeDir: dir };
    const storage = new AuthStorage(path, { deps });
    storage.useAccount("work");
    const before = await Deno.readFile(path);
    await assert.rejects(
      storage.getApiKey("openai-codex"),
      (e) =>
        isPiError(e, "auth.refresh_network") &&
        /if it keeps failing, run pi login openai-codex --account work$/.test(e.hint ?? ""),
    );
    assert.deepEqual(await Deno.readFile(path), before);
    assert.equal(await storage.refreshRejection("openai-codex:work"), undefined, "not a refusal");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
