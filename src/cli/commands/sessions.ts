/**
 * `pi sessions [--all] [--json]`: the saved sessions of the current directory (`--all`: of
 * every directory, pi-mono's too), newest first — a table (id, age, messages, model, name or
 * first message) or JSON with the contract's fields.
 * @module
 */

import { listSessions, type SessionInfo } from "../../agent/session_list.ts";
import type { Deps } from "../../deps.ts";
import { PiError } from "../../errors.ts";
import { oneLine } from "../../one_line.ts";
import type { ParsedArgs } from "../args.ts";
import { truncate } from "../render.ts";
import { age } from "../age.ts";

/** A session as `pi sessions --json` prints it: exactly the contract's fields. */
export interface SessionJson {
  /** Session id. */
  id: string;
  /** Its name (the last `/name`), or null. */
  name: string | null;
  /** The session file. */
  path: string;
  /** The conversation's working directory. */
  cwd: string;
  /** When it started (ISO). */
  created: string;
  /** When it was last written (ISO). */
  modified: string;
  /** Messages on the conversation path (user, assistant, tool results). */
  messages: number;
  /** The text of the first user message, or null. */
  firstMessage: string | null;
}

/** The JSON form of a session. */
export function sessionJson(s: SessionInfo): SessionJson {
  return {
    id: s.id,
    name: s.name ?? null,
    path: s.path,
    cwd: s.cwd,
    created: s.created,
    modified: s.modified,
    messages: s.messages,
    firstMessage: s.firstMessage ?? null,
  };
}

/**
 * The table `pi sessions` prints: every cell from a session file is one line without escape
 * sequences (`oneLine`); the last column (name or first message) is cut to `width`.
 */
export function sessionsTable(
  sessions: readonly SessionInfo[],
  options: { now: number; all?: boolean; width: number },
): string {
  const head = ["ID", "MODIFIED", "MSGS", "MODEL", ...(options.all ? ["DIRECTORY"] : [])];
  const rows = sessions.map((s) => [
    s.id.slice(0, 8),
    age(s.modified, options.now),
    String(s.messages),
    oneLine(s.model?.slice(s.model.indexOf("/") + 1) ?? "-"),
    ...(options.all ? [oneLine(s.cwd)] : []),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[], title: string) => {
    const left = cells.map((c, i) => i === 2 ? c.padStart(widths[i]) : c.padEnd(widths[i]))
      .join("  ");
    return cut(`${left}  ${title}`, Math.max(options.width, left.length + 12)).trimEnd();
  };
  const out = [line(head, "NAME / FIRST MESSAGE")];
  sessions.forEach((s, i) => {
    // Only the start of a long message can be shown (and is worth cleaning).
    const title = s.name !== undefined
      ? oneLine(s.name.slice(0, 1000))
      : s.firstMessage !== undefined
      ? oneLine(s.firstMessage.slice(0, 1000))
      : "(no messages)";
    out.push(line(rows[i], title));
  });
  return out.join("\n") + "\n";
}

/** `text` cut to `width` columns (printable ASCII by its length, the rest by `truncate`). */
function cut(text: string, width: number): string {
  if (!/^[\x20-\x7e]*$/.test(text)) return truncate(text, width);
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

function terminalColumns(deps: Deps): number {
  if (!deps.stdout.isTerminal()) return 160;
  try {
    return Deno.consoleSize().columns || 100;
  } catch {
    return 100;
  }
}

/** Runs `pi sessions`. */
export function runSessions(args: ParsedArgs, deps: Deps): number {
  if (args.positionals.length > 0) {
    throw new PiError("usage", `Unexpected argument: ${oneLine(args.positionals[0])}`, {
      hint: "see pi sessions --help",
    });
  }
  const cwd = Deno.cwd();
  const all = args.options.all === true;
  const sessions = listSessions(deps.agentDir, all ? { all } : { cwd });
  if (args.options.json) {
    deps.stdout.write(JSON.stringify(sessions.map(sessionJson), null, 2) + "\n");
    return 0;
  }
  if (sessions.length === 0) {
    deps.stdout.write(
      all
        ? "No saved sessions.\n"
        : `No saved sessions in ${oneLine(cwd)} (pi sessions --all lists every directory's).\n`,
    );
    return 0;
  }
  deps.stdout.write(
    sessionsTable(sessions, { now: deps.now(), all, width: terminalColumns(deps) }),
  );
  return 0;
}
