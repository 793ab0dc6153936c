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
