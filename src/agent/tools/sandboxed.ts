/**
 * Tools under a sandbox: each tool gets the sandbox settings of the moment in its context
 * (bash then runs in bwrap; write/edit/read check their paths), and when a sandbox is asked
 * for but cannot run (no bwrap, or it cannot start here), every call is refused with a
 * result that says why and how to fix it: pi never runs a tool unsandboxed instead.
 * @module
 */

import {
  probeSandbox,
  type SandboxSettings,
  type SandboxStatus,
  unavailableText,
} from "../sandbox.ts";
import { errorResult, type Tool } from "./types.ts";

/** How {@link sandboxTools} learns the sandbox and reports a missing one. */
export interface SandboxToolsOptions {
  /** The sandbox now (the session may change it); undefined for `--sandbox off`. */
  settings: () => SandboxSettings | undefined;
  /** Called once, the first time a call is refused because the sandbox cannot run. */
  onUnavailable?: (
    status: Extract<SandboxStatus, { ok: false }>,
    settings: SandboxSettings,
  ) => void;
  /** Whether bwrap can run (default {@link probeSandbox}, once per process). */
  probe?: (settings: SandboxSettings) => Promise<SandboxStatus>;
}

/** What the model is told about the sandbox in a tool's description. */
export function sandboxNote(name: string, settings: SandboxSettings | undefined): string {
  if (!settings) return "";
  const mode = settings.mode;
  if (name === "bash") {
    const writable = mode === "workspace"
      ? "only the working directory and /tmp are writable"
      : "nothing but /tmp is writable";
    const network = settings.allowNetwork ? "the network is reachable" : "there is no network";
    return ` Sandboxed (${mode}): ${writable}; ${network}; pi's credentials and ~/.ssh are hidden.`;
  }
  if (name === "write" || name === "edit") {
    return mode === "workspace"
      ? " Sandboxed (workspace): only files inside the working directory may be changed."
      : " Sandboxed (read-only): every change is refused.";
  }
  return "";
}

/**
 * `tools`, each running under the sandbox `options.settings()` returns at the time of the
 * call. The descriptions say what the sandbox allows (read when the run starts).
 */
export function sandboxTools(tools: readonly Tool[], options: SandboxToolsOptions): Tool[] {
  const probe = options.probe ?? ((s: SandboxSettings) => probeSandbox(s));
  let told = false;
  return tools.map((tool): Tool => ({
    name: tool.name,
    get description() {
      return tool.description + sandboxNote(tool.name, options.settings());
    },
    parameters: tool.parameters,
    readOnly: tool.readOnly,
    async execute(args, context) {
      const settings = options.settings();
      if (!settings) return await tool.execute(args, context);
      const status = await probe(settings);
      if (!status.ok) {
        if (!told) {
          told = true;
          options.onUnavailable?.(status, settings);
        }
        return errorResult(unavailableText(settings.mode, status));
      }
      return await tool.execute(args, { ...context, sandbox: settings });
    },
  }));
}
