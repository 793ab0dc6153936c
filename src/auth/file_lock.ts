/**
 * An exclusive lock on a lock file that is never renamed or deleted, shared by every
 * process (`Deno.FsFile.lock(true)`, i.e. `flock`) and by every caller in this process
 * (an async mutex per lock path, so one process never queues several OS lock waits).
 * A killed holder releases the lock: the OS drops it with the process's file handles.
 * @module
 */

import { PiError } from "../errors.ts";

/** The default bound on waiting for the lock. */
export const DEFAULT_LOCK_TIMEOUT_MS = 30_000;

/** Options of {@link acquireFileLock} and {@link withFileLock}. */
export interface FileLockOptions {
  /** How long to wait for the lock before failing with `auth.lock_timeout` (default 30 s). */
  timeoutMs?: number;
  /** Stops waiting for the lock (Ctrl+C): the wait ends with the signal's reason. */
  signal?: AbortSignal;
}

/** A held lock. Release it exactly once (in `finally`). */
export interface FileLock {
  /** The lock file. */
  readonly path: string;
  /** Releases the lock (idempotent). */
  release(): void;
}

/** A FIFO async mutex. */
class Mutex {
  #locked = false;
  #waiters: Array<() => void> = [];

  /** Resolves once the mutex is held; rejects with `onTimeout()` after `timeoutMs`. */
  acquire(timeoutMs: number, onTimeout: () => Error): Promise<void> {
    if (!this.#locked) {
      this.#locked = true;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) this.#waiters.splice(i, 1);
        reject(onTimeout());
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }

  release(): void {
    const next = this.#waiters.shift();
    if (next) next(); // ownership passes directly to the next waiter
    else this.#locked = false;
  }

  get idle(): boolean {
    return !this.#locked && this.#waiters.length === 0;
  }
}

const mutexes = new Map<string, Mutex>();

function timeoutError(path: string, timeoutMs: number): PiError {
  return new PiError(
    "auth.lock_timeout",
    `Timed out after ${formatSeconds(timeoutMs)} waiting for the lock on ${path}`,
    { hint: "another pi process holds it; let it finish (or stop it) and try again" },
  );
}

function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}

/**
 * Takes the exclusive lock on `path` (created `0600` if missing; its directory must
 * exist). Waits at most `timeoutMs`, then throws `PiError("auth.lock_timeout")` naming
 * the lock file.
 */
export async function acquireFileLock(
  path: string,
  options: FileLockOptions = {},
): Promise<FileLock> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  const signal = options.signal;
  signal?.throwIfAborted();
  const started = performance.now();
  let mutex = mutexes.get(path);
  if (!mutex) {
    mutex = new Mutex();
    mutexes.set(path, mutex);
  }
  const held = mutex;
  await held.acquire(timeoutMs, () => timeoutError(path, timeoutMs));
  const releaseMutex = () => {
    held.release();
    if (held.idle && mutexes.get(path) === held) mutexes.delete(path);
  };

  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path, { read: true, write: true, create: true, mode: 0o600 });
  } catch (err) {
    releaseMutex();
    throw new PiError("io", `Cannot open the lock file ${path}`, { cause: err });
  }

  const remaining = Math.max(0, timeoutMs - (performance.now() - started));
  const locking = file.lock(true);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  const gaveUp = new Promise<"timeout" | "aborted">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), remaining);
    onAbort = () => resolve("aborted");
    if (signal?.aborted) onAbort();
    else signal?.addEventListener("abort", onAbort, { once: true });
  });
  const stopWaiting = () => {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener("abort", onAbort);
  };
  let outcome: "locked" | "timeout" | "aborted";
  try {
    outcome = await Promise.race([locking.then(() => "locked" as const), gaveUp]);
  } catch (err) {
    stopWaiting();
    file.close();
    releaseMutex();
    throw new PiError("io", `Cannot lock ${path}`, { cause: err });
  }
  stopWaiting();
  if (outcome !== "locked") {
    // The OS lock request cannot be cancelled; closing the handle makes the lock, if it
    // is granted later, drop at once.
    locking.catch(() => {});
    try {
      file.close();
    } catch {
      // already closed
    }
    releaseMutex();
    if (outcome === "aborted") throw signal!.reason;
    throw timeoutError(path, timeoutMs);
  }

  let released = false;
  return {
    path,
    release() {
      if (released) return;
      released = true;
      try {
        file.unlockSync();
      } catch {
        // closing releases it anyway
      }
      try {
        file.close();
      } finally {
        releaseMutex();
      }
    },
  };
}

/** Runs `fn` while holding the lock on `path`; releases it however `fn` ends. */
export async function withFileLock<T>(
  path: string,
  fn: () => Promise<T> | T,
  options: FileLockOptions = {},
): Promise<T> {
  const lock = await acquireFileLock(path, options);
  try {
    return await fn();
  } finally {
    lock.release();
  }
}
