/**
 * pi serve's KeySource (sharedKeys in src/serve/server.ts) over a real AuthStorage with two
 * ChatGPT accounts: what stream() asks of it about accounts is the AuthStorage's answer.
 */
import assert from "node:assert/strict";
import { AuthStorage } from "../src/auth/auth_storage.ts";
import type { KeySource } from "../src/auth/types.ts";
import { sharedKeys } from "../src/serve/server.ts";
import { accountEntry, type FakeAccount } from "./fixtures/accounts_fakes.ts";

const DEFAULT: FakeAccount = { accountId: "acct_default", email: "d@example.com", refresh: "rt_d" };
const WORK: FakeAccount = { accountId: "acct_work", email: "w@example.com", refresh: "rt_w" };

Deno.test("sharedKeys: the account of a key, the other accounts and the rotation are the AuthStorage's", async () => {
  const dir = await Deno.makeTempDir({ prefix: "pi_serve_keys_" });
  try {
    const auth = {
      "openai-codex": accountEntry(DEFAULT, { expired: false }),
      "openai-codex:work": accountEntry(WORK, { expired: false }),
    };
    await Deno.writeTextFile(`${dir}/auth.json`, JSON.stringify(auth), { mode: 0o600 });
    const storage = new AuthStorage(`${dir}/auth.json`);
    storage.useAccount("work"); // pi serve --account work
    storage.setAccountRotation(true); // PI_ROTATE_ACCOUNTS=1
    const keys = sharedKeys(storage);

    const workKey = await keys.getApiKey("openai-codex");
    assert.equal(workKey, auth["openai-codex:work"].access);
    // Labels the usage snapshot of a reply: kept under the work account, not the default.
    assert.equal(keys.accountOf?.("openai-codex", workKey!)?.entry, "openai-codex:work");
    assert.deepEqual(keys.otherAccounts?.("openai-codex", workKey), ["default"]);
    assert.equal(keys.accountRotation, true);
    const next = await keys.nextAccount?.("openai-codex", {
      reason: "usage_limit_reached",
      key: workKey,
      signal: new AbortController().signal,
    });
    assert.deepEqual(next, {
      key: auth["openai-codex"].access,
      from: "work",
      to: "default",
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("sharedKeys: a refresh after a 401 refreshes the account of the refused key", async () => {
  const asked: unknown[] = [];
  const keys = sharedKeys(
    {
      getApiKey: () => Promise.resolve("k"),
      refresh: (_provider, options) => {
        asked.push(options);
        return Promise.resolve("new");
      },
    } satisfies KeySource,
  );
  const key = await keys.refresh("openai-codex", {
    force: true,
    key: "refused",
    signal: new AbortController().signal,
  });
  assert.equal(key, "new");
  assert.deepEqual(asked, [{ force: true, key: "refused" }]); // never a request's signal
});
