/**
 * `/name <title>`: names this session — a `session_info` entry appended to its file (the
 * last one names the session in `pi sessions`, the picker and /session); a session not yet
 * written is written with it. `/name` alone shows the name, or asks for one when there is
 * none.
 * @module
 */

import { oneLine } from "../../../one_line.ts";
import type { SlashCommand } from "../commands.ts";

/** The /name command. */
export const name: SlashCommand = {
  name: "name",
  summary: "name this session (/name <title>); /name alone shows the name",
  async run(app, arg) {
    if (app.noSession) {
      return app.error("This session is not saved (--no-session): there is nothing to name");
    }
    let title = oneLine(arg);
    if (title === "") {
      const current = app.state.runner?.name;
      if (current !== undefined) {
        return app.print(
          `Session name: ${oneLine(current)}` + app.style.dim(" (/name <title> renames it)"),
        );
      }
      const answer = await app.ask("Name this session (Enter names it, Esc cancels)");
      if (answer === undefined) return app.info("The session was not named");
      title = oneLine(answer);
      if (title === "") return app.info("The session was not named");
    }
    const state = app.state;
    if (!state.runner) {
      const { SessionRunner } = await import("../../../agent/session_runner.ts");
      state.runner = SessionRunner.create(app.runnerOptions(), { id: state.sessionId });
    }
    await state.runner.setName(title);
    app.print(app.style.green(`✓ Session named: ${title}`));
  },
};
