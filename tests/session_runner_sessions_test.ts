/**
 * The runner's parts of issue 17 as the interactive screen will call them: a fork written
 * only with its first prompt, `setName`, and the checkpoint hook given to the tools.
 */

import assert from "node:assert/strict";
import {
  type ModelStream,
  SessionRunner,
  type SessionRunnerOptions,
} from "../src/agent/session_runner.ts";
import { CheckpointStore } from "../src/agent/checkpoints.ts";
import { listSessions } from "../src/agent/session_list.ts";
import { rewindSession } from "../src/agent/rewind.ts";
import { writeTool } from "../src/agent/tools/write.ts";
import type { AssistantMessage } from "../src/ai/types.ts";
import { codexModel } from "./ai_fakes.ts";
import { runnerOptions } from "./fixtures/runner_options.ts";

/** A model that writes `file` once, then answers "done". */
function writer(file: string): ModelStream {
  let calls = 0;
  return async function* (model) {
    const message: AssistantMessage = {
      role: "assistant",
      content: [],
      api: model.api,
      provider: model.provider,
      model: model.id,
      usage: {
        input: 1,
        output: 1,
        cacheRead: 0,
        cacheWrite: 0,
        reasoning: 0,
        totalTokens: 2,
        cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 },
        listCost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 },
        billed: false,
      },
      stopReason: "stop",
    };
    if (calls++ % 2 === 0) {
      const call = {
        type: "tool_call" as const,
        id: `fc_${calls}`,
        callId: `call_${calls}`,
        name: "write",
        arguments: { path: file, content: `write ${calls}` },
      };
      message.content.push(call);
      message.stopReason = "tool_use";
      yield { type: "tool_call_end", index: 0, toolCall: call };
    } else {
      message.content.push({ type: "text", text: "done" });
    }
    yield { type: "done", stopReason: message.stopReason, message };
  };
}

function options(dir: string, stream: ModelStream): SessionRunnerOptions {
  return runnerOptions(dir, stream, [writeTool]);
}

async function drain(runner: SessionRunner, text: string) {
  for await (const _ of runner.prompt(text, { model: codexModel() })) {
    // run to the end
  }
}

Deno.test("the runner saves a file's state before write changes it, under the user message whose turn runs", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "pi_runner17_" }));
  try {
    await Deno.writeTextFile(`${dir}/f.txt`, "before");
    const runner = SessionRunner.create(options(dir, writer("f.txt")));
    await drain(runner, "first");
    await drain(runner, "second");
    runner.close();
    const lines = (await Deno.readTextFile(runner.path!)).trimEnd().split("\n").map((l) =>
      JSON.parse(l)
    );
    const users = lines.filter((l) => l.type === "message" && l.message.role === "user");
    const records = await new CheckpointStore(`${dir}/agent`, runner.id, { now: () => 0 })
      .records();
    assert.deepEqual(records.map((r) => [r.turn, r.n, r.path]), [
      [users[0].id, 1, `${dir}/f.txt`],
      [users[1].id, 2, `${dir}/f.txt`],
    ]);
    assert.equal(await Deno.readTextFile(`${dir}/f.txt`), "write 3");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a rewind saves the states it replaces under the newest user message and its number", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "pi_runner17_" }));
  try {
    await Deno.writeTextFile(`${dir}/f.txt`, "before");
    const runner = SessionRunner.create(options(dir, writer("f.txt")));
    await drain(runner, "first");
    await drain(runner, "second");
    runner.close();
    const deps = { now: () => 0, randomBytes: (n: number) => new Uint8Array(n).fill(7) };
    const result = await rewindSession(`${dir}/agent`, runner.path!, { n: 1 }, deps);
    assert.deepEqual(result.files, [{ path: `${dir}/f.txt`, action: "restored" }]);
    assert.equal(await Deno.readTextFile(`${dir}/f.txt`), "before");
    const lines = (await Deno.readTextFile(runner.path!)).trimEnd().split("\n").map((l) =>
      JSON.parse(l)
    );
    const users = lines.filter((l) => l.type === "message" && l.message.role === "user");
    const records = await new CheckpointStore(`${dir}/agent`, runner.id, { now: () => 0 })
      .records();
    // The content the rewind replaced ("write 3") belongs to the turn of message 2, not 1.
    assert.deepEqual(records.map((r) => [r.turn, r.n]).at(-1), [users[1].id, 2]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("SessionRunner.fork writes nothing until the first prompt; setName names the session", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "pi_runner17_" }));
  try {
    const source = SessionRunner.create(options(dir, writer("g.txt")));
    await drain(source, "original");
    source.close();
    const sourceBytes = await Deno.readFile(source.path!);
    const fork = await SessionRunner.fork(options(dir, writer("g.txt")), source.path!);
    assert.equal(fork.parentSession, source.id);
    assert.equal(fork.messages.length, 4, "the source's conversation");
    await assert.rejects(Deno.stat(fork.path!), Deno.errors.NotFound);
    assert.equal(listSessions(`${dir}/agent`, { cwd: dir }).length, 1);
    await fork.setName("  Forked work ");
    fork.close();
    const listed = listSessions(`${dir}/agent`, { cwd: dir });
    assert.deepEqual(listed.map((s) => [s.id, s.name ?? null, s.messages]), [
      [fork.id, "Forked work", 4],
      [source.id, null, 4],
    ]);
    assert.equal(listed[0].parentSession, source.id);
    assert.deepEqual(await Deno.readFile(source.path!), sourceBytes);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("SessionRunner.name: the file's last session_info when opened (a fork's copied), then what setName set; none when not saved", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "pi_runner17_" }));
  try {
    const first = SessionRunner.create(options(dir, writer("n.txt")));
    assert.equal(first.name, undefined);
    await first.setName("Old name");
    assert.equal(first.name, "Old name");
    await drain(first, "work");
    await first.setName("  Parser work ");
    assert.equal(first.name, "Parser work");
    first.close();

    const opened = await SessionRunner.open(options(dir, writer("n.txt")), first.path!);
    assert.equal(opened.name, "Parser work", "the last session_info names it");
    const fork = await SessionRunner.fork(options(dir, writer("n.txt")), first.path!);
    assert.equal(fork.name, "Parser work", "a fork carries its source's entries");
    await opened.setName("  ");
    assert.equal(opened.name, undefined, "an empty name clears it");
    opened.close();
    const reopened = await SessionRunner.open(options(dir, writer("n.txt")), first.path!);
    assert.equal(reopened.name, undefined);
    reopened.close();
    assert.equal(
      listSessions(`${dir}/agent`, { cwd: dir }).find((s) => s.id === first.id)?.name,
      undefined,
      "the session list reads the name the same way",
    );

    const unsaved = SessionRunner.create({ ...options(dir, writer("n.txt")), persist: false });
    assert.equal(await unsaved.setName("Nowhere"), undefined);
    assert.equal(unsaved.name, undefined, "a session not saved has no name");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
