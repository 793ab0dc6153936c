/**
 * The saved sessions as a list (`pi sessions`, the `-r` picker, `/resume`; sessions.ts finds
 * one in it by id or prefix).
 *
 * Listing is fast without being approximate. What a row shows — the number of messages on
 * the conversation path, the first user message on it, the last name — needs the whole path,
 * so each file is scanned once and what the scan found is kept in
 * `<agent dir>/session-list-cache.json` with the file's size, mtime and inode. The next
 * listing reads nothing of a file that did not change, and only the appended bytes of a file
 * that grew (sessions are append-only); a file whose new entries do not continue its old
 * leaf (a rewind, a branch) or that changed otherwise is scanned again. A scan does not
 * parse the entries: it finds the line breaks and reads the type, id, parentId and role
 * from the start of each line (where pi and pi-mono write them; any other line is parsed
 * whole), and parses only the short entries that carry a name or model and the one first
 * user message. Like the reader (session_format.ts), it skips lines that are not whole
 * entries (a line that does not end its object, cut off by a kill).
 * @module
 */

import { PiError } from "../errors.ts";
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
/** Message roles counted as messages of the conversation. */
const COUNTED_ROLES = new Set(["user", "assistant", "toolResult", "tool_result"]);

/** One readable entry line, as a scan sees it. */
interface ScannedLine {
  type: string;
  id?: string;
  parentId: string | null;
  role?: string;
  /** Byte range of the line in the scanned buffer. */
  start: number;
  end: number;
  /** `session_info`: the trimmed name, null when empty (it clears the name). */
  name?: string | null;
  /** `model_change` (and the earlier format's `model`): `provider/id`. */
  model?: string;
}

function lastNonSpace(bytes: Uint8Array, start: number, end: number): number {
  for (let i = end - 1; i >= start; i--) {
    const b = bytes[i];
    if (b !== 0x20 && b !== 0x0d && b !== 0x09) return b;
  }
  return -1;
}

function isBlank(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const b = bytes[i];
    if (b !== 0x20 && b !== 0x0d && b !== 0x09) return false;
  }
  return true;
}

function parseLine(bytes: Uint8Array, start: number, end: number, decoder: TextDecoder): unknown {
  try {
    return JSON.parse(decoder.decode(bytes.subarray(start, end)));
  } catch {
    return undefined;
  }
}

const encoder = new TextEncoder();
const HEAD_TYPE = encoder.encode('{"type":"');
const HEAD_ID = encoder.encode('","id":"');
const HEAD_PARENT = encoder.encode('","parentId":');
const HEAD_NULL = encoder.encode("null");
const HEAD_TIME = encoder.encode(',"timestamp":"');
const HEAD_ROLE = encoder.encode(',"message":{"role":"');

/** Whether `bytes` has `literal` at `at`. */
function hasAt(bytes: Uint8Array, at: number, end: number, literal: Uint8Array): boolean {
  if (at + literal.length > end) return false;
  for (let i = 0; i < literal.length; i++) if (bytes[at + i] !== literal[i]) return false;
  return true;
}

/** The ASCII string from `at` to the next `"` (no escapes), and where it ends; or undefined. */
function asciiString(bytes: Uint8Array, at: number, end: number): [string, number] | undefined {
  let text = "";
  for (let i = at; i < end && i - at < 200; i++) {
    const b = bytes[i];
    if (b === 0x22) return [text, i];
    if (b === 0x5c || b >= 0x80 || b < 0x20) return undefined;
    text += String.fromCharCode(b);
  }
  return undefined;
}

/**
 * The start of an entry as pi and pi-mono write it —
 * `{"type":"…","id":"…","parentId":null|"…","timestamp":"…"` and, for a message,
 * `,"message":{"role":"…"` — read from the bytes without decoding the rest of the line.
 */
function entryHead(
  bytes: Uint8Array,
  start: number,
  end: number,
): { type: string; id: string; parentId: string | null; role?: string } | undefined {
  if (!hasAt(bytes, start, end, HEAD_TYPE)) return undefined;
  const type = asciiString(bytes, start + HEAD_TYPE.length, end);
  if (!type || !hasAt(bytes, type[1], end, HEAD_ID)) return undefined;
  const id = asciiString(bytes, type[1] + HEAD_ID.length, end);
  if (!id || !hasAt(bytes, id[1], end, HEAD_PARENT)) return undefined;
  let at = id[1] + HEAD_PARENT.length;
  let parentId: string | null = null;
  if (hasAt(bytes, at, end, HEAD_NULL)) {
    at += HEAD_NULL.length;
  } else {
    if (bytes[at] !== 0x22) return undefined;
    const parent = asciiString(bytes, at + 1, end);
    if (!parent) return undefined;
    parentId = parent[0];
    at = parent[1] + 1;
  }
  if (!hasAt(bytes, at, end, HEAD_TIME)) return undefined;
  const time = asciiString(bytes, at + HEAD_TIME.length, end);
  if (!time) return undefined;
  const head: { type: string; id: string; parentId: string | null; role?: string } = {
    type: type[0],
    id: id[0],
    parentId,
  };
  if (head.type !== "message") return head;
  if (!hasAt(bytes, time[1] + 1, end, HEAD_ROLE)) return undefined;
  const role = asciiString(bytes, time[1] + 1 + HEAD_ROLE.length, end);
  if (!role) return undefined;
  head.role = role[0];
  return head;
}

/**
 * Reads one entry line; undefined when it is not a readable entry (the reader skips it).
 * `whole`: parse it whole (the last line of a file that does not end with a line break: a
 * kill may have cut it anywhere, even just after a `}` inside it).
 */
function scanLine(
  bytes: Uint8Array,
  start: number,
  end: number,
  decoder: TextDecoder,
  whole = false,
): ScannedLine | undefined {
  const head = whole ? undefined : entryHead(bytes, start, end);
  if (head && !NEEDS_FIELDS.has(head.type)) {
    // A line cut off by a kill does not end the object: the reader skips it, so does this.
    if (lastNonSpace(bytes, start, end) !== 0x7d) return undefined;
    const line: ScannedLine = { type: head.type, id: head.id, parentId: head.parentId, start, end };
    if (head.role !== undefined) line.role = head.role;
    return line;
  }
  const value = parseLine(bytes, start, end, decoder);
  if (!isObject(value) || typeof value.type !== "string") return undefined;
  const line: ScannedLine = {
    type: value.type,
    parentId: typeof value.parentId === "string" ? value.parentId : null,
    start,
    end,
  };
  if (typeof value.id === "string") line.id = value.id;
  if (
    value.type === "message" && isObject(value.message) && typeof value.message.role === "string"
  ) {
    line.role = value.message.role;
  } else if (value.type === "session_info") {
    line.name = typeof value.name === "string" && value.name.trim() !== ""
      ? value.name.trim()
      : null;
  } else if (
    value.type === "model_change" && typeof value.provider === "string" &&
    typeof value.modelId === "string"
  ) {
    line.model = `${value.provider}/${value.modelId}`;
  } else if (value.type === "model" && typeof value.model === "string") {
    line.model = value.model;
  }
  return line;
}

/** The byte ranges `[start, end)` of the non-blank lines of `bytes`. */
function lineRanges(bytes: Uint8Array): number[] {
  const out: number[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    let end = bytes.indexOf(0x0a, pos);
    if (end === -1) end = bytes.length;
    if (!isBlank(bytes, pos, end)) out.push(pos, end);
    pos = end + 1;
  }
  return out;
}

/**
 * The readable entry lines in `ranges` of `bytes` (see {@link lineRanges}), those with an id
 * by id, and the newest id (`leafId` when none has one). The last line of bytes that do not
 * end with a line break is parsed whole (see {@link scanLine}).
 */
function scanLines(
  bytes: Uint8Array,
  ranges: readonly number[],
  decoder: TextDecoder,
  leafId: string | null,
): { lines: ScannedLine[]; byId: Map<string, ScannedLine>; leafId: string | null } {
  const cut = bytes.length > 0 && bytes[bytes.length - 1] !== 0x0a;
  const lines: ScannedLine[] = [];
  const byId = new Map<string, ScannedLine>();
  for (let i = 0; i < ranges.length; i += 2) {
    const last = cut && ranges[i + 1] === bytes.length;
    const line = scanLine(bytes, ranges[i], ranges[i + 1], decoder, last);
    if (!line) continue;
    lines.push(line);
    if (line.id === undefined) continue;
    byId.set(line.id, line);
    leafId = line.id;
  }
  return { lines, byId, leafId };
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

/** The text of the user message on `line`, or "" when it has none. */
function userText(bytes: Uint8Array, line: ScannedLine, decoder: TextDecoder): string {
  const value = parseLine(bytes, line.start, line.end, decoder);
  if (!isObject(value) || !isObject(value.message)) return "";
  return contentText(value.message.content).trim();
}

/** What the lines on a stretch of the path add: messages, the first user text, the model. */
function walkPath(
  path: readonly ScannedLine[],
  bytes: Uint8Array,
  decoder: TextDecoder,
  start: { messages: number; firstMessage: string | null; model: string | null },
): { messages: number; firstMessage: string | null; model: string | null } {
  let { messages, firstMessage, model } = start;
  for (const line of path) {
    if (line.type === "message" && line.role !== undefined && COUNTED_ROLES.has(line.role)) {
      messages++;
      if (firstMessage === null && line.role === "user") {
        const text = userText(bytes, line, decoder);
        if (text !== "") firstMessage = text;
      }
    } else if (line.model !== undefined) {
      model = line.model;
    }
  }
  return { messages, firstMessage, model };
}

function lastName(lines: readonly ScannedLine[], name: string | null): string | null {
  for (const line of lines) if (line.name !== undefined) name = line.name;
  return name;
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
export function scanSession(bytes: Uint8Array): SessionSummary | undefined {
  const decoder = new TextDecoder();
  const ranges = lineRanges(bytes);
  if (ranges.length === 0) return undefined;
  const header = parseLine(bytes, ranges[0], ranges[1], decoder);
  if (!isObject(header) || header.type !== "session" || typeof header.id !== "string") {
    return undefined;
  }
  const { lines, byId, leafId } = scanLines(bytes, ranges.slice(2), decoder, null);
  const version = typeof header.version === "number" ? header.version : 1;
  const prefix = version < 2 ? lines.filter((l) => l.id === undefined) : [];
  const walked = walkPath([...prefix, ...pathUp(byId, leafId).path], bytes, decoder, {
    messages: 0,
    firstMessage: null,
    model: typeof header.model === "string" ? header.model : null,
  });
  const summary: SessionSummary = {
    id: header.id as string,
    cwd: typeof header.cwd === "string" ? header.cwd : "",
    created: isoTime(header.timestamp),
    version,
    leafId,
    ...walked,
    name: lastName(lines, null),
    cleanEnd: bytes[bytes.length - 1] === 0x0a,
  };
  if (typeof header.parentSession === "string") summary.parentSession = header.parentSession;
  return summary;
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
  if (previous.version < 2 || !previous.cleanEnd) return undefined;
  const decoder = new TextDecoder();
  const { lines, byId, leafId } = scanLines(
    appended,
    lineRanges(appended),
    decoder,
    previous.leafId,
  );
  let segment: ScannedLine[] = [];
  if (leafId !== previous.leafId) {
    const up = pathUp(byId, leafId);
    if (up.reached !== previous.leafId) return undefined;
    segment = up.path;
  }
  const walked = walkPath(segment, appended, decoder, previous);
  return {
    ...previous,
    leafId,
    ...walked,
    name: lastName(lines, previous.name),
    cleanEnd: appended.length === 0 ? previous.cleanEnd : appended[appended.length - 1] === 0x0a,
  };
}

/** The list cache's file name in the agent dir. */
export const SESSION_LIST_CACHE_FILE = "session-list-cache.json";
const CACHE_VERSION = 1;

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

function readRange(path: string, from: number, to: number): Uint8Array {
  using file = Deno.openSync(path, { read: true });
  file.seekSync(from, Deno.SeekMode.Start);
  const out = new Uint8Array(to - from);
  let filled = 0;
  while (filled < out.length) {
    const n = file.readSync(out.subarray(filled));
    if (n === null || n === 0) break;
    filled += n;
  }
  return out.subarray(0, filled);
}

/** The summary of one file, from the cache when it is still true; undefined: not a session. */
function summarizeFile(
  path: string,
  info: Deno.FileInfo,
  cached: CacheEntry | undefined,
): SessionSummary | undefined {
  const mtime = info.mtime?.getTime() ?? 0;
  const ino = info.ino ?? null;
  if (cached && cached.ino === ino) {
    if (cached.size === info.size && cached.mtime === mtime) return cached.summary;
    if (info.size > cached.size) {
      const grown = extendSummary(cached.summary, readRange(path, cached.size, info.size));
      if (grown) return grown;
    }
  }
  return scanSession(Deno.readFileSync(path));
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
        summary = summarizeFile(path, info, cached);
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
function readSessionAt<T>(path: string, read: (info: Deno.FileInfo) => T | undefined): T {
  let value: T | undefined;
  try {
    const info = Deno.statSync(path);
    if (!info.isFile) throw new Deno.errors.IsADirectory(path);
    value = read(info);
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

/** The list entry of one session file (no cache); throws when it is not a session. */
export function sessionInfo(path: string): SessionInfo {
  return readSessionAt(path, (info) => {
    const summary = scanSession(Deno.readFileSync(path));
    return summary && toInfo(path, summary, info.mtime?.getTime() ?? 0);
  });
}

/**
 * The id of the session file at `path`, from its header alone (the file is read when it is
 * opened); throws as {@link sessionInfo} does.
 */
export function sessionAt(path: string): Pick<SessionInfo, "id" | "path"> {
  return readSessionAt(path, () => {
    const header = readSessionHeader(path);
    return header && { id: header.id, path };
  });
}
