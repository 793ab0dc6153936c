/**
 * Checkpoints: before `write` or `edit` change a file, what it held (or that it did not
 * exist) is kept under `<agent dir>/checkpoints/<session id>/` (directories `0700`, files
 * `0600`), so that `pi rewind <n>` can give every such file its content of the moment just
 * before the session's n-th user message.
 *
 * On disk: `blobs/<sha-256 of the content>` holds each content once, and `index.jsonl` has one
 * line per saved state, appended in the order they happened (one write of one line):
 *
 * ```json
 * {"v":1,"turn":"<entry id of the user message>","n":2,"path":"/abs/file","blob":"<sha-256>"|null,"mode":420,"time":"<ISO>"}
 * ```
 *
 * `turn` is the user message during whose turn the change happened (its entry id: numbers
 * change when the conversation branches, ids do not); `n` is its number then, for people.
 * A file's state is saved once per turn, before its first change in that turn. The content
 * a file had just before user message M is the state saved by the first record made at or
 * after M — records are in time order, and user messages are in time order in the session
 * file — or, with no such record, what it holds now. Restoring files saves their replaced
 * states the same way, so a later rewind is exact too. Changes made by `bash` are not seen.
 * @module
 */

import { dirname, writeFileAtomic } from "../atomic_file.ts";
import { ensurePrivateDir } from "./session_store.ts";

/** One saved state of a file: a line of `index.jsonl`. */
export interface CheckpointRecord {
  /** Format version: 1. */
  v: 1;
  /** The entry id of the user message whose turn changed the file. */
  turn: string;
  /** That user message's number on the conversation path at the time (1-based). */
  n: number;
  /** The file (absolute path). */
  path: string;
  /** SHA-256 (hex) of its content before the change (`blobs/<sha>`); null: it did not exist. */
  blob: string | null;
  /** Its permission bits before the change; null when it did not exist. */
  mode: number | null;
  /** When the state was saved (ISO). */
  time: string;
}

/** The turn a change belongs to. */
export interface CheckpointTurn {
  /** The entry id of the turn's user message. */
  entryId: string;
  /** Its number on the path (1-based). */
  n: number;
}

/** A file given back its earlier content by a rewind. */
export interface RestoredFile {
  /** The file. */
  path: string;
  /** `restored` (its earlier content written back) or `deleted` (it did not exist then). */
  action: "restored" | "deleted";
  /** Why it could not be restored (then nothing was changed). */
  error?: string;
}

/** The directory of a session's checkpoints (the id made safe as one path segment). */
export function checkpointDir(agentDir: string, sessionId: string): string {
  const safe = sessionId.replace(
    /[^A-Za-z0-9_-]/g,
    (c) => `%${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
  return `${agentDir.replace(/\/$/, "")}/checkpoints/${safe}`;
}

async function sha256(bytes: Uint8Array): Promise<string> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>))
    .toHex();
}

function sameBytes(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === null || b === null) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A regular file's content and permission bits. */
interface FileState {
  bytes: Uint8Array;
  mode: number | null;
}

/** A file's content and mode now; null when it does not exist; undefined when not a file. */
async function currentState(path: string): Promise<FileState | null | undefined> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
  if (!info.isFile) return undefined;
  return { bytes: await Deno.readFile(path), mode: info.mode === null ? null : info.mode & 0o7777 };
}

/**
 * The file states at a moment: for each file, the first record made at or after it
 * (`atOrAfter(turn)`), which holds what the file had then. Files without such a record
 * have not been changed by `write`/`edit` since.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type CheckpointRecord, statesAt } from "./checkpoints.ts";
 * const r = (turn: string, path: string, blob: string | null): CheckpointRecord =>
 *   ({ v: 1, turn, n: 0, path, blob, mode: null, time: "" });
 * const records = [r("u1", "/a", null), r("u2", "/a", "A1"), r("u2", "/b", "B1")];
 * const states = statesAt(records, (turn) => turn === "u2");
 * assert.deepEqual([...states.values()].map((s) => [s.path, s.blob]), [["/a", "A1"], ["/b", "B1"]]);
 * ```
 */
export function statesAt(
  records: readonly CheckpointRecord[],
  atOrAfter: (turn: string) => boolean,
): Map<string, CheckpointRecord> {
  const states = new Map<string, CheckpointRecord>();
  for (const record of records) {
    if (!states.has(record.path) && atOrAfter(record.turn)) states.set(record.path, record);
  }
  return states;
}

/** The checkpoints of one session. */
export class CheckpointStore {
  /** `<agent dir>/checkpoints/<session id>`. */
  readonly dir: string;
  readonly #now: () => number;
  /** `turn\0path` of the states saved by this store (one per file and turn is enough). */
  readonly #saved = new Set<string>();

  /** The store of session `sessionId` in `agentDir`. */
  constructor(agentDir: string, sessionId: string, deps: { now(): number }) {
    this.dir = checkpointDir(agentDir, sessionId);
    this.#now = deps.now;
  }

  /**
   * Saves what `path` holds now (or that it does not exist) as its state before a change in
   * `turn`, unless it was saved in that turn already. A path that is not a regular file (a
   * directory) is left alone: no tool changes it. Throws when the state cannot be saved.
   */
  async save(path: string, turn: CheckpointTurn): Promise<void> {
    if (this.#saved.has(`${turn.entryId}\0${path}`)) return;
    const state = await currentState(path);
    if (state !== undefined) await this.#save(path, turn, state);
  }

  /** Saves `state` (null: the file does not exist) as `path`'s state before a change in `turn`. */
  async #save(path: string, turn: CheckpointTurn, state: FileState | null): Promise<void> {
    const key = `${turn.entryId}\0${path}`;
    if (this.#saved.has(key)) return;
    await ensurePrivateDir(`${this.dir}/blobs`);
    let blob: string | null = null;
    if (state !== null) {
      blob = await sha256(state.bytes);
      const blobPath = `${this.dir}/blobs/${blob}`;
      try {
        await Deno.stat(blobPath);
      } catch {
        await writeFileAtomic(blobPath, state.bytes, { mode: 0o600 });
      }
    }
    const record: CheckpointRecord = {
      v: 1,
      turn: turn.entryId,
      n: turn.n,
      path,
      blob,
      mode: state?.mode ?? null,
      time: new Date(this.#now()).toISOString(),
    };
    const index = await Deno.open(`${this.dir}/index.jsonl`, {
      append: true,
      create: true,
      mode: 0o600,
    });
    try {
      const bytes = new TextEncoder().encode(JSON.stringify(record) + "\n");
      let written = 0;
      while (written < bytes.length) written += await index.write(bytes.subarray(written));
    } finally {
      index.close();
    }
    this.#saved.add(key);
  }

  /** Every saved state, in the order saved; unreadable lines are skipped. */
  async records(): Promise<CheckpointRecord[]> {
    let text: string;
    try {
      text = await Deno.readTextFile(`${this.dir}/index.jsonl`);
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return [];
      throw err;
    }
    const out: CheckpointRecord[] = [];
    for (const line of text.split("\n")) {
      if (line.trim() === "") continue;
      try {
        const r = JSON.parse(line);
        if (
          r?.v === 1 && typeof r.turn === "string" && typeof r.path === "string" &&
          (r.blob === null || typeof r.blob === "string")
        ) out.push(r);
      } catch {
        // a line cut off by a kill: the change it was about did not happen yet
      }
    }
    return out;
  }

  /**
   * Gives each file of `states` its saved content back (writes it, or deletes a file that did
   * not exist then), first saving what it holds now under `turn` (when given) so that a later
   * rewind stays exact. Files that already hold that content are left alone and not listed.
   * A file that cannot be restored is listed with its `error`; the others are still restored.
   */
  async restore(
    states: ReadonlyMap<string, CheckpointRecord>,
    turn: CheckpointTurn | undefined,
  ): Promise<RestoredFile[]> {
    const out: RestoredFile[] = [];
    for (const path of [...states.keys()].sort()) {
      const record = states.get(path)!;
      const action = record.blob === null ? "deleted" : "restored";
      try {
        const wanted = record.blob === null
          ? null
          : await Deno.readFile(`${this.dir}/blobs/${record.blob}`);
        const now = await currentState(path);
        if (now === undefined) throw new Error("it is not a regular file now");
        if (
          sameBytes(now?.bytes ?? null, wanted) && (wanted === null || now?.mode === record.mode)
        ) {
          continue;
        }
        if (turn) await this.#save(path, turn, now);
        if (wanted === null) {
          await Deno.remove(path);
        } else {
          await Deno.mkdir(dirname(path), { recursive: true });
          await writeFileAtomic(path, wanted, { mode: record.mode ?? 0o644 });
        }
        out.push({ path, action });
      } catch (err) {
        const reason = err instanceof Deno.errors.NotFound
          ? "its saved content is missing"
          : err instanceof Error
          ? err.message
          : String(err);
        out.push({ path, action, error: reason });
      }
    }
    return out;
  }
}
