/**
 * The sandbox, approvals and settings.json as a user meets them (issue 20): `pi -p` as a
 * process against the fake Codex backend, whose scripted tool calls try to write outside the
 * workspace, reach a TCP server on 127.0.0.1 and read the agent dir's auth.json.
 *
 * The test trees live under ~/.cache/pi-tests, not /tmp: the sandbox's /tmp is private, and
 * what matters is what stays visible through it.
 */

import assert from "node:assert/strict";
import {
  callOutputs,
  type FakeBackend,
  type FakeCall,
  type RecordedRequest,
  startFakeCodex,
  writeFakeAuth,
} from "../fixtures/fake_codex_backend.ts";
import { type PiResult, runPi, spawnPi } from "./run_pi.ts";
import { pathOf, SANDBOX_HERE, tcpServer } from "../fixtures/sandbox_here.ts";
import { killProcesses, processIds, until } from "../fixtures/processes.ts";

const ignore = !SANDBOX_HERE.ok;

interface Env {
  /** The test tree (HOME of pi). */
  dir: string;
  /** pi's cwd: `<dir>/work`. */
  cwd: string;
  agentDir: string;
  fake: FakeBackend;
}

/** The test tree before the fake starts (to script calls that name its paths). */
type Tree = Omit<Env, "fake">;

/** A fake that makes `calls` in one turn, then answers "done". */
async function withCalls(
  calls: FakeCall[] | ((tree: Tree) => Promise<FakeCall[]>),
  fn: (env: Env) => Promise<void>,
): Promise<void> {
  const base = `${Deno.env.get("HOME")}/.cache/pi-tests/sandbox-e2e`;
  await Deno.mkdir(base, { recursive: true });
  const dir = await Deno.realPath(await Deno.makeTempDir({ dir: base, prefix: "t_" }));
  const agentDir = `${dir}/agent`;
  const token = await writeFakeAuth(agentDir);
  await Deno.mkdir(`${dir}/work`);
  const tree = { dir, cwd: `${dir}/work`, agentDir };
  const script = typeof calls === "function" ? await calls(tree) : calls;
  const fake = startFakeCodex([{ calls: script }, { text: "done" }], { token });
  try {
    await fn({ ...tree, fake });
    assert.deepEqual(fake.problems, [], "every request was valid");
  } finally {
    await fake.close();
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(base).catch(() => {}); // Another test's tree may still be there.
  }
}

function pi(env: Env, args: string[], extraEnv: Record<string, string> = {}): Promise<PiResult> {
  return runPi(args, {
    cwd: env.cwd,
    env: {
      HOME: env.dir,
      PI_CODING_AGENT_DIR: env.agentDir,
      PI_OPENAI_CODEX_BASE_URL: env.fake.url,
      ...extraEnv,
    },
  });
}

/** The outputs the model read for the scripted calls, in call order. */
function outputs(env: Env): string[] {
  const last: RecordedRequest | undefined = env.fake.requests.at(-1);
  assert.ok(last, "the model was asked again after the tool calls");
  return callOutputs(last);
}

const bash = (command: string): FakeCall => ({ name: "bash", arguments: { command } });
const write = (path: string, content = "x\n"): FakeCall => ({
  name: "write",
  arguments: { path, content },
});

const ETC_MARKER = `/etc/pi-sandbox-e2e-${Deno.pid}`;

Deno.test({
  name:
    "workspace: /etc is read-only, the cwd writable, no network, no auth.json, writes outside refused",
  ignore,
  fn: async () => {
    const server = tcpServer();
    try {
      await withCalls(async (tree) => {
        await Deno.symlink(tree.dir, `${tree.cwd}/up`);
        return [
          bash(`touch ${ETC_MARKER}; echo rc=$?`),
          bash("echo inside > made.txt && cat made.txt"),
          bash(`exec 3<>/dev/tcp/127.0.0.1/${server.port} && echo connected`),
          bash(`cat ${tree.agentDir}/auth.json; ls -A ${tree.agentDir} | wc -l`),
          write(`${tree.dir}/direct.txt`),
          write("../dotdot.txt"),
          write("up/via-link.txt"),
          write("inside.txt", "fine\n"),
        ];
      }, async (env) => {
        const result = await pi(env, ["-p", "--sandbox", "workspace", "try things"]);
        assert.equal(result.code, 0, result.stderr);
        assert.equal(result.stdout, "done\n");
        const out = outputs(env);
        assert.match(out[0], /Read-only file system/);
        assert.match(out[0], /rc=1/);
        await assert.rejects(() => Deno.stat(ETC_MARKER), "nothing was created in /etc");
        assert.equal(out[1], "inside");
        assert.equal(await Deno.readTextFile(`${env.cwd}/made.txt`), "inside\n");
        assert.doesNotMatch(out[2], /connected/);
        assert.equal(server.accepted(), 0, "no connection reached the server");
        assert.match(out[3], /auth\.json: No such file or directory/);
        assert.match(out[3], /^0$/m, "the agent dir is empty inside");
        assert.doesNotMatch(out[3], /rt_fake_refresh|"access"/);
        for (const i of [4, 5, 6]) {
          assert.match(out[i], /outside the workspace \(sandbox: workspace\)/, out[i]);
        }
        for (const name of ["direct.txt", "dotdot.txt", "via-link.txt"]) {
          await assert.rejects(() => Deno.stat(`${env.dir}/${name}`), name);
        }
        assert.equal(await Deno.readTextFile(`${env.cwd}/inside.txt`), "fine\n");
      });
    } finally {
      server.close();
      await Deno.remove(ETC_MARKER).catch(() => {});
    }
  },
});

Deno.test({
  name: "workspace --allow-network: the TCP connection to 127.0.0.1 works",
  ignore,
  fn: async () => {
    const server = tcpServer();
    try {
      await withCalls(
        [bash(`exec 3<>/dev/tcp/127.0.0.1/${server.port} && echo connected`)],
        async (env) => {
          const result = await pi(env, ["-p", "--sandbox", "workspace", "--allow-network", "go"]);
          assert.equal(result.code, 0, result.stderr);
          assert.deepEqual(outputs(env), ["connected"]);
          assert.equal(server.accepted(), 1);
        },
      );
    } finally {
      server.close();
    }
  },
});

Deno.test({
  name: "read-only: nothing is written, by bash or by write/edit",
  ignore,
  fn: async () => {
    await withCalls([
      bash("echo x > by-bash.txt"),
      write("by-write.txt"),
      { name: "edit", arguments: { path: "keep.txt", oldText: "keep", newText: "changed" } },
    ], async (env) => {
      await Deno.writeTextFile(`${env.cwd}/keep.txt`, "keep\n");
      const result = await pi(env, ["-p", "--sandbox", "read-only", "go"]);
      assert.equal(result.code, 0, result.stderr);
      const out = outputs(env);
      assert.match(out[0], /Read-only file system/);
      assert.match(out[1], /\(sandbox: read-only\)/);
      assert.match(out[2], /\(sandbox: read-only\)/);
      assert.deepEqual([...Deno.readDirSync(env.cwd)].map((e) => e.name), ["keep.txt"]);
      assert.equal(await Deno.readTextFile(`${env.cwd}/keep.txt`), "keep\n");
    });
  },
});

Deno.test("no bwrap on PATH with workspace asked: no tool runs, the model and stderr say how to install it", async () => {
  await withCalls([
    bash("touch made-by-bash.txt"),
    write("made-by-write.txt"),
    { name: "read", arguments: { path: "present.txt" } },
  ], async (env) => {
    await Deno.writeTextFile(`${env.cwd}/present.txt`, "secret plan\n");
    // A PATH with bash, setsid and touch but no bwrap.
    const bin = await pathOf(env.dir, ["bash", "setsid", "touch", "cat", "ls"]);
    const result = await pi(env, ["-p", "--sandbox", "workspace", "go"], { PATH: bin });
    assert.equal(result.code, 0, result.stderr);
    const out = outputs(env);
    for (const text of out) {
      assert.match(
        text,
        /Not run: --sandbox workspace was asked for, but bwrap \(bubblewrap\) is not installed/,
      );
      assert.match(text, /sudo apt install bubblewrap/);
    }
    assert.doesNotMatch(out[2], /secret plan/);
    assert.deepEqual([...Deno.readDirSync(env.cwd)].map((e) => e.name), ["present.txt"]);
    const lines = result.stderr.trim().split("\n");
    assert.equal(lines.length, 1, result.stderr);
    assert.match(
      lines[0],
      /^pi: bwrap \(bubblewrap\) is not installed; every tool call is refused \(--sandbox workspace\)\. To fix: install bubblewrap \(sudo apt install bubblewrap/,
    );
  });
});

Deno.test("--ask writes in print mode declines bash: nothing created, the model reads the decline, exit 0", async () => {
  await withCalls(
    [bash("touch made.txt"), { name: "read", arguments: { path: "r.txt" } }],
    async (env) => {
      await Deno.writeTextFile(`${env.cwd}/r.txt`, "readable\n");
      const result = await pi(env, ["-p", "--ask", "writes", "go"]);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, "done\n");
      await assert.rejects(() => Deno.stat(`${env.cwd}/made.txt`));
      const out = outputs(env);
      assert.equal(out[0], "The user declined this tool call");
      assert.match(out[1], /readable/, "read is not a write: it ran");
      assert.equal(result.stderr, "pi: declined bash: no terminal to ask (--ask writes)\n");
    },
  );
});

Deno.test("--ask all --mode json writes the tool_declined event before the result", async () => {
  await withCalls([{ name: "read", arguments: { path: "r.txt" } }], async (env) => {
    const result = await pi(env, ["-p", "--mode", "json", "--ask", "all", "go"]);
    assert.equal(result.code, 0, result.stderr);
    const events = result.stdout.trim().split("\n").map((l) => JSON.parse(l));
    const declined = events.filter((e) => e.type === "tool_declined");
    assert.equal(declined.length, 1);
    const call = events.find((e) => e.type === "tool_call");
    assert.deepEqual(declined[0], {
      type: "tool_declined",
      turn: 1,
      callId: call.callId,
      name: "read",
      reason: "no terminal to ask (--ask all)",
    });
    const types = events.map((e) => e.type);
    assert.ok(types.indexOf("tool_declined") < types.indexOf("tool_result"));
    const toolResult = events.find((e) => e.type === "tool_result");
    assert.equal(toolResult.output, "The user declined this tool call");
    assert.equal(result.stderr, "");
  });
});

Deno.test("settings.json: its modes apply, flags win, a bad value names the file and the key", async () => {
  await withCalls([bash("touch made.txt")], async (env) => {
    await Deno.writeTextFile(
      `${env.agentDir}/settings.json`,
      JSON.stringify({ ask: "writes", theme: "dark", lastChangelogVersion: "1.0.0" }),
    );
    const asked = await pi(env, ["-p", "go"]);
    assert.equal(asked.code, 0, asked.stderr);
    assert.deepEqual(outputs(env), ["The user declined this tool call"]);
    await assert.rejects(() => Deno.stat(`${env.cwd}/made.txt`));
  });
  await withCalls([bash("touch made.txt")], async (env) => {
    await Deno.writeTextFile(`${env.agentDir}/settings.json`, JSON.stringify({ ask: "writes" }));
    const flagged = await pi(env, ["-p", "--ask", "never", "go"]);
    assert.equal(flagged.code, 0, flagged.stderr);
    await Deno.stat(`${env.cwd}/made.txt`);
  });
  await withCalls([], async (env) => {
    const file = `${env.agentDir}/settings.json`;
    await Deno.writeTextFile(file, JSON.stringify({ sandbox: "strict" }));
    const bad = await pi(env, ["-p", "go"]);
    assert.equal(bad.code, 1);
    assert.match(
      bad.stderr,
      new RegExp(`${file}: sandbox: expected one of "off", "workspace", "read-only", got "strict"`),
    );
    await Deno.writeTextFile(file, "[1, 2]");
    const notObject = await pi(env, ["-p", "go"]);
    assert.equal(notObject.code, 1);
    assert.match(notObject.stderr, /settings\.json: expected a JSON object, got an array/);
    assert.equal(env.fake.requests.length, 0, "nothing was sent");
    assert.equal(await Deno.readTextFile(file), "[1, 2]", "pi never writes it");
  });
});

Deno.test({
  name: "settings.json sandbox: workspace applies, --sandbox off wins",
  ignore,
  fn: async () => {
    await withCalls([write("../outside.txt")], async (env) => {
      await Deno.writeTextFile(`${env.agentDir}/settings.json`, '{"sandbox":"workspace"}');
      const result = await pi(env, ["-p", "go"]);
      assert.equal(result.code, 0, result.stderr);
      assert.match(outputs(env)[0], /outside the workspace \(sandbox: workspace\)/);
      await assert.rejects(() => Deno.stat(`${env.dir}/outside.txt`));
    });
    await withCalls([write("../outside.txt")], async (env) => {
      await Deno.writeTextFile(`${env.agentDir}/settings.json`, '{"sandbox":"workspace"}');
      const result = await pi(env, ["-p", "--sandbox", "off", "go"]);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(await Deno.readTextFile(`${env.dir}/outside.txt`), "x\n");
    });
  },
});

Deno.test("settings.json defaultModel and defaultThinkingLevel choose the request's model; flags win", async () => {
  await withCalls([], async (env) => {
    await Deno.writeTextFile(
      `${env.agentDir}/settings.json`,
      JSON.stringify({
        defaultProvider: "openai-codex",
        defaultModel: "gpt-5.1-codex-mini",
        defaultThinkingLevel: "high",
      }),
    );
    const first = await pi(env, ["-p", "--no-session", "hi"]);
    assert.equal(first.code, 0, first.stderr);
    const body = env.fake.requests[0].body;
    assert.equal(body.model, "gpt-5.1-codex-mini");
    assert.equal((body.reasoning as { effort: string }).effort, "high");
    const second = await pi(env, [
      "-p",
      "--no-session",
      "--model",
      "gpt-5.2-codex",
      "--thinking",
      "low",
      "hi",
    ]);
    assert.equal(second.code, 0, second.stderr);
    const body2 = env.fake.requests[1].body;
    assert.equal(body2.model, "gpt-5.2-codex");
    assert.equal((body2.reasoning as { effort: string }).effort, "low");
  });
});

Deno.test("unknown --sandbox and --ask values are usage errors listing the known ones", async () => {
  await withCalls([], async (env) => {
    const sandbox = await pi(env, ["-p", "--sandbox", "strict", "go"]);
    assert.equal(sandbox.code, 2);
    assert.match(sandbox.stderr, /Unknown sandbox: strict \(known: off, workspace, read-only\)/);
    const ask = await pi(env, ["-p", "--ask", "sometimes", "go"]);
    assert.equal(ask.code, 2);
    assert.match(ask.stderr, /Unknown ask: sometimes \(known: never, writes, all\)/);
  });
});

for (const [signal, code] of [["SIGTERM", 143], ["SIGKILL", undefined]] as const) {
  Deno.test({
    name: `${signal} to pi while sandboxed bash runs sleep & sleep: no process is left`,
    ignore,
    fn: async () => {
      const marker = signal === "SIGTERM" ? "1000.2015" : "1000.2099";
      await withCalls([bash(`sleep ${marker} & sleep ${marker}`)], async (env) => {
        const running = spawnPi(["-p", "--sandbox", "workspace", "go"], {
          HOME: env.dir,
          PI_CODING_AGENT_DIR: env.agentDir,
          PI_OPENAI_CODEX_BASE_URL: env.fake.url,
        }, { cwd: env.cwd });
        const sleeps = () =>
          processIds(`sleep ${marker}`).filter((pid) => {
            try {
              return Deno.readTextFileSync(`/proc/${pid}/cmdline`).startsWith("sleep\0");
            } catch {
              return false;
            }
          });
        try {
          await until(() => sleeps().length === 2, "both sleeps to start");
          running.child.kill(signal);
          const result = await running.done;
          if (code !== undefined) assert.equal(result.code, code, result.stderr);
          await until(() => sleeps().length === 0, "the sandbox to be gone", 5000).catch(() => {});
          assert.deepEqual(sleeps(), [], "no process of the sandbox is left");
        } finally {
          try {
            running.child.kill("SIGKILL");
          } catch {
            // ended
          }
          await running.done.catch(() => {});
          killProcesses(`sleep ${marker}`);
        }
      });
    },
  });
}
