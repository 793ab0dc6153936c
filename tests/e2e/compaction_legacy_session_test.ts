/**
 * Compaction of a session of the earlier pi format (version 1: entries without ids), as real
 * `pi -p` processes against the fake Codex backend: the compaction entry must name a kept
 * entry the file can find again (`firstKeptEntryId`), so that `pi -c` after it sends the
 * summary and the kept messages, the prompt of the compacting run among them.
 */

import assert from "node:assert/strict";
import { isSummaryRequest } from "../fixtures/fake_codex_backend.ts";
import { contextWindow, inputShape, lines, pi, sessionFiles, withFake } from "./session_env.ts";

const SUMMARY = "## Goal\nSUMMARY-MARKER: the old questions.";

Deno.test("a version-1 session compacted on continue: the compaction names a kept entry, and pi -c sends the summary and what was kept", async () => {
  await withFake((request) => {
    if (isSummaryRequest(request)) return { text: SUMMARY };
    const last = inputShape(request).at(-1) ?? "";
    return { text: `answer to ${last.slice(5, 20)}` };
  }, async (env) => {
    // A 4,000-token window; the old session's last answer reported 3,500 input tokens.
    await contextWindow(env.agentDir, 4_000);
    const dir = `${env.agentDir}/sessions/--${env.work.slice(1).replace(/\//g, "-")}--`;
    await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
    const id = "11111111-2222-4333-8444-555555555555";
    const zero = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 };
    const usage = (input: number) => ({
      input,
      cacheRead: 0,
      cacheWrite: 0,
      output: 300,
      reasoning: 0,
      totalTokens: input + 300,
      cost: zero,
      listCost: zero,
      billed: false,
    });
    const old: Record<string, unknown>[] = [{
      type: "session",
      version: 1,
      id,
      cwd: env.work,
      model: "openai-codex/gpt-5.2-codex",
      timestamp: "2025-06-01T10:00:00.000Z",
    }];
    for (let i = 1; i <= 6; i++) {
      old.push({
        type: "message",
        timestamp: `2025-06-01T10:0${i}:00.000Z`,
        message: { role: "user", content: `old question ${i}: ${"tell me more. ".repeat(70)}` },
      });
      old.push({
        type: "message",
        timestamp: `2025-06-01T10:0${i}:30.000Z`,
        message: {
          role: "assistant",
          content: [{ type: "text", text: `old answer ${i}: ${"ok ".repeat(400)}` }],
          api: "openai-codex-responses",
          provider: "openai-codex",
          model: "gpt-5.2-codex",
          usage: usage(i * 580),
          stopReason: "stop",
        },
      });
    }
    await Deno.writeTextFile(
      `${dir}/2025-06-01T10-00-00-000Z_${id}.jsonl`,
      old.map((l) => JSON.stringify(l)).join("\n") + "\n",
      { mode: 0o600 },
    );

    const first = await pi(env, ["-p", "-c", "new question"]);
    assert.equal(first.code, 0, first.stderr);
    assert.ok(env.fake.requests.some(isSummaryRequest), "pi compacted");
    const sent = inputShape(env.fake.requests.at(-1)!);
    assert.match(sent[0], /SUMMARY-MARKER/);
    assert.equal(sent.at(-1), "user:new question");

    const [file] = await sessionFiles(env.agentDir);
    const entries = await lines(file);
    const compaction = entries.find((e) => e.type === "compaction")!;
    assert.ok(
      entries.some((e) => e.id === compaction.firstKeptEntryId),
      `firstKeptEntryId ${JSON.stringify(compaction.firstKeptEntryId)} names an entry`,
    );

    // The next run rebuilds the same conversation from the file, and goes on.
    const second = await pi(env, ["-p", "-c", "and then?"]);
    assert.equal(second.code, 0, second.stderr);
    const again = inputShape(env.fake.requests.at(-1)!);
    assert.deepEqual(again, [...sent, "assistant:answer to new question", "user:and then?"]);
  });
});
