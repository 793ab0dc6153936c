/**
 * The `write` tool: creates or replaces a file atomically (temp file in the same directory,
 * then rename), creating parent directories; an existing file keeps its permissions.
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
import { dirname, writeFileAtomic } from "../../atomic_file.ts";

async function execute(args: Record<string, unknown>, context: ToolContext): Promise<ToolResult> {
  const target = await toolPath(args, context, "write");
  if ("error" in target) return target.error;
  const { path, shown: pathArg } = target;
  const content = stringArg(args, "content", true);
  if (typeof content !== "string") return errorResult(content!.error);
  const unsaved = await saveCheckpoint(context, path, pathArg);
  if (unsaved) return unsaved;
  try {
    await Deno.mkdir(dirname(path), { recursive: true });
    await writeFileAtomic(path, content, { mode: 0o644, keepMode: true });
  } catch (err) {
    return errorResult(describeFsError(err, pathArg));
  }
  const bytes = new TextEncoder().encode(content).length;
  const lines = content === "" ? 0 : content.split("\n").length - (content.endsWith("\n") ? 1 : 0);
  return textResult(`Wrote ${bytes} bytes (${lines} line${lines === 1 ? "" : "s"}) to ${pathArg}`);
}

/** The `write` tool. */
export const writeTool: Tool = {
  name: "write",
  description:
    "Create or overwrite a file with the given content. Parent directories are created. Paths are relative to the working directory. Prefer `edit` for changing part of an existing file.",
  parameters: {
    type: "object",
    properties: {
      path: { type: "string", description: "File to write (relative or absolute)" },
      content: { type: "string", description: "The whole new content of the file" },
    },
    required: ["path", "content"],
    additionalProperties: false,
  },
  readOnly: false,
  execute,
};
