/**
 * Print mode as a user meets it: `deno run -A main.ts -p …` in a temp dir, against a fake
 * Codex backend that scripts tool calls and checks every request like the real server.
 */

import assert from "node:assert/strict";
import {
  type FakeBackend,
  type FakeTurn,
  functionCalls,
  functionOutputs,
  type RecordedRequest,
  startFakeCodex,
  writeFakeAuth,
} from "../fixtures/fake_codex_backend.ts";
import { MAIN } from "./run_pi.ts";
import { killProcesses, liveProcesses, until } from "../fixtures/processes.ts";

/**
 * Deno's cache: the child gets a temp HOME, so point it at the parent's cache explicitly
 * (else every run would download the npm packages of deno.json into the empty temp HOME).
 */
const DENO_DIR = Deno.env.get("DENO_DIR") ||
  `${Deno.env.get("XDG_CACHE_HOME") || `${Deno.env.get("HOME")}/.cache`}/deno`;

interface Env {
  dir: string;
  agentDir: string;
  token: string;
  fake: FakeBackend;
}

async function withFake(
  script: FakeTurn[] | ((request: RecordedRequest, index: number) => FakeTurn),
  fn: (env: Env) => Promise<void>,
): Promise<void> {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "pi_print_" }));
  const agentDir = `${dir}/agent`;
  const token = await writeFakeAuth(agentDir);
  await Deno.mkdir(`${dir}/work`);
  const fake = startFakeCodex(script, { token });
  try {
    await fn({ dir, agentDir, token, fake });
    assert.deepEqual(fake.problems, [], "every request was valid");
  } finally {
    await fake.close();
    await Deno.remove(dir, { recursive: true });
  }
}

function piCommand(env: Env, args: string[], stdin: "null" | "piped" = "null"): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", MAIN, ...args],
    cwd: `${env.dir}/work`,
    clearEnv: true,
    env: {
      PATH: Deno.env.get("PATH") ?? "",
      HOME: env.dir,
      DENO_DIR,
      PI_CODING_AGENT_DIR: env.agentDir,
      PI_OPENAI_CODEX_BASE_URL: env.fake.url,
    },
    stdin,
    stdout: "piped",
    stderr: "piped",
  });
}

async function pi(
  env: Env,
  args: string[],
  stdin?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = piCommand(env, args, stdin === undefined ? "null" : "piped").spawn();
  if (stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(stdin));
    await writer.close();
  }
  const out = await child.output();
  const d = new TextDecoder();
  return { code: out.code, stdout: d.decode(out.stdout), stderr: d.decode(out.stderr) };
}

async function sessionFiles(agentDir: string): Promise<string[]> {
  const files: string[] = [];
  try {
    for await (const dir of Deno.readDir(`${agentDir}/sessions`)) {
      for await (const f of Deno.readDir(`${agentDir}/sessions/${dir.name}`)) {
        files.push(`${agentDir}/sessions/${dir.name}/${f.name}`);
      }
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return files.sort();
}

function outputOf(request: RecordedRequest, callId: string): string {
  const item = functionOutputs(request).find((o) => o.call_id === callId);
  assert.ok(item, `output for ${callId}`);
  return String(item.output);
}

Deno.test("a scripted conversation: write, bash, edit, read, final answer", async () => {
  await withFake([
    { calls: [{ name: "write", arguments: { path: "src/answer.txt", content: "answer = ?\n" } }] },
    { calls: [{ name: "bash", arguments: { command: "echo $((6*7))" } }] },
    {
      calls: [{
        name: "edit",
        arguments: { path: "src/answer.txt", oldText: "answer = ?", newText: "answer = 42" },
      }],
    },
    { calls: [{ name: "read", arguments: { path: "src/answer.txt" } }] },
    { text: "The answer is 42.", reasoning: "Done with the file.", chunks: 4 },
  ], async (env) => {
    const result = await pi(env, ["-p", "Compute 6*7 and store it"]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, "The answer is 42.\n");
    assert.equal(result.stderr, "", "no progress on stderr when it is not a terminal");
    assert.equal(await Deno.readTextFile(`${env.dir}/work/src/answer.txt`), "answer = 42\n");

    const requests = env.fake.requests;
    assert.equal(requests.length, 5);
    const last = requests[4];
    const calls = functionCalls(last);
    const outputs = functionOutputs(last);
    assert.deepEqual(calls.map((c) => c.name), ["write", "bash", "edit", "read"]);
    assert.deepEqual(outputs.map((o) => o.call_id), calls.map((c) => c.call_id));
    assert.equal(outputOf(last, String(calls[1].call_id)), "42");
    assert.match(outputOf(last, String(calls[2].call_id)), /^Edited src\/answer\.txt/);
    assert.equal(outputOf(last, String(calls[3].call_id)), "     1\tanswer = 42");
    // Every request carried the system prompt and the tools; the same session id.
    for (const r of requests) {
      assert.match(String(r.body.instructions), /You are pi/);
      assert.match(String(r.body.instructions), new RegExp(`Working directory: ${env.dir}/work`));
      assert.deepEqual(
        (r.body.tools as { name: string }[]).map((t) => t.name),
        ["read", "write", "edit", "bash"],
      );
      assert.equal(r.headers["session_id"], requests[0].headers["session_id"]);
    }

    // The session: private, valid JSONL, the whole conversation, no token.
    const files = await sessionFiles(env.agentDir);
    assert.equal(files.length, 1);
    assert.match(
      files[0],
      /\/sessions\/--.*-work--\/\d{4}-\d\d-\d\dT[\d-]+Z_[0-9a-f-]{36}\.jsonl$/,
    );
    assert.equal((await Deno.stat(files[0])).mode! & 0o777, 0o600);
    assert.equal((await Deno.stat(`${env.agentDir}/sessions`)).mode! & 0o777, 0o700);
    const text = await Deno.readTextFile(files[0]);
    assert.ok(!text.includes(env.token), "no token in the session");
    assert.ok(!text.includes("rt_fake_refresh"), "no refresh token in the session");
    const lines = text.trimEnd().split("\n").map((l) => JSON.parse(l));
    assert.equal(lines[0].type, "session");
    assert.equal(lines[0].version, 3);
    assert.equal(lines[0].cwd, `${env.dir}/work`);
    assert.equal(lines[0].id, requests[0].headers["session_id"]);
    assert.deepEqual(
      lines.slice(1, 3).map((l) => [l.type, l.provider ?? l.thinkingLevel, l.modelId]),
      [["model_change", "openai-codex", "gpt-5.2-codex"], [
        "thinking_level_change",
        "medium",
        undefined,
      ]],
    );
    const roles = lines.filter((l) => l.type === "message").map((l) => l.message.role);
    assert.deepEqual(roles, [
      "user",
      "assistant",
      "toolResult",
      "assistant",
      "toolResult",
      "assistant",
      "toolResult",
      "assistant",
      "toolResult",
      "assistant",
    ]);
    // Usage is on each assistant message (no separate lines).
    const assistants = lines.filter((l) => l.type === "message" && l.message.role === "assistant");
    assert.ok(assistants.every((l) => l.message.usage.totalTokens === 110));
  });
});

Deno.test("expected failures are told to the model and the run still ends with exit 0", async () => {
  await withFake([
    {
      calls: [
        { name: "read", arguments: { path: "missing.txt" } },
        { name: "write", arguments: { path: "dup.txt", content: "a\nb\na\n" } },
      ],
    },
    { calls: [{ name: "edit", arguments: { path: "dup.txt", oldText: "a", newText: "c" } }] },
    { calls: [{ name: "bash", arguments: { command: "echo failing >&2; exit 7" } }] },
    { calls: [{ name: "bash", arguments: { command: "echo before; sleep 5", timeout: 1 } }] },
    { calls: [{ name: "bash", arguments: "{not json" }] },
    { text: "I hit some problems." },
  ], async (env) => {
    const result = await pi(env, ["-p", "try things"]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, "I hit some problems.\n");
    const last = env.fake.requests[5];
    const outputs = functionOutputs(last).map((o) => String(o.output));
    assert.equal(outputs.length, 6);
    assert.equal(outputs[0], "File not found: missing.txt");
    assert.match(
      outputs[2],
      /oldText occurs 2 times in dup\.txt \(lines 1, 3\); the file is unchanged/,
    );
    assert.match(outputs[3], /failing\n\n\[Command exited with code 7\]/);
    assert.match(outputs[4], /before\n\n\[Command timed out after 1 s/);
    assert.match(outputs[5], /not a valid JSON object/);
    assert.equal(await Deno.readTextFile(`${env.dir}/work/dup.txt`), "a\nb\na\n");
  });
});

Deno.test("--mode json writes one JSON event per line", async () => {
  await withFake([
    { calls: [{ name: "bash", arguments: { command: "echo hi" } }] },
    { text: "Said hi.", reasoning: "Easy." },
  ], async (env) => {
    const result = await pi(env, ["-p", "--mode", "json", "say hi"]);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(result.stdout.endsWith("\n"));
    const events = result.stdout.trimEnd().split("\n").map((line) => JSON.parse(line));
    const types = events.map((e) => e.type);
    assert.equal(types[0], "session");
    assert.equal(types.at(-1), "end");
    for (
      const t of [
        "turn_start",
        "text_delta",
        "thinking_delta",
        "tool_call",
        "tool_output",
        "tool_result",
        "usage",
        "message",
      ]
    ) {
      assert.ok(types.includes(t), `has ${t}`);
    }
    const call = events.find((e) => e.type === "tool_call");
    const res = events.find((e) => e.type === "tool_result");
    assert.equal(call.callId, res.callId);
    assert.deepEqual(call.arguments, { command: "echo hi" });
    assert.equal(res.output, "hi");
    const end = events.at(-1);
    assert.equal(end.reason, "stop");
    assert.equal(end.text, "Said hi.");
    assert.equal(end.turns, 2);
    assert.equal(end.usage.output, 20);
  });
});

Deno.test("the message can come from stdin, or without -p when stdout is not a terminal", async () => {
  await withFake([{ text: "from stdin" }, { text: "from args" }], async (env) => {
    const piped = await pi(env, ["-p"], "question on stdin\n");
    assert.equal(piped.code, 0, piped.stderr);
    assert.equal(piped.stdout, "from stdin\n");
    const flags = await pi(env, ["--provider", "openai-codex", "--model", "gpt-5.2-codex", "hi"]);
    assert.equal(flags.code, 0, flags.stderr);
    assert.equal(flags.stdout, "from args\n");
    const userTexts = env.fake.requests.map((r) => JSON.stringify((r.body.input as unknown[])[0]));
    assert.match(userTexts[0], /question on stdin/);
    assert.match(userTexts[1], /"hi"/);
    assert.equal(env.fake.requests[1].body.model, "gpt-5.2-codex");
  });
});

Deno.test("--continue sends the earlier turns back; --no-session writes nothing", async () => {
  await withFake([
    { calls: [{ name: "bash", arguments: { command: "echo first-tool" } }] },
    { text: "first answer" },
    { text: "second answer" },
    { text: "unsaved answer" },
  ], async (env) => {
    const first = await pi(env, ["-p", "first question"]);
    assert.equal(first.code, 0, first.stderr);
    const second = await pi(env, ["-p", "--continue", "second question"]);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout, "second answer\n");
    const input = env.fake.requests[2].body.input as Record<string, unknown>[];
    const flat = JSON.stringify(input);
    const order = ["first question", "first-tool", "first answer", "second question"].map((t) =>
      flat.indexOf(t)
    );
    assert.ok(order.every((i, k) => i >= 0 && (k === 0 || i > order[k - 1])), flat);
    assert.equal(
      env.fake.requests[2].headers["session_id"],
      env.fake.requests[0].headers["session_id"],
      "the continued session keeps its id",
    );
    const files = await sessionFiles(env.agentDir);
    assert.equal(files.length, 1, "continued in the same file");
    const before = await Deno.readTextFile(files[0]);

    const unsaved = await pi(env, ["-p", "--no-session", "--continue", "third question"]);
    assert.equal(unsaved.code, 0, unsaved.stderr);
    assert.match(JSON.stringify(env.fake.requests[3].body.input), /second answer/);
    assert.deepEqual(await sessionFiles(env.agentDir), files);
    assert.equal(await Deno.readTextFile(files[0]), before, "--no-session wrote nothing");
  });
});

Deno.test("--no-session writes no session file at all", async () => {
  await withFake([{ text: "ok" }], async (env) => {
    const result = await pi(env, ["-p", "--no-session", "hello"]);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(await sessionFiles(env.agentDir), []);
  });
});

Deno.test("the session file is valid JSONL after the process is killed mid-stream", async () => {
  await withFake([
    { calls: [{ name: "bash", arguments: { command: "echo step" } }] },
    { hangAfter: "partial ans" },
  ], async (env) => {
    const child = piCommand(env, ["-p", "start and hang"]).spawn();
    try {
      await until(() => env.fake.requests.length === 2, "the second request");
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      child.kill("SIGKILL");
      await child.output();
    }
    const files = await sessionFiles(env.agentDir);
    assert.equal(files.length, 1);
    const text = await Deno.readTextFile(files[0]);
    assert.ok(text.endsWith("\n"));
    const lines = text.trimEnd().split("\n").map((l) => JSON.parse(l));
    assert.equal(lines[0].type, "session");
    const roles = lines.filter((l) => l.type === "message").map((l) => l.message.role);
    assert.deepEqual(roles, ["user", "assistant", "toolResult"]);
  });
});

Deno.test("Ctrl+C during a long bash ends with exit 130 and no leftover child", async () => {
  const marker = "30.7183";
  await withFake([
    { calls: [{ name: "bash", arguments: { command: `sleep ${marker}; echo never` } }] },
    { text: "should not be asked" },
  ], async (env) => {
    const child = piCommand(env, ["-p", "sleep a while"]).spawn();
    let elapsed: number;
    let out: Deno.CommandOutput;
    try {
      await until(() => liveProcesses(`sleep ${marker}`).length > 0, "the sleep to start");
      const start = performance.now();
      child.kill("SIGINT");
      out = await child.output();
      elapsed = performance.now() - start;
    } catch (err) {
      child.kill("SIGKILL");
      throw err;
    }
    console.log(`Ctrl+C → exit: ${elapsed.toFixed(0)} ms`);
    assert.equal(out.code, 130, new TextDecoder().decode(out.stderr));
    assert.match(new TextDecoder().decode(out.stderr), /Interrupted/);
    assert.ok(elapsed < 10_000, "ended long before the 30 s sleep");
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(liveProcesses(`sleep ${marker}`), []);
    assert.equal(env.fake.requests.length, 1, "no new turn after the abort");
    // The conversation stays consistent: the call has its (aborted) result.
    const [file] = await sessionFiles(env.agentDir);
    const lines = (await Deno.readTextFile(file)).trimEnd().split("\n").map((l) => JSON.parse(l));
    const last = lines.filter((l) => l.type === "message").at(-1);
    assert.equal(last.message.role, "toolResult");
    assert.match(last.message.content[0].text, /aborted/);
  });
});

Deno.test("tool activity goes to stderr when stderr is a terminal, the answer to stdout", async () => {
  await withFake([
    { calls: [{ name: "bash", arguments: { command: "echo visible-output" } }] },
    { text: "Final words." },
  ], async (env) => {
    // `script` gives the command a terminal; stdout is sent to a file, so only stderr is a tty.
    const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
    const inner = [Deno.execPath(), "run", "-A", "--quiet", MAIN, "-p", "run it"].map(quote)
      .join(" ");
    const out = await new Deno.Command("script", {
      args: ["-qec", `${inner} > answer.txt`, "/dev/null"],
      cwd: `${env.dir}/work`,
      clearEnv: true,
      env: {
        PATH: Deno.env.get("PATH") ?? "",
        HOME: env.dir,
        NO_COLOR: "1",
        TERM: "xterm",
        DENO_DIR,
        PI_CODING_AGENT_DIR: env.agentDir,
        PI_OPENAI_CODEX_BASE_URL: env.fake.url,
      },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const terminal = new TextDecoder().decode(out.stdout);
    assert.equal(out.code, 0, terminal + new TextDecoder().decode(out.stderr));
    assert.match(terminal, /• bash echo visible-output\r?\n/);
    assert.match(terminal, /✓ bash echo visible-o.* → visible-output/);
    assert.doesNotMatch(terminal, /Final words/);
    assert.equal(await Deno.readTextFile(`${env.dir}/work/answer.txt`), "Final words.\n");
  });
});

Deno.test("--continue after a kill during a tool still sends a valid conversation", async () => {
  const marker = "29.1234";
  await withFake([
    { calls: [{ name: "bash", arguments: { command: `sleep ${marker}` } }] },
    { text: "resumed fine" },
  ], async (env) => {
    const child = piCommand(env, ["-p", "sleep then die"]).spawn();
    try {
      await until(() => liveProcesses(`sleep ${marker}`).length > 0, "the sleep to start");
    } finally {
      child.kill("SIGKILL");
      await child.output();
      // The orphaned command is not pi's to clean up after a SIGKILL; the test does it.
      killProcesses(`sleep ${marker}`);
    }
    const result = await pi(env, ["-p", "--continue", "are you there?"]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, "resumed fine\n");
    const [call] = functionCalls(env.fake.requests[1]);
    assert.match(outputOf(env.fake.requests[1], String(call.call_id)), /pi stopped before/);
  });
});

Deno.test("Ctrl+C while the model streams: exit 130, partial answer kept, JSON ends with end", async () => {
  await withFake([{ hangAfter: "partial ans" }], async (env) => {
    const child = piCommand(env, ["-p", "--mode", "json", "stream forever"]).spawn();
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let stdout = "";
    let out: Deno.CommandStatus;
    try {
      while (!stdout.includes('"text_delta"')) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`pi ended early: ${stdout}`);
        stdout += value;
      }
      const start = performance.now();
      child.kill("SIGINT");
      for (let r = await reader.read(); !r.done; r = await reader.read()) stdout += r.value;
      out = await child.status;
      console.log(`Ctrl+C mid-stream → exit: ${(performance.now() - start).toFixed(0)} ms`);
    } catch (err) {
      child.kill("SIGKILL");
      throw err;
    } finally {
      await child.stderr.cancel();
    }
    assert.equal(out.code, 130);
    const events = stdout.trimEnd().split("\n").map((l) => JSON.parse(l));
    const end = events.at(-1);
    assert.equal(end.type, "end");
    assert.equal(end.reason, "aborted");
    assert.equal(end.text, "partial ans");
    const [file] = await sessionFiles(env.agentDir);
    const lines = (await Deno.readTextFile(file)).trimEnd().split("\n").map((l) => JSON.parse(l));
    const messages = lines.filter((l) => l.type === "message").map((l) => l.message);
    assert.deepEqual(messages.map((m) => m.role), ["user", "assistant"]);
    assert.deepEqual(messages[1].content, [{ type: "text", text: "partial ans" }]);
  });
});

Deno.test("read passes an image to a vision model", async () => {
  const png = Uint8Array.from([
    0x89,
    0x50,
    0x4e,
    0x47,
    0x0d,
    0x0a,
    0x1a,
    0x0a,
    0,
    0,
    0,
    0x0d,
    0x49,
    0x48,
    0x44,
    0x52,
  ]);
  await withFake([
    { calls: [{ name: "read", arguments: { path: "shot.png" } }] },
    { text: "A tiny image." },
  ], async (env) => {
    await Deno.writeFile(`${env.dir}/work/shot.png`, png);
    const result = await pi(env, ["-p", "look at shot.png"]);
    assert.equal(result.code, 0, result.stderr);
    const input = env.fake.requests[1].body.input as Record<string, unknown>[];
    const image = JSON.stringify(input.filter((i) => i.type === "message" && i.role === "user"));
    assert.ok(image.includes(`data:image/png;base64,${png.toBase64()}`), image);
  });
});
