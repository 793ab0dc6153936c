/**
 * The `edit` tool: replaces one exact, unique occurrence of a text in a file. When the text
 * is missing or occurs more than once, the model is told so and the file is left untouched.
 * @module
 */

import {
  describeFsError,
  errorResult,
  saveCheckpoint,
  stringArg,
  textResult,
  type Tool,
  type ToolContext,
  toolPath,
  type ToolResult,
} from "./types.ts";
import { looksBinary } from "./read.ts";
import { writeFileAtomic } from "../../atomic_file.ts";

/** Every index at which `needle` occurs in `haystack` (non-overlapping), up to `max`. */
export function findAll(haystack: string, needle: string, max = 1000): number[] {
  const found: number[] = [];
  let from = 0;
  while (found.length < max) {
    const i = haystack.indexOf(needle, from);
    if (i === -1) break;
    found.push(i);
    from = i + needle.length;
  }
  return found;
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf("\n"); i !== -1 && i < index; i = text.indexOf("\n", i + 1)) line++;
  return line;
}

function collapseSpace(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/**
 * Applies one replacement to `text`: returns the new text and the line where it happened,
 * or an error message for the model.
 */
export function replaceUnique(
  text: string,
  oldText: string,
  newText: string,
  name = "the file",
): { text: string; line: number } | { error: string } {
  if (oldText === "") return { error: "oldText is empty; give the exact text to replace" };
  if (oldText === newText) return { error: "oldText and newText are the same; nothing to change" };
  let from = oldText;
  let to = newText;
  let hits = findAll(text, from, 50);
  if (hits.length === 0 && text.includes("\r\n") && !oldText.includes("\r\n")) {
    // A CRLF file edited with LF text: match and write in the file's own line endings.
    from = oldText.replaceAll("\n", "\r\n");
    to = newText.replaceAll("\n", "\r\n");
    hits = findAll(text, from, 50);
  }
  if (hits.length === 0) {
    const loose = collapseSpace(oldText);
    const hint = loose !== "" && collapseSpace(text).includes(loose)
      ? " It does occur with different whitespace or indentation; copy it exactly as `read` shows it (without the line-number prefix)."
      : " Read the file again and copy the exact text, whitespace included.";
    return { error: `oldText was not found in ${name}; the file is unchanged.${hint}` };
  }
  if (hits.length > 1) {
    const lines = hits.slice(0, 10).map((i) => lineAt(text, i));
    const more = hits.length > 10 ? ", …" : "";
    return {
      error: `oldText occurs ${hits.length} times in ${name} (lines ${
        lines.join(", ")
      }${more}); the file is unchanged. Include more surrounding lines so it matches exactly once.`,
    };
  }
  const at = hits[0];
  return { text: text.slice(0, at) + to + text.slice(at + from.length), line: lineAt(text, at) };
}

async function execute(args: Record<string, unknown>, context: ToolContext): Promise<ToolResult> {
  const target = await toolPath(args, context, "write");
  if ("error" in target) return target.error;
  const { path, shown: pathArg } = target;
  const oldText = stringArg(args, "oldText", true);
  if (typeof oldText !== "string") return errorResult(oldText!.error);
  const newText = stringArg(args, "newText", true);
  if (typeof newText !== "string") return errorResult(newText!.error);
  let text: string;
  try {
    const bytes = await Deno.readFile(path);
    if (looksBinary(bytes)) {
      return errorResult(`${pathArg} is a binary file; edit only changes text files`);
    }
    text = new TextDecoder().decode(bytes);
  } catch (err) {
    return errorResult(describeFsError(err, pathArg));
  }
  const result = replaceUnique(text, oldText, newText, pathArg);
  if ("error" in result) return errorResult(result.error);
  const unsaved = await saveCheckpoint(context, path, pathArg);
  if (unsaved) return unsaved;
  try {
    await writeFileAtomic(path, result.text, { mode: 0o644, keepMode: true });
  } catch (err) {
    return errorResult(describeFsError(err, pathArg));
  }
  const removed = oldText.split("\n").length;
  const added = newText.split("\n").length;
  return textResult(
    `Edited ${pathArg} at line ${result.line}: replaced ${removed} line${
      removed === 1 ? "" : "s"
    } with ${added}`,
  );
}

/** The `edit` tool. */
export const editTool: Tool = {
  name: "edit",
  description:
    "Edit a file by replacing one exact occurrence of oldText with newText. oldText must match the file exactly (whitespace included) and occur exactly once; otherwise nothing changes and you are told why. Paths are relative to the working directory.",
  parameters: {
    type: "object",
    properties: {
      path: { type: "string", description: "File to edit (relative or absolute)" },
      oldText: { type: "string", description: "Exact text to replace; must occur once" },
      newText: { type: "string", description: "Text to put in its place" },
    },
    required: ["path", "oldText", "newText"],
    additionalProperties: false,
  },
  readOnly: false,
  execute,
};
