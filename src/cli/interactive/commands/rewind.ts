/**
 * `/rewind`: a picker of this conversation's user messages (newest first), then what to
 * rewind — files and conversation (the default), files only, or conversation only — and
 * then what `pi rewind <n>` does: files changed by `write`/`edit` since that message get
 * their content of that moment back (files created since are deleted), one line each; the
 * conversation goes on from the entry before it, and the message's text is put back in the
 * editor. Changes made by `bash` are not tracked, and it says so.
 * @module
 */

import type { SlashCommand } from "../commands.ts";
import { adoptSession, editAgain, pickUserMessage, savedUserMessages } from "../sessions.ts";

type What = "both" | "files" | "conversation";

/** The /rewind command. */
export const rewind: SlashCommand = {
  name: "rewind",
  summary: "go back to before an earlier message: files, conversation or both",
  async run(app) {
    const saved = await savedUserMessages(app, "rewind");
    if (saved === undefined) return;
    const { path, users } = saved;
    const target = await pickUserMessage(app, users, {
      title: "Rewind to just before which message?",
    });
    if (target === undefined) return app.info("Rewind cancelled");
    const what = await app.menu<What>(`Rewind to before message ${target.n}: what?`, [
      { label: "Files and conversation", value: "both" },
      { label: "Files only", value: "files", hint: "the conversation goes on as it is" },
      { label: "Conversation only", value: "conversation", hint: "files stay as they are" },
    ], { filterable: false });
    if (what === undefined) return app.info("Rewind cancelled");
    const files = what !== "conversation";
    const conversation = what !== "files";
    if (conversation && target.entryId === undefined) {
      return app.error(
        `Message ${target.n} is in the part written by an earlier pi, whose conversation cannot be rewound: pick a later one, or Files only`,
      );
    }
    const { rewindSession } = await import("../../../agent/rewind.ts");
    const { SessionRunner } = await import("../../../agent/session_runner.ts");
    const { rewindLines } = await import("../../commands/rewind.ts");
    // The rewind appends to the file: this runner lets go of it, and the session is read
    // again afterwards (on its new branch), whatever happened.
    app.state.runner?.close();
    let result;
    try {
      result = await rewindSession(app.deps.agentDir, path, {
        n: target.n,
        files,
        conversation,
      }, app.deps);
    } finally {
      adoptSession(app, await SessionRunner.open(app.runnerOptions(), path), {
        model: true,
        thinking: true,
      });
    }
    const { lines, errors } = rewindLines(result, {
      n: target.n,
      files,
      conversation,
      cwd: app.cwd,
      next: "its text is back in the editor",
    });
    if (conversation) editAgain(app, target.text);
    const s = app.style;
    app.print(
      ...lines.map((line, i) => i < result.files.length - errors.length ? line : s.dim(line)),
      ...errors.map((e) => s.red(`✗ ${e}`)),
    );
  },
};
