/**
 * `pi rewind <n> [--session <id>] [--files-only | --conversation-only]`: back to just before
 * the n-th user message of a session (default: the newest session of the current
 * directory). Files changed by `write`/`edit` since get their content of that moment back
 * (files created since are deleted), one line per file; the conversation continues from
 * the entry before that message. Changes made by `bash` are not tracked, and it says so.
 * @module
 */

import { type RewindResult, rewindSession } from "../../agent/rewind.ts";
import { findSession } from "../../agent/sessions.ts";
import { findLatestSession } from "../../agent/session_store.ts";
import type { Deps } from "../../deps.ts";
import { PiError } from "../../errors.ts";
import { oneLine } from "../../one_line.ts";
import type { ParsedArgs } from "../args.ts";

/** A path as shown: relative to `cwd` when inside it. */
function shown(path: string, cwd: string): string {
  const base = cwd.endsWith("/") ? cwd : `${cwd}/`;
  return oneLine(path.startsWith(base) ? path.slice(base.length) : path);
}

/**
 * What a rewind says, for `pi rewind` and `/rewind` alike: `lines` (one per restored or
 * deleted file, then the conversation and the note on `bash`) and `errors` (one per file
 * that could not be restored). `next` ends the conversation's line: where it goes on.
 */
export function rewindLines(
  result: RewindResult,
  options: { n: number; files: boolean; conversation: boolean; cwd: string; next: string },
): { lines: string[]; errors: string[] } {
  const { n, cwd } = options;
  const lines: string[] = [];
  const errors: string[] = [];
  for (const file of result.files) {
    if (file.error !== undefined) {
      errors.push(`could not restore ${shown(file.path, cwd)}: ${oneLine(file.error)}`);
    } else {
      lines.push(`${file.action} ${shown(file.path, cwd)}`);
    }
  }
  if (options.files && result.files.length === 0) {
    lines.push(`No file changed by write or edit since message ${n} needed restoring.`);
  }
  const text = oneLine(result.message.text);
  const quoted = text.length > 60 ? `${text.slice(0, 59)}…` : text;
  if (options.conversation) {
    lines.push(`Conversation rewound to before message ${n} ("${quoted}"); ${options.next}.`);
  }
  lines.push(
    options.files
      ? "Changes made by bash are not tracked and were not undone."
      : "Files were left as they are (changes made by bash are never tracked).",
  );
  return { lines, errors };
}

/** Runs `pi rewind`. */
export async function runRewind(args: ParsedArgs, deps: Deps): Promise<number> {
  const [word, extra] = args.positionals;
  if (word === undefined) {
    throw new PiError("usage", "Missing <n>: the user message to go back before (1 is the first)", {
      hint: "see pi rewind --help",
    });
  }
  if (extra !== undefined) {
    throw new PiError("usage", `Unexpected argument: ${oneLine(extra)}`, {
      hint: "see pi rewind --help",
    });
  }
  if (!/^[0-9]+$/.test(word)) {
    throw new PiError("usage", `Not a message number: ${oneLine(word)}`, {
      hint: "give the number of a user message, 1 for the first",
    });
  }
  const filesOnly = args.options["files-only"] === true;
  const conversationOnly = args.options["conversation-only"] === true;
  if (filesOnly && conversationOnly) {
    throw new PiError("usage", "--files-only and --conversation-only cannot be used together", {
      hint: "leave both out to rewind files and conversation",
    });
  }
  const cwd = Deno.cwd();
  let path: string;
  if (typeof args.options.session === "string") {
    path = findSession(deps.agentDir, cwd, args.options.session).path;
  } else {
    const latest = await findLatestSession(deps.agentDir, cwd);
    if (latest === undefined) {
      throw new PiError("session.not_found", `No session in ${cwd} to rewind`, {
        hint: "pass --session <id> (pi sessions --all lists them)",
      });
    }
    path = latest;
  }
  const n = Number(word);
  const result = await rewindSession(deps.agentDir, path, {
    n,
    files: !conversationOnly,
    conversation: !filesOnly,
  }, deps);
  const { lines, errors } = rewindLines(result, {
    n,
    files: !conversationOnly,
    conversation: !filesOnly,
    cwd,
    next: `the next prompt continues from there (pi --session ${oneLine(result.sessionId)})`,
  });
  for (const error of errors) deps.stderr.write(`pi: ${error}\n`);
  for (const line of lines) deps.stdout.write(`${line}\n`);
  return errors.length > 0 ? 1 : 0;
}
