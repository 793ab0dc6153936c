/**
 * Continuing a long session reads it lean (session_format.ts sessionParser `lean`): the
 * messages before a compaction's first kept entry are kept without their content. What is
 * continued must be exactly what a full read gives, or the file is read again in full.
 */

import assert from "node:assert/strict";
import { buildSessionContext, type SessionContext } from "../src/agent/session_format.ts";
import { SessionRunner } from "../src/agent/session_runner.ts";
import { readSessionFile } from "../src/agent/session_store.ts";
import { runnerOptions } from "./fixtures/runner_options.ts";

const T = "2026-01-01T00:00:00.000Z";
type Entry = Record<string, unknown>;

function msg(id: string, parentId: string | null, role: string, text: string): Entry {
  const message = role === "assistant"
    ? {
      role,
      content: [{ type: "text", text }],
      api: "openai-codex-responses",
      provider: "openai-codex",
      model: `model-of-${id}`,
      usage: { input: text.length, output: 7, cacheRead: 0, cacheWrite: 0, totalTokens: 0 },
      stopReason: "stop",
      timestamp: 1,
    }
    : { role, content: [{ type: "text", text }], timestamp: 1 };
  return { type: "message", id, parentId, timestamp: T, message };
}

/** Turns u<i>/a<i> in one chain, a compaction after turn 4 keeping from u3, and after turn 8
 * keeping from u7; `extra` entries are appended after them. */
function compactedSession(extra: Entry[] = []): Entry[] {
  const entries: Entry[] = [
    { type: "session", version: 3, id: "lean", timestamp: T, cwd: "/p" },
  ];
  let parent: string | null = null;
  const add = (entry: Entry) => {
    entries.push({ ...entry, parentId: parent });
    parent = entry.id as string;
  };
  for (let i = 1; i <= 10; i++) {
    add(msg(`u${i}`, null, "user", `question ${i} ${"q".repeat(2000)}`));
    add(msg(`a${i}`, null, "assistant", `answer ${i} ${"a".repeat(3000)}`));
    if (i === 4 || i === 8) {
      add({
        type: "compaction",
        id: `c${i}`,
        timestamp: T,
        summary: `summary up to ${i}`,
        firstKeptEntryId: `u${i - 1}`,
        tokensBefore: 1000 * i,
      });
    }
  }
  return [...entries, ...extra];
}

async function written(entries: Entry[]): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "pi_lean_" });
  const path = `${dir}/s.jsonl`;
  await Deno.writeTextFile(path, entries.map((e) => JSON.stringify(e)).join("\n") + "\n");
  return path;
}

function comparable(context: SessionContext) {
  const { leanLinesNeeded: _, ...rest } = context;
  return rest;
}

Deno.test("a lean read of a compacted session continues exactly what a full read does, holding none of the compacted messages' content", async () => {
  const path = await written(compactedSession());
  try {
    const lean = await readSessionFile(path, { lean: true });
    const full = await readSessionFile(path);
    const context = buildSessionContext(lean);
    assert.equal(context.leanLinesNeeded, undefined);
    assert.deepEqual(comparable(context), comparable(buildSessionContext(full)));
    // The summary, then u7 onwards; every usage (compacted answers too) and the last model.
    assert.equal(context.messages.length, 1 + 8);
    assert.equal(context.usages.length, 10);
    assert.deepEqual(context.model, { provider: "openai-codex", modelId: "model-of-a10" });
    // Lean: the messages before u7 (the last compaction's first kept entry), and only those.
    const leanIds = lean.lines.filter((l) => l.lean).map((l) => l.entry.id);
    assert.deepEqual(leanIds, [
      "u1",
      "a1",
      "u2",
      "a2",
      "u3",
      "a3",
      "u4",
      "a4",
      "u5",
      "a5",
      "u6",
      "a6",
    ]);
    for (const line of lean.lines.filter((l) => l.lean)) {
      assert.deepEqual((line.entry.message as { content: unknown }).content, []);
    }
    // What is said about the file is the same.
    assert.deepEqual([lean.ids, lean.leafId, lean.skipped], [full.ids, full.leafId, full.skipped]);
  } finally {
    await Deno.remove(path.slice(0, path.lastIndexOf("/")), { recursive: true });
  }
});

Deno.test("a conversation that branches back to before a compaction needs the lean lines: it is flagged, and SessionRunner.open reads the file in full", async () => {
  // A rewind after the last compaction to just after a2: the path is u1 a1 u2 a2, then on.
  const rewind = {
    type: "custom",
    id: "w1",
    parentId: "a2",
    timestamp: T,
    customType: "rewind",
    data: { toUserMessage: 3 },
  };
  const path = await written(compactedSession([rewind, msg("n1", "w1", "user", "again")]));
  try {
    const lean = buildSessionContext(await readSessionFile(path, { lean: true }));
    assert.equal(lean.leanLinesNeeded, true);
    const full = buildSessionContext(await readSessionFile(path));
    assert.equal(full.leanLinesNeeded, undefined);
    assert.deepEqual(
      full.messages.map((m) => m.entryId),
      ["u1", "a1", "u2", "a2", "n1"],
    );
    const runner = await SessionRunner.open(
      runnerOptions(path.slice(0, path.lastIndexOf("/")), () => {
        throw new Error("no request in this test");
      }, []),
      path,
    );
    try {
      assert.deepEqual(runner.messages, full.messages.map((m) => m.message));
      assert.match(JSON.stringify(runner.messages[0]), /question 1 q/);
    } finally {
      runner.close();
    }
  } finally {
    await Deno.remove(path.slice(0, path.lastIndexOf("/")), { recursive: true });
  }
});
