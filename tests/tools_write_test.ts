import assert from "node:assert/strict";
import { writeTool } from "../src/agent/tools/write.ts";
import { resultText } from "../src/agent/tools/types.ts";

async function withDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "pi_write_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("write creates parent directories and the file", async () => {
  await withDir(async (dir) => {
    const result = await writeTool.execute(
      { path: "a/b/c.txt", content: "hello\nworld\n" },
      { cwd: dir },
    );
    assert.equal(result.isError, false);
    assert.equal(resultText(result), "Wrote 12 bytes (2 lines) to a/b/c.txt");
    assert.equal(await Deno.readTextFile(`${dir}/a/b/c.txt`), "hello\nworld\n");
    assert.deepEqual([...Deno.readDirSync(`${dir}/a/b`)].map((e) => e.name), ["c.txt"]);
  });
});

Deno.test("write replaces atomically and keeps the file's mode", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/run.sh`;
    await Deno.writeTextFile(path, "old");
    await Deno.chmod(path, 0o750);
    const inode = (await Deno.stat(path)).ino;
    await writeTool.execute({ path: "run.sh", content: "new" }, { cwd: dir });
    const info = await Deno.stat(path);
    assert.equal(await Deno.readTextFile(path), "new");
    assert.equal(info.mode! & 0o777, 0o750);
    assert.notEqual(info.ino, inode, "replaced by rename, not rewritten in place");
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["run.sh"]);
  });
});

Deno.test("write failures are told to the model", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/file`, "x");
    const under = await writeTool.execute({ path: "file/child.txt", content: "y" }, { cwd: dir });
    assert.equal(under.isError, true);
    assert.match(resultText(under), /file\/child\.txt/);
    const onDir = await writeTool.execute({ path: ".", content: "y" }, { cwd: dir });
    assert.equal(onDir.isError, true);
    const noContent = await writeTool.execute({ path: "x" }, { cwd: dir });
    assert.match(resultText(noContent), /Missing required argument "content"/);
  });
});
