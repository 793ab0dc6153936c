/**
 * Sessions as JSONL: `<agent dir>/sessions/<cwd as a safe dir name>/<timestamp>_<id>.jsonl`.
 * The first line is a header (`{type: "session", version, id, cwd, model, timestamp}`); then
 * one line per event (messages, usage) appended as it happens, one write per line, so a crash
 * loses at most the event being written. Files are `0600`, their directories `0700`.
 * Credentials are never part of an entry.
 * @module
 */

/** The session file format version. */
export const SESSION_VERSION = 1;

/** The first line of a session file. */
export interface SessionHeader {
  /** Always `session`. */
  type: "session";
  /** {@link SESSION_VERSION}. */
  version: number;
  /** Session id (also used as the prompt cache key). */
  id: string;
  /** Working directory of the conversation. */
  cwd: string;
  /** `provider/model` at the start. */
  model: string;
  /** ISO time the session started. */
  timestamp: string;
}

/** A message of the conversation (the streaming layer's message, stored as is). */
export interface SessionMessageEntry<M = unknown> {
  /** Always `message`. */
  type: "message";
  /** ISO time. */
  timestamp: string;
  /** The message. */
  message: M;
}

/** Token usage of one model turn. */
export interface SessionUsageEntry {
  /** Always `usage`. */
  type: "usage";
  /** ISO time. */
  timestamp: string;
  /** `provider/model` that was used. */
  model: string;
  /** The usage, as the streaming layer reports it. */
  usage: unknown;
}

/** The model changed within a session (`--continue` with another model). */
export interface SessionModelEntry {
  /** Always `model`. */
  type: "model";
  /** ISO time. */
  timestamp: string;
  /** `provider/model` from now on. */
  model: string;
}

/** One line after the header. */
export type SessionEntry<M = unknown> =
  | SessionMessageEntry<M>
  | SessionUsageEntry
  | SessionModelEntry;

/** A session read back from disk. */
export interface LoadedSession<M = unknown> {
  /** Its file. */
  path: string;
  /** The header. */
  header: SessionHeader;
  /** Every readable entry after the header, in order. */
  entries: SessionEntry<M>[];
  /** Just the messages, in order. */
  messages: M[];
  /** The model last used (`provider/model`). */
  model: string;
  /** Lines that could not be parsed (a torn last line after a crash). */
  skippedLines: number;
}

/**
 * The cwd as one safe directory name: `/home/me/proj` → `--home-me-proj--`.
 *
 * Characters other than letters, digits, `.`, `_` and `-` become `-`.
 */
export function sessionDirName(cwd: string): string {
  const trimmed = cwd.replace(/^[/\\]+/, "").replace(/[/\\]+$/, "");
  return `--${trimmed.replace(/[^A-Za-z0-9._-]/g, "-")}--`;
}

/** The directory holding the sessions of `cwd`. */
export function sessionDir(agentDir: string, cwd: string): string {
  return `${agentDir.replace(/\/$/, "")}/sessions/${sessionDirName(cwd)}`;
}

/** The file name of a session: `<ISO time with - for : and .>_<id>.jsonl`. */
export function sessionFileName(epochMs: number, id: string): string {
  const stamp = new Date(epochMs).toISOString().replace(/[:.]/g, "-");
  return `${stamp}_${id}.jsonl`;
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

async function ensurePrivateDir(path: string): Promise<void> {
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

/** Appends entries to one session file, one write per line. */
export class SessionWriter<M = unknown> {
  /** The session file. */
  readonly path: string;
  /** The session id. */
  readonly id: string;
  #file: Deno.FsFile | undefined;
  readonly #encoder = new TextEncoder();

  private constructor(path: string, id: string, file: Deno.FsFile) {
    this.path = path;
    this.id = id;
    this.#file = file;
  }

  /** Creates a new session file for `cwd` and writes its header. */
  static async create<M = unknown>(options: {
    agentDir: string;
    cwd: string;
    model: string;
    id: string;
    now: number;
  }): Promise<SessionWriter<M>> {
    await ensurePrivateDir(options.agentDir);
    await ensurePrivateDir(`${options.agentDir.replace(/\/$/, "")}/sessions`);
    const dir = sessionDir(options.agentDir, options.cwd);
    await ensurePrivateDir(dir);
    const path = `${dir}/${sessionFileName(options.now, options.id)}`;
    const file = await Deno.open(path, { append: true, createNew: true, mode: 0o600 });
    if (Deno.build.os !== "windows") await Deno.chmod(path, 0o600);
    const writer = new SessionWriter<M>(path, options.id, file);
    const header: SessionHeader = {
      type: "session",
      version: SESSION_VERSION,
      id: options.id,
      cwd: options.cwd,
      model: options.model,
      timestamp: new Date(options.now).toISOString(),
    };
    writer.#writeLine(header);
    return writer;
  }

  /** Opens an existing session file to append to it (`--continue`). */
  static async resume<M = unknown>(session: LoadedSession<M>): Promise<SessionWriter<M>> {
    const file = await Deno.open(session.path, { append: true });
    if (Deno.build.os !== "windows") await Deno.chmod(session.path, 0o600);
    const writer = new SessionWriter<M>(session.path, session.header.id, file);
    // A torn last line (crash mid-write) must not swallow the next entry.
    const stat = await file.stat();
    if (stat.size > 0) {
      const tail = new Uint8Array(1);
      using reader = await Deno.open(session.path, { read: true });
      await reader.seek(stat.size - 1, Deno.SeekMode.Start);
      await reader.read(tail);
      if (tail[0] !== 0x0a) writer.#writeRaw("\n");
    }
    return writer;
  }

  #writeRaw(text: string): void {
    if (!this.#file) throw new Error("session file is closed");
    let bytes = this.#encoder.encode(text);
    while (bytes.length > 0) bytes = bytes.subarray(this.#file.writeSync(bytes));
  }

  #writeLine(value: unknown): void {
    this.#writeRaw(JSON.stringify(value) + "\n");
  }

  /** Appends one entry (a single write of one line). */
  append(entry: SessionEntry<M>): void {
    this.#writeLine(entry);
  }

  /** Appends a message, stamped with `now`. */
  appendMessage(message: M, now: number): void {
    this.append({ type: "message", timestamp: new Date(now).toISOString(), message });
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

/** Parses a session file's text; tolerates a torn or garbled line (counted, skipped). */
export function parseSession<M = unknown>(text: string, path = "session"): LoadedSession<M> {
  const lines = text.split("\n");
  let header: SessionHeader | undefined;
  const entries: SessionEntry<M>[] = [];
  let skippedLines = 0;
  for (const line of lines) {
    if (line.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      skippedLines++;
      continue;
    }
    if (!value || typeof value !== "object") {
      skippedLines++;
      continue;
    }
    const record = value as { type?: unknown };
    if (header === undefined) {
      if (record.type !== "session") break;
      header = value as SessionHeader;
      continue;
    }
    if (record.type === "message" || record.type === "usage" || record.type === "model") {
      entries.push(value as SessionEntry<M>);
    } else {
      skippedLines++;
    }
  }
  if (header === undefined) {
    throw new Error(`${path} is not a pi session file (no header line)`);
  }
  let model = header.model;
  for (const e of entries) if (e.type === "model") model = e.model;
  return {
    path,
    header,
    entries,
    messages: entries.filter((e): e is SessionMessageEntry<M> => e.type === "message").map((
      e,
    ) => e.message),
    model,
    skippedLines,
  };
}

/** Reads a session file. */
export async function readSession<M = unknown>(path: string): Promise<LoadedSession<M>> {
  return parseSession<M>(await Deno.readTextFile(path), path);
}

/** The newest session of `cwd` (most recently written), or undefined when there is none. */
export async function findLatestSession(
  agentDir: string,
  cwd: string,
): Promise<string | undefined> {
  const dir = sessionDir(agentDir, cwd);
  let best: { path: string; mtime: number; name: string } | undefined;
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (!entry.isFile || !entry.name.endsWith(".jsonl")) continue;
      const path = `${dir}/${entry.name}`;
      const mtime = (await Deno.stat(path)).mtime?.getTime() ?? 0;
      if (
        !best || mtime > best.mtime || (mtime === best.mtime && entry.name > best.name)
      ) {
        best = { path, mtime, name: entry.name };
      }
    }
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw err;
  }
  return best?.path;
}
