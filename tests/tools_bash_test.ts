import assert from "node:assert/strict";
import { bashTool, HeadTailBuffer } from "../src/agent/tools/bash.ts";
import { resultText } from "../src/agent/tools/types.ts";
import { liveProcesses } from "./fixtures/processes.ts";

async function withDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "pi_bash_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("bash runs in the cwd and returns the output", async () => {
  await withDir(async (dir) => {
    const result = await bashTool.execute({ command: "echo $((6*7)); pwd" }, { cwd: dir });
    assert.equal(result.isError, false);
    assert.equal(resultText(result), `42\n${await Deno.realPath(dir)}`);
  });
});

Deno.test("bash reports a non-zero exit with the output, stderr included", async () => {
  await withDir(async (dir) => {
    const result = await bashTool.execute(
      { command: "echo out; echo oops >&2; exit 3" },
      { cwd: dir },
    );
    assert.equal(result.isError, true);
    const text = resultText(result);
    assert.match(text, /out/);
    assert.match(text, /oops/);
    assert.match(text, /exited with code 3/);
  });
});

Deno.test("bash streams output through onUpdate", async () => {
  await withDir(async (dir) => {
    const chunks: string[] = [];
    await bashTool.execute(
      { command: "echo one; sleep 0.2; echo two" },
      { cwd: dir, onUpdate: (c) => chunks.push(c) },
    );
    assert.equal(chunks.join(""), "one\ntwo\n");
    assert.ok(chunks.length >= 2, "output arrives in pieces as it is written");
  });
});

Deno.test("bash past its timeout is killed with its children and says so", async () => {
  await withDir(async (dir) => {
    const marker = "31.41592";
    const result = await bashTool.execute(
      { command: `echo started; sleep ${marker} & sleep ${marker}`, timeout: 1 },
      { cwd: dir },
    );
    assert.equal(result.isError, true);
    const text = resultText(result);
    assert.match(text, /started/);
    assert.match(text, /timed out after 1 s/);
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(liveProcesses(marker), []);
  });
});

Deno.test("bash abort kills the process group promptly", async () => {
  await withDir(async (dir) => {
    const marker = "32.71828";
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const result = await bashTool.execute(
      { command: `sleep ${marker} & sleep ${marker}; echo never` },
      { cwd: dir, signal: controller.signal },
    );
    assert.equal(result.isError, true);
    assert.match(resultText(result), /aborted/);
    assert.doesNotMatch(resultText(result), /never/);
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(liveProcesses(marker), []);
  });
});

Deno.test("bash does not hang on background jobs and stops them when done", async () => {
  await withDir(async (dir) => {
    const marker = "33.14142";
    const result = await bashTool.execute(
      { command: `sleep ${marker} & echo launched` },
      { cwd: dir },
    );
    assert.equal(resultText(result), "launched");
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(liveProcesses(marker), []);
  });
});

Deno.test("bash cuts long output to head and tail with a note", async () => {
  await withDir(async (dir) => {
    const result = await bashTool.execute({ command: "seq 1 200000" }, { cwd: dir });
    const text = resultText(result);
    assert.ok(text.startsWith("1\n2\n3\n"));
    assert.ok(text.endsWith("199999\n200000"));
    assert.match(text, /lines \([\d.]+ KiB\) of output omitted/);
    assert.ok(text.length < 40 * 1024);
  });
});

Deno.test("bash refuses a missing command argument as text", async () => {
  const result = await bashTool.execute({}, { cwd: "/" });
  assert.equal(result.isError, true);
  assert.match(resultText(result), /Missing required argument "command"/);
});

Deno.test("HeadTailBuffer keeps everything when short and counts omitted lines when long", () => {
  const short = new HeadTailBuffer(10, 10);
  short.push("abc\n");
  short.push("def\n");
  assert.equal(short.toString(), "abc\ndef\n");
  const long = new HeadTailBuffer(4, 4);
  for (let i = 0; i < 10; i++) long.push(`${i}\n`);
  const text = long.toString();
  assert.ok(text.startsWith("0\n1\n"));
  assert.ok(text.endsWith("8\n9\n"));
  assert.match(text, /6 lines \(12 characters\) of output omitted/);
});
