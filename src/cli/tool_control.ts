/**
 * The sandbox and approval modes of a run (`--sandbox`, `--ask`, `--allow-network`, else
 * settings.json, else `off`/`never`) and the tools and approver they give: the one place
 * print mode (and the interactive screen) turn flags into {@link ToolControl}.
 * @module
 */

import { type Approver, type AskMode, headlessApprover } from "../agent/approval.ts";
import {
  probeSandbox,
  type SandboxMode,
  type SandboxSettings,
  type SandboxStatus,
} from "../agent/sandbox.ts";
import { sandboxTools } from "../agent/tools/sandboxed.ts";
import { BUILTIN_TOOLS } from "../agent/tools/mod.ts";
import type { Tool } from "../agent/tools/types.ts";
import { PROVIDER_ENV_KEYS } from "../auth/auth_storage.ts";
import { codexAuthPath } from "../auth/codex_import.ts";
import { dirname } from "../atomic_file.ts";
import type { Deps } from "../deps.ts";
import { oneLine } from "../one_line.ts";
import type { Settings } from "../settings.ts";
import type { OptionValues } from "./args.ts";

/** The modes tools run under. */
export interface ToolModes {
  /** `--sandbox`. */
  sandbox: SandboxMode;
  /** `--ask`. */
  ask: AskMode;
  /** `--allow-network`. */
  allowNetwork: boolean;
}

/**
 * The modes from flags, else settings.json, else the defaults (`off`, `never`, no network).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toolModes } from "./tool_control.ts";
 * assert.deepEqual(
 *   toolModes({ ask: "all" }, { sandbox: "workspace", ask: "writes" }),
 *   { sandbox: "workspace", ask: "all", allowNetwork: false },
 * );
 * ```
 */
export function toolModes(options: OptionValues, settings: Settings): ToolModes {
  const sandbox = typeof options.sandbox === "string" ? options.sandbox as SandboxMode : undefined;
  const ask = typeof options.ask === "string" ? options.ask as AskMode : undefined;
  return {
    sandbox: sandbox ?? settings.sandbox ?? "off",
    ask: ask ?? settings.ask ?? "never",
    allowNetwork: options["allow-network"] === true || (settings.allowNetwork ?? false),
  };
}

/**
 * The paths a sandbox hides: the agent dir (auth.json, settings, sessions), `$CODEX_HOME`
 * (default `~/.codex`), `~/.ssh`; and the sockets that would let a command act outside the
 * sandbox: the ssh agent (`$SSH_AUTH_SOCK`), the user's runtime dir (`$XDG_RUNTIME_DIR`: the
 * D-Bus session bus behind `systemd-run --user`, rootless Docker and Podman), the system bus,
 * and the Docker and Podman sockets. Pure: nothing is looked at on disk.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hiddenCandidates } from "./tool_control.ts";
 * const env = (name: string) => ({ CODEX_HOME: "/opt/codex" } as Record<string, string>)[name];
 * const hidden = hiddenCandidates({ agentDir: "/h/.pi/agent", homeDir: "/h", env });
 * assert.deepEqual(hidden.slice(0, 3), ["/h/.pi/agent", "/opt/codex", "/h/.ssh"]);
 * ```
 */
export function hiddenCandidates(
  deps: Pick<Deps, "agentDir" | "homeDir" | "env">,
): string[] {
  const { agentDir, homeDir, env } = deps;
  const out = [agentDir, dirname(codexAuthPath({ env, homeDir })), `${homeDir}/.ssh`];
  for (const name of ["SSH_AUTH_SOCK", "XDG_RUNTIME_DIR"]) {
    const value = env(name);
    if (value !== undefined && value.startsWith("/") && value !== "/") out.push(value);
  }
  out.push("/run/dbus", "/run/docker.sock", "/var/run/docker.sock", "/run/podman");
  return out;
}

/** The environment variables holding the keys pi guards: sandboxed bash does not get them. */
export function guardedEnv(): string[] {
  return [...new Set([...Object.values(PROVIDER_ENV_KEYS), "PI_SERVE_KEY"])];
}

/**
 * The one line that says a sandbox asked for cannot run:
 * `bwrap (bubblewrap) is not installed; every tool call is refused (--sandbox workspace). To fix: …`.
 */
export function unavailableLine(
  status: Extract<SandboxStatus, { ok: false }>,
  mode: Exclude<SandboxMode, "off">,
): string {
  return `${
    oneLine(status.reason)
  }; every tool call is refused (--sandbox ${mode}). To fix: ${status.hint}, or run pi with --sandbox off`;
}

/**
 * The tools of a session under its modes. `modes` may change during the session (`/sandbox`,
 * `/ask` in the interactive screen): the tools read them at each call.
 */
export class ToolControl {
  /** The modes now. */
  modes: ToolModes;
  /** The built-in tools, under the sandbox of the moment. */
  readonly tools: readonly Tool[];
  readonly #deps: Deps;
  readonly #probe: (settings: SandboxSettings) => Promise<SandboxStatus>;

  /**
   * Tools for `modes`. A sandbox that cannot run is said once, in one line: to `say` (the
   * interactive screen's), else on stderr as `pi: …`. `probe` tells whether bwrap can run
   * (default: {@link probeSandbox}, once per process).
   */
  constructor(
    deps: Deps,
    modes: ToolModes,
    options: {
      say?: (line: string) => void;
      probe?: (settings: SandboxSettings) => Promise<SandboxStatus>;
    } = {},
  ) {
    this.#deps = deps;
    this.modes = { ...modes };
    const say = options.say ?? ((line: string) => deps.stderr.write(`pi: ${line}\n`));
    const probe = this.#probe = options.probe ?? ((settings) => probeSandbox(settings));
    this.tools = sandboxTools(BUILTIN_TOOLS, {
      settings: () => this.sandbox(),
      onUnavailable: (status, settings) => say(unavailableLine(status, settings.mode)),
      probe,
    });
  }

  /** Whether sandbox `mode` (default: the current one) can run here; `off` always can. */
  canRun(mode: SandboxMode = this.modes.sandbox): Promise<SandboxStatus> {
    const settings = this.sandbox(mode);
    return settings ? this.#probe(settings) : Promise.resolve({ ok: true });
  }

  /** The sandbox settings for `mode` (default: the current one); undefined for `off`. */
  sandbox(mode: SandboxMode = this.modes.sandbox): SandboxSettings | undefined {
    if (mode === "off") return undefined;
    return {
      mode,
      allowNetwork: this.modes.allowNetwork,
      hidden: hiddenCandidates(this.#deps),
      unsetEnv: guardedEnv(),
    };
  }

  /**
   * The approver without a terminal (print mode, `--mode json`): a call that needs asking is
   * declined; in text mode one line on stderr says so.
   */
  headlessApprover(options: { json: boolean }): Approver {
    const approve = headlessApprover(() => this.modes.ask);
    return async (call, o) => {
      const decision = await approve(call, o);
      if (decision.decision !== "allow" && !options.json) {
        this.#deps.stderr.write(`pi: declined ${call.name}: ${decision.reason}\n`);
      }
      return decision;
    };
  }
}
