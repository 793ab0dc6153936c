/**
 * `pi rewind <n> [--session <id>] [--files-only | --conversation-only]`: back to just before
 * the n-th user message of a session (default: the newest session of the current
 * directory). Files changed by `write`/`edit` since get their content of that moment back
 * (files created since are deleted), one line per file; the conversation continues from
 * the entry before that message. Changes made by `bash` are not tracked, and it says so.
 * @module
 */

import { rewindSession } from "../../agent/rewind.ts";
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
  let failed = 0;
  for (const file of result.files) {
    if (file.error !== undefined) {
      failed++;
      deps.stderr.write(
        `pi: could not restore ${shown(file.path, cwd)}: ${oneLine(file.error)}\n`,
      );
    } else {
      deps.stdout.write(`${file.action} ${shown(file.path, cwd)}\n`);
    }
  }
  if (!conversationOnly && result.files.length === 0) {
    deps.stdout.write(`No file changed by write or edit since message ${n} needed restoring.\n`);
  }
  const text = oneLine(result.message.text);
  const quoted = text.length > 60 ? `${text.slice(0, 59)}…` : text;
  if (!filesOnly) {
    deps.stdout.write(
      `Conversation rewound to before message ${n} ("${quoted}"); the next prompt continues from there (pi --session ${
        oneLine(result.sessionId)
      }).\n`,
    );
  }
  deps.stdout.write(
    conversationOnly
      ? "Files were left as they are (changes made by bash are never tracked).\n"
      : "Changes made by bash are not tracked and were not undone.\n",
  );
  return failed > 0 ? 1 : 0;
}
