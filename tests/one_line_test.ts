import assert from "node:assert/strict";
import { oneLine } from "../src/one_line.ts";
import { formatError } from "../src/cli/format_error.ts";
import { PiError } from "../src/errors.ts";

Deno.test("oneLine drops escape sequences, controls and bidi overrides, joins lines", () => {
  const cases: [string, string][] = [
    ["bad\n  request\x1b[2J\x1b]0;title\x07!", "bad request!"],
    ["a\tb\u202ec", "a bc"],
    ["x\r\ny\rz", "x y z"],
    ["reset\x1bc!", "reset!"],
    ["c1\x9b31mred", "c1red"],
    ["\x1b[?25lhidden cursor\x00\x07", "hidden cursor"],
    ["charset\x1b(B.", "charset."],
    ["dcs\x1bP1;2qdata\x1b\\ok", "dcsok"],
    ["trailing escape\x1b", "trailing escape"],
    ["  para\n\n\npara  ", "para para"],
    ["unicode stays: é ü 中文 🙂", "unicode stays: é ü 中文 🙂"],
  ];
  for (const [input, want] of cases) assert.equal(oneLine(input), want, JSON.stringify(input));
});

Deno.test("formatError prints an outside message and its hint as one clean line", () => {
  const err = new PiError(
    "auth.login_failed",
    "Token exchange failed: invalid_request: bad\ncode\x1b[31m red\x1b]8;;http://evil\x07link",
    { hint: "run pi login\nagain\x1b[2J" },
  );
  const line = formatError(err, false);
  assert.equal(
    line,
    "pi: Token exchange failed: invalid_request: bad code redlink; run pi login again\n",
  );
});
