import assert from "node:assert/strict";
import {
  decodeJwtPayload,
  getAccountId,
  getJwtClaims,
  getJwtExpiry,
  isJwt,
} from "../src/auth/jwt.ts";
import { isPiError } from "../src/errors.ts";

function b64url(text: string, padded = false): string {
  const s = new TextEncoder().encode(text).toBase64({ alphabet: "base64url" });
  return padded ? s : s.replace(/=+$/, "");
}

function jwt(payload: unknown, padded = false): string {
  return `${b64url('{"alg":"none"}', padded)}.${b64url(JSON.stringify(payload), padded)}.sig`;
}

const payload = {
  exp: 1767225600,
  email: "me@example.com",
  "https://api.openai.com/auth": { chatgpt_account_id: "acc-123", chatgpt_plan_type: "pro" },
};

Deno.test("decodeJwtPayload reads a base64url payload", () => {
  assert.deepEqual(decodeJwtPayload(jwt(payload)), payload);
});

Deno.test("decodeJwtPayload tolerates padding and standard base64 characters", () => {
  // A payload whose base64 needs padding and contains '-'/'_' in base64url.
  const p = { s: "??>>~~", n: 1 };
  const token = jwt(p, true);
  assert.ok(token.split(".")[1].endsWith("="), "test payload should be padded");
  assert.deepEqual(decodeJwtPayload(token), p);
  const std = token.split(".").map((part) => part.replace(/-/g, "+").replace(/_/g, "/")).join(".");
  assert.deepEqual(decodeJwtPayload(std), p);
});

Deno.test("non-JWT input is refused with auth.invalid_token and no token text", () => {
  const secrets = [
    "sk-proj-abcdefghijklmnop",
    "a.b",
    "a.!!!!.c",
    `x.${b64url("not json")}.y`,
    `x.${b64url("[1,2]")}.y`,
    `x..y`,
    "",
  ];
  for (const secret of secrets) {
    assert.throws(() => decodeJwtPayload(secret), (err) => {
      assert.ok(isPiError(err, "auth.invalid_token"), String(err));
      if (secret.length > 3) assert.ok(!err.message.includes(secret), err.message);
      assert.match(err.message, /not a JWT/);
      return true;
    });
    assert.equal(isJwt(secret), false);
  }
});

Deno.test("claims: account id, plan type, email, expiry", () => {
  const token = jwt(payload);
  assert.equal(getAccountId(token), "acc-123");
  assert.equal(getJwtExpiry(token), 1767225600000);
  assert.deepEqual(getJwtClaims(token), {
    accountId: "acc-123",
    planType: "pro",
    email: "me@example.com",
  });
  assert.equal(isJwt(token), true);
});

Deno.test("claims: email under the profile claim; missing claims are undefined", () => {
  const token = jwt({ "https://api.openai.com/profile": { email: "p@example.com" } });
  assert.deepEqual(getJwtClaims(token), { email: "p@example.com" });
  assert.equal(getAccountId(token), undefined);
  assert.equal(getJwtExpiry(token), undefined);
  assert.equal(getJwtExpiry(jwt({ exp: "soon" })), undefined);
});
