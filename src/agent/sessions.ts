/**
 * A saved session found by id, id prefix or path (`--session`, `--fork`, `pi export`,
 * `pi rewind`) among the listed ones (session_list.ts); the user messages on its
 * conversation path (what `pi rewind`, `/rewind` and `/fork` choose from); and a fork's
 * header and entries.
 * @module
 */

import { PiError } from "../errors.ts";
import {
  buildSessionContext,
  type ParsedSession,
  pathLines,
  SESSION_VERSION,
} from "./session_format.ts";
import { listSessions, sessionAt, type SessionInfo } from "./session_list.ts";
import { contentText, isObject, toSessionMessage } from "./session_messages.ts";
import { resolvePath } from "./tools/types.ts";

/** Whether a `--session` argument names a file rather than an id. */
function looksLikePath(query: string): boolean {
  return query.includes("/") || query.includes("\\") || query.endsWith(".jsonl");
}

function describe(s: SessionInfo): string {
  const label = s.name ?? s.firstMessage ?? "(no messages)";
  const short = label.length > 40 ? `${label.slice(0, 39)}…` : label;
  return `${s.id} (${s.cwd}: ${short})`;
}

function matching(sessions: readonly SessionInfo[], query: string): SessionInfo[] {
  const exact = sessions.filter((s) => s.id === query);
  return exact.length > 0 ? exact : sessions.filter((s) => s.id.startsWith(query));
}

/**
 * The session a `--session`/`--fork`/`pi export`/`pi rewind` argument names: a path (when it
 * has a `/` or ends in `.jsonl`; relative to `cwd`), a session id, or a unique id prefix —
 * looked up among the sessions of `cwd` first, then of every directory. A path is checked by
 * its header only (the caller reads the file). Throws a `usage` PiError listing the matches
 * when a prefix is ambiguous, and `session.not_found` when nothing matches.
 */
export function findSession(
  agentDir: string,
  cwd: string,
  query: string,
): Pick<SessionInfo, "id" | "path"> {
  const q = query.trim();
  if (q === "") {
    throw new PiError("usage", "Missing session: give its id, an id prefix or its file", {
      hint: "pi sessions lists them",
    });
  }
  if (looksLikePath(q)) return sessionAt(resolvePath(q, cwd));
  let matches = matching(listSessions(agentDir, { cwd }), q);
  if (matches.length === 0) matches = matching(listSessions(agentDir, { all: true }), q);
  if (matches.length === 1) return matches[0];
  if (matches.length === 0) {
    throw new PiError("session.not_found", `No session matches ${q}`, {
      hint: "pi sessions --all lists every session",
    });
  }
  const shown = matches.slice(0, 5).map(describe).join(", ");
  throw new PiError(
    "usage",
    `${q} matches ${matches.length} sessions: ${shown}${matches.length > 5 ? ", …" : ""}`,
    { hint: "give more of the id" },
  );
}

/** A user message on a session's conversation path, numbered as `pi rewind` counts them. */
export interface UserMessageRef {
  /** 1-based position among the user messages on the path. */
  n: number;
  /** Its entry id (undefined for entries of the earlier format, which have none). */
  entryId?: string;
  /** The entry before it on the path (the rewind entry's `parentId`); null for the first. */
  parentId: string | null;
  /** Its text (text parts joined). */
  text: string;
  /** Its line in the session file (1-based). */
  line: number;
}

/**
 * The user messages on the conversation path (from the newest entry, or `leafId`), oldest
 * first: what `pi rewind <n>`, `/rewind` and `/fork` choose from.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSession } from "./session_format.ts";
 * import { userMessages } from "./sessions.ts";
 * const text = [
 *   { type: "session", version: 3, id: "s", timestamp: "t", cwd: "/p" },
 *   { type: "model_change", id: "m", parentId: null, timestamp: "t", provider: "p", modelId: "x" },
 *   { type: "message", id: "a", parentId: "m", timestamp: "t", message: { role: "user", content: "one" } },
 *   { type: "message", id: "b", parentId: "a", timestamp: "t", message: { role: "user", content: "two" } },
 * ].map((l) => JSON.stringify(l)).join("\n");
 * const users = userMessages(parseSession(text, "s.jsonl"));
 * assert.deepEqual(users.map((u) => [u.n, u.parentId, u.text]), [[1, "m", "one"], [2, "a", "two"]]);
 * ```
 */
export function userMessages(session: ParsedSession, leafId?: string | null): UserMessageRef[] {
  const out: UserMessageRef[] = [];
  let previous: string | null = null;
  for (const { entry, line } of pathLines(session, leafId)) {
    if (entry.type === "message" && isObject(entry.message) && entry.message.role === "user") {
      const ref: UserMessageRef = {
        n: out.length + 1,
        parentId: typeof entry.id === "string"
          ? (typeof entry.parentId === "string" ? entry.parentId : null)
          : previous,
        text: contentText(entry.message.content).trim(),
        line,
      };
      if (typeof entry.id === "string") ref.entryId = entry.id;
      out.push(ref);
    }
    if (typeof entry.id === "string") previous = entry.id;
  }
  return out;
}

/**
 * The entries a fork of `source` starts with (after its own header), as pi-mono forks: every
 * entry of the file as it is (ids kept: they are unique in the new file too), or with
 * `leafId` only the path up to that entry (`/fork` from an earlier message). A file of the
 * earlier format (no ids) is copied as its conversation: the model, the thinking level and
 * the messages (a compaction's summary as the user message it is sent as), as new entries.
 */
export function forkEntries(
  source: ParsedSession,
  options: { leafId?: string | null; newId(): string; now: number },
): Record<string, unknown>[] {
  if (source.version >= 2) {
    const lines = options.leafId === undefined ? source.lines : pathLines(source, options.leafId);
    return lines
      .filter((l) => typeof l.entry.id === "string")
      .map(({ entry }) =>
        // pi-mono's version-2 name of a custom message (version 3 says `custom`).
        entry.type === "message" && isObject(entry.message) && entry.message.role === "hookMessage"
          ? { ...entry, message: { ...entry.message, role: "custom" } }
          : { ...entry }
      );
  }
  const context = buildSessionContext(source, options.leafId === undefined ? {} : options);
  const out: Record<string, unknown>[] = [];
  const timestamp = new Date(options.now).toISOString();
  let parentId: string | null = null;
  const push = (entry: Record<string, unknown>) => {
    const id = options.newId();
    const { type, ...fields } = entry;
    out.push({ type, id, parentId, timestamp, ...fields });
    parentId = id;
  };
  if (context.model) push({ type: "model_change", ...context.model });
  if (context.thinkingLevel !== undefined) {
    push({ type: "thinking_level_change", thinkingLevel: context.thinkingLevel });
  }
  for (const { message } of context.messages) {
    push({
      type: "message",
      message: toSessionMessage(message, {
        timestamp: options.now,
        toolCallIds: context.toolCallIds,
      }),
    });
  }
  return out;
}

/** The header of a fork of `source`: a new id, `parentSession` naming the source's id. */
export function forkHeader(
  source: ParsedSession,
  options: { id: string; cwd: string; now: number },
): Record<string, unknown> {
  return {
    type: "session",
    version: SESSION_VERSION,
    id: options.id,
    timestamp: new Date(options.now).toISOString(),
    cwd: options.cwd,
    parentSession: source.header.id,
  };
}
