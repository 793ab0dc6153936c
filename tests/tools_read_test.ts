import assert from "node:assert/strict";
import { DEFAULT_READ_LINES, readTool } from "../src/agent/tools/read.ts";
import { resultText } from "../src/agent/tools/types.ts";

async function withDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "pi_read_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const PNG = Uint8Array.from([
  0x89,
  0x50,
  0x4e,
  0x47,
  0x0d,
  0x0a,
  0x1a,
  0x0a,
  0,
  0,
  0,
  0x0d,
  0x49,
  0x48,
  0x44,
  0x52,
]);

Deno.test("read numbers lines, relative to the cwd", async () => {
  await withDir(async (dir) => {
    await Deno.mkdir(`${dir}/sub`);
    await Deno.writeTextFile(`${dir}/sub/a.txt`, "alpha\nbeta\r\ngamma");
    const result = await readTool.execute({ path: "sub/a.txt" }, { cwd: dir });
    assert.equal(result.isError, false);
    assert.equal(resultText(result), "     1\talpha\n     2\tbeta\n     3\tgamma");
  });
});

Deno.test("read honours offset and limit and says how to go on", async () => {
  await withDir(async (dir) => {
    const lines = Array.from({ length: 100 }, (_, i) => `line ${i + 1}`).join("\n");
    await Deno.writeTextFile(`${dir}/f.txt`, lines);
    const result = await readTool.execute({ path: "f.txt", offset: 10, limit: 3 }, { cwd: dir });
    const text = resultText(result);
    assert.ok(text.startsWith("    10\tline 10\n    11\tline 11\n    12\tline 12"));
    assert.match(text, /read more with offset=13/);
    const past = await readTool.execute({ path: "f.txt", offset: 500 }, { cwd: dir });
    assert.equal(past.isError, true);
    assert.match(resultText(past), /past the end .*100 lines/);
  });
});

Deno.test("read of a missing file or a directory tells the model", async () => {
  await withDir(async (dir) => {
    const missing = await readTool.execute({ path: "nope.txt" }, { cwd: dir });
    assert.equal(missing.isError, true);
    assert.equal(resultText(missing), "File not found: nope.txt");
    const directory = await readTool.execute({ path: "." }, { cwd: dir });
    assert.equal(directory.isError, true);
    assert.match(resultText(directory), /is a directory/);
    const bad = await readTool.execute({ path: 5 }, { cwd: dir });
    assert.match(resultText(bad), /must be a string/);
  });
});

Deno.test("read of a huge file returns a bounded window", async () => {
  await withDir(async (dir) => {
    const big = "x".repeat(100) + "\n";
    await Deno.writeTextFile(`${dir}/big.txt`, big.repeat(200_000)); // ~20 MB
    const result = await readTool.execute({ path: "big.txt" }, { cwd: dir });
    const text = resultText(result);
    assert.ok(text.length < 60 * 1024, `got ${text.length} characters`);
    assert.match(text, /read more with offset=\d+/);
    await Deno.writeTextFile(`${dir}/long.txt`, "y".repeat(10_000));
    const cut = resultText(await readTool.execute({ path: "long.txt" }, { cwd: dir }));
    assert.match(cut, /line cut: 10000 characters/);
  });
});

Deno.test("read default limit is the documented number of lines", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/n.txt`, "a\n".repeat(DEFAULT_READ_LINES + 5));
    const text = resultText(await readTool.execute({ path: "n.txt" }, { cwd: dir }));
    assert.match(text, new RegExp(`lines 1-${DEFAULT_READ_LINES} `));
  });
});

Deno.test("read describes binary files instead of dumping them", async () => {
  await withDir(async (dir) => {
    await Deno.writeFile(`${dir}/x.bin`, Uint8Array.from([1, 2, 0, 3, 4]));
    const result = await readTool.execute({ path: "x.bin" }, { cwd: dir });
    assert.equal(resultText(result), "x.bin is a binary file (5 bytes); not shown");
  });
});

Deno.test("read passes images to vision models only", async () => {
  await withDir(async (dir) => {
    await Deno.writeFile(`${dir}/pic.png`, PNG);
    const seen = await readTool.execute({ path: "pic.png" }, { cwd: dir, supportsImages: true });
    const image = seen.content.find((c) => c.type === "image");
    assert.ok(image && image.type === "image");
    assert.equal(image.mimeType, "image/png");
    assert.deepEqual(Uint8Array.fromBase64(image.data), PNG);
    const blind = await readTool.execute({ path: "pic.png" }, { cwd: dir });
    assert.ok(blind.content.every((c) => c.type === "text"));
    assert.match(resultText(blind), /cannot see images/);
  });
});
