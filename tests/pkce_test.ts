import assert from "node:assert/strict";
import { buildAuthorizeUrl, generatePkce, generateState, pkceChallenge } from "../src/auth/pkce.ts";

const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));

Deno.test("pkceChallenge matches RFC 7636 appendix B", async () => {
  assert.equal(
    await pkceChallenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
    "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
  );
});

Deno.test("generatePkce: 43-char base64url verifier from 32 bytes, S256 challenge", async () => {
  const seen = new Set<string>();
  for (let i = 0; i < 20; i++) {
    const { verifier, challenge } = await generatePkce(random);
    assert.match(verifier, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(challenge, await pkceChallenge(verifier));
    seen.add(verifier);
  }
  assert.equal(seen.size, 20);
  const fixed = await generatePkce((n) => new Uint8Array(n).fill(0xff));
  assert.equal(fixed.verifier, "_".repeat(42) + "8");
});

Deno.test("generatePkce and generateState refuse short randomness", async () => {
  await assert.rejects(() => generatePkce(() => new Uint8Array(16)), RangeError);
  assert.throws(() => generateState(() => new Uint8Array(31)), RangeError);
});

Deno.test("generateState: base64url of 32 random bytes", () => {
  const a = generateState(random);
  const b = generateState(random);
  assert.match(a, /^[A-Za-z0-9_-]{43}$/);
  assert.notEqual(a, b);
});

Deno.test("buildAuthorizeUrl carries every parameter, encoded", () => {
  const url = buildAuthorizeUrl({
    authorizeEndpoint: "https://auth.example.com/oauth/authorize",
    clientId: "app_x",
    redirectUri: "http://localhost:1455/auth/callback",
    scope: "openid profile email offline_access",
    codeChallenge: "ch",
    state: "st",
    extraParams: { originator: "pi", codex_cli_simplified_flow: "true" },
  });
  assert.equal(url.origin + url.pathname, "https://auth.example.com/oauth/authorize");
  assert.deepEqual(Object.fromEntries(url.searchParams), {
    response_type: "code",
    client_id: "app_x",
    redirect_uri: "http://localhost:1455/auth/callback",
    scope: "openid profile email offline_access",
    code_challenge: "ch",
    code_challenge_method: "S256",
    state: "st",
    originator: "pi",
    codex_cli_simplified_flow: "true",
  });
  assert.match(url.href, /redirect_uri=http%3A%2F%2Flocalhost%3A1455%2Fauth%2Fcallback/);
  assert.match(url.href, /scope=openid\+profile\+email\+offline_access/);
});
