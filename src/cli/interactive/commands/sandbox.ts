/**
 * `/sandbox [off|workspace|read-only]`: where tools may write and what bash may reach, for
 * the rest of this session (a menu without an argument). A sandbox that cannot run here
 * (no bwrap, no user namespaces) is said with the fix, and the mode stays as it was.
 * @module
 */

import { SANDBOX_MODES, type SandboxMode } from "../../../agent/sandbox.ts";
import { oneLine } from "../../../one_line.ts";
import { pickChoice, type SlashCommand } from "../commands.ts";

/** What a mode means, short (the menu's hints, the line said after a switch). */
function sandboxSummary(mode: SandboxMode, allowNetwork: boolean): string {
  const network = allowNetwork ? "network allowed" : "no network";
  switch (mode) {
    case "off":
      return "no limits";
    case "workspace":
      return `writes only in this directory, ${network}`;
    case "read-only":
      return `nothing written, ${network}`;
  }
}

/** The /sandbox command. */
export const sandbox: SlashCommand = {
  name: "sandbox",
  summary: "where tools may write: off, workspace or read-only (this session)",
  args: () => SANDBOX_MODES,
  async run(app, arg) {
    const modes = app.tools.modes;
    const mode = await pickChoice(app, arg, {
      what: "sandbox",
      known: SANDBOX_MODES,
      title: "Sandbox for this session",
      current: modes.sandbox,
      hint: (m) => sandboxSummary(m, modes.allowNetwork),
      filterable: false,
    });
    if (mode === undefined) return;
    const status = await app.tools.canRun(mode);
    if (!status.ok) {
      return app.error(
        `${
          oneLine(status.reason)
        }: the sandbox stays ${modes.sandbox}. To use ${mode}: ${status.hint}`,
      );
    }
    modes.sandbox = mode;
    app.print(app.style.dim(`Sandbox: ${mode} (${sandboxSummary(mode, modes.allowNetwork)})`));
  },
};
