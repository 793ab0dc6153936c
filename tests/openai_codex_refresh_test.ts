import assert from "node:assert/strict";
import {
  buildRefreshRequest,
  credentialFromTokenResponse,
  openaiCodexProvider,
  refreshOpenAICodexToken,
} from "../src/auth/openai_codex.ts";
import { createDeps, type Deps } from "../src/deps.ts";
import { isPiError } from "../src/errors.ts";
import type { OAuthCredential } from "../src/auth/types.ts";
import { makeAccessToken, makeJwt, startFakeIssuer } from "./fixtures/auth_fake_issuer.ts";

const NOW = 1_767_225_600_000;

function deps(env: Record<string, string> = {}, overrides: Partial<Deps> = {}): Deps {
  return { ...createDeps(), env: (name) => env[name], now: () => NOW, ...overrides };
}

function stale(refresh: string): OAuthCredential {
  return {
    type: "oauth",
    access: makeAccessToken("acc-old", NOW / 1000 - 60),
    refresh,
    expires: NOW - 60_000,
    accountId: "acc-old",
    custom: "kept",
  };
}

Deno.test("refresh request: form POST to {issuer}/oauth/token with the three fields", async () => {
  const req = buildRefreshRequest(
    "the-refresh",
    deps({ PI_OPENAI_CODEX_ISSUER: "http://x.test/" }),
  );
  assert.equal(req.method, "POST");
  assert.equal(req.url, "http://x.test/oauth/token");
  assert.equal(req.headers.get("content-type"), "application/x-www-form-urlencoded");
  assert.deepEqual(Object.fromEntries(new URLSearchParams(await req.text())), {
    grant_type: "refresh_token",
    refresh_token: "the-refresh",
    client_id: "app_EMoamEEZ73f0CkXaXp7hrann",
  });
  assert.equal(buildRefreshRequest("r", deps()).url, "https://auth.openai.com/oauth/token");
});

Deno.test("credentialFromTokenResponse: expires from expires_in, else JWT exp; account id from the claim", () => {
  const access = makeAccessToken("acc-new", NOW / 1000 + 7200);
  assert.deepEqual(
    credentialFromTokenResponse(
      { access_token: access, refresh_token: "r2", expires_in: 3600, id_token: makeJwt({}) },
      deps(),
    ),
    { type: "oauth", access, refresh: "r2", expires: NOW + 3_600_000, accountId: "acc-new" },
  );
  // No expires_in: the JWT exp.
  assert.equal(
    credentialFromTokenResponse({ access_token: access, refresh_token: "r2" }, deps()).expires,
    NOW + 7_200_000,
  );
  // Account id from the id token when the access token lacks it; previous fields kept.
  const idToken = makeJwt({ "https://api.openai.com/auth": { chatgpt_account_id: "acc-id" } });
  const noClaim = makeJwt({ exp: NOW / 1000 + 60 });
  const cred = credentialFromTokenResponse(
    { access_token: noClaim, id_token: idToken, expires_in: "120" },
    deps(),
    { previous: stale("r-prev") },
  );
  assert.equal(cred.accountId, "acc-id");
  assert.equal(cred.refresh, "r-prev", "a reply without refresh_token keeps the old one");
  assert.equal(cred.expires, NOW + 120_000);
  assert.equal(cred.custom, "kept");
});

Deno.test("credentialFromTokenResponse refuses malformed replies without echoing them", () => {
  for (const json of [null, [], { refresh_token: "secret-r" }, { access_token: 5 }]) {
    assert.throws(() => credentialFromTokenResponse(json, deps()), (e) => {
      assert.ok(isPiError(e, "auth.login_failed"), String(e));
      assert.ok(!e.message.includes("secret-r"));
      return true;
    });
  }
  assert.throws(
    () =>
      credentialFromTokenResponse({ access_token: "a" }, deps(), {
        errorCode: "auth.refresh_failed",
      }),
    { code: "auth.refresh_failed", message: /no refresh_token/ },
  );
});

Deno.test("refresh against the token endpoint: rotated tokens, new expiry and account", async () => {
  const issuer = startFakeIssuer({ delayMs: 0, accountId: "acc-rotated" });
  try {
    issuer.reset("refresh-one-0001");
    const d = deps({ PI_OPENAI_CODEX_ISSUER: issuer.url });
    const next = await openaiCodexProvider.refresh(stale("refresh-one-0001"), d);
    assert.equal(next.access, issuer.currentAccess);
    assert.equal(next.refresh, issuer.currentRefresh);
    assert.notEqual(next.refresh, "refresh-one-0001");
    assert.equal(next.accountId, "acc-rotated");
    assert.equal(next.expires, NOW + 3_600_000);
    assert.equal(next.custom, "kept");
    assert.equal(issuer.bodies[0].get("client_id"), "app_EMoamEEZ73f0CkXaXp7hrann");
  } finally {
    await issuer.close();
  }
});

Deno.test("a reused refresh token is auth.refresh_failed with the server's code, token cut out", async () => {
  const issuer = startFakeIssuer({ delayMs: 0 });
  try {
    issuer.reset("refresh-current-0002");
    const old = stale("opaque.reused.value.1234");
    const err = await refreshOpenAICodexToken(old, deps({ PI_OPENAI_CODEX_ISSUER: issuer.url }))
      .then(() => undefined, (e) => e);
    assert.ok(isPiError(err, "auth.refresh_failed"), String(err));
    assert.match(
      err.message,
      /^Failed to refresh OAuth token for openai-codex: refresh_token_reused \(Your refresh token has already been used \(\[redacted\]\)/,
    );
    assert.equal(err.hint, "run /login (or pi login openai-codex)");
    assert.ok(!err.message.includes(old.refresh));
  } finally {
    await issuer.close();
  }
});

Deno.test("error shapes: OpenAI nested error, bare status, 5xx is not a rejected token", async () => {
  const issuer = startFakeIssuer({ delayMs: 0 });
  try {
    const d = deps({ PI_OPENAI_CODEX_ISSUER: issuer.url });
    issuer.failWith = {
      status: 400,
      body: { error: { code: "invalid_grant", message: "Bearer abcdefghijklmnop is bad" } },
    };
    await assert.rejects(refreshOpenAICodexToken(stale("r-0003"), d), {
      code: "auth.refresh_failed",
      message:
        "Failed to refresh OAuth token for openai-codex: invalid_grant (Bearer [redacted] is bad)",
    });
    issuer.failWith = { status: 401, body: "nope" };
    await assert.rejects(refreshOpenAICodexToken(stale("r-0004"), d), {
      code: "auth.refresh_failed",
      message: "Failed to refresh OAuth token for openai-codex: HTTP 401",
    });
    issuer.failWith = { status: 503, body: {} };
    await assert.rejects(refreshOpenAICodexToken(stale("r-0005"), d), {
      code: "auth.refresh_network",
      message:
        "Failed to refresh OAuth token for openai-codex: the token endpoint failed (HTTP 503)",
    });
  } finally {
    await issuer.close();
  }
});

Deno.test("no answer is auth.refresh_network, distinct from a rejected token", async () => {
  const failingFetch: typeof fetch = () => Promise.reject(new TypeError("connection refused"));
  const err = await refreshOpenAICodexToken(
    stale("r-0006"),
    deps({ PI_OPENAI_CODEX_ISSUER: "http://127.0.0.1:9" }, { fetch: failingFetch }),
  ).then(() => undefined, (e) => e);
  assert.ok(isPiError(err, "auth.refresh_network"), String(err));
  assert.equal(
    err.message,
    "Failed to refresh OAuth token for openai-codex: could not reach 127.0.0.1:9",
  );
  assert.ok(err.cause instanceof TypeError);
});

Deno.test("a failed refresh's hint: the provider's own login, or the reloginHint passed (an account's)", async () => {
  const failingFetch: typeof fetch = () => Promise.reject(new TypeError("connection refused"));
  const d = deps({ PI_OPENAI_CODEX_ISSUER: "http://127.0.0.1:9" }, { fetch: failingFetch });
  await assert.rejects(openaiCodexProvider.refresh(stale("r-0007"), d), {
    hint:
      "check the network (and HTTPS_PROXY), then try again; if it keeps failing, run /login (or pi login openai-codex)",
  });
  await assert.rejects(
    openaiCodexProvider.refresh(stale("r-0008"), d, {
      reloginHint: "run pi login openai-codex --account work",
    }),
    {
      hint:
        "check the network (and HTTPS_PROXY), then try again; if it keeps failing, run pi login openai-codex --account work",
    },
  );
});
