/**
 * `/resume`: a picker of the current directory's saved sessions (type to filter; each row
 * its age, messages, model, and its name or first message); the one picked is continued
 * with its model and thinking level, and its last messages are shown. The session left stays
 * saved as it was.
 * @module
 */

import { oneLine } from "../../../one_line.ts";
import type { SlashCommand } from "../commands.ts";
import { adoptSession, continuedLines, pickSession, savedSessionPath, short } from "../sessions.ts";

/** The /resume command. */
export const resume: SlashCommand = {
  name: "resume",
  summary: "continue another session of this directory (type to filter)",
  async run(app) {
    if (app.noSession) {
      return app.error(
        "/resume continues a saved session, and this pi saves nothing (--no-session): restart pi without it",
      );
    }
    const { sessions, picked } = await pickSession(app, {
      title: "Resume a session of this directory",
    });
    if (sessions.length === 0) {
      return app.info(
        `No saved sessions in ${oneLine(app.cwd)} (pi sessions --all lists every directory's)`,
      );
    }
    if (picked === undefined) return app.info("Resume cancelled");
    const current = savedSessionPath(app);
    if (picked.path === current) return app.info("That is the session you are in");
    const { SessionRunner } = await import("../../../agent/session_runner.ts");
    const runner = await SessionRunner.open(app.runnerOptions(), picked.path);
    const left = current !== undefined ? app.state.sessionId : undefined;
    const notice = adoptSession(app, runner);
    const lines = continuedLines(app, runner, { verb: "Resumed" });
    if (notice !== undefined) lines.unshift(app.style.yellow(`! ${oneLine(notice)}`));
    if (left !== undefined) {
      lines.unshift(app.style.dim(`Left session ${short(left)} (saved; /resume goes back to it)`));
    }
    app.state.kept = false;
    app.state.suggested = false;
    app.print(...lines);
  },
};
