/**
 * `/ask [never|writes|all]`: when pi asks before a tool runs, for the rest of this session
 * (a menu without an argument). A new mode forgets the `a` (always) answers given so far.
 * @module
 */

import { ASK_MODES, type AskMode, WRITE_TOOLS } from "../../../agent/approval.ts";
import type { SlashCommand } from "../commands.ts";

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
    let mode: AskMode | undefined;
    if (arg !== "") {
      const asked = arg.toLowerCase();
      if (!(ASK_MODES as readonly string[]).includes(asked)) {
        return app.error(`Unknown ask: ${arg} (known: ${ASK_MODES.join(", ")})`);
      }
      mode = asked as AskMode;
    } else {
      mode = await app.menu(
        "Ask before tools run, for this session",
        ASK_MODES.map((m) => ({
          label: m,
          value: m,
          hint: askSummary(m) + (m === modes.ask ? ", current" : ""),
        })),
        { initial: ASK_MODES.indexOf(modes.ask), filterable: false },
      );
      if (mode === undefined) return app.render();
    }
    const forgotten = mode === modes.ask ? [] : [...app.approvals.always];
    if (mode !== modes.ask) app.approvals.forget();
    modes.ask = mode;
    const also = forgotten.length > 0 ? `; "always" for ${forgotten.join(", ")} forgotten` : "";
    app.print(app.style.dim(`Ask: ${mode} (${askSummary(mode)})${also}`));
  },
};
