import assert from "node:assert/strict";
import {
  findLatestSession,
  readSession,
  sessionDir,
  sessionDirName,
  SessionWriter,
  uuidFromBytes,
} from "../src/agent/session_store.ts";

async function withDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "pi_sessions_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("sessionDirName makes one safe directory name of a cwd", () => {
  assert.equal(sessionDirName("/home/me/my proj"), "--home-me-my-proj--");
  assert.equal(sessionDirName("/"), "----");
  assert.equal(sessionDirName("/a/../b:c"), "--a-..-b-c--");
  assert.doesNotMatch(sessionDirName("/x/y/z"), /\//);
});

Deno.test("a session is a private JSONL file: header, then entries as they happen", async () => {
  await withDir(async (agentDir) => {
    const now = Date.UTC(2026, 10, 25, 12, 0, 0, 123);
    const id = uuidFromBytes(new Uint8Array(16).fill(7));
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const writer = await SessionWriter.create({
      agentDir: `${agentDir}/agent`,
      cwd: "/home/me/proj",
      model: "openai-codex/gpt-5.2-codex",
      id,
      now,
    });
    const dir = sessionDir(`${agentDir}/agent`, "/home/me/proj");
    assert.equal(writer.path, `${dir}/2026-11-25T12-00-00-123Z_${id}.jsonl`);
    writer.appendMessage({ role: "user", content: "hi" }, now);
    // Written as it goes: readable before close.
    const mid = await readSession(writer.path);
    assert.deepEqual(mid.messages, [{ role: "user", content: "hi" }]);
    writer.append({ type: "usage", timestamp: "t", model: "m", usage: { input: 1 } });
    writer.close();
    const lines = (await Deno.readTextFile(writer.path)).trimEnd().split("\n");
    assert.equal(lines.length, 3);
    const header = JSON.parse(lines[0]);
    assert.deepEqual(header, {
      type: "session",
      version: 1,
      id,
      cwd: "/home/me/proj",
      model: "openai-codex/gpt-5.2-codex",
      timestamp: "2026-11-25T12:00:00.123Z",
    });
    assert.equal((await Deno.stat(writer.path)).mode! & 0o777, 0o600);
    assert.equal((await Deno.stat(dir)).mode! & 0o777, 0o700);
    assert.equal((await Deno.stat(`${agentDir}/agent/sessions`)).mode! & 0o777, 0o700);
    assert.equal((await Deno.stat(`${agentDir}/agent`)).mode! & 0o777, 0o700);
  });
});

Deno.test("a torn last line is skipped on read and does not swallow the next entry", async () => {
  await withDir(async (agentDir) => {
    const writer = await SessionWriter.create({
      agentDir,
      cwd: "/p",
      model: "x/y",
      id: "s1",
      now: 0,
    });
    writer.appendMessage({ n: 1 }, 0);
    writer.close();
    await Deno.writeTextFile(writer.path, '{"type":"message","timest', { append: true });
    const torn = await readSession(writer.path);
    assert.equal(torn.skippedLines, 1);
    assert.deepEqual(torn.messages, [{ n: 1 }]);
    const resumed = await SessionWriter.resume(torn);
    resumed.appendMessage({ n: 2 }, 0);
    resumed.close();
    const again = await readSession(writer.path);
    assert.deepEqual(again.messages, [{ n: 1 }, { n: 2 }]);
  });
});

Deno.test("findLatestSession picks the newest session of the cwd only", async () => {
  await withDir(async (agentDir) => {
    assert.equal(await findLatestSession(agentDir, "/p"), undefined);
    const a = await SessionWriter.create({ agentDir, cwd: "/p", model: "m", id: "a", now: 1000 });
    a.close();
    const b = await SessionWriter.create({ agentDir, cwd: "/p", model: "m", id: "b", now: 2000 });
    b.close();
    const other = await SessionWriter.create({
      agentDir,
      cwd: "/q",
      model: "m",
      id: "c",
      now: 3000,
    });
    other.close();
    await Deno.utime(a.path, 100, 100);
    await Deno.utime(b.path, 200, 200);
    assert.equal(await findLatestSession(agentDir, "/p"), b.path);
    // Continuing an older session makes it the newest.
    await Deno.utime(a.path, 300, 300);
    assert.equal(await findLatestSession(agentDir, "/p"), a.path);
    assert.equal(await findLatestSession(agentDir, "/q"), other.path);
  });
});
