/**
 * `pi export <id|prefix|path> [--format html|md] [-o file]`: a session's conversation as one
 * self-contained HTML page (default, to `<session id>.html` in the current directory) or as
 * Markdown; `-o -` writes to stdout. The user's secrets (auth.json, Codex CLI's auth.json,
 * the provider keys in the environment) and anything shaped like a token are hidden.
 * @module
 */

import { writeFileAtomic } from "../../atomic_file.ts";
import { findSession } from "../../agent/sessions.ts";
import { readSessionFile } from "../../agent/session_store.ts";
import { resolvePath } from "../../agent/tools/types.ts";
import type { Deps } from "../../deps.ts";
import { fsErrorReason, PiError } from "../../errors.ts";
import { oneLine } from "../../one_line.ts";
import { redact } from "../../redact.ts";
import { VERSION } from "../../version.ts";
import type { ParsedArgs } from "../args.ts";
import { openAuthStorage } from "../open_auth.ts";
import { secretRedactor } from "../secrets.ts";
import { exportHtml, exportMarkdown } from "../session_export.ts";

/** The default file name of an export: the session id (made safe as a file name). */
export function defaultExportName(id: string, format: "html" | "md"): string {
  return `${id.replace(/[^A-Za-z0-9._-]/g, "_").replace(/^\.+/, "_")}.${format}`;
}

/** Runs `pi export`. */
export async function runExport(args: ParsedArgs, deps: Deps): Promise<number> {
  if (args.positionals.length !== 1) {
    throw new PiError(
      "usage",
      args.positionals.length === 0
        ? "Missing session: pi export <id|prefix|path>"
        : `Unexpected argument: ${oneLine(args.positionals[1])}`,
      { hint: "pi sessions lists the sessions; see pi export --help" },
    );
  }
  const cwd = Deno.cwd();
  const format = args.options.format === "md" ? "md" : "html";
  const found = findSession(deps.agentDir, cwd, args.positionals[0]);
  const session = await readSessionFile(found.path);
  if (session.warning !== undefined) deps.stderr.write(`pi: ${oneLine(session.warning)}\n`);
  const secrets = secretRedactor(openAuthStorage(deps), deps);
  const options = {
    redact: (text: string) => redact(secrets(text)),
    now: deps.now(),
    version: VERSION,
  };
  const text = format === "md" ? exportMarkdown(session, options) : exportHtml(session, options);
  const output = typeof args.options.output === "string"
    ? args.options.output
    : defaultExportName(session.header.id, format);
  if (output === "-") {
    deps.stdout.write(text);
    return 0;
  }
  const path = resolvePath(output, cwd);
  try {
    await writeFileAtomic(path, text, { mode: 0o600, keepMode: true });
  } catch (err) {
    throw new PiError("io", `Cannot write ${path}: ${fsErrorReason(err)}`, {
      hint: "choose another file with -o",
      cause: err,
    });
  }
  deps.stdout.write(`Exported session ${oneLine(session.header.id)} to ${oneLine(path)}\n`);
  return 0;
}
