import assert from "node:assert/strict";
import { TextBuffer } from "../src/ai/reduce.ts";

Deno.test("TextBuffer: many pieces, joined as they come, read back whole", () => {
  const b = new TextBuffer();
  const pieces = Array.from({ length: 5000 }, (_, i) => (i % 7 === 0 ? "🙂" : `p${i}`));
  pieces.forEach((p, i) => {
    b.append(p);
    if (i === 1234) assert.equal(b.toString(), pieces.slice(0, 1235).join(""));
  });
  assert.equal(b.toString(), pieces.join(""));
  assert.equal(b.length, pieces.join("").length);
  assert.equal(new TextBuffer().toString(), "");
});
