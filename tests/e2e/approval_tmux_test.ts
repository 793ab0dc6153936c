/**
 * Approvals and the sandbox on the interactive screen, as a user meets them (issue 20): pi in
 * tmux against the fake Codex backend, whose model makes scripted tool calls. The question for
 * an edit shows its diff; `y` runs it, `a` runs it and the next call of that tool without
 * asking, `n` declines it (the model's next request carries the decline, the file is
 * unchanged), Esc stops the turn (nothing runs). `--sandbox workspace` on the screen: the
 * status line shows it and bash cannot touch /etc. Without bwrap, `/sandbox workspace` says
 * how to install it and the mode stays off.
 *
 * The test trees live under ~/.cache/pi-tests, not /tmp: the sandbox's /tmp is private.
 */

import assert from "node:assert/strict";
import {
  callOutputs,
  type FakeBackend,
  type FakeCall,
  type FakeTurn,
  type RecordedRequest,
  startFakeCodex,
  writeFakeAuth,
} from "../fixtures/fake_codex_backend.ts";
import { pathOf, SANDBOX_HERE } from "../fixtures/sandbox_here.ts";
import { runPi } from "./run_pi.ts";
import { HAS_TMUX, TmuxPane } from "./tmux.ts";

const DECLINED = "The user declined this tool call";

interface Env {
  dir: string;
  work: string;
  agentDir: string;
  fake: FakeBackend;
  base: Record<string, string>;
}

/** The text of the last user message of a request, or undefined after tool results. */
function prompt(request: RecordedRequest): string | undefined {
  const last = (request.body.input as Record<string, unknown>[]).at(-1)!;
  if (last.type === "function_call_output") return undefined;
  return JSON.stringify(last.content);
}

/**
 * A fake whose model answers a prompt containing a key of `calls` with those calls, and
 * "done" after tool results.
 */
async function withEnv(
  calls: Record<string, FakeCall[]>,
  fn: (env: Env) => Promise<void>,
): Promise<void> {
  const root = `${Deno.env.get("HOME")}/.cache/pi-tests/approval-tmux`;
  await Deno.mkdir(root, { recursive: true });
  const dir = await Deno.realPath(await Deno.makeTempDir({ dir: root, prefix: "t_" }));
  const agentDir = `${dir}/agent`;
  const work = `${dir}/work`;
  await Deno.mkdir(work);
  await Deno.writeTextFile(`${work}/a.txt`, "one\ntwo\nthree\n");
  const token = await writeFakeAuth(agentDir);
  const fake = startFakeCodex((request): FakeTurn => {
    const text = prompt(request);
    if (text === undefined) return { text: "All done." };
    const key = Object.keys(calls).find((k) => text.includes(k));
    return key ? { calls: calls[key] } : { text: "Hello." };
  }, { token });
  const base = {
    HOME: dir,
    PI_CODING_AGENT_DIR: agentDir,
    PI_OPENAI_CODEX_BASE_URL: fake.url,
  };
  try {
    await fn({ dir, work, agentDir, fake, base });
    assert.deepEqual(fake.problems, []);
  } finally {
    await fake.close();
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(root).catch(() => {});
  }
}

async function start(
  env: Env,
  args: string[],
  extra: Record<string, string> = {},
  width = 100,
): Promise<TmuxPane> {
  const pane = await TmuxPane.start(env.dir, { ...env.base, ...extra }, args, {
    width,
    height: 30,
    cwd: env.work,
  });
  await pane.waitFor((s) => /^›( |$)/m.test(s));
  return pane;
}

async function send(pane: TmuxPane, text: string): Promise<void> {
  await pane.type(text);
  await pane.keys("Enter");
}

/** What the model read for each call, in the request after them. */
const outputs = callOutputs;

const edit = (oldText: string, newText: string): FakeCall => ({
  name: "edit",
  arguments: { path: "a.txt", oldText, newText },
});

Deno.test({
  name:
    "tmux --ask writes: the edit's question shows its diff; y runs it; a runs it and the next edit unasked",
  ignore: !HAS_TMUX,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withEnv({
      "first": [edit("two", "2")],
      "second": [edit("one", "1"), edit("three", "3")],
    }, async (env) => {
      const pane = await start(env, ["--ask", "writes"]);
      try {
        let screen = await pane.waitFor(/ask writes/);
        assert.match(screen, /sandbox off · ask writes/, "the status line shows the modes");
        await send(pane, "first change");
        screen = await pane.waitFor("Edit a.txt?");
        for (
          const row of [
            /^ {2}--- a\/a\.txt$/m,
            /^ {2}\+\+\+ b\/a\.txt$/m,
            /^ {2}@@ -1,3 \+1,3 @@$/m,
            /^ {3}one$/m,
            /^ {2}-two$/m,
            /^ {2}\+2$/m,
            /^y yes · a always for edit · n no · Esc no, stop the turn$/m,
            /Waiting for your answer… \(Ctrl\+C to cancel\)/,
          ]
        ) assert.match(screen, row);
        await pane.type("y");
        await pane.waitFor("All done.");
        assert.equal(await Deno.readTextFile(`${env.work}/a.txt`), "one\n2\nthree\n");

        await send(pane, "second change");
        screen = await pane.waitFor(/^ {2}\+1$/m);
        await pane.type("a");
        screen = await pane.waitFor((s) => (s.match(/All done\./g) ?? []).length === 2);
        assert.equal(await Deno.readTextFile(`${env.work}/a.txt`), "1\n2\n3\n");
        assert.doesNotMatch(screen, /^ {2}\+3$/m, "the second edit was not asked about");
        assert.deepEqual(outputs(env.fake.requests.at(-1)!).slice(-2).map((o) => o.slice(0, 7)), [
          "Edited ",
          "Edited ",
        ]);
        await pane.keys("C-d");
        assert.equal(await pane.exitCode(), 0);
      } finally {
        await pane.kill();
      }
    }),
});

Deno.test({
  name:
    "tmux --continue --ask writes: n declines (the model reads it, the file is unchanged); Esc stops the turn",
  ignore: !HAS_TMUX,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withEnv({
      "decline": [edit("two", "2")],
      "stop": [edit("two", "TWO"), { name: "bash", arguments: { command: "touch made.txt" } }],
    }, async (env) => {
      // A continued session: its runner, opened before the screen, asks too.
      const first = await runPi(["-p", "hello"], { env: env.base, cwd: env.work });
      assert.equal(first.code, 0, first.stderr);
      const pane = await start(env, ["--continue", "--ask", "writes"]);
      try {
        await send(pane, "please decline");
        await pane.waitFor("Edit a.txt?");
        await pane.type("n");
        await pane.waitFor("All done.");
        assert.deepEqual(outputs(env.fake.requests.at(-1)!), [DECLINED]);
        assert.equal(await Deno.readTextFile(`${env.work}/a.txt`), "one\ntwo\nthree\n");

        const before = env.fake.requests.length;
        await send(pane, "please stop");
        await pane.waitFor(/^ {2}\+TWO$/m);
        await pane.keys("Escape");
        const screen = await pane.waitFor("Stopped at the approval question");
        assert.match(screen, /✗ edit a\.txt → The user declined this tool call/);
        assert.equal(env.fake.requests.length, before + 1, "the model was not asked again");
        assert.equal(await Deno.readTextFile(`${env.work}/a.txt`), "one\ntwo\nthree\n");
        await assert.rejects(() => Deno.stat(`${env.work}/made.txt`), "bash did not run");
        await pane.keys("C-d");
        assert.equal(await pane.exitCode(), 0);
      } finally {
        await pane.kill();
      }
    }),
});

const ETC_MARKER = `/etc/pi-approval-tmux-${Deno.pid}`;

Deno.test({
  name: "tmux --sandbox workspace: the status line shows it; bash cannot touch /etc",
  ignore: !HAS_TMUX || !SANDBOX_HERE.ok,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withEnv({
      "etc": [{ name: "bash", arguments: { command: `touch ${ETC_MARKER}` } }],
    }, async (env) => {
      const pane = await start(env, ["--sandbox", "workspace"]);
      try {
        await pane.waitFor(/sandbox workspace · ask never$/m);
        await send(pane, "touch etc");
        const screen = await pane.waitFor("All done.");
        assert.match(screen, /✗ bash touch \/etc\/pi-approval-tmux-\d+ → touch: cannot touch/);
        await assert.rejects(() => Deno.stat(ETC_MARKER));
        assert.match(outputs(env.fake.requests.at(-1)!)[0], /Read-only file system/);
        await pane.keys("C-d");
        assert.equal(await pane.exitCode(), 0);
      } finally {
        await pane.kill();
        await Deno.remove(ETC_MARKER).catch(() => {});
      }
    }),
});

Deno.test({
  name:
    "tmux without bwrap: /sandbox workspace says how to install it and stays off; --sandbox says so at the start",
  ignore: !HAS_TMUX,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withEnv({}, async (env) => {
      // A PATH without bwrap (deno is started by its full path).
      const bin = await pathOf(env.dir, [
        "bash",
        "sh",
        "env",
        "stty",
        "date",
        "mv",
        "sleep",
        "cat",
      ]);
      let pane = await start(env, [], { PATH: bin }, 120);
      try {
        await send(pane, "/sandbox workspace");
        const screen = await pane.waitFor("the sandbox stays off");
        assert.match(
          screen.replace(/\n/g, " "),
          /✗ bwrap \(bubblewrap\) is not installed: the sandbox stays off\. To use workspace: install bubblewrap \(sudo apt install bubblewrap/,
        );
        assert.match(screen, / · sandbox off · ask never$/m);
        await pane.keys("C-d");
        assert.equal(await pane.exitCode(), 0);
      } finally {
        await pane.kill();
      }
      pane = await start(env, ["--sandbox", "workspace"], { PATH: bin });
      try {
        const screen = await pane.waitFor("every tool call is refused");
        assert.match(
          screen.replace(/\n/g, " "),
          /! bwrap \(bubblewrap\) is not installed; every tool call is refused \(--sandbox workspace\)\. To fix: install bubblewrap/,
        );
        await pane.keys("C-d");
        assert.equal(await pane.exitCode(), 0);
      } finally {
        await pane.kill();
      }
    }),
});
