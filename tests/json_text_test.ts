import assert from "node:assert/strict";
import { parseJsonText } from "../src/json_text.ts";
import { parseSettings } from "../src/settings.ts";

Deno.test("parseJsonText: bad JSON nested too deeply to locate is a result, not a RangeError", () => {
  const parsed = parseJsonText("[".repeat(200_000));
  assert.ok(!parsed.ok);
  assert.equal(parsed.where, "a depth too deep to locate: Unexpected end of JSON input");
  assert.ok(parsed.cause instanceof SyntaxError);
  // Shallow enough: still the line and column.
  const shallow = parseJsonText("[".repeat(1_000));
  assert.ok(!shallow.ok);
  assert.match(shallow.where, /^line 1, column 1001: unexpected end of file/);
  // What the user sees for a settings.json like that.
  assert.throws(
    () => parseSettings(`{"a": ${"[".repeat(200_000)}`, "/agent/settings.json"),
    {
      message:
        "/agent/settings.json: invalid JSON at a depth too deep to locate: Unexpected end of JSON input",
    },
  );
});
