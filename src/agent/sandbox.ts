/**
 * The sandbox (CONTRACT.md "Tool approval and sandbox"): what `--sandbox workspace|read-only`
 * means, as data and pure functions, plus the few I/O steps around them.
 *
 * - {@link bwrapArgs}: the policy → the `bwrap` argv that runs `bash -c <command>`: the whole
 *   filesystem read-only, the working directory writable (`workspace`) or read-only too
 *   (`read-only`), a private `/tmp`, no network unless allowed, the agent dir, `$CODEX_HOME`,
 *   `~/.ssh` (and the sockets that lead out of a sandbox) hidden, no capabilities (root
 *   included), its own PID namespace and session, killed with pi.
 * - {@link checkToolPath}: the same boundary for `write`/`edit`/`read`, which run inside pi:
 *   symlinks and `..` resolved first, so a link in the workspace that points outside is
 *   outside.
 * - {@link probeSandbox}: whether `bwrap` exists and can start here, once per process, with
 *   the install hint when it cannot. With a sandbox asked for and none available, every tool
 *   call is refused: pi never silently runs unsandboxed.
 * @module
 */

import { dirname } from "../atomic_file.ts";
import { oneLine } from "../one_line.ts";

import type { SandboxMode } from "./tool_modes.ts";
export { SANDBOX_MODES, type SandboxMode } from "./tool_modes.ts";

/** What a sandbox asked for hides and allows, before any path is looked at. */
export interface SandboxSettings {
  /** `workspace` or `read-only` (`off` has no settings: tools run as they are). */
  mode: Exclude<SandboxMode, "off">;
  /** `--allow-network`: keep the network (bash shares pi's network namespace). */
  allowNetwork: boolean;
  /**
   * Paths hidden from tools, as configured (links not yet resolved, may not exist): the
   * agent dir, `$CODEX_HOME`, `~/.ssh`, … (src/cli/tool_control.ts).
   */
  hidden: readonly string[];
  /** Environment variables bash does not get (the provider keys pi guards). */
  unsetEnv: readonly string[];
}

/** A hidden path that exists, by its real path. */
export interface HiddenPath {
  /** The real path (links resolved). */
  path: string;
  /** A directory is covered with an empty tmpfs; anything else with `/dev/null`. */
  kind: "dir" | "file";
}

/** Everything the bwrap argv depends on: plain values, see {@link bwrapArgs}. */
export interface SandboxPolicy {
  /** `workspace`: the cwd is writable; `read-only`: nothing is. */
  mode: Exclude<SandboxMode, "off">;
  /** Keep the network. */
  allowNetwork: boolean;
  /** The working directory, a real path. */
  cwd: string;
  /** The hidden paths that exist, by real path. */
  hidden: readonly HiddenPath[];
  /** Environment variables removed. */
  unsetEnv?: readonly string[];
}

/** How to install bubblewrap, for messages. */
export const INSTALL_HINT =
  "install bubblewrap (sudo apt install bubblewrap, sudo dnf install bubblewrap, or sudo pacman -S bubblewrap)";

/** Whether `path` is `dir` or inside it (both absolute and normalised). */
export function isInside(path: string, dir: string): boolean {
  if (dir === "/") return path.startsWith("/");
  return path === dir || path.startsWith(`${dir}/`);
}

/**
 * The argv (starting with `bwrap`) that runs `bash -c <command>` under `policy`. Pure.
 *
 * The order matters, as bwrap applies mounts in order: the read-only root, a new `/dev`
 * and `/proc`, a private `/tmp`; hidden paths that contain the cwd; the cwd itself; the
 * other hidden paths (a hidden path in the private `/tmp` is not there anyway). No
 * capabilities (as root too: else the command could remount `/` read-write), no network
 * unless allowed, its own PID namespace (the whole tree dies when its first process does),
 * its own session (no way to the terminal), and killed when pi dies.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bwrapArgs } from "./sandbox.ts";
 * const argv = bwrapArgs(
 *   { mode: "workspace", allowNetwork: false, cwd: "/home/me/project", hidden: [] },
 *   "make test",
 * );
 * assert.deepEqual(argv.slice(0, 3), ["bwrap", "--ro-bind", "/"]);
 * assert.ok(argv.join(" ").includes("--bind /home/me/project /home/me/project"));
 * assert.ok(argv.includes("--unshare-net"));
 * assert.deepEqual(argv.slice(-3), ["bash", "-c", "make test"]);
 * ```
 */
export function bwrapArgs(policy: SandboxPolicy, command: string): string[] {
  const { cwd } = policy;
  const writable = policy.mode === "workspace";
  const argv = ["bwrap"];
  const rootIsCwd = cwd === "/";
  argv.push(rootIsCwd && writable ? "--bind" : "--ro-bind", "/", "/");
  argv.push("--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp");
  const hide = (h: HiddenPath) =>
    h.kind === "dir" ? argv.push("--tmpfs", h.path) : argv.push("--ro-bind", "/dev/null", h.path);
  const around = policy.hidden.filter((h) => isInside(cwd, h.path));
  const others = policy.hidden.filter((h) =>
    !isInside(cwd, h.path) && (isInside(h.path, cwd) || !isInside(h.path, "/tmp"))
  );
  if (!rootIsCwd) {
    for (const h of around) hide(h);
    argv.push(writable ? "--bind" : "--ro-bind", cwd, cwd);
  }
  for (const h of others) hide(h);
  if (!policy.allowNetwork) argv.push("--unshare-net");
  argv.push("--unshare-pid", "--die-with-parent", "--new-session", "--cap-drop", "ALL");
  for (const name of policy.unsetEnv ?? []) argv.push("--unsetenv", name);
  argv.push("--chdir", cwd, "--", "bash", "-c", command);
  return argv;
}

function isMissing(err: unknown): boolean {
  return err instanceof Deno.errors.NotFound || err instanceof Deno.errors.NotADirectory;
}

/** `name` under `dir`. */
function join(dir: string, name: string): string {
  return dir === "/" ? `/${name}` : `${dir}/${name}`;
}

/** Normalises an absolute path: no `.`, `..` or empty segments. */
export function normalize(path: string): string {
  const out: string[] = [];
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") out.pop();
    else out.push(segment);
  }
  return "/" + out.join("/");
}

/**
 * The real path `path` (absolute) leads to, whether or not it exists yet: links followed
 * (a dangling one too: writing through it would create its target), and for a path that
 * does not exist, its deepest existing ancestor's real path plus the rest.
 */
export async function realTarget(path: string, links = 0): Promise<string> {
  if (links > 40) throw new Error(`too many levels of symbolic links at ${path}`);
  path = normalize(path);
  try {
    return await Deno.realPath(path);
  } catch (err) {
    if (!isMissing(err)) throw err;
  }
  if (path === "/") return "/";
  const parent = await realTarget(dirname(path), links);
  const name = path.slice(path.lastIndexOf("/") + 1);
  const here = join(parent, name);
  try {
    const info = await Deno.lstat(here);
    if (info.isSymlink) {
      const target = await Deno.readLink(here);
      return await realTarget(target.startsWith("/") ? target : join(parent, target), links + 1);
    }
  } catch (err) {
    if (!isMissing(err)) throw err;
  }
  return here;
}

/** The hidden paths that exist, by real path (for {@link bwrapArgs}). */
async function resolveHidden(candidates: readonly string[]): Promise<HiddenPath[]> {
  const out: HiddenPath[] = [];
  const seen = new Set<string>();
  for (const candidate of candidates) {
    let path: string;
    let info: Deno.FileInfo;
    try {
      path = await Deno.realPath(candidate);
      info = await Deno.stat(path);
    } catch {
      continue; // Not there (or not reachable): nothing to hide.
    }
    if (seen.has(path)) continue;
    seen.add(path);
    out.push({ path, kind: info.isDirectory ? "dir" : "file" });
  }
  return out;
}

/** The policy for a bash command run under `settings` in `cwd` (resolves paths on disk). */
export async function sandboxPolicy(
  settings: SandboxSettings,
  cwd: string,
): Promise<SandboxPolicy> {
  return {
    mode: settings.mode,
    allowNetwork: settings.allowNetwork,
    cwd: await Deno.realPath(cwd),
    hidden: await resolveHidden(settings.hidden),
    unsetEnv: settings.unsetEnv,
  };
}

/**
 * Why a tool may not touch `path` (absolute) under `settings` with working directory `cwd`,
 * or undefined when it may. `write`: refused everywhere in `read-only`, and outside the
 * cwd in `workspace`; `read` and `write`: refused inside a hidden path. Links and `..` are
 * resolved first. `shown` is the path as the model gave it.
 */
export async function checkToolPath(
  settings: Pick<SandboxSettings, "mode" | "hidden">,
  options: { path: string; shown: string; cwd: string; access: "read" | "write" },
): Promise<string | undefined> {
  const { shown, access } = options;
  const mode = settings.mode;
  if (access === "write" && mode === "read-only") {
    return `Refused: ${shown} may not be written (sandbox: read-only); no file may be changed`;
  }
  // Resolved at once (each is a few file-system calls): the check runs before every call.
  const hiddenPaths = Promise.all(
    settings.hidden.map((candidate) => realTarget(candidate).catch(() => undefined)),
  );
  let real: string;
  let cwd: string;
  try {
    [real, cwd] = await Promise.all([realTarget(options.path), realTarget(options.cwd)]);
  } catch (err) {
    return `Refused: cannot tell where ${shown} leads (${
      err instanceof Error ? err.message : String(err)
    }) (sandbox: ${mode})`;
  }
  const via = real === normalize(options.path) ? "" : ` (it leads to ${real})`;
  for (const hidden of await hiddenPaths) {
    if (hidden !== undefined && isInside(real, hidden)) {
      return `Refused: ${shown}${via} is hidden from tools (sandbox: ${mode}): pi keeps credentials there`;
    }
  }
  if (access === "write" && !isInside(real, cwd)) {
    return `Refused: ${shown}${via} is outside the workspace (sandbox: workspace); only files under ${cwd} may be written`;
  }
  return undefined;
}

/** Whether the sandbox can run here: {@link probeSandbox}. */
export type SandboxStatus =
  | { ok: true }
  | {
    ok: false;
    /** What is wrong, one line: `bwrap (bubblewrap) is not installed`. */
    reason: string;
    /** What to do: install it, or why it cannot start here. */
    hint: string;
  };

const probes = new Map<string, Promise<SandboxStatus>>();

/**
 * Whether `bwrap` exists and can start a sandbox like the ones bash will run in (the same
 * flags, running `true`). Runs once per process for each `(bwrap, allowNetwork)`; later
 * calls get the same answer.
 */
export function probeSandbox(
  options: { allowNetwork: boolean; bwrap?: string; os?: string },
): Promise<SandboxStatus> {
  const bwrap = options.bwrap ?? "bwrap";
  const key = `${bwrap}\0${options.allowNetwork}`;
  let probe = probes.get(key);
  if (!probe) {
    probe = runProbe(bwrap, options.allowNetwork, options.os ?? Deno.build.os);
    probes.set(key, probe);
  }
  return probe;
}

async function runProbe(bwrap: string, allowNetwork: boolean, os: string): Promise<SandboxStatus> {
  if (os !== "linux") {
    return {
      ok: false,
      reason: `the sandbox needs Linux (bubblewrap); this is ${os}`,
      hint: "run pi with --sandbox off",
    };
  }
  const argv = bwrapArgs({ mode: "read-only", allowNetwork, cwd: "/", hidden: [] }, "true");
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(bwrap, {
      args: argv.slice(1),
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      return { ok: false, reason: "bwrap (bubblewrap) is not installed", hint: INSTALL_HINT };
    }
    return {
      ok: false,
      reason: `bwrap cannot be run: ${oneLine(err instanceof Error ? err.message : String(err))}`,
      hint: INSTALL_HINT,
    };
  }
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch {
      // Already gone.
    }
  }, 10_000);
  try {
    const out = await child.output();
    if (out.success) return { ok: true };
    const said = new TextDecoder().decode(out.stderr).trim().split("\n")[0] ?? "";
    return {
      ok: false,
      reason: `bwrap cannot start a sandbox here (${
        said === "" ? `exit ${out.code}` : oneLine(said).slice(0, 200)
      })`,
      hint:
        'user namespaces may be disabled (kernel.unprivileged_userns_clone, or AppArmor\'s restrict_unprivileged_userns on Ubuntu); see README "Sandbox and approvals"',
    };
  } finally {
    clearTimeout(timer);
  }
}

/** The tool result text when a sandbox was asked for and cannot run (the model reads it). */
export function unavailableText(
  mode: Exclude<SandboxMode, "off">,
  status: Extract<SandboxStatus, { ok: false }>,
): string {
  return `Not run: --sandbox ${mode} was asked for, but ${status.reason}. No tool runs unsandboxed; the user can ${status.hint}, or run pi with --sandbox off.`;
}
