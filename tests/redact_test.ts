import assert from "node:assert/strict";
import { redact } from "../src/redact.ts";
import { formatError } from "../src/cli/format_error.ts";
import { PiError } from "../src/errors.ts";

const JWT =
  "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyIiwiZXhwIjoxNzY3MjI1NjAwfQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ";

Deno.test("redact removes JWTs, bearer tokens, keys and refresh tokens", () => {
  const text = [
    `token ${JWT} here`,
    "Authorization: Bearer abcdefghijklmnop1234",
    "key sk-proj-abcdefghijklmnopqrstuvwxyz",
    "anthropic sk-ant-api03-abcdefghijklmnop",
    "refresh rt-abcdefghijklmnopqrstuvwxyz",
    '{"refresh_token":"some-opaque-refresh-value"}',
    "access_token=opaqueaccessvalue123&x=1",
  ].join("\n");
  const out = redact(text);
  for (
    const secret of [
      JWT,
      "abcdefghijklmnop1234",
      "sk-proj-abcdefghijklmnopqrstuvwxyz",
      "sk-ant-api03-abcdefghijklmnop",
      "rt-abcdefghijklmnopqrstuvwxyz",
      "some-opaque-refresh-value",
      "opaqueaccessvalue123",
    ]
  ) {
    assert.ok(!out.includes(secret), `${secret} leaked in: ${out}`);
  }
  assert.match(out, /Bearer \[redacted\]/);
});

Deno.test("redact leaves ordinary text alone", () => {
  const text =
    "Port 1455 already in use; paste the redirect URL (gpt-5.2-codex, ~/.pi/agent/auth.json)";
  assert.equal(redact(text), text);
});

Deno.test("redact keeps paths and words that only contain a token prefix", () => {
  for (
    const text of [
      "Cannot read /tmp/cart-rt-1/agent/auth.json: it is a directory",
      "Cannot read /tmp/cart-rt-1_x8f3k2ab/agent/auth.json: permission denied",
      "/home/ada/art-rt-12345678901234567890abcdef/notes.md",
      "pip install sk-learn-examples-for-beginners",
      "see /srv/rt-vision-transformer-weights/README",
      "sessions/sess-2024-01-01-notes.md and ~/task-list-items-for-today",
      "the server expects Bearer authentication.",
      "rt-1, sk-2 and sess-3 are short names",
    ]
  ) {
    assert.equal(redact(text), text);
  }
});

Deno.test("redact catches tokens of realistic shapes wherever they stand", () => {
  const openaiKey = "sk-" + "T3BlbkFJx9Qm2Lr7Vt4Wz1Yb8Nc5Kd0Hf6Gj3Ps".padEnd(48, "A1b");
  const projectKey = "sk-proj-" + "Ab3_Cd5-Ef7Gh9Ij1Kl3Mn5Op7Qr9St1Uv3Wx5Yz7".repeat(3);
  const anthropicKey = "sk-ant-api03-" + "Xy7_Zq8-Wv9Ut0SrQpOn1MlK2jIh3gFe".repeat(3);
  const refreshUnderscore = "rt_Zm9vYmFyLXJlZnJlc2gtdG9rZW4tMTIz.AbCdEf0123456789";
  const refreshHyphen = "rt-4f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c";
  const session = "sess-Q2xhdWRlIGlzIG5vdCBhIHRva2Vu0123";
  for (
    const secret of [openaiKey, projectKey, anthropicKey, refreshUnderscore, refreshHyphen, session]
  ) {
    for (
      const text of [
        secret,
        `token ${secret} here`,
        `{"refresh":"${secret}"}`,
        `OPENAI_API_KEY=${secret}`,
        `path/${secret}/x`,
        `x-${secret}`,
      ]
    ) {
      // Inside a longer word only a long token of mixed case and digits is judged a token.
      if (text === `x-${secret}` && secret === refreshHyphen) continue;
      const out = redact(text);
      assert.ok(!out.includes(secret), `${secret} leaked in: ${out}`);
      assert.match(out, /\[redacted\]/);
    }
  }
});

Deno.test("formatError: one line, hint, no stack unless debug, redacted", () => {
  const err = new PiError("auth.refresh_failed", `Failed to refresh OAuth token\nfor ${JWT}`, {
    hint: "run /login (or pi login openai-codex)",
  });
  const line = formatError(err, false);
  assert.equal(line.split("\n").length, 2); // one line plus the final newline
  assert.match(line, /^pi: Failed to refresh OAuth token for \[redacted\]; run \/login/);
  assert.ok(!line.includes("at "));
  const debug = formatError(new Error("boom", { cause: new Error(`inner ${JWT}`) }), true);
  assert.match(debug, /at /);
  assert.match(debug, /Caused by: Error: inner \[redacted\]/);
  assert.ok(!debug.includes(JWT));
});
