import assert from "node:assert/strict";
import {
  buildCodeExchangeRequest,
  exchangeCode,
  processTokenResponse,
} from "../src/auth/token_exchange.ts";
import { buildRevokeRequest } from "../src/auth/revoke.ts";
import { isPiError } from "../src/errors.ts";
import { freePort } from "./fixtures/fake_oauth_issuer.ts";

Deno.test("buildCodeExchangeRequest: form POST with exactly the five fields", async () => {
  const r = buildCodeExchangeRequest({
    tokenEndpoint: "https://i.example/oauth/token",
    code: "c",
    redirectUri: "http://localhost:1455/auth/callback",
    clientId: "cid",
    codeVerifier: "v",
  });
  assert.equal(r.method, "POST");
  assert.equal(r.headers.get("content-type"), "application/x-www-form-urlencoded");
  assert.deepEqual(Object.fromEntries(new URLSearchParams(await r.text())), {
    grant_type: "authorization_code",
    code: "c",
    redirect_uri: "http://localhost:1455/auth/callback",
    client_id: "cid",
    code_verifier: "v",
  });
});

Deno.test("processTokenResponse: validates, and never echoes a token", async () => {
  const ok = await processTokenResponse(
    Response.json({ access_token: "a", refresh_token: "r", expires_in: "60" }),
  );
  assert.equal(ok.expires_in, 60);
  await assert.rejects(
    processTokenResponse(Response.json({ access_token: "a" })),
    (e) => isPiError(e, "auth.login_failed") && /refresh_token/.test(e.message),
  );
  await assert.rejects(
    processTokenResponse(new Response("<html>", { status: 200 })),
    (e) => isPiError(e, "auth.login_failed") && /not JSON/.test(e.message),
  );
  const secret = "rt-abcdefghijklmnop";
  await assert.rejects(
    processTokenResponse(
      Response.json({ error: "invalid_grant", error_description: `token ${secret} reused` }, {
        status: 400,
      }),
    ),
    (e) =>
      isPiError(e, "auth.login_failed") && /HTTP 400/.test(e.message) &&
      /invalid_grant/.test(e.message) && !e.message.includes(secret),
  );
});

Deno.test("exchangeCode: an unreachable issuer is a clear login failure", async () => {
  const port = freePort(); // nothing listens there
  await assert.rejects(
    exchangeCode({
      tokenEndpoint: `http://127.0.0.1:${port}/oauth/token`,
      code: "c",
      redirectUri: "r",
      clientId: "cid",
      codeVerifier: "v",
    }, { fetch }),
    (e) => isPiError(e, "auth.login_failed") && /cannot reach/.test(e.message),
  );
});

Deno.test("buildRevokeRequest: RFC 7009 form", async () => {
  const r = buildRevokeRequest("https://i.example/oauth/revoke", {
    token: "rt",
    tokenTypeHint: "refresh_token",
    clientId: "cid",
  });
  assert.deepEqual(Object.fromEntries(new URLSearchParams(await r.text())), {
    token: "rt",
    token_type_hint: "refresh_token",
    client_id: "cid",
  });
});
