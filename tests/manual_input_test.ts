import assert from "node:assert/strict";
import { codeFromManualInput, parseManualInput } from "../src/auth/manual_input.ts";
import { isPiError } from "../src/errors.ts";

Deno.test("parseManualInput: the four accepted shapes", () => {
  assert.deepEqual(
    parseManualInput("http://localhost:1455/auth/callback?code=abc&state=xyz"),
    { code: "abc", state: "xyz" },
  );
  assert.deepEqual(parseManualInput("code=abc&state=xyz"), { code: "abc", state: "xyz" });
  assert.deepEqual(parseManualInput("?state=xyz&code=abc"), { code: "abc", state: "xyz" });
  assert.deepEqual(parseManualInput("abc#xyz"), { code: "abc", state: "xyz" });
  assert.deepEqual(parseManualInput("abc"), { code: "abc" });
});

Deno.test("parseManualInput: whitespace, quotes, encoding, errors, garbage", () => {
  assert.deepEqual(parseManualInput('  "abc#xyz"\n'), { code: "abc", state: "xyz" });
  assert.deepEqual(
    parseManualInput("http://localhost:1457/auth/callback?code=a%2Bb&state=x%3D"),
    { code: "a+b", state: "x=" },
  );
  assert.deepEqual(
    parseManualInput("http://localhost:1455/auth/callback?error=access_denied&state=s"),
    { error: "access_denied", state: "s" },
  );
  assert.deepEqual(parseManualInput(""), {});
  assert.deepEqual(parseManualInput("   "), {});
  assert.deepEqual(parseManualInput("two words"), {});
  assert.deepEqual(parseManualInput("http://localhost:1455/auth/callback"), {});
});

Deno.test("codeFromManualInput: a present state must match", () => {
  assert.equal(codeFromManualInput("abc#st", "st"), "abc");
  assert.equal(codeFromManualInput("abc", "st"), "abc");
  assert.equal(codeFromManualInput("code=abc&state=st", "st"), "abc");
  assert.throws(
    () => codeFromManualInput("http://localhost:1455/auth/callback?code=abc&state=old", "st"),
    (err) => isPiError(err, "auth.state_mismatch") && /State mismatch/.test(err.message),
  );
  assert.throws(
    () => codeFromManualInput("abc#old", "st"),
    (e) => isPiError(e, "auth.state_mismatch"),
  );
  assert.throws(() => codeFromManualInput("", "st"), (e) => isPiError(e, "auth.login_failed"));
  assert.throws(
    () => codeFromManualInput("error=access_denied&state=st", "st"),
    (e) => isPiError(e, "auth.login_failed") && /access_denied/.test(e.message),
  );
});
