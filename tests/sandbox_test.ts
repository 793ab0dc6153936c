/**
 * The sandbox as data: the bwrap argv from plain policies, the write/read boundary on real
 * files (symlinks, `..`, dangling links), the bwrap probe, and tools refused when the
 * sandbox cannot run.
 */

import assert from "node:assert/strict";
import {
  bwrapArgs,
  checkToolPath,
  INSTALL_HINT,
  isInside,
  probeSandbox,
  realTarget,
  type SandboxPolicy,
  type SandboxSettings,
} from "../src/agent/sandbox.ts";
import { sandboxTools } from "../src/agent/tools/sandboxed.ts";
import { BUILTIN_TOOLS } from "../src/agent/tools/mod.ts";
import { resultText } from "../src/agent/tools/types.ts";
import { guardedEnv, hiddenCandidates, toolModes } from "../src/cli/tool_control.ts";

const base: SandboxPolicy = {
  mode: "workspace",
  allowNetwork: false,
  cwd: "/home/me/project",
  hidden: [],
};

/** The argv as one string, for order checks. */
const line = (policy: SandboxPolicy, command = "ls") => bwrapArgs(policy, command).join(" ");

Deno.test("bwrapArgs: workspace = read-only root, new /dev /proc, private /tmp, cwd writable, no network", () => {
  assert.deepEqual(bwrapArgs(base, "make test"), [
    "bwrap",
    "--ro-bind",
    "/",
    "/",
    "--dev",
    "/dev",
    "--proc",
    "/proc",
    "--tmpfs",
    "/tmp",
    "--bind",
    "/home/me/project",
    "/home/me/project",
    "--unshare-net",
    "--unshare-pid",
    "--die-with-parent",
    "--new-session",
    "--cap-drop",
    "ALL",
    "--chdir",
    "/home/me/project",
    "--",
    "bash",
    "-c",
    "make test",
  ]);
});

Deno.test("bwrapArgs: read-only binds the cwd read-only; --allow-network keeps the network", () => {
  const ro = line({ ...base, mode: "read-only" });
  assert.match(ro, /--ro-bind \/home\/me\/project \/home\/me\/project/);
  assert.doesNotMatch(ro, /--bind \/home/);
  const net = bwrapArgs({ ...base, allowNetwork: true }, "ls");
  assert.ok(!net.includes("--unshare-net"));
  assert.ok(net.includes("--unshare-pid") && net.includes("--die-with-parent"));
});

Deno.test("bwrapArgs: hidden dirs become empty tmpfs, hidden files /dev/null, after the cwd", () => {
  const argv = line({
    ...base,
    cwd: "/home/me",
    hidden: [
      { path: "/home/me/.pi/agent", kind: "dir" },
      { path: "/opt/codex", kind: "dir" },
      { path: "/run/docker.sock", kind: "file" },
    ],
  });
  const cwdAt = argv.indexOf("--bind /home/me /home/me");
  assert.ok(cwdAt > 0);
  // A hidden dir inside the writable cwd is covered after the cwd is bound, else it shows.
  assert.ok(argv.indexOf("--tmpfs /home/me/.pi/agent") > cwdAt);
  assert.ok(argv.indexOf("--tmpfs /opt/codex") > cwdAt);
  assert.ok(argv.indexOf("--ro-bind /dev/null /run/docker.sock") > cwdAt);
});

Deno.test("bwrapArgs: a hidden dir around the cwd is covered first, then the cwd is bound in it", () => {
  const argv = line({
    ...base,
    cwd: "/home/me/.ssh/notes",
    hidden: [{ path: "/home/me/.ssh", kind: "dir" }],
  });
  assert.ok(
    argv.indexOf("--tmpfs /home/me/.ssh") < argv.indexOf("--bind /home/me/.ssh/notes"),
    argv,
  );
});

Deno.test("bwrapArgs: hidden paths in the private /tmp are left out unless inside the cwd", () => {
  const argv = line({
    ...base,
    cwd: "/tmp/work",
    hidden: [
      { path: "/tmp/agent", kind: "dir" },
      { path: "/tmp/ssh-x/agent.1", kind: "file" },
      { path: "/tmp/work/.codex", kind: "dir" },
    ],
  });
  assert.doesNotMatch(argv, /\/tmp\/agent/);
  assert.doesNotMatch(argv, /ssh-x/);
  assert.match(argv, /--tmpfs \/tmp --bind \/tmp\/work \/tmp\/work --tmpfs \/tmp\/work\/\.codex/);
});

Deno.test("bwrapArgs: the cwd / is the root itself (writable in workspace), not bound over /dev", () => {
  assert.match(line({ ...base, cwd: "/" }), /^bwrap --bind \/ \/ --dev \/dev --proc \/proc/);
  assert.doesNotMatch(line({ ...base, cwd: "/" }), /--bind \/ \/ .*--bind/);
  assert.match(line({ ...base, cwd: "/", mode: "read-only" }), /^bwrap --ro-bind \/ \/ --dev/);
});

Deno.test("bwrapArgs: guarded environment variables are unset; the command is the last word", () => {
  const argv = bwrapArgs({ ...base, unsetEnv: ["OPENAI_API_KEY"] }, "echo $OPENAI_API_KEY; -x");
  assert.deepEqual(argv.slice(argv.indexOf("--unsetenv"), argv.indexOf("--unsetenv") + 2), [
    "--unsetenv",
    "OPENAI_API_KEY",
  ]);
  assert.deepEqual(argv.slice(-4), ["--", "bash", "-c", "echo $OPENAI_API_KEY; -x"]);
  assert.ok(guardedEnv().includes("OPENAI_API_KEY") && guardedEnv().includes("ANTHROPIC_API_KEY"));
});

Deno.test("hiddenCandidates: agent dir, CODEX_HOME (default ~/.codex), ~/.ssh and the sockets out", () => {
  const env = (vars: Record<string, string>) => (name: string) => vars[name];
  assert.deepEqual(
    hiddenCandidates({ agentDir: "/h/.pi/agent", homeDir: "/h", env: env({}) }).slice(0, 3),
    ["/h/.pi/agent", "/h/.codex", "/h/.ssh"],
  );
  const all = hiddenCandidates({
    agentDir: "/a",
    homeDir: "/h",
    env: env({
      CODEX_HOME: "~/cx",
      SSH_AUTH_SOCK: "/tmp/ssh-1/agent.2",
      XDG_RUNTIME_DIR: "/run/user/1",
    }),
  });
  assert.deepEqual(all.slice(0, 5), [
    "/a",
    "/h/cx",
    "/h/.ssh",
    "/tmp/ssh-1/agent.2",
    "/run/user/1",
  ]);
  assert.ok(all.includes("/run/docker.sock") && all.includes("/run/dbus"));
});

Deno.test("toolModes: flags win over settings.json, which wins over off/never", () => {
  assert.deepEqual(toolModes({}, {}), { sandbox: "off", ask: "never", allowNetwork: false });
  assert.deepEqual(
    toolModes({}, { sandbox: "read-only", ask: "all", allowNetwork: true }),
    { sandbox: "read-only", ask: "all", allowNetwork: true },
  );
  assert.deepEqual(
    toolModes({ sandbox: "off", ask: "never", "allow-network": true }, {
      sandbox: "workspace",
      ask: "writes",
    }),
    { sandbox: "off", ask: "never", allowNetwork: true },
  );
});

Deno.test("isInside: a path is inside a dir, not a sibling with the same prefix", () => {
  assert.equal(isInside("/a/b", "/a"), true);
  assert.equal(isInside("/a", "/a"), true);
  assert.equal(isInside("/ab", "/a"), false);
  assert.equal(isInside("/x", "/"), true);
});

async function withTree(fn: (root: string) => Promise<void>): Promise<void> {
  const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "pi_sandbox_" }));
  try {
    await Deno.mkdir(`${root}/work/sub`, { recursive: true });
    await Deno.mkdir(`${root}/outside`);
    await Deno.mkdir(`${root}/agent`);
    await Deno.writeTextFile(`${root}/agent/auth.json`, "{}");
    await fn(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("checkToolPath: writes inside the workspace pass; outside, via .., via links are refused", async () => {
  await withTree(async (root) => {
    const cwd = `${root}/work`;
    const settings: Pick<SandboxSettings, "mode" | "hidden"> = {
      mode: "workspace",
      hidden: [`${root}/agent`],
    };
    await Deno.symlink(`${root}/outside`, `${cwd}/out-dir`);
    await Deno.symlink(`${root}/outside/new.txt`, `${cwd}/dangling`);
    await Deno.symlink(`${cwd}/sub`, `${cwd}/in-dir`);
    const check = (shown: string, path: string) =>
      checkToolPath(settings, { path, shown, cwd, access: "write" });
    assert.equal(await check("a.txt", `${cwd}/a.txt`), undefined);
    assert.equal(await check("sub/deep/new.txt", `${cwd}/sub/deep/new.txt`), undefined);
    assert.equal(await check("in-dir/x", `${cwd}/in-dir/x`), undefined);
    for (
      const [shown, path] of [
        ["/etc/x", "/etc/x"],
        ["../outside/x", `${root}/outside/x`],
        ["out-dir/x", `${cwd}/out-dir/x`],
        ["out-dir/new/deeper.txt", `${cwd}/out-dir/new/deeper.txt`],
        ["dangling", `${cwd}/dangling`],
      ]
    ) {
      const refusal = await check(shown, path);
      assert.match(refusal ?? "", /outside the workspace \(sandbox: workspace\)/, shown);
      assert.ok(refusal!.startsWith(`Refused: ${shown}`));
    }
    assert.match((await check("dangling", `${cwd}/dangling`))!, /leads to .*outside\/new\.txt/);
  });
});

Deno.test("checkToolPath: read-only refuses every write; hidden paths are refused to read too", async () => {
  await withTree(async (root) => {
    const cwd = `${root}/work`;
    const ro = await checkToolPath({ mode: "read-only", hidden: [] }, {
      path: `${cwd}/a.txt`,
      shown: "a.txt",
      cwd,
      access: "write",
    });
    assert.match(ro!, /\(sandbox: read-only\)/);
    await Deno.symlink(`${root}/agent`, `${cwd}/agent-link`);
    for (const mode of ["workspace", "read-only"] as const) {
      for (const path of [`${root}/agent/auth.json`, `${cwd}/agent-link/auth.json`]) {
        const refusal = await checkToolPath({ mode, hidden: [`${root}/agent`] }, {
          path,
          shown: path,
          cwd,
          access: "read",
        });
        assert.match(refusal ?? "", /is hidden from tools/, path);
      }
    }
    assert.equal(
      await checkToolPath({ mode: "workspace", hidden: [`${root}/agent`] }, {
        path: `${root}/outside/readme`,
        shown: "x",
        cwd,
        access: "read",
      }),
      undefined,
    );
  });
});

Deno.test("checkToolPath: a hidden dir inside the workspace is refused to write", async () => {
  await withTree(async (root) => {
    await Deno.mkdir(`${root}/work/.ssh`);
    const refusal = await checkToolPath(
      { mode: "workspace", hidden: [`${root}/work/.ssh`] },
      {
        path: `${root}/work/.ssh/authorized_keys`,
        shown: ".ssh/authorized_keys",
        cwd: `${root}/work`,
        access: "write",
      },
    );
    assert.match(refusal ?? "", /hidden from tools/);
  });
});

Deno.test("realTarget: existing, new, through links, dangling links, loops", async () => {
  await withTree(async (root) => {
    await Deno.symlink("../outside", `${root}/work/rel`);
    assert.equal(await realTarget(`${root}/work/rel/a/b`), `${root}/outside/a/b`);
    assert.equal(await realTarget(`${root}/work/sub/../x`), `${root}/work/x`);
    await Deno.symlink(`${root}/work/loop2`, `${root}/work/loop1`);
    await Deno.symlink(`${root}/work/loop1`, `${root}/work/loop2`);
    await assert.rejects(() => realTarget(`${root}/work/loop1/x`));
  });
});

Deno.test("probeSandbox: a missing bwrap says how to install it; a failing one says why", async () => {
  const missing = await probeSandbox({ allowNetwork: false, bwrap: "/nonexistent/bwrap" });
  assert.equal(missing.ok, false);
  if (!missing.ok) {
    assert.match(missing.reason, /not installed/);
    assert.equal(missing.hint, INSTALL_HINT);
    assert.match(INSTALL_HINT, /apt install bubblewrap/);
  }
  const dir = await Deno.makeTempDir({ prefix: "pi_fake_bwrap_" });
  try {
    const fake = `${dir}/bwrap`;
    await Deno.writeTextFile(
      fake,
      "#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n",
    );
    await Deno.chmod(fake, 0o755);
    const broken = await probeSandbox({ allowNetwork: false, bwrap: fake });
    assert.equal(broken.ok, false);
    if (!broken.ok) {
      assert.match(broken.reason, /cannot start a sandbox here \(bwrap: No permissions/);
      assert.match(broken.hint, /user namespaces/);
    }
    // Once per process: the same answer without running it again.
    await Deno.remove(fake);
    assert.deepEqual(await probeSandbox({ allowNetwork: false, bwrap: fake }), broken);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  const mac = await probeSandbox({ allowNetwork: true, bwrap: "/x/bwrap-mac", os: "darwin" });
  assert.equal(mac.ok, false);
  if (!mac.ok) assert.match(mac.reason, /needs Linux/);
});

Deno.test("sandboxTools: without a working sandbox every tool is refused, said once", async () => {
  await withTree(async (root) => {
    const settings: SandboxSettings = {
      mode: "workspace",
      allowNetwork: false,
      hidden: [],
      unsetEnv: [],
    };
    const told: string[] = [];
    const tools = sandboxTools(BUILTIN_TOOLS, {
      settings: () => settings,
      probe: () =>
        Promise.resolve({
          ok: false,
          reason: "bwrap (bubblewrap) is not installed",
          hint: INSTALL_HINT,
        }),
      onUnavailable: (status) => told.push(status.reason),
    });
    await Deno.writeTextFile(`${root}/work/r.txt`, "hello");
    const ctx = { cwd: `${root}/work` };
    const calls: [string, Record<string, unknown>][] = [
      ["read", { path: "r.txt" }],
      ["write", { path: "w.txt", content: "x" }],
      ["edit", { path: "r.txt", oldText: "hello", newText: "bye" }],
      ["bash", { command: "touch b.txt" }],
    ];
    for (const [name, args] of calls) {
      const result = await tools.find((t) => t.name === name)!.execute(args, ctx);
      assert.equal(result.isError, true, name);
      assert.match(resultText(result), /Not run: --sandbox workspace was asked for, but bwrap/);
      assert.match(resultText(result), /apt install bubblewrap/);
    }
    assert.deepEqual(told, ["bwrap (bubblewrap) is not installed"]);
    assert.deepEqual([...Deno.readDirSync(`${root}/work`)].map((e) => e.name).sort(), [
      "r.txt",
      "sub",
    ]);
    assert.equal(await Deno.readTextFile(`${root}/work/r.txt`), "hello");
  });
});

Deno.test("sandboxTools: descriptions say what the sandbox allows; off changes nothing", () => {
  let settings: SandboxSettings | undefined = {
    mode: "workspace",
    allowNetwork: false,
    hidden: [],
    unsetEnv: [],
  };
  const tools = sandboxTools(BUILTIN_TOOLS, { settings: () => settings });
  const bash = tools.find((t) => t.name === "bash")!;
  assert.match(bash.description, /Sandboxed \(workspace\).*there is no network/);
  settings = undefined;
  assert.equal(bash.description, BUILTIN_TOOLS.find((t) => t.name === "bash")!.description);
});
