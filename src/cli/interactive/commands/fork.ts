/**
 * `/fork`: a picker of this conversation's user messages (newest first); the session forks
 * just before the one picked — a new session whose header names this one as
 * `parentSession` and whose conversation is the path up to the entry before that message
 * (as pi-mono's fork) — and the message's text is put back in the editor to edit and send.
 * This session's file is only read. The new file is written with the first prompt (or name).
 * @module
 */

import type { SlashCommand } from "../commands.ts";
import { recentLines } from "../recent.ts";
import { adoptSession, editAgain, pickUserMessage, savedUserMessages, short } from "../sessions.ts";

/** The /fork command. */
export const fork: SlashCommand = {
  name: "fork",
  summary: "a new session from before an earlier message, its text to edit",
  async run(app) {
    const saved = await savedUserMessages(app, "fork");
    if (saved === undefined) return;
    const { path, users } = saved;
    const target = await pickUserMessage(app, users, {
      title: "Fork before which message? (the new session ends just before it)",
    });
    if (target === undefined) return app.info("Fork cancelled");
    if (target.entryId === undefined) {
      return app.error(
        `Message ${target.n} is in the part written by an earlier pi, which cannot be forked from: pick a later one`,
      );
    }
    const { SessionRunner } = await import("../../../agent/session_runner.ts");
    const runner = await SessionRunner.fork(app.runnerOptions(), path, {
      leafId: target.parentId,
    });
    const from = app.state.sessionId;
    // The fork goes on with the model and thinking level in use now.
    adoptSession(app, runner, { model: true, thinking: true });
    editAgain(app, target.text);
    app.setHint(
      "The message is back in the editor: edit it, Enter sends it",
      () => app.editor.text !== "",
    );
    const s = app.style;
    app.print(
      s.dim(
        `Forked before message ${target.n} of session ${short(from)}: new session ${
          short(runner.id)
        } (${runner.messages.length} messages; saved with its first prompt)`,
      ),
      ...recentLines(runner.messages, { width: app.width(), style: s }),
    );
  },
};
