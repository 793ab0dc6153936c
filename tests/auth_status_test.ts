import assert from "node:assert/strict";
import { collectStatus, relativeTime } from "../src/cli/commands/status.ts";
import { AuthStorage } from "../src/auth/auth_storage.ts";
import type { Deps } from "../src/deps.ts";
import { makeAccessToken } from "./fixtures/fake_oauth_issuer.ts";

Deno.test("relativeTime: coarsest unit, future and past", () => {
  const now = 1_000_000_000;
  assert.equal(relativeTime(now + 59 * 60_000 + 30_000, now), "in 59 minutes");
  assert.equal(relativeTime(now + 3_600_000, now), "in 1 hour");
  assert.equal(relativeTime(now - 2 * 86_400_000, now), "2 days ago");
  assert.equal(relativeTime(now + 1500, now), "in 1 second");
  assert.equal(relativeTime(now + 200, now), "now");
});

Deno.test("collectStatus: sources, account, plan, expiry; no token text", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const now = Date.parse("2026-01-01T00:00:00Z");
    const env: Record<string, string> = { ANTHROPIC_API_KEY: "sk-ant-env-key-abcdef" };
    const deps = {
      env: (n: string) => env[n],
      now: () => now,
      agentDir: dir,
      homeDir: dir,
    } as unknown as Deps;
    const access = makeAccessToken({ accountId: "acc-9", plan: "pro", email: "p@x.io" });
    await Deno.writeTextFile(
      `${dir}/auth.json`,
      JSON.stringify({
        "openai-codex": { type: "oauth", access, refresh: "rt-zzzzzzzzzz", expires: now - 120_000 },
        openai: { type: "api_key", key: "sk-openai-secret-key" },
      }),
      { mode: 0o600 },
    );
    const status = await collectStatus(new AuthStorage(`${dir}/auth.json`, { deps }), deps);
    const byId = Object.fromEntries(status.map((s) => [s.id, s]));
    assert.deepEqual(byId["openai-codex"], {
      id: "openai-codex",
      name: "ChatGPT Plus/Pro (Codex Subscription)",
      loggedIn: true,
      source: "oauth",
      accountId: "acc-9",
      email: "p@x.io",
      plan: "pro",
      expires: now - 120_000,
      expiresAt: "2025-12-31T23:58:00.000Z",
      expiresIn: "2 minutes ago",
      expired: true,
      account: "default",
      accounts: [{
        name: "default",
        active: true,
        accountId: "acc-9",
        email: "p@x.io",
        plan: "pro",
        expires: now - 120_000,
        usage: null,
      }],
    });
    assert.equal(byId.openai.source, "api_key");
    assert.equal(byId.anthropic.source, "env");
    assert.equal(byId.anthropic.env, "ANTHROPIC_API_KEY");
    const text = JSON.stringify(status);
    for (
      const secret of [access, "rt-zzzzzzzzzz", "sk-openai-secret-key", "sk-ant-env-key-abcdef"]
    ) {
      assert.ok(!text.includes(secret));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
