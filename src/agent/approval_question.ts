/**
 * What the approval question shows for a tool call (CONTRACT.md: "the tool and its
 * arguments (the command, the path, the diff of an edit)"): {@link approvalQuestion} is
 * pure (the file's current content is given), {@link readApprovalQuestion} reads the file.
 * The text comes from the model: the screen sanitises it before it is drawn.
 * @module
 */

import { unifiedDiff } from "./line_diff.ts";
import { replaceUnique } from "./tools/edit.ts";
import { resolvePath } from "./tools/types.ts";

/** The question about one call, as plain text for the screen to draw. */
export interface ApprovalQuestion {
  /** The tool, e.g. `edit`. */
  tool: string;
  /** One line: `Run bash?`, `Edit src/app.ts?`, `Write notes.md (new file)?`. */
  title: string;
  /** What the call does: the command's lines, the unified diff, or the arguments. */
  body: string[];
  /** Said under the body when the call would fail or the body was cut. */
  note?: string;
  /** The keys: `y yes · a always for edit · n no · Esc no, stop the turn`. */
  keys: string;
}

/** Largest file whose diff the question shows. */
const MAX_DIFF_BYTES = 4 * 1024 * 1024;

/** Lines of a question body shown at most; the rest is summed up in the note. */
const MAX_BODY_LINES = 200;

function str(args: Record<string, unknown>, name: string): string | undefined {
  const value = args[name];
  return typeof value === "string" ? value : undefined;
}

function cut(
  body: string[],
  note: string | undefined,
  max: number,
): { body: string[]; note?: string } {
  if (body.length <= max) return note === undefined ? { body } : { body, note };
  const more = `${body.length - max} more lines not shown`;
  return { body: body.slice(0, max), note: note === undefined ? more : `${note}; ${more}` };
}

/**
 * The question for `call`. `current` is the content of the file a write or edit changes
 * (undefined when it does not exist); `path` its name as shown.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { approvalQuestion } from "./approval_question.ts";
 * const q = approvalQuestion(
 *   { name: "edit", arguments: { path: "a.txt", oldText: "two", newText: "2" } },
 *   { current: "one\ntwo\nthree\n" },
 * );
 * assert.equal(q.title, "Edit a.txt?");
 * assert.deepEqual(q.body.slice(2), ["@@ -1,3 +1,3 @@", " one", "-two", "+2", " three"]);
 * ```
 */
export function approvalQuestion(
  call: { name: string; arguments: Record<string, unknown> },
  options: { current?: string; maxLines?: number } = {},
): ApprovalQuestion {
  const max = options.maxLines ?? MAX_BODY_LINES;
  const args = call.arguments;
  const keys = `y yes · a always for ${call.name} · n no · Esc no, stop the turn`;
  const path = str(args, "path") ?? "";
  let title: string;
  let body: string[];
  let note: string | undefined;
  switch (call.name) {
    case "bash": {
      title = "Run bash?";
      body = (str(args, "command") ?? "").split("\n").map((l) => `$ ${l}`);
      const timeout = args.timeout;
      if (typeof timeout === "number") note = `timeout ${timeout} s`;
      break;
    }
    case "write": {
      const content = str(args, "content") ?? "";
      const current = options.current;
      title = current === undefined ? `Write ${path} (new file)?` : `Overwrite ${path}?`;
      body = unifiedDiff(current, content, { path });
      if (body.length === 0) note = "the content is the same as the file's";
      break;
    }
    case "edit": {
      title = `Edit ${path}?`;
      const current = options.current;
      const oldText = str(args, "oldText") ?? "";
      const newText = str(args, "newText") ?? "";
      if (current === undefined) {
        body = [
          ...oldText.split("\n").map((l) => `-${l}`),
          ...newText.split("\n").map((l) => `+${l}`),
        ];
        note = "the file does not exist: the edit will fail";
        break;
      }
      const result = replaceUnique(current, oldText, newText, path);
      if ("error" in result) {
        body = [
          ...oldText.split("\n").map((l) => `-${l}`),
          ...newText.split("\n").map((l) => `+${l}`),
        ];
        note = `the edit will fail: ${result.error}`;
      } else {
        body = unifiedDiff(current, result.text, { path });
      }
      break;
    }
    case "read": {
      title = `Read ${path}?`;
      const parts = [path];
      if (args.offset !== undefined) parts.push(`from line ${args.offset}`);
      if (args.limit !== undefined) parts.push(`${args.limit} lines`);
      body = [parts.join(", ")];
      break;
    }
    default: {
      title = `Run ${call.name}?`;
      body = JSON.stringify(args, null, 2).split("\n");
    }
  }
  return { tool: call.name, title, ...cut(body, note, max), keys };
}

/**
 * {@link approvalQuestion} with the file a write or edit changes read from disk (relative
 * paths against `cwd`); a file that cannot be read, is not a regular file or is over 4 MiB
 * counts as absent.
 */
export async function readApprovalQuestion(
  call: { name: string; arguments: Record<string, unknown> },
  cwd: string,
  options: { maxLines?: number } = {},
): Promise<ApprovalQuestion> {
  let current: string | undefined;
  let unreadable = false;
  const path = str(call.arguments, "path");
  if ((call.name === "write" || call.name === "edit") && path !== undefined && path !== "") {
    try {
      const file = resolvePath(path, cwd);
      // Only a regular file of a sensible size: a FIFO would never end, a huge file is no diff.
      const info = await Deno.stat(file);
      if (info.isFile && info.size <= MAX_DIFF_BYTES) current = await Deno.readTextFile(file);
      else unreadable = true;
    } catch (err) {
      unreadable = !(err instanceof Deno.errors.NotFound);
    }
  }
  const question = approvalQuestion(call, {
    ...options,
    ...(current === undefined ? {} : { current }),
  });
  if (!unreadable) return question;
  return {
    ...question,
    title: call.name === "write" ? `Overwrite ${path}?` : question.title,
    note: "the file is not a readable text file of at most 4 MiB: no diff shown",
  };
}
