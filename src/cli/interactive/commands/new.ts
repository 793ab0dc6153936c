/**
 * `/new`: starts a new session (the current one stays saved; the next prompt opens a new
 * file), with the counters at zero.
 * @module
 */

import type { SlashCommand } from "../commands.ts";
import { emptyTotals } from "../state.ts";

/** The /new command. */
export const newSession: SlashCommand = {
  name: "new",
  summary: "start a new session",
  run(app) {
    const state = app.state;
    state.runner?.close();
    state.runner = undefined;
    state.totals = emptyTotals();
    state.sessionId = crypto.randomUUID();
    app.print(app.style.dim("New session"));
  },
};
