import assert from "node:assert/strict";
import { runStatus } from "../src/cli/commands/status.ts";
import { recordRefreshRejection } from "../src/auth/login_state.ts";
import { createDeps, type Deps } from "../src/deps.ts";
import { makeAccessToken } from "./fixtures/fake_oauth_issuer.ts";

const NOW = Date.parse("2026-03-10T12:00:00Z");

async function status(auth: Record<string, unknown>, json = false) {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/auth.json`;
    await Deno.writeTextFile(path, JSON.stringify(auth), { mode: 0o600 });
    let out = "";
    const deps: Deps = {
      ...createDeps(),
      env: () => undefined,
      now: () => NOW,
      agentDir: dir,
      homeDir: dir,
      stdout: { write: (t) => void (out += t), isTerminal: () => false },
      stderr: { write: () => {}, isTerminal: () => false },
    };
    const entry = auth["openai-codex"] as { refresh: string; rejected?: boolean };
    if (entry.rejected) {
      await recordRefreshRejection(path, "openai-codex", entry.refresh, {
        at: NOW - 3_600_000,
        reason: "refresh_token_reused",
      });
    }
    const code = await runStatus({
      command: ["auth", "status"],
      options: { json },
      positionals: [],
    }, deps);
    assert.equal(code, 0);
    return out;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const access = makeAccessToken({ accountId: "acc-1", plan: "plus", email: "me@x.io" });

Deno.test("pi auth status: when the login was made, and that the access token renews by itself", async () => {
  const out = await status({
    "openai-codex": {
      type: "oauth",
      access,
      refresh: "rt-status-0123456789",
      expires: NOW + 59 * 60_000 + 30_000,
      loggedInAt: NOW - 3 * 86_400_000,
    },
  });
  assert.match(
    out,
    /^ {2}openai-codex {2}logged in \(OAuth\), me@x\.io, plan plus, account acc-1; logged in \w{3} \d{1,2} \d{2}:\d{2} \(3 days ago\); access token renews automatically \(current one valid for 59 minutes\)$/m,
  );
  assert.doesNotMatch(out, /expires in/);
  const expired = await status({
    "openai-codex": {
      type: "oauth",
      access,
      refresh: "rt-status-0123456789",
      expires: NOW - 120_000,
    },
  });
  assert.match(expired, /; access token expired 2 minutes ago, renewed on next use$/m);
  const json = JSON.parse(
    await status({
      "openai-codex": {
        type: "oauth",
        access,
        refresh: "rt-status-0123456789",
        expires: NOW,
        loggedInAt: NOW - 1000,
      },
    }, true),
  );
  assert.equal(json.providers[0].loggedInAt, NOW - 1000);
  assert.equal(json.providers[0].accounts[0].loggedInAt, NOW - 1000);
});

Deno.test("pi auth status after a refused refresh: the login is no longer valid (not 'refreshed on next use')", async () => {
  const out = await status({
    "openai-codex": {
      type: "oauth",
      access,
      refresh: "rt-status-refused-0123",
      expires: NOW - 120_000,
      rejected: true,
    },
  });
  assert.match(
    out,
    /; login no longer valid: the issuer refused its refresh \(refresh_token_reused, 1 hour ago\); run pi login openai-codex$/m,
  );
  assert.doesNotMatch(out, /renewed on next use|rt-status/);
  const json = JSON.parse(
    await status({
      "openai-codex": {
        type: "oauth",
        access,
        refresh: "rt-status-refused-0123",
        expires: NOW - 120_000,
        rejected: true,
      },
    }, true),
  );
  assert.deepEqual(json.providers[0].invalid, {
    at: NOW - 3_600_000,
    reason: "refresh_token_reused",
  });
});
