/**
 * Rewind (`pi rewind <n>`, `/rewind`): back to just before the session's n-th user message
 * on its conversation path. Files changed by `write`/`edit` since get their content of that
 * moment back (files created since are deleted; see checkpoints.ts), and the conversation
 * continues from the entry before that message: an entry
 * `{"type":"custom","customType":"rewind","data":{"toUserMessage":n}}` whose `parentId` is
 * that entry, so the next entries branch from there and the history stays in the file.
 * Changes made by `bash` are not tracked.
 * @module
 */

import { PiError } from "../errors.ts";
import { CheckpointStore, type RestoredFile, statesAt } from "./checkpoints.ts";
import type { ParsedSession } from "./session_format.ts";
import { readSessionFile, SessionFile, type SessionFileDeps } from "./session_store.ts";
import { type UserMessageRef, userMessages } from "./sessions.ts";

/** What to rewind. */
export interface RewindOptions {
  /** Back to just before this user message (1-based, on the conversation path). */
  n: number;
  /** Restore the files (default true). */
  files?: boolean;
  /** Rewind the conversation (default true). */
  conversation?: boolean;
}

/** What a rewind did. */
export interface RewindResult {
  /** The session id. */
  sessionId: string;
  /** The session file. */
  path: string;
  /** The user message gone back before. */
  message: UserMessageRef;
  /** The files given back their content (those that already had it are not listed). */
  files: RestoredFile[];
  /** The id of the `rewind` entry; undefined when the conversation was left as it was. */
  entryId?: string;
}

/**
 * The user message `n` of `session` and all its user messages on the path, or a `usage`
 * PiError saying which numbers there are.
 */
function rewindTarget(
  session: ParsedSession,
  n: number,
): { target: UserMessageRef; users: UserMessageRef[] } {
  const users = userMessages(session);
  if (!Number.isInteger(n) || n < 1 || n > users.length) {
    const range = users.length === 0
      ? "it has no user messages"
      : users.length === 1
      ? "it has 1 user message (1)"
      : `it has ${users.length} user messages (1–${users.length})`;
    throw new PiError("usage", `No user message ${n} in session ${session.header.id}: ${range}`, {
      hint: "pi export <session> --format md shows them",
    });
  }
  return { target: users[n - 1], users };
}

/**
 * Rewinds the session in `path` to just before its n-th user message: the files (from the
 * session's checkpoints in `agentDir`), the conversation, or both.
 */
export async function rewindSession(
  agentDir: string,
  path: string,
  options: RewindOptions,
  deps: SessionFileDeps,
): Promise<RewindResult> {
  const session = await readSessionFile(path);
  const { target, users } = rewindTarget(session, options.n);
  const wantFiles = options.files ?? true;
  const wantConversation = options.conversation ?? true;
  if (wantConversation && target.entryId === undefined) {
    throw new PiError(
      "usage",
      `User message ${options.n} is in the part of ${path} written by an earlier pi, which cannot be rewound`,
      { hint: "rewind to a later message, or use --files-only" },
    );
  }
  const result: RewindResult = {
    sessionId: session.header.id,
    path,
    message: target,
    files: [],
  };
  if (wantFiles) {
    // Entries are in time order in the file: a change recorded under a user message at or
    // after the target's line happened after the target was sent.
    const lineOf = new Map<string, number>();
    for (const { line, entry } of session.lines) {
      if (typeof entry.id === "string") lineOf.set(entry.id, line);
    }
    const store = new CheckpointStore(agentDir, session.header.id, deps);
    const states = statesAt(
      await store.records(),
      (turn) => (lineOf.get(turn) ?? -1) >= target.line,
    );
    // The states the rewind replaces belong to the turn of the newest user message; one of
    // the earlier format has no entry id to save them under, and they are not saved then.
    const newest = users.at(-1)!;
    const turn = newest.entryId === undefined
      ? undefined
      : { entryId: newest.entryId, n: newest.n };
    if (states.size > 0) result.files = await store.restore(states, turn);
  }
  if (wantConversation) {
    using file = await SessionFile.open(session, deps);
    result.entryId = file.append(
      { type: "custom", customType: "rewind", data: { toUserMessage: options.n } },
      { parentId: target.parentId },
    ).id;
  }
  return result;
}
