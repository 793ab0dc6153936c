/**
 * The cost of the sandbox (issue 20): the bash tool running `true` without a sandbox (the
 * baseline), inside bwrap (`workspace`: new mount, PID and network namespaces), and inside
 * bwrap with the network kept (`--allow-network`: no network namespace); and the write
 * tool's own boundary check (symlinks resolved) against no check. Each call goes through
 * the tools as the agent loop runs them, hidden paths resolved on disk each time.
 *
 * Run: deno bench -A bench/sandbox_bench.ts
 */

import { bashTool } from "../src/agent/tools/bash.ts";
import { writeTool } from "../src/agent/tools/write.ts";
import { probeSandbox, type SandboxSettings } from "../src/agent/sandbox.ts";
import { guardedEnv, hiddenCandidates } from "../src/cli/tool_control.ts";

const home = Deno.env.get("HOME") ?? "/root";
const cwd = await Deno.makeTempDir({ prefix: "pi_sandbox_bench_" });
const available = (await probeSandbox({ allowNetwork: false })).ok;
const hidden = hiddenCandidates({
  agentDir: `${home}/.pi/agent`,
  homeDir: home,
  env: (name) => Deno.env.get(name),
});
const workspace: SandboxSettings = {
  mode: "workspace",
  allowNetwork: false,
  hidden,
  unsetEnv: guardedEnv(),
};

async function bash(sandbox?: SandboxSettings): Promise<void> {
  const result = await bashTool.execute({ command: "true" }, { cwd, sandbox });
  if (result.isError) throw new Error(JSON.stringify(result));
}

Deno.bench({
  name: "bash true (no sandbox)",
  group: "bash",
  baseline: true,
  n: 50,
  warmup: 5,
  async fn() {
    await bash();
  },
});

Deno.bench({
  name: "bash true (sandbox: workspace)",
  group: "bash",
  ignore: !available,
  n: 50,
  warmup: 5,
  async fn() {
    await bash(workspace);
  },
});

Deno.bench({
  name: "bash true (sandbox: workspace, --allow-network)",
  group: "bash",
  ignore: !available,
  n: 50,
  warmup: 5,
  async fn() {
    await bash({ ...workspace, allowNetwork: true });
  },
});

let i = 0;
Deno.bench({
  name: "write a file (no sandbox)",
  group: "write",
  baseline: true,
  async fn() {
    await writeTool.execute({ path: `w${i++ % 10}.txt`, content: "x\n" }, { cwd });
  },
});

Deno.bench({
  name: "write a file (sandbox: workspace, path checked)",
  group: "write",
  async fn() {
    await writeTool.execute({ path: `w${i++ % 10}.txt`, content: "x\n" }, {
      cwd,
      sandbox: workspace,
    });
  },
});

globalThis.addEventListener("unload", () => {
  Deno.removeSync(cwd, { recursive: true });
});
