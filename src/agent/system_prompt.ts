/**
 * The system prompt: what pi is, its tools, the working directory and the date (from an
 * injected clock), plus every `AGENTS.md` found in the agent dir, the cwd and its parents.
 * @module
 */

import type { Tool } from "./tools/types.ts";

/** An `AGENTS.md` (or similar) file that adds project instructions. */
export interface ContextFile {
  /** Absolute path of the file. */
  path: string;
  /** Its text. */
  content: string;
}

/** The name of the instructions file pi looks for. */
export const CONTEXT_FILE_NAME = "AGENTS.md";
/** Longest instructions file included, in characters; longer ones are cut. */
const MAX_CONTEXT_CHARS = 64 * 1024;

function parentDirs(cwd: string): string[] {
  const parts = cwd.split("/").filter((p) => p !== "");
  const dirs = ["/"];
  for (let i = 1; i <= parts.length; i++) dirs.push("/" + parts.slice(0, i).join("/"));
  return dirs;
}

async function readIfFile(path: string): Promise<string | undefined> {
  try {
    const info = await Deno.stat(path);
    if (!info.isFile) return undefined;
    const text = await Deno.readTextFile(path);
    return text.length > MAX_CONTEXT_CHARS
      ? `${text.slice(0, MAX_CONTEXT_CHARS)}\n[… cut at ${MAX_CONTEXT_CHARS} characters]`
      : text;
  } catch {
    return undefined;
  }
}

/**
 * Finds `AGENTS.md` in `agentDir` (global instructions) and in every directory from the
 * filesystem root down to `cwd` (most specific last). Unreadable files are skipped.
 */
export async function loadContextFiles(agentDir: string, cwd: string): Promise<ContextFile[]> {
  const candidates = [agentDir, ...parentDirs(cwd)].map((dir) =>
    `${dir === "/" ? "" : dir.replace(/\/$/, "")}/${CONTEXT_FILE_NAME}`
  );
  const seen = new Set<string>();
  const files: ContextFile[] = [];
  for (const path of candidates) {
    if (seen.has(path)) continue;
    seen.add(path);
    const content = await readIfFile(path);
    if (content !== undefined && content.trim() !== "") files.push({ path, content });
  }
  return files;
}

/** `YYYY-MM-DD (Weekday)` in local time. */
export function formatDate(epochMs: number): string {
  const d = new Date(epochMs);
  const pad = (n: number) => String(n).padStart(2, "0");
  const weekday = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"][
    d.getDay()
  ];
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} (${weekday})`;
}

/** What the system prompt is built from. */
export interface SystemPromptOptions {
  /** The working directory. */
  cwd: string;
  /** Now, epoch milliseconds (from `deps.now()`). */
  now: number;
  /** The tools the model may call. */
  tools: readonly Tool[];
  /** Instructions files, in order (see {@link loadContextFiles}). */
  contextFiles?: readonly ContextFile[];
}

/** Builds the system prompt (pure: everything comes in through `options`). */
export function buildSystemPrompt(options: SystemPromptOptions): string {
  const toolLines = options.tools.map((t) => `- ${t.name}: ${t.description}`).join("\n");
  const sections = [
    `You are pi, a coding agent working in the user's terminal. You help with software tasks: reading and changing code, running commands, explaining what you find. Act with the tools below rather than describing what the user should do; keep answers short and concrete.`,
    `Tools:\n${toolLines}`,
    `Guidelines:
- Read a file before you edit it; use edit for small changes and write for new files or complete rewrites.
- Use bash for searching (rg, grep, find, ls), building and testing; commands run non-interactively with empty stdin.
- Paths are relative to the working directory unless absolute.
- When a tool reports an error, read the message and adjust; do not repeat the same failing call.
- When you are done, say briefly what you did. Do not paste whole files back unless asked.`,
    `Working directory: ${options.cwd}\nToday's date: ${formatDate(options.now)}`,
  ];
  const files = options.contextFiles ?? [];
  if (files.length > 0) {
    const blocks = files.map((f) => `## ${f.path}\n\n${f.content.trim()}`).join("\n\n");
    sections.push(
      `# Project instructions\n\nThe following ${CONTEXT_FILE_NAME} files apply (later, more specific ones take precedence):\n\n${blocks}`,
    );
  }
  return sections.join("\n\n");
}
