import assert from "node:assert/strict";
import {
  findLatestSession,
  legacySessionDirName,
  readSessionFile,
  sessionDir,
  sessionDirName,
  sessionDirs,
  SessionFile,
  uuidFromBytes,
} from "../src/agent/session_store.ts";
import { buildSessionContext } from "../src/agent/session_format.ts";

async function withDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "pi_sessions_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

let seed = 0;
const deps = {
  now: () => Date.UTC(2026, 10, 25, 12, 0, 0, 123),
  randomBytes: (n: number) => crypto.getRandomValues(new Uint8Array(n)),
};

Deno.test("sessions go where pi-mono puts them; pi's earlier directory name is looked at too", () => {
  assert.equal(sessionDirName("/tmp/x"), "--tmp-x--");
  assert.equal(sessionDirName("/home/me/my proj"), "--home-me-my proj--");
  assert.equal(sessionDirName("C:\\work\\a"), "--C--work-a--");
  assert.equal(sessionDirName("/"), "----");
  assert.equal(legacySessionDirName("/home/me/my proj"), "--home-me-my-proj--");
  assert.deepEqual(sessionDirs("/agent", "/tmp/x"), ["/agent/sessions/--tmp-x--"]);
  assert.deepEqual(sessionDirs("/agent/", "/a b/ü"), [
    "/agent/sessions/--a b-ü--",
    "/agent/sessions/--a-b----",
  ]);
});

Deno.test("a session is a private JSONL file: header, then entries with ids as they happen", async () => {
  await withDir(async (agentDir) => {
    const id = uuidFromBytes(new Uint8Array(16).fill(7));
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const file = await SessionFile.create(
      { agentDir: `${agentDir}/agent`, cwd: "/home/me/proj", id },
      deps,
    );
    const dir = sessionDir(`${agentDir}/agent`, "/home/me/proj");
    assert.equal(file.path, `${dir}/2026-11-25T12-00-00-123Z_${id}.jsonl`);
    const first = file.append({ type: "model_change", provider: "openai-codex", modelId: "m" });
    const second = file.append({
      type: "message",
      message: { role: "user", content: "hi", timestamp: 1 },
    });
    assert.match(first.id, /^[0-9a-f]{8}$/);
    assert.equal(first.parentId, null);
    assert.equal(second.parentId, first.id);
    assert.notEqual(first.id, second.id);
    // Written as it goes: readable before close.
    const mid = await readSessionFile(file.path);
    assert.deepEqual(mid.lines.map((l) => l.entry.id), [first.id, second.id]);
    // A branch: an explicit parent.
    const branch = file.append(
      { type: "custom", customType: "rewind", data: { toUserMessage: 1 } },
      {
        parentId: first.id,
      },
    );
    assert.equal(branch.parentId, first.id);
    assert.equal(file.leafId, branch.id);
    file.close();
    const lines = (await Deno.readTextFile(file.path)).trimEnd().split("\n").map((l) =>
      JSON.parse(l)
    );
    assert.deepEqual(lines[0], {
      type: "session",
      version: 3,
      id,
      timestamp: "2026-11-25T12:00:00.123Z",
      cwd: "/home/me/proj",
    });
    assert.deepEqual(Object.keys(lines[1]), [
      "type",
      "id",
      "parentId",
      "timestamp",
      "provider",
      "modelId",
    ]);
    assert.equal(lines[1].timestamp, "2026-11-25T12:00:00.123Z");
    assert.equal((await Deno.stat(file.path)).mode! & 0o777, 0o600);
    assert.equal((await Deno.stat(dir)).mode! & 0o777, 0o700);
    assert.equal((await Deno.stat(`${agentDir}/agent/sessions`)).mode! & 0o777, 0o700);
    assert.equal((await Deno.stat(`${agentDir}/agent`)).mode! & 0o777, 0o700);
  });
});

Deno.test("entry ids stay unique in the file, even when the random bytes repeat", async () => {
  await withDir(async (agentDir) => {
    // Two calls give the same 4 bytes, then fresh ones.
    const bytes = [[1, 2, 3, 4], [1, 2, 3, 4], [5, 6, 7, 8]];
    const stuck = {
      now: deps.now,
      randomBytes: (n: number) =>
        n === 4 ? Uint8Array.from(bytes.shift() ?? [9, 9, 9, seed++]) : new Uint8Array(n),
    };
    const file = await SessionFile.create({ agentDir, cwd: "/p", id: "s" }, stuck);
    const a = file.append({ type: "session_info", name: "a" });
    const b = file.append({ type: "session_info", name: "b" });
    file.close();
    assert.equal(a.id, "01020304");
    assert.equal(b.id, "05060708");
  });
});

Deno.test("after a torn last line the next entry starts on its own line; nothing else is lost", async () => {
  await withDir(async (agentDir) => {
    const file = await SessionFile.create({ agentDir, cwd: "/p", id: "s1" }, deps);
    const first = file.append({
      type: "message",
      message: { role: "user", content: "one", timestamp: 1 },
    });
    file.close();
    await Deno.writeTextFile(file.path, '{"type":"message","id":"zz","parentId":"', {
      append: true,
    });
    const torn = await readSessionFile(file.path);
    assert.deepEqual(torn.skipped, [3]);
    assert.match(torn.warning!, new RegExp(`line 3 of ${file.path}`));
    assert.equal(torn.leafId, first.id);
    const resumed = await SessionFile.open(torn, deps);
    const next = resumed.append({
      type: "message",
      message: { role: "user", content: "two", timestamp: 2 },
    });
    resumed.close();
    assert.equal(next.parentId, first.id);
    const again = await readSessionFile(file.path);
    assert.deepEqual(again.skipped, [3], "the torn line stays, alone on its line");
    const texts = buildSessionContext(again).messages.map((m) =>
      m.message.role === "user" && m.message.content
    );
    assert.deepEqual(texts, ["one", "two"]);
  });
});

Deno.test("findLatestSession: the newest session of the cwd, in either directory name", async () => {
  await withDir(async (agentDir) => {
    const cwd = "/p q";
    assert.equal(await findLatestSession(agentDir, cwd), undefined);
    const make = async (id: string) => {
      const f = await SessionFile.create({ agentDir, cwd, id }, deps);
      f.close();
      return f.path;
    };
    const a = await make("a");
    const b = await make("b");
    const other = await SessionFile.create({ agentDir, cwd: "/q", id: "c" }, deps);
    other.close();
    // A session of an earlier pi, in its directory name.
    const legacyDir = `${agentDir}/sessions/${legacySessionDirName(cwd)}`;
    await Deno.mkdir(legacyDir, { recursive: true });
    const legacy = `${legacyDir}/2025-01-01T00-00-00-000Z_old.jsonl`;
    await Deno.writeTextFile(
      legacy,
      JSON.stringify({
        type: "session",
        version: 1,
        id: "old",
        cwd,
        model: "x/y",
        timestamp: "t",
      }) + "\n",
    );
    // Not a session: passed over even when newest.
    const junk = `${sessionDir(agentDir, cwd)}/junk.jsonl`;
    await Deno.writeTextFile(junk, "not json\n");
    await Deno.utime(a, 100, 100);
    await Deno.utime(b, 200, 200);
    await Deno.utime(legacy, 150, 150);
    await Deno.utime(junk, 900, 900);
    assert.equal(await findLatestSession(agentDir, cwd), b);
    await Deno.utime(legacy, 300, 300);
    assert.equal(await findLatestSession(agentDir, cwd), legacy);
    // Continuing an older session makes it the newest.
    await Deno.utime(a, 400, 400);
    assert.equal(await findLatestSession(agentDir, cwd), a);
    assert.equal(await findLatestSession(agentDir, "/q"), other.path);
  });
});

Deno.test("readSessionFile reads a file a MiB at a time as parseSession reads its text: lines across chunks, a line of several MiB, characters split between chunks, CRLF, blank, corrupt and torn lines", async () => {
  const { parseSession } = await import("../src/agent/session_format.ts");
  await withDir(async (dir) => {
    const header = { type: "session", version: 3, id: "s", timestamp: "t", cwd: "/p" };
    const entry = (id: string, parentId: string | null, text: string) =>
      JSON.stringify({
        type: "message",
        id,
        parentId,
        timestamp: "t",
        message: { role: "user", content: text, timestamp: 1 },
      });
    // "é" and "😀" are 2 and 4 bytes: with these paddings some fall across the 1 MiB chunk
    // boundaries; one line is 3 MiB, so it spans four chunks.
    const rows = [JSON.stringify(header)];
    let parent: string | null = null;
    for (let i = 0; i < 40; i++) {
      const id = `e${i}`;
      const text = i === 7 ? "x".repeat(3 << 20) : `${"é".repeat(i * 997)}😀${"y".repeat(i * 13)}`;
      rows.push(entry(id, parent, text));
      if (i === 11) rows.push("", "{not json", "  ");
      parent = id;
    }
    const cases = {
      plain: rows.join("\n") + "\n",
      "CRLF line ends, a torn last line": rows.join("\r\n") + '\n{"type":"mess',
      "no line break at the end": rows.join("\n"),
    };
    for (const [name, text] of Object.entries(cases)) {
      const path = `${dir}/${name}.jsonl`;
      await Deno.writeTextFile(path, text);
      const streamed = await readSessionFile(path);
      const whole = parseSession(await Deno.readTextFile(path), path);
      assert.deepEqual(streamed, whole, name);
    }
    // The plain case read right: every line, the long one whole, the corrupt one reported.
    const plain = await readSessionFile(`${dir}/plain.jsonl`);
    assert.equal(plain.lines.length, 40);
    assert.equal((plain.lines[7].entry.message as { content: string }).content.length, 3 << 20);
    assert.equal(plain.leafId, "e39");
    assert.deepEqual(plain.skipped, [15]);
    // A BOM is kept, as Deno.readTextFile (and pi-mono's reader) keep it: then the first line
    // is not a header for either. Not a session: both stop at the first line.
    await Deno.writeTextFile(`${dir}/bom.jsonl`, "\uFEFF" + rows.join("\n"));
    await assert.rejects(() => readSessionFile(`${dir}/bom.jsonl`), /is not a session file/);
    await Deno.writeTextFile(`${dir}/other.jsonl`, '{"a":1}\n' + rows.join("\n"));
    await assert.rejects(() => readSessionFile(`${dir}/other.jsonl`), /is not a session file/);
  });
});
