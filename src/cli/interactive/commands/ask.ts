/**
 * `/ask [never|writes|all]`: when pi asks before a tool runs, for the rest of this session
 * (a menu without an argument). A new mode forgets the `a` (always) answers given so far.
 * @module
 */

import { ASK_MODES, type AskMode, WRITE_TOOLS } from "../../../agent/approval.ts";
import { pickChoice, type SlashCommand } from "../commands.ts";

/** What a mode means, short. */
function askSummary(mode: AskMode): string {
  switch (mode) {
    case "never":
      return "tools run without asking";
    case "writes":
      return `asks before ${WRITE_TOOLS.join(", ")}`;
    case "all":
      return "asks before every tool";
  }
}

/** The /ask command. */
export const ask: SlashCommand = {
  name: "ask",
  summary: "when to ask before a tool runs: never, writes or all (this session)",
  args: () => ASK_MODES,
  async run(app, arg) {
    const modes = app.tools.modes;
    const mode = await pickChoice(app, arg, {
      what: "ask",
      known: ASK_MODES,
      title: "Ask before tools run, for this session",
      current: modes.ask,
      hint: askSummary,
      filterable: false,
    });
    if (mode === undefined) return;
    const forgotten = mode === modes.ask ? [] : [...app.approvals.always];
    if (mode !== modes.ask) app.approvals.forget();
    modes.ask = mode;
    const also = forgotten.length > 0 ? `; "always" for ${forgotten.join(", ")} forgotten` : "";
    app.print(app.style.dim(`Ask: ${mode} (${askSummary(mode)})${also}`));
  },
};
