import assert from "node:assert/strict";
import {
  dirname,
  readTextFileIfPresent,
  trimTrailingSlashes,
  writeFileAtomic,
  writeFileAtomicSync,
} from "../src/atomic_file.ts";

Deno.test("readTextFileIfPresent: the text, or undefined for a missing file or directory", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/a.json`, "{}");
    assert.equal(readTextFileIfPresent(`${dir}/a.json`), "{}");
    assert.equal(readTextFileIfPresent(`${dir}/missing.json`), undefined);
    assert.equal(readTextFileIfPresent(`${dir}/no/such/dir/a.json`), undefined);
    await Deno.mkdir(`${dir}/adir`);
    assert.throws(() => readTextFileIfPresent(`${dir}/adir`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("atomic writes: new files get the mode, keepMode keeps an existing one, no temp left", async () => {
  const dir = await Deno.makeTempDir();
  try {
    writeFileAtomicSync(`${dir}/s.json`, "one");
    assert.equal(Deno.readTextFileSync(`${dir}/s.json`), "one");
    assert.equal(Deno.statSync(`${dir}/s.json`).mode! & 0o777, 0o600);
    await Deno.writeTextFile(`${dir}/k.txt`, "old", { mode: 0o640 });
    await Deno.chmod(`${dir}/k.txt`, 0o640);
    await writeFileAtomic(`${dir}/k.txt`, "new", { mode: 0o644, keepMode: true });
    assert.equal(Deno.readTextFileSync(`${dir}/k.txt`), "new");
    assert.equal(Deno.statSync(`${dir}/k.txt`).mode! & 0o777, 0o640);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), ["k.txt", "s.json"]);
    assert.equal(dirname(`${dir}/k.txt`), dir);
    assert.equal(dirname("k.txt"), ".");
    assert.equal(dirname("/k.txt"), "/");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("trimTrailingSlashes: URLs and paths lose trailing slashes, the root keeps its own", () => {
  assert.equal(
    trimTrailingSlashes("https://chatgpt.com/backend-api///"),
    "https://chatgpt.com/backend-api",
  );
  assert.equal(trimTrailingSlashes("https://auth.openai.com"), "https://auth.openai.com");
  assert.equal(trimTrailingSlashes("/home/u/.pi/agent/"), "/home/u/.pi/agent");
  assert.equal(trimTrailingSlashes("C:\\Users\\u\\.pi\\agent\\"), "C:\\Users\\u\\.pi\\agent");
  assert.equal(trimTrailingSlashes("///"), "/");
  assert.equal(trimTrailingSlashes("/"), "/");
  assert.equal(trimTrailingSlashes(""), "");
});
