/**
 * The bash, write, edit and read tools under a real bubblewrap sandbox: what a command can
 * and cannot touch, the network, hidden credentials, and the process tree killed on abort
 * and timeout. Skipped where bwrap cannot run (CI installs it).
 */

import assert from "node:assert/strict";
import { bashTool } from "../src/agent/tools/bash.ts";
import { editTool } from "../src/agent/tools/edit.ts";
import { readTool } from "../src/agent/tools/read.ts";
import { writeTool } from "../src/agent/tools/write.ts";
import { resultText, type ToolContext } from "../src/agent/tools/types.ts";
import type { SandboxSettings } from "../src/agent/sandbox.ts";
import { BWRAP_INSTALLED, SANDBOX_HERE, tcpServer } from "./fixtures/sandbox_here.ts";
import { liveProcesses } from "./fixtures/processes.ts";

const ignore = !SANDBOX_HERE.ok;

Deno.test({
  name: "bwrap is installed here, so it can start (else every sandbox test is skipped)",
  ignore: !BWRAP_INSTALLED,
  fn: () => {
    assert.ok(
      SANDBOX_HERE.ok,
      SANDBOX_HERE.ok ? "" : `${SANDBOX_HERE.reason}; ${SANDBOX_HERE.hint}`,
    );
  },
});

interface Tree {
  root: string;
  cwd: string;
  agent: string;
  sandbox: SandboxSettings;
}

async function withTree(
  fn: (t: Tree) => Promise<void>,
  overrides: Partial<SandboxSettings> = {},
): Promise<void> {
  // Not under /tmp: the sandbox's /tmp is private, and the point is what stays visible.
  const base = `${Deno.env.get("HOME")}/.cache/pi-tests/sandbox`;
  await Deno.mkdir(base, { recursive: true });
  const root = await Deno.realPath(await Deno.makeTempDir({ dir: base, prefix: "t_" }));
  const cwd = `${root}/work`;
  const agent = `${root}/agent`;
  await Deno.mkdir(cwd);
  await Deno.mkdir(agent);
  await Deno.writeTextFile(`${agent}/auth.json`, '{"openai":{"type":"api_key","key":"sk-x"}}');
  await Deno.writeTextFile(`${root}/outside.txt`, "outside\n");
  const sandbox: SandboxSettings = {
    mode: "workspace",
    allowNetwork: false,
    hidden: [agent],
    unsetEnv: ["PI_TEST_SECRET"],
    ...overrides,
  };
  try {
    await fn({ root, cwd, agent, sandbox });
  } finally {
    await Deno.remove(root, { recursive: true });
    try {
      await Deno.remove(base);
    } catch {
      // Another test's tree is still there.
    }
  }
}

async function bash(command: string, ctx: ToolContext): Promise<{ text: string; ok: boolean }> {
  const result = await bashTool.execute({ command }, ctx);
  return { text: resultText(result), ok: !result.isError };
}

Deno.test({
  name: "sandboxed bash: the cwd is writable, the rest read-only, /tmp private",
  ignore,
  fn: () =>
    withTree(async ({ root, cwd, sandbox }) => {
      const ctx = { cwd, sandbox };
      const inside = await bash("echo hi > made.txt && cat made.txt", ctx);
      assert.deepEqual(inside, { text: "hi", ok: true });
      assert.equal(await Deno.readTextFile(`${cwd}/made.txt`), "hi\n");
      const outside = await bash(`touch ${root}/nope.txt`, ctx);
      assert.equal(outside.ok, false);
      assert.match(outside.text, /Read-only file system/);
      await assert.rejects(() => Deno.stat(`${root}/nope.txt`));
      const etc = await bash("touch /etc/pi-sandbox-x", ctx);
      assert.match(etc.text, /Read-only file system/);
      // Root keeps no capabilities: it cannot make / writable again.
      const remount = await bash("mount -o remount,rw / 2>&1; touch /etc/pi-sandbox-x", ctx);
      assert.equal(remount.ok, false);
      await assert.rejects(() => Deno.stat("/etc/pi-sandbox-x"));
      const marker = `pi-private-${crypto.randomUUID()}`;
      assert.equal((await bash(`touch /tmp/${marker} && ls /tmp/${marker}`, ctx)).ok, true);
      await assert.rejects(() => Deno.stat(`/tmp/${marker}`));
      assert.equal((await bash(`cat ${root}/outside.txt`, ctx)).text, "outside");
    }),
});

Deno.test({
  name: "sandboxed bash: read-only leaves the cwd unwritable too",
  ignore,
  fn: () =>
    withTree(async ({ cwd, sandbox }) => {
      const result = await bash("echo x > f.txt", { cwd, sandbox });
      assert.equal(result.ok, false);
      assert.match(result.text, /Read-only file system/);
      assert.deepEqual([...Deno.readDirSync(cwd)], []);
    }, { mode: "read-only" }),
});

Deno.test({
  name: "sandboxed bash: the agent dir is empty, guarded variables are unset",
  ignore,
  fn: () =>
    withTree(async ({ cwd, agent, sandbox }) => {
      Deno.env.set("PI_TEST_SECRET", "s3cret-value");
      try {
        const result = await bash(
          `ls -A ${agent}; cat ${agent}/auth.json; echo "secret=$PI_TEST_SECRET"`,
          { cwd, sandbox },
        );
        assert.match(result.text, /auth.json: No such file or directory/);
        assert.match(result.text, /secret=$/m);
        assert.doesNotMatch(result.text, /sk-x|s3cret/);
      } finally {
        Deno.env.delete("PI_TEST_SECRET");
      }
    }),
});

Deno.test({
  name: "sandboxed bash: no network (127.0.0.1 included) unless allowNetwork",
  ignore,
  fn: async () => {
    const server = tcpServer();
    try {
      const command = `exec 3<>/dev/tcp/127.0.0.1/${server.port} && echo connected`;
      await withTree(async ({ cwd, sandbox }) => {
        const result = await bash(command, { cwd, sandbox });
        assert.equal(result.ok, false);
        assert.doesNotMatch(result.text, /connected/);
        assert.equal(server.accepted(), 0);
      });
      await withTree(async ({ cwd, sandbox }) => {
        const result = await bash(command, { cwd, sandbox });
        assert.deepEqual(result, { text: "connected", ok: true });
      }, { allowNetwork: true });
    } finally {
      server.close();
    }
  },
});

Deno.test({
  name: "sandboxed bash: abort kills the whole tree (sleep & sleep), nothing is left",
  ignore,
  fn: () =>
    withTree(async ({ cwd, sandbox }) => {
      const marker = "1000.4242";
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 500);
      const result = await bashTool.execute(
        { command: `sleep ${marker} & sleep ${marker}; echo never` },
        { cwd, sandbox, signal: controller.signal },
      );
      assert.equal(result.isError, true);
      assert.match(resultText(result), /aborted/);
      for (let i = 0; i < 20 && liveProcesses(marker).length > 0; i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.deepEqual(liveProcesses(marker), []);
    }),
});

Deno.test({
  name: "sandboxed bash: a timeout and a finished command leave no process behind",
  ignore,
  fn: () =>
    withTree(async ({ cwd, sandbox }) => {
      const marker = "1000.4343";
      const timedOut = await bashTool.execute(
        { command: `sleep ${marker} & sleep ${marker}`, timeout: 1 },
        { cwd, sandbox },
      );
      assert.match(resultText(timedOut), /timed out after 1 s/);
      const marker2 = "1000.4444";
      const done = await bashTool.execute({ command: `sleep ${marker2} & echo launched` }, {
        cwd,
        sandbox,
      });
      assert.equal(resultText(done), "launched");
      for (let i = 0; i < 20 && liveProcesses("1000.4").length > 0; i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.deepEqual(liveProcesses(marker), []);
      assert.deepEqual(liveProcesses(marker2), []);
    }),
});

Deno.test({
  name: "sandboxed write/edit/read: the boundary is enforced by pi itself",
  ignore,
  fn: () =>
    withTree(async ({ root, cwd, agent, sandbox }) => {
      const ctx = { cwd, sandbox };
      await Deno.symlink(root, `${cwd}/up`);
      for (const path of [`${root}/x.txt`, "../x.txt", "up/x.txt"]) {
        const result = await writeTool.execute({ path, content: "x" }, ctx);
        assert.equal(result.isError, true, path);
        assert.match(resultText(result), /outside the workspace \(sandbox: workspace\)/);
      }
      await assert.rejects(() => Deno.stat(`${root}/x.txt`));
      const ok = await writeTool.execute({ path: "in.txt", content: "a\n" }, ctx);
      assert.equal(ok.isError, false);
      const edit = await editTool.execute({
        path: "up/outside.txt",
        oldText: "outside",
        newText: "x",
      }, ctx);
      assert.match(resultText(edit), /outside the workspace/);
      assert.equal(await Deno.readTextFile(`${root}/outside.txt`), "outside\n");
      const read = await readTool.execute({ path: `${agent}/auth.json` }, ctx);
      assert.match(resultText(read), /hidden from tools/);
      assert.doesNotMatch(resultText(read), /sk-x/);
      const ro = await writeTool.execute({ path: "in.txt", content: "b" }, {
        cwd,
        sandbox: { ...sandbox, mode: "read-only" },
      });
      assert.match(resultText(ro), /\(sandbox: read-only\)/);
      assert.equal(await Deno.readTextFile(`${cwd}/in.txt`), "a\n");
    }),
});
