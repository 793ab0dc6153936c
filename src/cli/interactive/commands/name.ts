/**
 * `/name <title>`: names this session — a `session_info` entry appended to its file (the
 * last one names the session in `pi sessions`, the picker and /session); a session not yet
 * written is written with it. `/name` alone shows the name, or asks for one when there is
 * none.
 * @module
 */

import { oneLine } from "../../../one_line.ts";
import type { App } from "../app.ts";
import type { SlashCommand } from "../commands.ts";
import { savedSessionPath } from "../sessions.ts";

/** The name of the session running now (its file's last `session_info`), if any. */
export async function sessionName(app: App): Promise<string | undefined> {
  const path = savedSessionPath(app);
  if (path === undefined) return undefined;
  const { sessionInfo } = await import("../../../agent/session_list.ts");
  return sessionInfo(path).name;
}

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
      const current = await sessionName(app);
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
