/**
 * The `write` tool: creates or replaces a file atomically (temp file in the same directory,
 * then rename), creating parent directories; an existing file keeps its permissions.
 * @module
 */

import {
  describeFsError,
  errorResult,
  resolvePath,
  stringArg,
  textResult,
  type Tool,
  type ToolContext,
  type ToolResult,
} from "./types.ts";

function dirname(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
}

/**
 * Writes `text` to `path` atomically: a temp file beside it, fsync, rename. An existing
 * file's mode is kept; a new file gets `mode` (default 0o644, less the umask).
 */
export async function writeFileAtomic(
  path: string,
  text: string,
  options: { mode?: number } = {},
): Promise<void> {
  let mode = options.mode ?? 0o644;
  try {
    const info = await Deno.stat(path);
    if (info.isDirectory) throw new Deno.errors.IsADirectory(path);
    if (info.mode !== null) mode = info.mode & 0o7777;
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  const dir = dirname(path);
  const base = path.slice(dir.length + 1);
  const suffix = crypto.getRandomValues(new Uint8Array(6)).toHex();
  const temp = `${dir}/.${base}.${suffix}.tmp`;
  try {
    const file = await Deno.open(temp, { write: true, createNew: true, mode });
    try {
      const bytes = new TextEncoder().encode(text);
      let written = 0;
      while (written < bytes.length) written += await file.write(bytes.subarray(written));
      await file.sync();
    } finally {
      file.close();
    }
    if (Deno.build.os !== "windows") await Deno.chmod(temp, mode);
    await Deno.rename(temp, path);
  } catch (err) {
    await Deno.remove(temp).catch(() => {});
    throw err;
  }
}

async function execute(args: Record<string, unknown>, context: ToolContext): Promise<ToolResult> {
  const pathArg = stringArg(args, "path", true);
  if (typeof pathArg !== "string") return errorResult(pathArg!.error);
  const content = stringArg(args, "content", true);
  if (typeof content !== "string") return errorResult(content!.error);
  const path = resolvePath(pathArg, context.cwd);
  try {
    await Deno.mkdir(dirname(path), { recursive: true });
    await writeFileAtomic(path, content);
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
