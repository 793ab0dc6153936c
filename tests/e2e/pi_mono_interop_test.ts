/**
 * pi and the real pi-mono (npm `@mariozechner/pi-coding-agent`, pinned in
 * tests/fixtures/pi_mono.ts) take turns in one session, in the shared agent dir, both against
 * the fake Codex backend (pi-mono is pointed at it by models.json's provider `baseUrl`, with
 * SSE as its transport in settings.json): each continues the other's session with `-c` and
 * sends the whole conversation, a tool call and its result included, under the session's id.
 */

import assert from "node:assert/strict";
import type { FakeTurn } from "../fixtures/fake_codex_backend.ts";
import { HAS_NODE, PI_MONO_VERSION, piMonoCli, runPiMono } from "../fixtures/pi_mono.ts";
import { inputShape, pi, type SessionEnv, sessionFiles, withFake } from "./session_env.ts";

/** Shapes with tool output trimmed (pi-mono keeps the final newline of bash output). */
function shape(env: SessionEnv, i: number): string[] {
  return inputShape(env.fake.requests[i]).map((s) => s.trimEnd());
}

async function setUp(env: SessionEnv): Promise<(args: string[]) => ReturnType<typeof runPiMono>> {
  const cli = await piMonoCli();
  // One agent dir for both: pi reads the provider baseUrl too and ignores settings.json.
  await Deno.writeTextFile(
    `${env.agentDir}/models.json`,
    JSON.stringify({ providers: { "openai-codex": { baseUrl: env.fake.url } } }),
  );
  await Deno.writeTextFile(`${env.agentDir}/settings.json`, JSON.stringify({ transport: "sse" }));
  return (args) =>
    runPiMono(cli, args, {
      cwd: env.work,
      env: { HOME: env.dir, PI_CODING_AGENT_DIR: env.agentDir },
    });
}

const script: FakeTurn[] = [
  { calls: [{ name: "bash", arguments: { command: "echo first-tool" } }] },
  { text: "first answer" },
  { calls: [{ name: "bash", arguments: { command: "echo second-tool" } }] },
  { text: "second answer" },
  { text: "third answer" },
];

/** What the third request (the third prompt's) must send, whoever sends it. */
const WHOLE = [
  "user:one",
  "call:bash",
  "output:first-tool",
  "assistant:first answer",
  "user:two",
  "call:bash",
  "output:second-tool",
  "assistant:second answer",
  "user:three",
];

Deno.test({
  name:
    `pi, then pi-mono ${PI_MONO_VERSION}, then pi, in one session: each sends the whole conversation`,
  ignore: !HAS_NODE,
  sanitizeResources: false,
  fn: async () => {
    await withFake(script, async (env) => {
      const mono = await setUp(env);
      const a = await pi(env, ["-p", "one"]);
      assert.equal(a.code, 0, a.stderr);
      const b = await mono(["-p", "-c", "two"]);
      assert.equal(b.code, 0, b.stdout + b.stderr);
      assert.equal(b.stdout.trim(), "second answer");
      const c = await pi(env, ["-p", "-c", "three"]);
      assert.equal(c.code, 0, c.stderr);
      assert.equal(c.stdout, "third answer\n");

      const requests = env.fake.requests;
      assert.equal(requests.length, 5);
      // pi-mono continued pi's conversation: the whole of it, and its tool call.
      assert.deepEqual(shape(env, 2), WHOLE.slice(0, 5));
      assert.deepEqual(shape(env, 3), WHOLE.slice(0, 7));
      // pi continued pi-mono's: the whole of it.
      assert.deepEqual(shape(env, 4), WHOLE);
      const id = requests[0].headers["session_id"];
      for (const r of requests) {
        assert.equal(r.headers["session_id"], id);
        assert.equal(r.body.prompt_cache_key, id);
      }
      assert.equal((await sessionFiles(env.agentDir)).length, 1, "one session file");
    });
  },
});

Deno.test({
  name:
    `pi-mono ${PI_MONO_VERSION}, then pi, then pi-mono, in one session: each sends the whole conversation`,
  ignore: !HAS_NODE,
  sanitizeResources: false,
  fn: async () => {
    await withFake(script, async (env) => {
      const mono = await setUp(env);
      const a = await mono(["-p", "--provider", "openai-codex", "--model", "gpt-5.2-codex", "one"]);
      assert.equal(a.code, 0, a.stdout + a.stderr);
      const b = await pi(env, ["-p", "-c", "two"]);
      assert.equal(b.code, 0, b.stderr);
      assert.equal(b.stdout, "second answer\n");
      const c = await mono(["-p", "-c", "three"]);
      assert.equal(c.code, 0, c.stdout + c.stderr);
      assert.equal(c.stdout.trim(), "third answer");

      const requests = env.fake.requests;
      assert.equal(requests.length, 5);
      // pi continued pi-mono's session, with pi-mono's model and the session's id.
      assert.deepEqual(shape(env, 2), WHOLE.slice(0, 5));
      assert.deepEqual(shape(env, 3), WHOLE.slice(0, 7));
      assert.equal(requests[2].body.model, "gpt-5.2-codex");
      // pi-mono continued pi's turns: the whole conversation.
      assert.deepEqual(shape(env, 4), WHOLE);
      const id = requests[0].headers["session_id"];
      for (const r of requests) {
        assert.equal(r.headers["session_id"], id);
        assert.equal(r.body.prompt_cache_key, id);
      }
      const files = await sessionFiles(env.agentDir);
      assert.equal(files.length, 1, "one session file");
      // pi only appended: pi-mono's file is still version 3 with one chain of entries.
      const entries = (await Deno.readTextFile(files[0])).trimEnd().split("\n").map((l) =>
        JSON.parse(l)
      );
      assert.equal(entries[0].version, 3);
      for (let i = 2; i < entries.length; i++) assert.equal(entries[i].parentId, entries[i - 1].id);
    });
  },
});
