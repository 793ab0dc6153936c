/**
 * Sessions as a user meets them: `pi -p` and `pi -p --continue` as processes against the
 * fake Codex backend, the session files they leave (pi-mono's format, version 3), and
 * sessions of the earlier pi format continued.
 */

import assert from "node:assert/strict";
import { inputShape, lines, pi, sessionFiles, withFake } from "./session_env.ts";

Deno.test("pi -p then pi -p --continue: the whole conversation, the same session id and cache key, the model and thinking level kept", async () => {
  await withFake([
    { calls: [{ name: "bash", arguments: { command: "echo tool-said-this" } }] },
    { text: "first answer" },
    { text: "second answer" },
    { text: "third answer" },
    { text: "fourth answer" },
  ], async (env) => {
    const first = await pi(env, [
      "-p",
      "--model",
      "openai-codex/gpt-5.2",
      "--thinking",
      "high",
      "first question",
    ]);
    assert.equal(first.code, 0, first.stderr);
    const second = await pi(env, ["-p", "--continue", "second question"]);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout, "second answer\n");
    const [r0, r1, r2] = env.fake.requests;
    const id = String(r0.headers["session_id"]);
    assert.equal(r0.body.prompt_cache_key, id);
    assert.equal(r2.headers["session_id"], id, "the continued session sends its id");
    assert.equal(r2.body.prompt_cache_key, id);
    assert.deepEqual(inputShape(r2), [
      "user:first question",
      "call:bash",
      "output:tool-said-this",
      "assistant:first answer",
      "user:second question",
    ]);
    assert.deepEqual(inputShape(r1).slice(0, 3), inputShape(r2).slice(0, 3));
    // The model and thinking level of the session, not the defaults.
    assert.equal(r2.body.model, "gpt-5.2");
    assert.deepEqual(r2.body.reasoning, { effort: "high", summary: "auto" });

    // Flags win: --thinking for the level (the model stays), --model for the model (the level stays).
    const third = await pi(env, ["-p", "-c", "--thinking", "low", "third question"]);
    assert.equal(third.code, 0, third.stderr);
    assert.equal(env.fake.requests[3].body.model, "gpt-5.2");
    assert.deepEqual(env.fake.requests[3].body.reasoning, { effort: "low", summary: "auto" });
    const fourth = await pi(env, ["-p", "-c", "--model", "gpt-5.2-codex", "fourth question"]);
    assert.equal(fourth.code, 0, fourth.stderr);
    assert.equal(env.fake.requests[4].body.model, "gpt-5.2-codex");
    assert.deepEqual(env.fake.requests[4].body.reasoning, { effort: "low", summary: "auto" });
    assert.equal(env.fake.requests[4].headers["session_id"], id);
    assert.deepEqual(inputShape(env.fake.requests[4]).slice(4), [
      "user:second question",
      "assistant:second answer",
      "user:third question",
      "assistant:third answer",
      "user:fourth question",
    ]);

    // One file: header, the settings as they started and changed, every message with its parent.
    const files = await sessionFiles(env.agentDir);
    assert.equal(files.length, 1);
    assert.match(files[0], new RegExp(`/sessions/--${env.work.slice(1).replaceAll("/", "-")}--/`));
    const entries = await lines(files[0]);
    assert.deepEqual(entries[0], {
      type: "session",
      version: 3,
      id,
      timestamp: entries[0].timestamp,
      cwd: env.work,
    });
    const settings = entries.filter((e) => e.type !== "message" && e.type !== "session")
      .map((e) =>
        e.type === "model_change"
          ? `model ${e.provider}/${e.modelId}`
          : `thinking ${e.thinkingLevel}`
      );
    assert.deepEqual(settings, [
      "model openai-codex/gpt-5.2",
      "thinking high",
      "thinking low",
      "model openai-codex/gpt-5.2-codex",
    ]);
    for (let i = 1; i < entries.length; i++) {
      assert.match(String(entries[i].id), /^[0-9a-f]{8}$/);
      assert.equal(entries[i].parentId, i === 1 ? null : entries[i - 1].id);
    }
    const call = entries.find((e) =>
      e.type === "message" && (e.message as { role: string }).role === "assistant"
    )!.message as { content: { type: string; id: string }[]; stopReason: string };
    assert.equal(call.content[0].type, "toolCall");
    assert.match(call.content[0].id, /^call_\d+\|fc_\d+$/);
    assert.equal(call.stopReason, "toolUse");
    const result = entries.find((e) =>
      e.type === "message" && (e.message as { role: string }).role === "toolResult"
    )!.message as { toolCallId: string };
    assert.equal(result.toolCallId, call.content[0].id);
  });
});

Deno.test("--mode json: message events in the session's shapes; the session event says continued", async () => {
  await withFake([
    { calls: [{ name: "bash", arguments: { command: "echo x" } }] },
    { text: "done" },
    { text: "again" },
  ], async (env) => {
    const first = await pi(env, ["-p", "--mode", "json", "go"]);
    assert.equal(first.code, 0, first.stderr);
    const events = first.stdout.trimEnd().split("\n").map((l) => JSON.parse(l));
    assert.equal(events[0].type, "session");
    assert.equal(events[0].version, 1);
    assert.equal(events[0].continued, false);
    const messages = events.filter((e) => e.type === "message").map((e) => e.message);
    assert.deepEqual(messages.map((m) => m.role), ["user", "assistant", "toolResult", "assistant"]);
    assert.ok(messages.every((m) => typeof m.timestamp === "number"));
    assert.equal(messages[1].content[0].type, "toolCall");
    assert.equal(messages[2].toolCallId, messages[1].content[0].id);
    // The messages are what the session file holds.
    const [file] = await sessionFiles(env.agentDir);
    const saved = (await lines(file)).filter((e) => e.type === "message").map((e) => e.message);
    assert.deepEqual(saved, messages);
    const second = await pi(env, ["-p", "--mode", "json", "-c", "more"]);
    const start = JSON.parse(second.stdout.split("\n")[0]);
    assert.equal(start.continued, true);
    assert.equal(start.id, events[0].id);
    assert.equal(start.path, file);
  });
});

Deno.test("a session of the earlier pi format (version 1, in its directory name) continues, appended in version 3", async () => {
  // The cwd has a space: the earlier pi named its directory differently from pi-mono.
  await withFake([{ text: "continued fine" }], async (env) => {
    const legacyDir = `${env.agentDir}/sessions/--${
      env.work.slice(1).replace(/[^A-Za-z0-9._-]/g, "-")
    }--`;
    await Deno.mkdir(legacyDir, { recursive: true, mode: 0o700 });
    const path = `${legacyDir}/2025-06-01T10-00-00-000Z_11111111-2222-4333-8444-555555555555.jsonl`;
    const zero = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 };
    const usage = {
      input: 80,
      cacheRead: 20,
      cacheWrite: 0,
      output: 10,
      reasoning: 2,
      totalTokens: 110,
      cost: zero,
      listCost: zero,
      billed: false,
    };
    // As the earlier src/agent/session_store.ts (version 1) wrote it, killed mid-line at the end.
    const old = [
      {
        type: "session",
        version: 1,
        id: "11111111-2222-4333-8444-555555555555",
        cwd: env.work,
        model: "openai-codex/gpt-5.2",
        timestamp: "2025-06-01T10:00:00.000Z",
      },
      {
        type: "message",
        timestamp: "2025-06-01T10:00:01.000Z",
        message: { role: "user", content: "old question" },
      },
      {
        type: "message",
        timestamp: "2025-06-01T10:00:02.000Z",
        message: {
          role: "assistant",
          content: [{
            type: "tool_call",
            id: "fc_old",
            callId: "call_old",
            name: "bash",
            arguments: { command: "ls" },
          }],
          api: "openai-codex-responses",
          provider: "openai-codex",
          model: "gpt-5.2",
          usage,
          stopReason: "tool_use",
        },
      },
      {
        type: "usage",
        timestamp: "2025-06-01T10:00:02.000Z",
        model: "openai-codex/gpt-5.2",
        usage,
      },
      {
        type: "message",
        timestamp: "2025-06-01T10:00:03.000Z",
        message: {
          role: "tool_result",
          callId: "call_old",
          toolName: "bash",
          content: [{ type: "text", text: "old-listing" }],
          isError: false,
        },
      },
      {
        type: "message",
        timestamp: "2025-06-01T10:00:04.000Z",
        message: {
          role: "assistant",
          content: [{ type: "text", text: "old answer" }],
          api: "openai-codex-responses",
          provider: "openai-codex",
          model: "gpt-5.2",
          usage,
          stopReason: "stop",
        },
      },
    ].map((l) => JSON.stringify(l)).join("\n") + '\n{"type":"usage","timestamp":"2025-06-01T1';
    await Deno.writeTextFile(path, old, { mode: 0o600 });
    const result = await pi(env, ["-p", "-c", "new question"]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, "continued fine\n");
    // One warning line naming the file and the line.
    assert.equal(
      result.stderr,
      `pi: Skipped unreadable line 7 of ${path} (cut off or corrupt)\n`,
    );
    const [request] = env.fake.requests;
    assert.equal(request.headers["session_id"], "11111111-2222-4333-8444-555555555555");
    assert.equal(request.body.model, "gpt-5.2");
    assert.deepEqual(inputShape(request), [
      "user:old question",
      "call:bash",
      "output:old-listing",
      "assistant:old answer",
      "user:new question",
    ]);
    // The file is only appended to: the old bytes first, then version-3 entries.
    const text = await Deno.readTextFile(path);
    assert.ok(text.startsWith(old + "\n"), "the earlier lines are untouched");
    const added = text.slice(old.length + 1).trimEnd().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(added.map((e) => e.type), ["thinking_level_change", "message", "message"]);
    assert.equal(added[0].parentId, null);
    assert.equal(added[1].parentId, added[0].id);
    assert.equal(added[2].message.role, "assistant");
    assert.deepEqual(await sessionFiles(env.agentDir), [path], "no new file");
  }, "my work");
});
