/**
 * The saved sessions as a list (`pi sessions`, the `-r` picker, `/resume`; sessions.ts finds
 * one in it by id or prefix).
 *
 * Listing is fast without being approximate. What a row shows — the number of messages on
 * the conversation path, the first user message on it, the last name, the model — needs the
 * whole path, so a file is read through the first time it is listed (a chunk at a time: it is
 * never held whole), and what the scan found is kept in
 * `<agent dir>/session-list-cache.json` with the file's size, mtime and inode. The
 * next listing reads nothing of a file that did not change, and only the appended bytes of a
 * file that grew (sessions are append-only); a file whose new entries do not continue its old
 * leaf (a rewind, a branch) or that changed otherwise is scanned again.
 *
 * A scan does not parse the entries. It finds the line breaks and reads the type, id,
 * parentId and role from the start of each line (where pi and pi-mono write them), and
 * parses only the short entries that carry a name or model and the one first user message.
 * While every line continues the one before (a session nobody rewound or branched, nearly
 * all of them), that is the path and the totals are added up as it goes; at the first line
 * that is anything else (a branch, a torn or corrupt line, an entry written another way) the
 * file is read again as a tree, the general way. Like the reader (session_format.ts), both
 * skip lines that are not whole entries (a line that does not end its object, cut off by a
 * kill; one cut just after a `}` inside it is only caught when it is the last line).
 * @module
 */

import { PiError } from "../errors.ts";
import { entryName } from "./session_format.ts";
import { contentText, isObject } from "./session_messages.ts";
import { readSessionHeader, sessionDirs } from "./session_store.ts";

/** One saved session, as `pi sessions` lists it. */
export interface SessionInfo {
  /** The session id (its header's). */
  id: string;
  /** The last `session_info` name in the file; undefined when none (or cleared). */
  name?: string;
  /** The session file. */
  path: string;
  /** The working directory of the conversation (its header's). */
  cwd: string;
  /** When it started (ISO, the header's timestamp). */
  created: string;
  /** When the file was last written (ISO): the newest is the one `--continue` continues. */
  modified: string;
  /** Messages on the conversation path: user, assistant and tool results. */
  messages: number;
  /** The text of the first user message on the conversation path. */
  firstMessage?: string;
  /** The model on the path (`provider/id`, its last `model_change`). */
  model?: string;
  /** The id of the session this one was forked from. */
  parentSession?: string;
}

/** What a scan of a session file found (kept in the list cache). */
export interface SessionSummary {
  /** The header's id. */
  id: string;
  /** The header's cwd. */
  cwd: string;
  /** The header's timestamp as ISO ("" when it is not a time). */
  created: string;
  /** The header's format version (1 when absent). */
  version: number;
  /** The header's parentSession. */
  parentSession?: string;
  /** The newest entry with an id (the end of the conversation). */
  leafId: string | null;
  /** Messages on the path (user, assistant, tool results). */
  messages: number;
  /** The first user message on the path with text; null when none. */
  firstMessage: string | null;
  /** The last `session_info` name; null when none or cleared. */
  name: string | null;
  /** The last `model_change` on the path (`provider/id`); null when none. */
  model: string | null;
  /** Whether the scanned bytes end with a line break (an append then starts a new line). */
  cleanEnd: boolean;
}

/** Entry types a scan needs more of than the start. */
const NEEDS_FIELDS = new Set(["session_info", "model_change", "model", "session"]);
/** Whether a message of `role` counts as a message of the conversation. */
function isCounted(role: string): boolean {
  return role === "user" || role === "assistant" || role === "toolResult" ||
    role === "tool_result";
}

/** One readable entry line, as the general scan keeps it (every field set: one shape). */
interface ScannedLine {
  type: string;
  id: string | undefined;
  parentId: string | null;
  role: string | undefined;
  /** A user message's text (trimmed; "" when it has none). */
  text: string | undefined;
  /** `session_info`: the trimmed name, null when empty (it clears the name). */
  name: string | null | undefined;
  /** `model_change` (and the earlier format's `model`): `provider/id`. */
  model: string | undefined;
}

/** Whether `code` is JSON whitespace other than a line break. */
function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x0d || code === 0x09;
}

/** Whether the line `[start, end)` of `text` ends its object (its last non-space is `}`). */
function endsObject(text: string, start: number, end: number): boolean {
  if (end > start && text.charCodeAt(end - 1) === 0x7d) return true;
  for (let i = end - 1; i >= start; i--) {
    const code = text.charCodeAt(i);
    if (!isSpace(code)) return code === 0x7d;
  }
  return false;
}

/** Whether `text` ends with a line break (an append then starts a new line). */
function endsLine(text: string): boolean {
  return text.length > 0 && text.charCodeAt(text.length - 1) === 0x0a;
}

function isBlank(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (!isSpace(text.charCodeAt(i))) return false;
  return true;
}

const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });

/** UTF-8 as `Deno.readTextFile` decodes it (the reader's way: a BOM is kept). */
function decodeText(bytes: Uint8Array): string {
  return utf8.decode(bytes);
}

function parseLine(text: string, start: number, end: number): unknown {
  try {
    return JSON.parse(text.slice(start, end));
  } catch {
    return undefined;
  }
}

/**
 * Visits one non-blank line of a session text, `text.slice(start, end)` without its line
 * break. `cut`: the last line of a text that does not end with a line break (a kill may have
 * cut it anywhere, even just after a `}` inside it). Returns false to stop the walk.
 */
type LineVisitor = (text: string, start: number, end: number, cut: boolean) => boolean;

/**
 * The non-blank lines of a session text, in order, walked as often as asked. A walk says
 * whether it went to the end (no visit stopped it) and whether the text ends with a line
 * break (undefined when there is no text).
 */
type Lines = (visit: LineVisitor) => { complete: boolean; cleanEnd: boolean | undefined };

/** The lines of `text`. */
function textLines(text: string): Lines {
  return (visit) => {
    const cleanEnd = text.length === 0 ? undefined : endsLine(text);
    for (let pos = 0; pos < text.length;) {
      const start = pos;
      let end = text.indexOf("\n", pos);
      if (end === -1) end = text.length;
      pos = end + 1;
      if (isBlank(text, start, end)) continue;
      if (!visit(text, start, end, !cleanEnd && end === text.length)) {
        return { complete: false, cleanEnd };
      }
    }
    return { complete: true, cleanEnd };
  };
}

/**
 * The size of a listing's reads: a file is never held whole, however long it grew. Most
 * sessions take one read. (Not more: reading into a buffer of 512 KiB or more took twice as
 * long here, 1,000 files in 43 ms against 20.)
 */
const CHUNK_BYTES = 256 * 1024;

/**
 * The lines of bytes `[from, to)` of the file at `path` (`to`: its size when it was looked
 * at, so the summary is of exactly the bytes the cache says, even while it is appended to),
 * read a chunk at a time into `buffer`; a line longer than a chunk is joined from its parts.
 */
function fileLines(path: string, from: number, to: number, buffer: Uint8Array): Lines {
  return (visit) => {
    using file = Deno.openSync(path, { read: true });
    if (from > 0) file.seekSync(from, Deno.SeekMode.Start);
    if (to - from <= buffer.length) {
      // Nearly every session: one read, decoded at once (a streaming decoder costs more).
      let filled = 0;
      while (filled < to - from) {
        const n = file.readSync(buffer.subarray(filled, to - from));
        if (n === null || n === 0) break;
        filled += n;
      }
      return textLines(decodeText(buffer.subarray(0, filled)))(visit);
    }
    const decoder = new TextDecoder("utf-8", { ignoreBOM: true }); // as Deno.readTextFile
    let parts: string[] = []; // the start of a line that goes on in the next chunk
    let left = to - from;
    let lastByte = -1;
    const emit = (text: string, start: number, end: number, cut: boolean) =>
      isBlank(text, start, end) || visit(text, start, end, cut);
    for (;;) {
      const n = left > 0 ? file.readSync(buffer.subarray(0, Math.min(buffer.length, left))) : null;
      const done = n === null || n === 0;
      if (!done) {
        left -= n;
        lastByte = buffer[n - 1];
      }
      const text = done
        ? decoder.decode()
        : decoder.decode(buffer.subarray(0, n), { stream: true });
      let start = 0;
      for (let end = text.indexOf("\n"); end !== -1; end = text.indexOf("\n", start)) {
        const row = parts.length === 0 ? undefined : parts.join("") + text.slice(start, end);
        const more = row === undefined
          ? emit(text, start, end, false)
          : emit(row, 0, row.length, false);
        parts = [];
        start = end + 1;
        if (!more) return { complete: false, cleanEnd: undefined };
      }
      if (start < text.length) parts.push(text.slice(start));
      if (done) break;
    }
    const cleanEnd = lastByte === -1 ? undefined : lastByte === 0x0a;
    const rest = parts.join("");
    if (rest !== "" && !emit(rest, 0, rest.length, true)) return { complete: false, cleanEnd };
    return { complete: true, cleanEnd };
  };
}

/** A JSON string without escapes (else the line is parsed whole); it cannot pass a line break. */
const PLAIN = String.raw`"([^"\\\x00-\x1f]*)"`;
const PLAIN_SKIPPED = String.raw`"[^"\\\x00-\x1f]*"`;
/**
 * The start of an entry as pi and pi-mono write it —
 * `{"type":"…","id":"…","parentId":null|"…","timestamp":"…"` and, for a message,
 * `,"message":{"role":"…"` — read without parsing the rest of the line.
 */
const ENTRY_HEAD = new RegExp(
  [
    String.raw`\{"type":${PLAIN},"id":${PLAIN},"parentId":(?:null|${PLAIN}),`,
    String.raw`"timestamp":${PLAIN_SKIPPED}(?:,"message":\{"role":${PLAIN})?`,
  ].join(""),
  "y",
);

/**
 * Reads one entry line; undefined when it is not a readable entry (the reader skips it).
 * `cut`: parse it whole (see {@link LineVisitor}).
 */
function scanLine(text: string, start: number, end: number, cut: boolean): ScannedLine | undefined {
  if (!cut) {
    ENTRY_HEAD.lastIndex = start;
    const head = ENTRY_HEAD.exec(text);
    // [, type, id, parentId, role]; a message without its role first is parsed.
    if (
      head !== null && !NEEDS_FIELDS.has(head[1]) &&
      (head[1] !== "message" || head[4] !== undefined)
    ) {
      // A line cut off by a kill does not end the object: the reader skips it, so does this.
      if (!endsObject(text, start, end)) return undefined;
      return {
        type: head[1],
        id: head[2],
        parentId: head[3] ?? null,
        role: head[4],
        text: head[4] === "user" ? userText(parseLine(text, start, end)) : undefined,
        name: undefined,
        model: undefined,
      };
    }
  }
  const value = parseLine(text, start, end);
  if (!isObject(value) || typeof value.type !== "string") return undefined;
  const line: ScannedLine = {
    type: value.type,
    id: typeof value.id === "string" ? value.id : undefined,
    parentId: typeof value.parentId === "string" ? value.parentId : null,
    role: undefined,
    text: undefined,
    name: undefined,
    model: undefined,
  };
  if (
    value.type === "message" && isObject(value.message) && typeof value.message.role === "string"
  ) {
    line.role = value.message.role;
    if (line.role === "user") line.text = userText(value);
  } else if (value.type === "session_info") {
    line.name = entryName(value);
  } else {
    line.model = entryModel(value);
  }
  return line;
}

/** The model a `model_change` (or the earlier format's `model`) entry sets: `provider/id`. */
function entryModel(entry: Record<string, unknown>): string | undefined {
  if (
    entry.type === "model_change" && typeof entry.provider === "string" &&
    typeof entry.modelId === "string"
  ) {
    return `${entry.provider}/${entry.modelId}`;
  }
  if (entry.type === "model" && typeof entry.model === "string") return entry.model;
  return undefined;
}

/** The text of a parsed user message entry (trimmed), or "" when it has none. */
function userText(entry: unknown): string {
  if (!isObject(entry) || !isObject(entry.message)) return "";
  return contentText(entry.message.content).trim();
}

/** What a scan adds up along the path. */
interface PathTotals {
  messages: number;
  firstMessage: string | null;
  model: string | null;
  name: string | null;
}

/**
 * The common case, without building the tree: lines that are whole entries written the usual
 * way (see {@link ENTRY_HEAD}) and form one unbranched chain from `leafId` (each the child of
 * the line before, no id twice), as in every session nobody rewound or branched; then they
 * all are the path, and their totals are added to `totals` as they come. `visit` says false
 * at the first line that is anything else (a branch, a torn or corrupt line, an entry written
 * another way): then the general scan ({@link treeScan}) reads the lines.
 */
function chainScan(
  leafId: string | null,
  totals: PathTotals,
): { visit: LineVisitor; result(): PathTotals & { leafId: string | null } } {
  let { messages, firstMessage, model, name } = totals;
  const ids = new Set<string>();
  if (leafId !== null) ids.add(leafId);
  const visit: LineVisitor = (text, start, end, cut) => {
    if (cut) return false; // parsed whole by the general scan
    ENTRY_HEAD.lastIndex = start;
    const head = ENTRY_HEAD.exec(text);
    if (head === null) return false;
    // [, type, id, parentId, role]
    const type = head[1];
    const id = head[2];
    if ((head[3] ?? null) !== leafId || ids.has(id) || !endsObject(text, start, end)) {
      return false;
    }
    ids.add(id);
    leafId = id;
    if (type === "message") {
      const role = head[4];
      if (role === undefined) return false;
      if (!isCounted(role)) return true;
      messages++;
      if (firstMessage === null && role === "user") {
        const first = userText(parseLine(text, start, end));
        if (first !== "") firstMessage = first;
      }
    } else if (NEEDS_FIELDS.has(type)) {
      if (type !== "session_info" && type !== "model_change") return false;
      const value = parseLine(text, start, end);
      if (!isObject(value)) return false;
      if (type === "session_info") name = entryName(value);
      else model = entryModel(value) ?? model;
    }
    return true;
  };
  return { visit, result: () => ({ messages, firstMessage, model, name, leafId }) };
}

/**
 * The general scan: every readable line (see {@link scanLine}), those with an id by id, and
 * the newest id (`leafId` when none has one).
 */
function treeScan(leafId: string | null): {
  visit: LineVisitor;
  lines: ScannedLine[];
  byId: Map<string, ScannedLine>;
  leafId(): string | null;
} {
  const lines: ScannedLine[] = [];
  const byId = new Map<string, ScannedLine>();
  const visit: LineVisitor = (text, start, end, cut) => {
    const line = scanLine(text, start, end, cut);
    if (!line) return true;
    lines.push(line);
    if (line.id !== undefined) {
      byId.set(line.id, line);
      leafId = line.id;
    }
    return true;
  };
  return { visit, lines, byId, leafId: () => leafId };
}

/**
 * The lines from `leafId` up through `parentId` while the parent is in `byId`, oldest first,
 * and the `parentId` the walk stopped at: null at a root, undefined when it came back to a
 * line it had passed (then `path` ends before it).
 */
function pathUp(
  byId: ReadonlyMap<string, ScannedLine>,
  leafId: string | null,
): { path: ScannedLine[]; reached: string | null | undefined } {
  const path: ScannedLine[] = [];
  const seen = new Set<string>();
  let reached: string | null | undefined = leafId;
  while (reached !== null) {
    const at = byId.get(reached);
    if (!at) break;
    if (seen.has(reached)) {
      reached = undefined;
      break;
    }
    seen.add(reached);
    path.push(at);
    reached = at.parentId;
  }
  return { path: path.reverse(), reached };
}

/** What the lines on a stretch of the path add: messages, the first user text, the model. */
function walkPath(path: readonly ScannedLine[], start: PathTotals): PathTotals {
  let { messages, firstMessage, model } = start;
  for (const line of path) {
    if (line.type === "message" && line.role !== undefined && isCounted(line.role)) {
      messages++;
      if (firstMessage === null && line.text) firstMessage = line.text;
    } else if (line.model !== undefined) {
      model = line.model;
    }
  }
  return { messages, firstMessage, model, name: start.name };
}

function isoTime(value: unknown): string {
  if (typeof value !== "string") return "";
  const t = Date.parse(value);
  return Number.isNaN(t) ? "" : new Date(t).toISOString();
}

/**
 * Scans a whole session file's bytes; undefined when it does not start with a session header.
 * Gives what {@link parseSession} and {@link buildSessionContext} would give for the list.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { scanSession } from "./session_list.ts";
 * const text = [
 *   { type: "session", version: 3, id: "s1", timestamp: "2025-01-01T00:00:00Z", cwd: "/p" },
 *   { type: "message", id: "a", parentId: null, timestamp: "t",
 *     message: { role: "user", content: "hello", timestamp: 0 } },
 *   { type: "session_info", id: "b", parentId: "a", timestamp: "t", name: "Greeting" },
 * ].map((l) => JSON.stringify(l)).join("\n") + "\n";
 * const s = scanSession(new TextEncoder().encode(text));
 * assert.equal(s?.messages, 1);
 * assert.equal(s?.firstMessage, "hello");
 * assert.equal(s?.name, "Greeting");
 * ```
 */
export function scanSession(source: Uint8Array | string): SessionSummary | undefined {
  return summarize(textLines(typeof source === "string" ? source : decodeText(source)));
}

/** The summary of a session text; undefined when its first line is not a session header. */
function summarize(lines: Lines): SessionSummary | undefined {
  let header: Record<string, unknown> | undefined;
  let chain: ReturnType<typeof chainScan> | undefined;
  let start: PathTotals = { messages: 0, firstMessage: null, model: null, name: null };
  let version = 1;
  const first = lines((text, from, end, cut) => {
    if (header !== undefined) return chain!.visit(text, from, end, cut);
    const value = parseLine(text, from, end);
    if (!isObject(value) || value.type !== "session" || typeof value.id !== "string") {
      return false;
    }
    header = value;
    version = typeof value.version === "number" ? value.version : 1;
    if (typeof value.model === "string") start = { ...start, model: value.model };
    // The earlier format (entries without ids) is read as a tree at once.
    if (version >= 2) chain = chainScan(null, start);
    return chain !== undefined;
  });
  if (header === undefined) return undefined;
  let totals: PathTotals & { leafId: string | null };
  let cleanEnd = first.cleanEnd;
  if (chain && first.complete) {
    totals = chain.result();
  } else {
    const tree = treeScan(null);
    let afterHeader = false;
    cleanEnd = lines((text, from, end, cut) =>
      afterHeader ? tree.visit(text, from, end, cut) : (afterHeader = true)
    ).cleanEnd;
    const leafId = tree.leafId();
    const prefix = version < 2
      ? tree.lines.filter((l) => l.id === undefined)
      : [];
    const path = pathUp(tree.byId, leafId).path;
    const walked = walkPath(prefix.length === 0 ? path : [...prefix, ...path], start);
    totals = { ...walked, name: lastName(tree.lines, null), leafId };
  }
  const summary: SessionSummary = {
    id: header.id as string,
    cwd: typeof header.cwd === "string" ? header.cwd : "",
    created: isoTime(header.timestamp),
    version,
    leafId: totals.leafId,
    messages: totals.messages,
    firstMessage: totals.firstMessage,
    name: totals.name,
    model: totals.model,
    cleanEnd: cleanEnd ?? false,
  };
  if (typeof header.parentSession === "string") summary.parentSession = header.parentSession;
  return summary;
}

function lastName(lines: readonly ScannedLine[], name: string | null): string | null {
  for (const line of lines) if (line.name !== undefined) name = line.name;
  return name;
}

/**
 * The summary of a file that grew by `appended` (the bytes after the ones `previous` was made
 * from), when its new entries continue its old leaf; undefined when they do not (a rewind or
 * a branch), or when the previous scan did not end on a line break: then scan it all again.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { extendSummary, scanSession } from "./session_list.ts";
 * const enc = (lines: object[]) =>
 *   new TextEncoder().encode(lines.map((l) => JSON.stringify(l) + "\n").join(""));
 * const first = scanSession(enc([
 *   { type: "session", version: 3, id: "s", timestamp: "t", cwd: "/p" },
 *   { type: "message", id: "a", parentId: null, timestamp: "t", message: { role: "user", content: "hi" } },
 * ]))!;
 * const more = enc([{ type: "message", id: "b", parentId: "a", timestamp: "t",
 *   message: { role: "assistant", content: [] } }]);
 * assert.equal(extendSummary(first, more)?.messages, 2);
 * const branch = enc([{ type: "custom", id: "c", parentId: null, timestamp: "t", customType: "rewind" }]);
 * assert.equal(extendSummary(first, branch), undefined);
 * ```
 */
export function extendSummary(
  previous: SessionSummary,
  appended: Uint8Array,
): SessionSummary | undefined {
  return extendWith(previous, textLines(decodeText(appended)));
}

/** {@link extendSummary} of the appended lines. */
function extendWith(previous: SessionSummary, lines: Lines): SessionSummary | undefined {
  // After a line break, the appended bytes start a line (and a character).
  if (previous.version < 2 || !previous.cleanEnd) return undefined;
  const chain = chainScan(previous.leafId, previous);
  const walk = lines(chain.visit);
  if (walk.complete) {
    return { ...previous, ...chain.result(), cleanEnd: walk.cleanEnd ?? previous.cleanEnd };
  }
  const tree = treeScan(previous.leafId);
  const cleanEnd = lines(tree.visit).cleanEnd ?? previous.cleanEnd;
  const leafId = tree.leafId();
  let segment: ScannedLine[] = [];
  if (leafId !== previous.leafId) {
    const up = pathUp(tree.byId, leafId);
    if (up.reached !== previous.leafId) return undefined;
    segment = up.path;
  }
  return {
    ...previous,
    ...walkPath(segment, previous),
    leafId,
    name: lastName(tree.lines, previous.name),
    cleanEnd,
  };
}

/** The list cache's file name in the agent dir. */
export const SESSION_LIST_CACHE_FILE = "session-list-cache.json";
// 2: summaries made by earlier code could count lines appended while the file was read.
const CACHE_VERSION = 2;

interface CacheEntry {
  size: number;
  mtime: number;
  ino: number | null;
  summary: SessionSummary;
}

interface ListCache {
  version: number;
  files: Record<string, CacheEntry>;
}

function loadCache(path: string): ListCache {
  try {
    const value = JSON.parse(Deno.readTextFileSync(path));
    if (isObject(value) && value.version === CACHE_VERSION && isObject(value.files)) {
      return value as unknown as ListCache;
    }
  } catch {
    // missing or unreadable: start afresh
  }
  return { version: CACHE_VERSION, files: {} };
}

/**
 * Writes the cache as a temp file renamed over the old one (`0600`): a reader sees the old
 * or the new cache, never half of one. Not synced to disk: a lost cache is only rebuilt.
 */
function saveCache(path: string, cache: ListCache): void {
  const temp = `${path}.${Deno.pid}.${crypto.getRandomValues(new Uint8Array(4)).toHex()}.tmp`;
  try {
    Deno.writeTextFileSync(temp, JSON.stringify(cache), { mode: 0o600, createNew: true });
    Deno.renameSync(temp, path);
  } catch {
    // a cache that cannot be written only makes the next listing slower
    try {
      Deno.removeSync(temp);
    } catch {
      // nothing was written
    }
  }
}

/** The summary of one file, from the cache when it is still true; undefined: not a session. */
function summarizeFile(
  path: string,
  info: Deno.FileInfo,
  cached: CacheEntry | undefined,
  buffer: Uint8Array,
): SessionSummary | undefined {
  const mtime = info.mtime?.getTime() ?? 0;
  const ino = info.ino ?? null;
  if (cached && cached.ino === ino) {
    if (cached.size === info.size && cached.mtime === mtime) return cached.summary;
    if (info.size > cached.size) {
      const grown = extendWith(cached.summary, fileLines(path, cached.size, info.size, buffer));
      if (grown) return grown;
    }
  }
  return summarize(fileLines(path, 0, info.size, buffer));
}

function sessionFilesIn(dir: string): string[] {
  const out: string[] = [];
  try {
    for (const entry of Deno.readDirSync(dir)) {
      if (entry.isFile && entry.name.endsWith(".jsonl")) out.push(`${dir}/${entry.name}`);
    }
  } catch {
    // a missing or unreadable directory has no sessions
  }
  return out;
}

/** Every directory under `<agent dir>/sessions` (pi's, pi-mono's, any cwd's). */
function allSessionDirs(agentDir: string): string[] {
  const root = `${agentDir.replace(/\/$/, "")}/sessions`;
  const out: string[] = [];
  try {
    for (const entry of Deno.readDirSync(root)) {
      if (entry.isDirectory) out.push(`${root}/${entry.name}`);
    }
  } catch {
    // no sessions yet
  }
  return out.sort();
}

/** What {@link listSessions} lists. */
export interface ListSessionsOptions {
  /** The sessions of this directory (pi-mono's directory name and pi's earlier one). */
  cwd?: string;
  /** Every directory's sessions (`--all`); `cwd` is then ignored. */
  all?: boolean;
  /** Whether to read and update the list cache (default true). */
  cache?: boolean;
}

/**
 * The sessions of `cwd` (or of every directory with `all`), newest first (the file written
 * last first: the one `--continue` continues). Files that do not start with a session header
 * are left out. Synchronous file access: a listing is a few hundred small reads.
 */
export function listSessions(agentDir: string, options: ListSessionsOptions): SessionInfo[] {
  const dirs = options.all ? allSessionDirs(agentDir) : sessionDirs(agentDir, options.cwd ?? "/");
  const useCache = options.cache ?? true;
  const cachePath = `${agentDir.replace(/\/$/, "")}/${SESSION_LIST_CACHE_FILE}`;
  const cache = useCache ? loadCache(cachePath) : { version: CACHE_VERSION, files: {} };
  let changed = false;
  // One buffer for every read of the listing (a new one per file cost more than the read).
  const buffer = new Uint8Array(CHUNK_BYTES);
  const found: { info: SessionInfo; mtime: number }[] = [];
  const seen = new Set<string>();
  const scannedDirs = new Set(dirs);
  for (const dir of dirs) {
    for (const path of sessionFilesIn(dir)) {
      let info: Deno.FileInfo;
      try {
        info = Deno.statSync(path);
      } catch {
        continue; // removed meanwhile
      }
      seen.add(path);
      const cached = cache.files[path];
      let summary: SessionSummary | undefined;
      try {
        summary = summarizeFile(path, info, cached, buffer);
      } catch {
        continue; // unreadable
      }
      const mtime = info.mtime?.getTime() ?? 0;
      if (summary === undefined) {
        if (cached) {
          delete cache.files[path];
          changed = true;
        }
        continue;
      }
      if (!cached || cached.summary !== summary) {
        cache.files[path] = { size: info.size, mtime, ino: info.ino ?? null, summary };
        changed = true;
      }
      found.push({ info: toInfo(path, summary, mtime), mtime });
    }
  }
  // Files gone from the directories listed (with --all: from anywhere) leave the cache.
  for (const path of Object.keys(cache.files)) {
    if (seen.has(path)) continue;
    if (!options.all && !scannedDirs.has(path.slice(0, path.lastIndexOf("/")))) continue;
    delete cache.files[path];
    changed = true;
  }
  if (useCache && changed) {
    saveCache(cachePath, cache);
  }
  found.sort((a, b) =>
    b.mtime - a.mtime || (a.info.path < b.info.path ? 1 : a.info.path > b.info.path ? -1 : 0)
  );
  return found.map((f) => f.info);
}

function toInfo(path: string, s: SessionSummary, mtime: number): SessionInfo {
  const info: SessionInfo = {
    id: s.id,
    path,
    cwd: s.cwd,
    created: s.created || new Date(mtime).toISOString(),
    modified: new Date(mtime).toISOString(),
    messages: s.messages,
  };
  if (s.name !== null) info.name = s.name;
  if (s.firstMessage !== null) info.firstMessage = s.firstMessage;
  if (s.model !== null) info.model = s.model;
  if (s.parentSession !== undefined) info.parentSession = s.parentSession;
  return info;
}

/**
 * `read(path)` of one session file, or the error `--session <path>` reports: no such file,
 * not readable, or (`read` gives undefined) not a session file.
 */
function readSessionAt<T>(path: string, read: () => T | undefined): T {
  let value: T | undefined;
  try {
    const info = Deno.statSync(path);
    if (!info.isFile) throw new Deno.errors.IsADirectory(path);
    value = read();
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new PiError("session.not_found", `No session file at ${path}`, {
        hint: "pi sessions lists the sessions of this directory",
        cause: err,
      });
    }
    throw new PiError("io", `Cannot read ${path}`, { cause: err });
  }
  if (value === undefined) {
    throw new PiError("io", `${path} is not a session file (its first line is not a header)`, {
      hint: "pass another session (pi sessions lists them)",
    });
  }
  return value;
}

/**
 * The id of the session file at `path`, from its header alone (the file is read when it is
 * opened); throws a PiError when there is no such file, it cannot be read, or it is not a
 * session file.
 */
export function sessionAt(path: string): Pick<SessionInfo, "id" | "path"> {
  return readSessionAt(path, () => {
    const header = readSessionHeader(path);
    return header && { id: header.id, path };
  });
}
