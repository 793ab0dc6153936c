import assert from "node:assert/strict";
import { editTool, replaceUnique } from "../src/agent/tools/edit.ts";
import { resultText } from "../src/agent/tools/types.ts";

async function withDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "pi_edit_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("edit replaces one unique occurrence", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/f.ts`, "const a = 1;\nconst b = 2;\n");
    const result = await editTool.execute(
      { path: "f.ts", oldText: "const b = 2;", newText: "const b = 3;\nconst c = 4;" },
      { cwd: dir },
    );
    assert.equal(result.isError, false);
    assert.equal(resultText(result), "Edited f.ts at line 2: replaced 1 line with 2");
    assert.equal(
      await Deno.readTextFile(`${dir}/f.ts`),
      "const a = 1;\nconst b = 3;\nconst c = 4;\n",
    );
  });
});

Deno.test("edit with text not found or not unique leaves the file untouched", async () => {
  await withDir(async (dir) => {
    const original = "x = 1\ny = 2\nx = 1\n";
    await Deno.writeTextFile(`${dir}/f.py`, original);
    const missing = await editTool.execute(
      { path: "f.py", oldText: "z = 3", newText: "z = 4" },
      { cwd: dir },
    );
    assert.equal(missing.isError, true);
    assert.match(resultText(missing), /oldText was not found in f\.py; the file is unchanged/);
    const twice = await editTool.execute(
      { path: "f.py", oldText: "x = 1", newText: "x = 2" },
      { cwd: dir },
    );
    assert.equal(twice.isError, true);
    assert.match(resultText(twice), /occurs 2 times in f\.py \(lines 1, 3\)/);
    assert.equal(await Deno.readTextFile(`${dir}/f.py`), original);
    const noFile = await editTool.execute(
      { path: "nope.py", oldText: "a", newText: "b" },
      { cwd: dir },
    );
    assert.equal(resultText(noFile), "File not found: nope.py");
  });
});

Deno.test("replaceUnique hints at whitespace and handles CRLF files", () => {
  const loose = replaceUnique("if (a) {\n    b();\n}\n", "if (a) {\n  b();\n}", "x");
  assert.ok("error" in loose);
  assert.match(loose.error, /different whitespace/);
  const crlf = replaceUnique("one\r\ntwo\r\nthree\r\n", "one\ntwo", "1\n2");
  assert.deepEqual(crlf, { text: "1\r\n2\r\nthree\r\n", line: 1 });
  const same = replaceUnique("abc", "b", "b");
  assert.ok("error" in same);
  const empty = replaceUnique("abc", "", "x");
  assert.ok("error" in empty);
});
