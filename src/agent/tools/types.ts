/**
 * The shape of a tool (DESIGN.md rule 7): a descriptor the model sees (name, description,
 * JSON Schema parameters) plus `execute`. Expected failures (missing file, non-zero exit)
 * come back as a result with `isError: true`, never as a thrown error.
 * @module
 */

import { checkToolPath, normalize, type SandboxSettings } from "../sandbox.ts";

/** A JSON Schema object describing a tool's arguments. */
export interface JsonSchema {
  /** Always `object` at the top level. */
  type: string;
  /** The properties, each a JSON Schema. */
  properties?: Record<string, unknown>;
  /** Required property names. */
  required?: string[];
  /** Whether other properties are allowed. */
  additionalProperties?: boolean;
  /** Anything else JSON Schema allows. */
  [keyword: string]: unknown;
}

/** Text returned to the model. */
export interface ToolTextContent {
  /** Always `text`. */
  type: "text";
  /** The text. */
  text: string;
}

/** An image returned to the model (vision models only). */
export interface ToolImageContent {
  /** Always `image`. */
  type: "image";
  /** e.g. `image/png`. */
  mimeType: string;
  /** Base64 of the bytes. */
  data: string;
}

/** What a tool sends back to the model. */
export interface ToolResult {
  /** Text and images, in order. */
  content: (ToolTextContent | ToolImageContent)[];
  /** True for an expected failure (told to the model, not thrown). */
  isError: boolean;
}

/** What a tool gets besides its arguments. */
export interface ToolContext {
  /** The working directory; relative paths resolve against it. */
  cwd: string;
  /** Aborts the tool (Ctrl+C); a running command is killed with its process group. */
  signal?: AbortSignal;
  /** Partial output as it arrives (bash). */
  onUpdate?: (chunk: string) => void;
  /** Whether the model accepts images (read passes images only then). */
  supportsImages?: boolean;
  /**
   * The sandbox the tool runs under (src/agent/sandbox.ts); absent with `--sandbox off`.
   * bash runs inside bwrap; write/edit refuse paths outside the cwd (every path in
   * `read-only`); read, write and edit refuse the hidden paths.
   */
  sandbox?: SandboxSettings;
  /**
   * Saves what `path` holds (or that it does not exist) before `write`/`edit` change it, so
   * that `pi rewind` can give it back (src/agent/checkpoints.ts). Throws when it cannot.
   */
  checkpoint?: (path: string) => Promise<void>;
}

/** A tool the model can call. */
export interface Tool {
  /** The name the model calls, e.g. `read`. */
  name: string;
  /** What it does, for the model. */
  description: string;
  /** JSON Schema of the arguments. */
  parameters: JsonSchema;
  /** True when it never changes anything, so calls may run in parallel. */
  readOnly: boolean;
  /** Runs the tool; resolves with a result even for expected failures. */
  execute(args: Record<string, unknown>, context: ToolContext): Promise<ToolResult>;
}

/** A text result. */
export function textResult(text: string, isError = false): ToolResult {
  return { content: [{ type: "text", text }], isError };
}

/** A text failure told to the model. */
export function errorResult(text: string): ToolResult {
  return textResult(text, true);
}

/** The text parts of a result joined, for display and logs. */
export function resultText(result: ToolResult): string {
  return result.content.map((c) => c.type === "text" ? c.text : `[image ${c.mimeType}]`).join(
    "\n",
  );
}

/** Reads a string argument; undefined when absent, an error message when of the wrong type. */
export function stringArg(
  args: Record<string, unknown>,
  name: string,
  required: boolean,
): string | undefined | { error: string } {
  const value = args[name];
  if (value === undefined || value === null) {
    return required ? { error: `Missing required argument "${name}" (a string)` } : undefined;
  }
  if (typeof value !== "string") return { error: `Argument "${name}" must be a string` };
  return value;
}

/** Reads an optional positive integer argument. */
export function intArg(
  args: Record<string, unknown>,
  name: string,
): number | undefined | { error: string } {
  const value = args[name];
  if (value === undefined || value === null) return undefined;
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isFinite(n) || n < 0) {
    return { error: `Argument "${name}" must be a non-negative number` };
  }
  return Math.floor(n);
}

/** Resolves `path` against `cwd` (absolute paths stay as they are), normalising `.` and `..`. */
export function resolvePath(path: string, cwd: string): string {
  if (path.startsWith("/")) return path;
  if (/^[A-Za-z]:[\\/]/.test(path)) return path;
  return normalize(`${cwd}/${path}`);
}

/**
 * The `path` argument of a file tool: the path as the model gave it (`shown`, for messages)
 * and resolved against the cwd; or the error the model reads (a missing argument, or the
 * sandbox's refusal to `access` it).
 */
export async function toolPath(
  args: Record<string, unknown>,
  context: ToolContext,
  access: "read" | "write",
): Promise<{ path: string; shown: string } | { error: ToolResult }> {
  const shown = stringArg(args, "path", true);
  if (typeof shown !== "string") return { error: errorResult(shown!.error) };
  const path = resolvePath(shown, context.cwd);
  if (context.sandbox) {
    const refusal = await checkToolPath(context.sandbox, {
      path,
      shown,
      cwd: context.cwd,
      access,
    });
    if (refusal) return { error: errorResult(refusal) };
  }
  return { path, shown };
}

/** A short description of a filesystem error for the model. */
export function describeFsError(err: unknown, path: string): string {
  if (err instanceof Deno.errors.NotFound) return `File not found: ${path}`;
  if (err instanceof Deno.errors.PermissionDenied) return `Permission denied: ${path}`;
  if (err instanceof Deno.errors.IsADirectory) return `${path} is a directory, not a file`;
  if (err instanceof Deno.errors.NotADirectory) return `A parent of ${path} is not a directory`;
  return `Cannot access ${path}: ${err instanceof Error ? err.message : String(err)}`;
}

/**
 * Runs the context's checkpoint hook before `write`/`edit` change `path`: undefined when the
 * state was saved (or there is no hook), else the failure told to the model (the file is
 * not changed then: a change that could not be undone is not made).
 */
export async function saveCheckpoint(
  context: ToolContext,
  path: string,
  shown: string,
): Promise<ToolResult | undefined> {
  if (!context.checkpoint) return undefined;
  try {
    await context.checkpoint(path);
    return undefined;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return errorResult(
      `Could not save a checkpoint of ${shown} before changing it (${reason}); the file is unchanged`,
    );
  }
}
