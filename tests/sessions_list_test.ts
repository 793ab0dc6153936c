import assert from "node:assert/strict";
import { parseSession, pathLines } from "../src/agent/session_format.ts";
import {
  extendSummary,
  listSessions,
  scanSession,
  SESSION_LIST_CACHE_FILE,
  type SessionSummary,
} from "../src/agent/session_list.ts";
import { findSession, forkEntries, userMessages } from "../src/agent/sessions.ts";
import { sessionDir } from "../src/agent/session_store.ts";
import { PiError } from "../src/errors.ts";

const T = "2025-01-02T03:04:05.000Z";

type Entry = Record<string, unknown>;

function header(id = "sess-1", extra: Entry = {}): Entry {
  return { type: "session", version: 3, id, timestamp: T, cwd: "/proj", ...extra };
}

function msg(id: string, parentId: string | null, role: string, text: string): Entry {
  const message = role === "toolResult"
    ? {
      role,
      toolCallId: "call_1|fc_1",
      toolName: "bash",
      content: [{ type: "text", text }],
      isError: false,
      timestamp: 1,
    }
    : role === "assistant"
    ? {
      role,
      content: [{ type: "text", text }],
      api: "openai-codex-responses",
      provider: "openai-codex",
      model: "m",
      usage: {},
      stopReason: "stop",
      timestamp: 1,
    }
    : { role, content: [{ type: "text", text }], timestamp: 1 };
  return { type: "message", id, parentId, timestamp: T, message };
}

function text(entries: Entry[]): string {
  return entries.map((e) => JSON.stringify(e)).join("\n") + "\n";
}

const enc = (s: string) => new TextEncoder().encode(s);

/** What the reader (session_format.ts) says the list should show. */
function fromReader(source: string): Pick<
  SessionSummary,
  "messages" | "firstMessage" | "name" | "model" | "leafId"
> {
  const parsed = parseSession(source, "x.jsonl");
  const path = pathLines(parsed);
  let messages = 0;
  let model: string | null = typeof parsed.header.model === "string" ? parsed.header.model : null;
  for (const { entry } of path) {
    const role = (entry.message as { role?: string } | undefined)?.role;
    if (
      entry.type === "message" && ["user", "assistant", "toolResult", "tool_result"].includes(role!)
    ) messages++;
    if (entry.type === "model_change") model = `${entry.provider}/${entry.modelId}`;
  }
  let name: string | null = null;
  for (const { entry } of parsed.lines) {
    if (entry.type === "session_info") name = String(entry.name ?? "").trim() || null;
  }
  const first = userMessages(parsed).find((u) => u.text !== "");
  return { messages, firstMessage: first?.text ?? null, name, model, leafId: parsed.leafId };
}

function assertAgrees(source: string, label: string) {
  const scanned = scanSession(enc(source));
  assert.ok(scanned, label);
  const { messages, firstMessage, name, model, leafId } = scanned;
  assert.deepEqual({ messages, firstMessage, name, model, leafId }, fromReader(source), label);
}

/** A session with long tool results, a branch (a rewind), a compaction and names. */
function richSession(): string {
  const big = "x".repeat(5000) + '}"{';
  return text([
    header(),
    {
      type: "model_change",
      id: "m1",
      parentId: null,
      timestamp: T,
      provider: "openai-codex",
      modelId: "a",
    },
    msg("u1", "m1", "user", "first question"),
    {
      type: "message",
      id: "a1",
      parentId: "u1",
      timestamp: T,
      message: {
        role: "assistant",
        content: [{
          type: "toolCall",
          id: "call_1|fc_1",
          name: "bash",
          arguments: { command: big },
        }],
        api: "x",
        provider: "openai-codex",
        model: "a",
        usage: {},
        stopReason: "toolUse",
        timestamp: 1,
      },
    },
    msg("r1", "a1", "toolResult", big),
    msg("a2", "r1", "assistant", "answer one " + big),
    { type: "session_info", id: "n1", parentId: "a2", timestamp: T, name: "  first name " },
    msg("u2", "n1", "user", "second question " + big),
    msg("a3", "u2", "assistant", "answer two"),
    {
      type: "custom",
      id: "w1",
      parentId: "n1",
      timestamp: T,
      customType: "rewind",
      data: { toUserMessage: 2 },
    },
    {
      type: "model_change",
      id: "m2",
      parentId: "w1",
      timestamp: T,
      provider: "openai-codex",
      modelId: "b",
    },
    msg("u3", "m2", "user", "third question"),
    {
      type: "compaction",
      id: "c1",
      parentId: "u3",
      timestamp: T,
      summary: "S",
      firstKeptEntryId: "u3",
      tokensBefore: 9,
    },
    msg("a4", "c1", "assistant", "answer three"),
    { type: "label", id: "l1", parentId: "a4", timestamp: T, targetId: "u1", label: "x" },
  ]);
}

Deno.test("scanSession agrees with the reader: the path through a rewind, long lines, compaction, names, the model", () => {
  const source = richSession();
  assertAgrees(source, "rich");
  const s = scanSession(enc(source))!;
  assert.equal(s.messages, 6, "u1 a1 r1 a2, u3 a4 — and not u2 a3 (rewound)");
  assert.equal(s.name, "first name");
  assert.equal(s.model, "openai-codex/b");
  assert.equal(s.firstMessage, "first question");
  assert.equal(s.leafId, "l1");
  assert.equal(s.cleanEnd, true);
});

Deno.test("scanSession agrees with the reader on every cut of a file (a kill at any byte) and on corrupt lines", () => {
  const source = richSession();
  const bytes = enc(source);
  const headerEnd = bytes.indexOf(0x0a) + 1;
  for (let cut = headerEnd; cut <= bytes.length; cut += cut < 2000 ? 1 : 7) {
    const part = new TextDecoder().decode(bytes.subarray(0, cut));
    assertAgrees(part, `cut at ${cut}`);
  }
  // A corrupt line in the middle (not JSON) and one cut short then continued on a new line.
  const lines = source.split("\n");
  lines.splice(3, 0, "{not json");
  lines.splice(
    6,
    0,
    '{"type":"message","id":"zz","parentId":"u1","timestamp":"t","message":{"role":"user","content":"cut',
  );
  assertAgrees(lines.join("\n"), "corrupt lines");
});

/** A random session (fixed seed): mostly one chain, sometimes not, written in varied ways. */
function randomSession(seed: number): { source: string; uniqueIds: boolean } {
  let state = seed;
  const random = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)];
  const entries: Entry[] = [header(`s${seed}`)];
  const ids: string[] = [];
  for (let i = 0; i < 2 + Math.floor(random() * 12); i++) {
    const r = random();
    // Mostly the child of the entry before; sometimes a branch, a root, or an id used twice.
    const parentId = ids.length === 0
      ? null
      : r < 0.85
      ? ids[ids.length - 1]
      : r < 0.93
      ? pick(ids)
      : null;
    const id = random() < 0.04 && ids.length > 0 ? pick(ids) : `e${i}`;
    ids.push(id);
    const kind = random();
    const entry: Entry = kind < 0.6
      ? msg(id, parentId, pick(["user", "assistant", "toolResult", "custom"]), pick(["", "q " + i]))
      : kind < 0.7
      ? { type: "session_info", id, parentId, timestamp: T, name: pick(["", " N ", "M"]) }
      : kind < 0.8
      ? { type: "model_change", id, parentId, timestamp: T, provider: "p", modelId: `m${i}` }
      : kind < 0.9
      ? { type: "thinking_level_change", id, parentId, timestamp: T, thinkingLevel: "low" }
      : { type: "custom", id, parentId, timestamp: T, customType: "x", data: { a: '"\\' } };
    entries.push(entry);
  }
  const lines = entries.map((entry, i) => {
    if (i === 0) return JSON.stringify(entry);
    const style = random();
    // Keys in another order (then the line is parsed whole), a role not first, an escape.
    if (style < 0.08) return JSON.stringify(Object.fromEntries(Object.entries(entry).reverse()));
    if (style < 0.12 && isMessage(entry)) {
      const { role, ...rest } = entry.message as Entry;
      return JSON.stringify({ ...entry, message: { ...rest, role } });
    }
    if (style < 0.15) return JSON.stringify({ ...entry, timestamp: 'a\\"b' });
    return JSON.stringify(entry);
  });
  const out: string[] = [lines[0]];
  for (const line of lines.slice(1)) {
    const style = random();
    if (style < 0.05) out.push(""); // a blank line
    else if (style < 0.08) {
      // A line cut short by a kill (not just after a "}": see the scanner's module doc), then
      // the same entry written whole.
      const torn = line.slice(0, Math.floor(random() * line.length));
      out.push(torn.replace(/\}+$/, ""));
    }
    out.push(style >= 0.08 && style < 0.11 ? `${line} \r` : line);
  }
  return { source: out.join("\n") + "\n", uniqueIds: new Set(ids).size === ids.length };
}

function isMessage(entry: Entry): boolean {
  return entry.type === "message";
}

Deno.test("scanSession agrees with the reader on 400 random sessions (chains and trees, lines written in other ways, duplicate ids, torn lines) at many cuts", () => {
  for (let seed = 1; seed <= 400; seed++) {
    const { source, uniqueIds } = randomSession(seed);
    assertAgrees(source, `seed ${seed}`);
    const bytes = enc(source);
    for (let at = bytes.indexOf(0x0a) + 1; at < bytes.length; at += 5 + (seed % 17)) {
      assertAgrees(new TextDecoder().decode(bytes.subarray(0, at)), `seed ${seed} cut at ${at}`);
      // A summary extended by the rest is the full scan's (or asks for one). An id used twice
      // across the split is not seen by an extension (it reads only the new lines): ids are
      // unique in a session file.
      if (!uniqueIds) continue;
      const start = scanSession(bytes.subarray(0, at))!;
      const extended = extendSummary(start, bytes.subarray(at));
      if (extended) assert.deepEqual(extended, scanSession(bytes), `seed ${seed} split at ${at}`);
    }
  }
});

Deno.test("scanSession reads the earlier pi format (no ids, then appended entries) and pi-mono's version 1 as the reader does", () => {
  const legacy = text([
    {
      type: "session",
      version: 1,
      id: "old",
      cwd: "/p",
      model: "openai-codex/gpt-5.2",
      timestamp: T,
    },
    { type: "message", timestamp: T, message: { role: "user", content: "old question" } },
    {
      type: "message",
      timestamp: T,
      message: { role: "assistant", content: [{ type: "text", text: "old" }] },
    },
    { type: "usage", timestamp: T, model: "openai-codex/gpt-5.2" },
    { type: "message", timestamp: T, message: { role: "tool_result", callId: "c", content: [] } },
    msg("n1", null, "user", "new question"),
    msg("n2", "n1", "assistant", "new answer"),
  ]);
  assertAgrees(legacy, "legacy");
  const s = scanSession(enc(legacy))!;
  assert.equal(s.messages, 5);
  assert.equal(s.firstMessage, "old question");
  assert.equal(s.model, "openai-codex/gpt-5.2");
  assert.equal(scanSession(enc('{"type":"message"}\n')), undefined, "no header: not a session");
  assert.equal(scanSession(enc("")), undefined);
});

Deno.test("extendSummary: appended entries that continue the leaf give what a full scan gives; a branch or a cut end asks for a full scan", () => {
  const source = richSession();
  const bytes = enc(source);
  // Split at every line break: the summary of the start, extended by the rest.
  let extensions = 0;
  for (let at = bytes.indexOf(0x0a) + 1; at < bytes.length; at = bytes.indexOf(0x0a, at) + 1) {
    const start = scanSession(bytes.subarray(0, at))!;
    const extended = extendSummary(start, bytes.subarray(at));
    const full = scanSession(bytes)!;
    if (extended) {
      assert.deepEqual(extended, full, `split at ${at}`);
      extensions++;
    }
  }
  assert.ok(extensions > 0, "some splits are extended, not all sent to a full scan");
  const linear = enc(
    text([header(), msg("u1", null, "user", "q"), msg("a1", "u1", "assistant", "a")]),
  );
  const first = scanSession(linear)!;
  const more = enc(
    text([msg("u2", "a1", "user", "q2"), {
      type: "session_info",
      id: "i",
      parentId: "u2",
      timestamp: T,
      name: "N",
    }]),
  );
  assert.deepEqual(extendSummary(first, more), scanSession(new Uint8Array([...linear, ...more])));
  const branch = enc(text([msg("u2", "u1", "user", "q2")]));
  assert.equal(extendSummary(first, branch), undefined, "a branch from an earlier entry");
  const cut = scanSession(linear.subarray(0, linear.length - 5))!;
  assert.equal(cut.cleanEnd, false);
  assert.equal(extendSummary(cut, more), undefined, "after a cut end");
});

async function tempAgent(): Promise<{ agentDir: string; dir: string; cleanup(): Promise<void> }> {
  const root = await Deno.makeTempDir({ prefix: "pi_sessions_list_" });
  return {
    agentDir: `${root}/agent`,
    dir: sessionDir(`${root}/agent`, "/proj"),
    cleanup: () => Deno.remove(root, { recursive: true }),
  };
}

async function writeSession(dir: string, name: string, entries: Entry[], mtime: number) {
  await Deno.mkdir(dir, { recursive: true });
  const path = `${dir}/${name}.jsonl`;
  await Deno.writeTextFile(path, text(entries));
  await Deno.utime(path, mtime / 1000, mtime / 1000);
  return path;
}

Deno.test("listSessions: newest first; the cache spares unchanged files and reads only what was appended", async () => {
  const t = await tempAgent();
  try {
    const a = await writeSession(
      t.dir,
      "a",
      [header("id-a"), msg("u1", null, "user", "alpha")],
      1_000_000,
    );
    const b = await writeSession(
      t.dir,
      "b",
      [header("id-b"), msg("u1", null, "user", "beta")],
      2_000_000,
    );
    await writeSession(t.dir, "junk", [{ type: "message" }], 3_000_000);
    await Deno.writeTextFile(`${t.dir}/notes.txt`, "not a session");
    const first = listSessions(t.agentDir, { cwd: "/proj" });
    assert.deepEqual(first.map((s) => s.id), ["id-b", "id-a"]);
    assert.equal(first[0].modified, new Date(2_000_000).toISOString());
    assert.equal(first[0].created, T);
    const cachePath = `${t.agentDir}/${SESSION_LIST_CACHE_FILE}`;
    assert.equal((await Deno.stat(cachePath)).mode! & 0o777, 0o600);

    // Same size, same mtime: not read again (garbage of the same length goes unseen).
    const size = (await Deno.stat(a)).size;
    await Deno.writeTextFile(a, "#".repeat(size));
    await Deno.utime(a, 1000, 1000);
    assert.equal(listSessions(t.agentDir, { cwd: "/proj" })[1].firstMessage, "alpha");

    // Appended: only the new bytes are read (the garbage before them is still unseen).
    await Deno.writeTextFile(a, text([msg("a1", "u1", "assistant", "answer")]), { append: true });
    const grown = listSessions(t.agentDir, { cwd: "/proj" }).find((s) => s.id === "id-a")!;
    assert.equal(grown.messages, 2);
    assert.equal(grown.firstMessage, "alpha");

    // Rewritten otherwise (smaller): scanned again; now it is not a session at all.
    await Deno.writeTextFile(a, "#");
    assert.deepEqual(listSessions(t.agentDir, { cwd: "/proj" }).map((s) => s.id), ["id-b"]);
    // Removed: gone from the list and the cache.
    await Deno.remove(b);
    assert.deepEqual(listSessions(t.agentDir, { cwd: "/proj" }), []);
    const cache = JSON.parse(await Deno.readTextFile(cachePath));
    assert.deepEqual(Object.keys(cache.files), []);
    // With --all, the files of a directory removed since leave the cache too.
    const other = sessionDir(t.agentDir, "/other");
    await writeSession(other, "o", [header("id-o", { cwd: "/other" })], 5_000_000);
    assert.deepEqual(listSessions(t.agentDir, { all: true }).map((s) => s.id), ["id-o"]);
    await Deno.remove(other, { recursive: true });
    assert.deepEqual(listSessions(t.agentDir, { all: true }), []);
    assert.deepEqual(Object.keys(JSON.parse(await Deno.readTextFile(cachePath)).files), []);
    // A corrupt cache is ignored.
    await Deno.writeTextFile(cachePath, "{");
    await writeSession(t.dir, "c", [header("id-c")], 4_000_000);
    assert.deepEqual(listSessions(t.agentDir, { cwd: "/proj" }).map((s) => s.id), ["id-c"]);
  } finally {
    await t.cleanup();
  }
});

Deno.test("findSession: id, unique prefix (the cwd's first, then every directory's), path; ambiguous is a usage error, none is session.not_found", async () => {
  const t = await tempAgent();
  try {
    const other = sessionDir(t.agentDir, "/other");
    await writeSession(t.dir, "1", [header("abc-111", { cwd: "/proj" })], 1_000_000);
    await writeSession(t.dir, "2", [header("abd-222", { cwd: "/proj" })], 1_000_000);
    const elsewhere = await writeSession(
      other,
      "3",
      [header("abc-333", { cwd: "/other" })],
      1_000_000,
    );
    assert.equal(findSession(t.agentDir, "/proj", "abd-222").id, "abd-222");
    assert.equal(findSession(t.agentDir, "/proj", "abd").id, "abd-222");
    assert.equal(findSession(t.agentDir, "/proj", "abc").id, "abc-111", "the cwd's first");
    assert.equal(findSession(t.agentDir, "/proj", "abc-3").id, "abc-333", "then every directory's");
    assert.equal(findSession(t.agentDir, "/elsewhere", elsewhere).id, "abc-333");
    assert.throws(
      () => findSession(t.agentDir, "/nowhere", "ab"),
      (e: unknown) =>
        e instanceof PiError && e.code === "usage" && /ab matches 3 sessions/.test(e.message),
    );
    assert.throws(
      () => findSession(t.agentDir, "/proj", "zzz"),
      (e: unknown) => e instanceof PiError && e.code === "session.not_found",
    );
    assert.throws(
      () => findSession(t.agentDir, "/proj", `${t.dir}/missing.jsonl`),
      (e: unknown) => e instanceof PiError && e.code === "session.not_found",
    );
  } finally {
    await t.cleanup();
  }
});

Deno.test("userMessages: the user messages on the path, each with the entry before it; forkEntries copies every entry (or the path to an entry) as it is", () => {
  const parsed = parseSession(richSession(), "x.jsonl");
  const users = userMessages(parsed);
  assert.deepEqual(users.map((u) => [u.n, u.entryId, u.parentId, u.text]), [
    [1, "u1", "m1", "first question"],
    [2, "u3", "m2", "third question"],
  ]);
  const ids = () => "new00000";
  const all = forkEntries(parsed, { newId: ids, now: 0 });
  assert.deepEqual(all, parsed.lines.map((l) => l.entry));
  const upTo = forkEntries(parsed, { leafId: "a2", newId: ids, now: 0 });
  assert.deepEqual(upTo.map((e) => e.id), ["m1", "u1", "a1", "r1", "a2"]);
});

Deno.test("forkEntries of an earlier-format session: its conversation as version-3 entries with new ids", () => {
  const legacy = text([
    {
      type: "session",
      version: 1,
      id: "old",
      cwd: "/p",
      model: "openai-codex/gpt-5.2",
      timestamp: T,
    },
    { type: "message", timestamp: T, message: { role: "user", content: "old question" } },
    {
      type: "message",
      timestamp: T,
      message: {
        role: "assistant",
        content: [{ type: "tool_call", id: "fc_1", callId: "call_1", name: "bash", arguments: {} }],
        api: "openai-codex-responses",
        provider: "openai-codex",
        model: "gpt-5.2",
        stopReason: "tool_use",
      },
    },
    {
      type: "message",
      timestamp: T,
      message: {
        role: "tool_result",
        callId: "call_1",
        toolName: "bash",
        content: [],
        isError: false,
      },
    },
  ]);
  let n = 0;
  const entries = forkEntries(parseSession(legacy, "x.jsonl"), {
    newId: () => `id${++n}`,
    now: 0,
  });
  assert.deepEqual(entries.map((e) => [e.type, e.id, e.parentId]), [
    ["model_change", "id1", null],
    ["message", "id2", "id1"],
    ["message", "id3", "id2"],
    ["message", "id4", "id3"],
  ]);
  const call = (entries[2].message as { content: { id: string }[] }).content[0];
  assert.equal(call.id, "call_1|fc_1");
  assert.equal((entries[3].message as { toolCallId: string }).toolCallId, "call_1|fc_1");
});

Deno.test("listSessions reads a file a chunk (256 KiB) at a time as a scan of its whole text: lines and characters across chunks, lines of several MiB, branches, cut ends; and, cached, only what was appended after a line break", async () => {
  const t = await tempAgent();
  try {
    await Deno.mkdir(t.dir, { recursive: true });
    // Messages of 0.1–2.5 MiB of two- and four-byte characters: chunk boundaries fall inside
    // lines and inside characters; one in five sessions is rewound (a branch), one in four
    // ends cut short.
    const sources: string[] = [];
    for (let s = 0; s < 8; s++) {
      const entries: Entry[] = [header(`big-${s}`)];
      let parent: string | null = null;
      for (let i = 0; i < 6; i++) {
        const size = ((s * 7 + i * 13) % 25 + 1) * 100_000;
        const text = (i % 2 === 0 ? "é" : "😀").repeat(size / (i % 2 === 0 ? 2 : 4)) + ` ${i}`;
        const id = `m${i}`;
        entries.push(
          msg(id, parent, i % 3 === 2 ? "toolResult" : i % 3 ? "assistant" : "user", text),
        );
        parent = s % 5 === 0 && i === 3 ? "m0" : id;
      }
      let source = text(entries);
      if (s % 4 === 3) source = source.slice(0, source.length - 1000);
      sources.push(source);
    }
    const expected = (source: string) => {
      const { messages, firstMessage, name, model } = scanSession(enc(source))!;
      return { messages, firstMessage: firstMessage ?? undefined, name, model };
    };
    const listed = () =>
      new Map(
        listSessions(t.agentDir, { cwd: "/proj" }).map((s) => [s.id, {
          messages: s.messages,
          firstMessage: s.firstMessage,
          name: s.name ?? null,
          model: s.model ?? null,
        }]),
      );
    // Whole files, no cache.
    for (const [i, source] of sources.entries()) {
      await Deno.writeTextFile(`${t.dir}/big-${i}.jsonl`, source);
    }
    const cold = listed();
    for (const [i, source] of sources.entries()) {
      assert.deepEqual(cold.get(`big-${i}`), expected(source), `big-${i}`);
    }
    // Listed halfway, then appended to: at a line break, the appended lines extend the
    // summary; inside a line (a writer caught mid-line), the file is scanned again.
    const halfway = (i: number, source: string) => {
      if (i % 2 === 0) return source.indexOf("\n", source.length / 2) + 1;
      const at = Math.floor(source.length / 2);
      return source.charCodeAt(at - 1) >= 0xd800 && source.charCodeAt(at - 1) < 0xdc00
        ? at + 1
        : at;
    };
    for (const [i, source] of sources.entries()) {
      await Deno.writeTextFile(`${t.dir}/big-${i}.jsonl`, source.slice(0, halfway(i, source)));
    }
    listed();
    for (const [i, source] of sources.entries()) {
      const rest = source.slice(halfway(i, source));
      await Deno.writeTextFile(`${t.dir}/big-${i}.jsonl`, rest, { append: true });
    }
    const grown = listed();
    for (const [i, source] of sources.entries()) {
      assert.deepEqual(grown.get(`big-${i}`), expected(source), `big-${i}, appended`);
    }
  } finally {
    await t.cleanup();
  }
});
