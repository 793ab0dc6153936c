/**
 * `/quit` (also `/exit`, `/q`): exits pi with code 0, as Ctrl+D does.
 * @module
 */

import type { SlashCommand } from "../commands.ts";

/** The /quit command. */
export const quit: SlashCommand = {
  name: "quit",
  aliases: ["exit", "q"],
  summary: "exit pi, as Ctrl+D does",
  run(app) {
    app.exit(0);
  },
};
