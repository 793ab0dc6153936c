/**
 * The `read` tool: a file's lines with line numbers, a window of them (offset/limit), images
 * for vision models, and a short note instead of the bytes of binary or huge content.
 * @module
 */

import {
  describeFsError,
  errorResult,
  intArg,
  textResult,
  type Tool,
  type ToolContext,
  toolPath,
  type ToolResult,
} from "./types.ts";

/** Lines returned when no limit is given. */
export const DEFAULT_READ_LINES = 2000;
/** Most bytes of text returned by one read. */
export const MAX_READ_BYTES = 50 * 1024;
/** Longer lines are cut to this many characters. */
export const MAX_LINE_CHARS = 2000;
/** Largest image passed to the model. */
export const MAX_IMAGE_BYTES = 5 * 1024 * 1024;

const IMAGE_TYPES: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
};

/** The MIME type of an image from its first bytes, or undefined. */
export function sniffImage(bytes: Uint8Array): string | undefined {
  const starts = (...sig: number[]) => sig.every((b, i) => bytes[i] === b);
  if (starts(0x89, 0x50, 0x4e, 0x47)) return "image/png";
  if (starts(0xff, 0xd8, 0xff)) return "image/jpeg";
  if (starts(0x47, 0x49, 0x46, 0x38)) return "image/gif";
  if (starts(0x52, 0x49, 0x46, 0x46) && bytes[8] === 0x57 && bytes[9] === 0x45) {
    return "image/webp";
  }
  return undefined;
}

/** Whether the bytes look binary (a NUL byte in the first 8 KiB). */
export function looksBinary(bytes: Uint8Array): boolean {
  return bytes.subarray(0, 8192).includes(0);
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

async function readHead(path: string, n: number): Promise<Uint8Array> {
  using file = await Deno.open(path, { read: true });
  const buffer = new Uint8Array(n);
  let filled = 0;
  while (filled < n) {
    const got = await file.read(buffer.subarray(filled));
    if (got === null) break;
    filled += got;
  }
  return buffer.subarray(0, filled);
}

/**
 * Numbers and windows the lines of a text stream: lines `offset` (1-based) onwards, at
 * most `limit` of them and {@link MAX_READ_BYTES} of output. Stops reading once full.
 */
export async function numberLines(
  stream: ReadableStream<string>,
  options: { offset: number; limit: number; signal?: AbortSignal },
): Promise<{ text: string; shown: number; lastLine: number; more: boolean; total?: number }> {
  const { offset, limit } = options;
  const out: string[] = [];
  let bytes = 0;
  let lineNo = 0;
  let more = false;
  let pending = "";
  const reader = stream.getReader();
  const take = (line: string): boolean => {
    lineNo++;
    if (lineNo < offset) return true;
    if (out.length >= limit) {
      more = true;
      return false;
    }
    let shown = line.endsWith("\r") ? line.slice(0, -1) : line;
    if (shown.length > MAX_LINE_CHARS) {
      shown = `${shown.slice(0, MAX_LINE_CHARS)}… [line cut: ${shown.length} characters]`;
    }
    const formatted = `${String(lineNo).padStart(6)}\t${shown}`;
    if (bytes + formatted.length + 1 > MAX_READ_BYTES && out.length > 0) {
      more = true;
      return false;
    }
    out.push(formatted);
    bytes += formatted.length + 1;
    return true;
  };
  try {
    let going = true;
    while (going) {
      if (options.signal?.aborted) break;
      const { value, done } = await reader.read();
      if (done) {
        if (pending !== "") take(pending);
        pending = "";
        break;
      }
      pending += value;
      let start = 0;
      let nl: number;
      while ((nl = pending.indexOf("\n", start)) !== -1) {
        if (!take(pending.slice(start, nl))) {
          going = false;
          break;
        }
        start = nl + 1;
      }
      pending = pending.slice(start);
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return {
    text: out.join("\n"),
    shown: out.length,
    lastLine: offset + out.length - 1,
    more,
    total: more ? undefined : lineNo,
  };
}

async function execute(args: Record<string, unknown>, context: ToolContext): Promise<ToolResult> {
  const target = await toolPath(args, context, "read");
  if ("error" in target) return target.error;
  const { path, shown: pathArg } = target;
  const offsetArg = intArg(args, "offset");
  if (typeof offsetArg === "object") return errorResult(offsetArg.error);
  const limitArg = intArg(args, "limit");
  if (typeof limitArg === "object") return errorResult(limitArg.error);
  const offset = Math.max(1, offsetArg ?? 1);
  const limit = limitArg === undefined || limitArg === 0 ? DEFAULT_READ_LINES : limitArg;

  let info: Deno.FileInfo;
  let head: Uint8Array;
  try {
    info = await Deno.stat(path);
    if (info.isDirectory) {
      return errorResult(`${pathArg} is a directory; list it with bash (ls ${pathArg})`);
    }
    head = await readHead(path, 8192);
  } catch (err) {
    return errorResult(describeFsError(err, pathArg));
  }

  const extension = path.slice(path.lastIndexOf(".") + 1).toLowerCase();
  const imageType = sniffImage(head) ??
    (IMAGE_TYPES[extension] && looksBinary(head) ? IMAGE_TYPES[extension] : undefined);
  if (imageType) {
    if (!context.supportsImages) {
      return textResult(
        `${pathArg} is an image (${imageType}, ${
          formatSize(info.size)
        }); this model cannot see images`,
      );
    }
    if (info.size > MAX_IMAGE_BYTES) {
      return errorResult(
        `${pathArg} is an image of ${formatSize(info.size)}, over the ${
          formatSize(MAX_IMAGE_BYTES)
        } limit`,
      );
    }
    const bytes = await Deno.readFile(path);
    return {
      content: [
        { type: "text", text: `Image ${pathArg} (${imageType}, ${formatSize(info.size)})` },
        { type: "image", mimeType: imageType, data: bytes.toBase64() },
      ],
      isError: false,
    };
  }
  if (looksBinary(head)) {
    return textResult(`${pathArg} is a binary file (${formatSize(info.size)}); not shown`);
  }
  if (info.size === 0) return textResult(`${pathArg} is empty`);

  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (err) {
    return errorResult(describeFsError(err, pathArg));
  }
  const result = await numberLines(
    file.readable.pipeThrough(new TextDecoderStream()),
    { offset, limit, signal: context.signal },
  );
  if (result.shown === 0) {
    return errorResult(
      `Offset ${offset} is past the end of ${pathArg} (${result.total ?? 0} lines)`,
    );
  }
  let text = result.text;
  if (result.more) {
    text += `\n\n[Showing lines ${offset}-${result.lastLine} of ${pathArg} (${
      formatSize(info.size)
    }); read more with offset=${result.lastLine + 1}]`;
  }
  return textResult(text);
}

/** The `read` tool. */
export const readTool: Tool = {
  name: "read",
  description:
    `Read a file. Returns its lines numbered like \`cat -n\`; at most ${DEFAULT_READ_LINES} lines or ${
      MAX_READ_BYTES / 1024
    } KiB at a time (use offset/limit for more). Images are shown when the model can see them. Paths are relative to the working directory.`,
  parameters: {
    type: "object",
    properties: {
      path: { type: "string", description: "File to read (relative or absolute)" },
      offset: { type: "integer", description: "First line to show, 1-based (default 1)" },
      limit: {
        type: "integer",
        description: `How many lines to show (default ${DEFAULT_READ_LINES})`,
      },
    },
    required: ["path"],
    additionalProperties: false,
  },
  readOnly: true,
  execute,
};
