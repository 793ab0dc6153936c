/**
 * Session files on disk: `<agent dir>/sessions/--<cwd>--/<ISO time>_<id>.jsonl`, in
 * pi-mono's format (session_format.ts). Files are `0600`, their directories `0700`; the
 * header is written when the file is created, then every entry is appended as it happens,
 * one write of one line, so a kill loses at most the entry being written. An existing file
 * is only ever appended to, never rewritten. Credentials are never part of an entry.
 * @module
 */

import {
  type NewSessionEntry,
  type ParsedSession,
  SESSION_VERSION,
  type SessionEntry,
  type SessionHeader,
  sessionParser,
} from "./session_format.ts";

/**
 * The directory name of a cwd's sessions, as pi-mono names it: the cwd without its leading
 * slash, with `/`, `\` and `:` each as `-`, between `--` and `--`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sessionDirName } from "./session_store.ts";
 * assert.equal(sessionDirName("/tmp/x"), "--tmp-x--");
 * assert.equal(sessionDirName("/home/me/my proj"), "--home-me-my proj--");
 * ```
 */
export function sessionDirName(cwd: string): string {
  return `--${cwd.replace(/^[/\\]/, "").replace(/[/\\:]/g, "-")}--`;
}

/**
 * The directory name earlier pi versions used: every character other than letters, digits,
 * `.`, `_` and `-` as `-` (the same as {@link sessionDirName} for most paths).
 */
export function legacySessionDirName(cwd: string): string {
  const trimmed = cwd.replace(/^[/\\]+/, "").replace(/[/\\]+$/, "");
  return `--${trimmed.replace(/[^A-Za-z0-9._-]/g, "-")}--`;
}

/** The directory holding the sessions of `cwd`. */
export function sessionDir(agentDir: string, cwd: string): string {
  return `${agentDir.replace(/\/$/, "")}/sessions/${sessionDirName(cwd)}`;
}

/** Where sessions of `cwd` may be: pi-mono's directory, then pi's earlier one if it differs. */
export function sessionDirs(agentDir: string, cwd: string): string[] {
  const dirs = [sessionDir(agentDir, cwd)];
  const legacy = `${agentDir.replace(/\/$/, "")}/sessions/${legacySessionDirName(cwd)}`;
  if (legacy !== dirs[0]) dirs.push(legacy);
  return dirs;
}

/** The file name of a session: `<ISO time with - for : and .>_<id>.jsonl`. */
export function sessionFileName(epochMs: number, id: string): string {
  const stamp = new Date(epochMs).toISOString().replace(/[:.]/g, "-");
  return `${stamp}_${id}.jsonl`;
}

/** The path of a new session's file. */
export function sessionFilePath(
  agentDir: string,
  cwd: string,
  epochMs: number,
  id: string,
): string {
  return `${sessionDir(agentDir, cwd)}/${sessionFileName(epochMs, id)}`;
}

/** A random v4 UUID from 16 random bytes. */
export function uuidFromBytes(bytes: Uint8Array): string {
  const b = Uint8Array.from(bytes.subarray(0, 16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = b.toHex();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${
    hex.slice(20)
  }`;
}

/** Creates `path` (and its parents) as `0700` when it does not exist; an existing one is left as it is. */
export async function ensurePrivateDir(path: string): Promise<void> {
  let existed = true;
  try {
    await Deno.stat(path);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
    existed = false;
  }
  await Deno.mkdir(path, { recursive: true, mode: 0o700 });
  if (!existed && Deno.build.os !== "windows") await Deno.chmod(path, 0o700);
}

/**
 * Reads a session file as parseSession (session_format.ts) reads its text, a MiB at a time,
 * each line parsed as soon as it is whole: a long session's text is never held whole beside
 * its entries (a 100 MB file cost 100 MB more, and the time to touch that much new memory).
 * `lean`: see session_format.ts sessionParser.
 */
export async function readSessionFile(
  path: string,
  options: { lean?: boolean } = {},
): Promise<ParsedSession> {
  const parser = sessionParser(path, options);
  using file = await Deno.open(path, { read: true });
  const decoder = new TextDecoder("utf-8", { ignoreBOM: true }); // as Deno.readTextFile
  const buffer = new Uint8Array(1 << 20);
  // The start of a line that goes on in the next chunk (a long line spans several).
  let parts: string[] = [];
  for (;;) {
    const n = await file.read(buffer);
    const text = n === null
      ? decoder.decode()
      : decoder.decode(buffer.subarray(0, n), { stream: true });
    let start = 0;
    for (let end = text.indexOf("\n"); end !== -1; end = text.indexOf("\n", start)) {
      const row = text.slice(start, end);
      start = end + 1;
      if (!parser.row(parts.length === 0 ? row : parts.join("") + row)) return parser.finish();
      parts = [];
    }
    if (start < text.length) parts.push(text.slice(start));
    if (n === null) break;
  }
  parser.row(parts.join(""));
  return parser.finish();
}

/**
 * The header of the session file at `path`: its first non-blank line, as parseSession
 * (session_format.ts) takes it, read without the rest of the file; undefined when that line
 * is not a session header. Throws when the file cannot be read.
 */
export function readSessionHeader(path: string): SessionHeader | undefined {
  using file = Deno.openSync(path, { read: true });
  const decoder = new TextDecoder();
  const chunk = new Uint8Array(16 * 1024);
  let text = "";
  for (;;) {
    const n = file.readSync(chunk);
    text += n === null ? decoder.decode() : decoder.decode(chunk.subarray(0, n), { stream: true });
    const rows = text.split("\n");
    // The rows before the last end with a line break; the last is whole at the end.
    const first = (n === null ? rows : rows.slice(0, -1)).find((row) => row.trim() !== "");
    if (first !== undefined) {
      let header: unknown;
      try {
        header = JSON.parse(first);
      } catch {
        return undefined;
      }
      const h = header as Partial<SessionHeader> | null;
      return h?.type === "session" && typeof h.id === "string" ? h as SessionHeader : undefined;
    }
    if (n === null) return undefined;
  }
}

/** Whether the file starts with a session header ({@link readSessionHeader}). */
function hasHeader(path: string): boolean {
  try {
    return readSessionHeader(path) !== undefined;
  } catch {
    return false;
  }
}

/**
 * The newest session of `cwd` (most recently written, in pi-mono's directory or pi's earlier
 * one), or undefined when there is none. Files without a session header are passed over.
 */
export async function findLatestSession(
  agentDir: string,
  cwd: string,
): Promise<string | undefined> {
  const found: { path: string; mtime: number; name: string }[] = [];
  for (const dir of sessionDirs(agentDir, cwd)) {
    try {
      for await (const entry of Deno.readDir(dir)) {
        if (!entry.isFile || !entry.name.endsWith(".jsonl")) continue;
        const path = `${dir}/${entry.name}`;
        const mtime = (await Deno.stat(path)).mtime?.getTime() ?? 0;
        found.push({ path, mtime, name: entry.name });
      }
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
  }
  found.sort((a, b) => b.mtime - a.mtime || (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
  for (const f of found) if (hasHeader(f.path)) return f.path;
  return undefined;
}

/** What {@link SessionFile} needs from the outside world. */
export interface SessionFileDeps {
  /** Epoch milliseconds. */
  now(): number;
  /** Random bytes (entry ids). */
  randomBytes(n: number): Uint8Array;
}

/** Appends entries to one session file: one write of one line per entry. */
export class SessionFile {
  /** The session file. */
  readonly path: string;
  /** The session id. */
  readonly id: string;
  /** The entry the next one follows (`parentId`); null before the first. */
  leafId: string | null;
  readonly #ids: Set<string>;
  readonly #deps: SessionFileDeps;
  #file: Deno.FsFile | undefined;
  readonly #encoder = new TextEncoder();

  private constructor(
    path: string,
    id: string,
    file: Deno.FsFile,
    state: { leafId: string | null; ids: Set<string> },
    deps: SessionFileDeps,
  ) {
    this.path = path;
    this.id = id;
    this.#file = file;
    this.leafId = state.leafId;
    this.#ids = new Set(state.ids);
    this.#deps = deps;
  }

  /**
   * Creates `<sessions dir of cwd>/<time>_<id>.jsonl` ({@link sessionFilePath}) and writes
   * its header. `createdAt` (default: now) is the session's start. `entries` (a fork's copy
   * of another session) are written after the header, each with the id it has; the last one
   * with an id becomes the leaf.
   */
  static async create(
    options: {
      agentDir: string;
      cwd: string;
      id: string;
      createdAt?: number;
      parentSession?: string;
      entries?: readonly Record<string, unknown>[];
    },
    deps: SessionFileDeps,
  ): Promise<SessionFile> {
    const now = options.createdAt ?? deps.now();
    await ensurePrivateDir(options.agentDir);
    await ensurePrivateDir(`${options.agentDir.replace(/\/$/, "")}/sessions`);
    await ensurePrivateDir(sessionDir(options.agentDir, options.cwd));
    const path = sessionFilePath(options.agentDir, options.cwd, now, options.id);
    const file = await Deno.open(path, { append: true, createNew: true, mode: 0o600 });
    if (Deno.build.os !== "windows") await Deno.chmod(path, 0o600);
    const session = new SessionFile(path, options.id, file, { leafId: null, ids: new Set() }, deps);
    const header: SessionHeader = {
      type: "session",
      version: SESSION_VERSION,
      id: options.id,
      timestamp: new Date(now).toISOString(),
      cwd: options.cwd,
    };
    if (options.parentSession !== undefined) header.parentSession = options.parentSession;
    session.#writeLine(header);
    for (const entry of options.entries ?? []) {
      session.#writeLine(entry);
      if (typeof entry.id === "string") {
        session.#ids.add(entry.id);
        session.leafId = entry.id;
      }
    }
    return session;
  }

  /**
   * Opens a session file read with {@link readSessionFile} to append to it. After a torn last
   * line (a kill mid-write) the next entry starts on a new line.
   */
  static async open(session: ParsedSession, deps: SessionFileDeps): Promise<SessionFile> {
    const file = await Deno.open(session.path, { append: true });
    try {
      if (Deno.build.os !== "windows") await Deno.chmod(session.path, 0o600);
      const stat = await file.stat();
      const out = new SessionFile(session.path, session.header.id, file, session, deps);
      if (stat.size > 0) {
        const tail = new Uint8Array(1);
        using reader = await Deno.open(session.path, { read: true });
        await reader.seek(stat.size - 1, Deno.SeekMode.Start);
        await reader.read(tail);
        if (tail[0] !== 0x0a) out.#writeRaw("\n");
      }
      return out;
    } catch (err) {
      file.close();
      throw err;
    }
  }

  #newId(): string {
    for (let i = 0; i < 100; i++) {
      const id = this.#deps.randomBytes(4).toHex();
      if (!this.#ids.has(id)) return id;
    }
    return uuidFromBytes(this.#deps.randomBytes(16));
  }

  #writeRaw(text: string): void {
    if (!this.#file) throw new Error("session file is closed");
    let bytes = this.#encoder.encode(text);
    while (bytes.length > 0) bytes = bytes.subarray(this.#file.writeSync(bytes));
  }

  #writeLine(value: unknown): void {
    this.#writeRaw(JSON.stringify(value) + "\n");
  }

  /**
   * Appends one entry after the current leaf (or after `parentId` when given) with a new id
   * and the time; the entry becomes the leaf. Returns the entry as written.
   */
  append<E extends NewSessionEntry>(
    entry: E,
    options: { parentId?: string | null } = {},
  ): E & SessionEntry {
    const { type, ...fields } = entry;
    const full = {
      type,
      id: this.#newId(),
      parentId: options.parentId === undefined ? this.leafId : options.parentId,
      timestamp: new Date(this.#deps.now()).toISOString(),
      ...fields,
    } as unknown as E & SessionEntry;
    this.#writeLine(full);
    this.#ids.add(full.id);
    this.leafId = full.id;
    return full;
  }

  /** Closes the file (idempotent). */
  close(): void {
    this.#file?.close();
    this.#file = undefined;
  }

  /** Closes the file. */
  [Symbol.dispose](): void {
    this.close();
  }
}
