/**
 * An exclusive lock on a lock file that is never renamed or deleted, shared by every
 * process (`Deno.FsFile.lock(true)`, i.e. `flock`) and by every caller in this process
 * (an async mutex per lock path, so one process never queues several OS lock waits).
 * Besides taking it: taking it only if free, and waiting (shared) for its holder to finish.
 * A killed holder releases the lock: the OS drops it with the process's file handles.
 * @module
 */

import { fsErrorReason, PiError } from "../errors.ts";
import { deadlineSignal } from "../sleep.ts";

/** The default bound on waiting for the lock. */
export const DEFAULT_LOCK_TIMEOUT_MS = 30_000;

/** Options of {@link acquireFileLock} and {@link withFileLock}. */
export interface FileLockOptions {
  /**
   * How long to wait for the lock before failing with `auth.lock_timeout` (default 30 s;
   * `Infinity`: no limit).
   */
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

  /**
   * Resolves once the mutex is held; rejects with `onTimeout()` after `timeoutMs`, or
   * with the signal's reason when it aborts first.
   */
  acquire(timeoutMs: number, onTimeout: () => Error, signal?: AbortSignal): Promise<void> {
    if (!this.#locked) {
      this.#locked = true;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const deadline = deadlineSignal(timeoutMs);
      const stop = () => {
        deadline?.removeEventListener("abort", expire);
        signal?.removeEventListener("abort", abort);
      };
      const waiter = () => {
        stop();
        resolve();
      };
      const giveUp = (error: unknown) => {
        stop();
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) this.#waiters.splice(i, 1);
        reject(error);
      };
      const expire = () => giveUp(onTimeout());
      const abort = () => giveUp(signal!.reason);
      deadline?.addEventListener("abort", expire, { once: true });
      signal?.addEventListener("abort", abort, { once: true });
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
  return (await takeLock(path, options, true, true))!;
}

/**
 * Takes the exclusive lock on `path` only if it is free now (in this process and in
 * every other): the lock, or undefined without waiting.
 */
export async function tryAcquireFileLock(path: string): Promise<FileLock | undefined> {
  return await takeLock(path, {}, true, false);
}

/**
 * Waits until no process holds the exclusive lock on `path`, through a shared lock that
 * is let go at once. Every process waiting this way wakes together when the holder lets
 * go, rather than taking the exclusive lock one after another (20 processes waiting for
 * one token refresh each only need to re-read the file). Bounded and abortable like
 * {@link acquireFileLock}.
 */
export async function waitForFileLock(path: string, options: FileLockOptions = {}): Promise<void> {
  (await takeLock(path, options, false, true))!.release();
}

async function takeLock(
  path: string,
  options: FileLockOptions,
  exclusive: boolean,
  wait: boolean,
): Promise<FileLock | undefined> {
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
  if (!wait && !held.idle) return undefined;
  await held.acquire(timeoutMs, () => timeoutError(path, timeoutMs), signal);
  const releaseMutex = () => {
    held.release();
    if (held.idle && mutexes.get(path) === held) mutexes.delete(path);
  };

  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path, { read: true, write: true, create: true, mode: 0o600 });
  } catch (err) {
    releaseMutex();
    throw new PiError("io", `Cannot open the lock file ${path}: ${fsErrorReason(err)}`, {
      cause: err,
    });
  }

  if (!wait) {
    let locked: boolean;
    try {
      locked = file.tryLockSync(exclusive);
    } catch (err) {
      file.close();
      releaseMutex();
      throw new PiError("io", `Cannot lock ${path}: ${fsErrorReason(err)}`, { cause: err });
    }
    if (!locked) {
      file.close();
      releaseMutex();
      return undefined;
    }
    return heldLock(path, file, releaseMutex);
  }

  const remaining = Math.max(0, timeoutMs - (performance.now() - started));
  const locking = file.lock(exclusive);
  // Not setTimeout: Deno loads its Node-style timers on the first touch of setTimeout
  // (about 4 ms), which every process waiting here would pay.
  const deadline = deadlineSignal(remaining);
  let onTimeout: (() => void) | undefined;
  let onAbort: (() => void) | undefined;
  const gaveUp = new Promise<"timeout" | "aborted">((resolve) => {
    onTimeout = () => resolve("timeout");
    onAbort = () => resolve("aborted");
    deadline?.addEventListener("abort", onTimeout, { once: true });
    if (signal?.aborted) onAbort();
    else signal?.addEventListener("abort", onAbort, { once: true });
  });
  const stopWaiting = () => {
    if (onTimeout) deadline?.removeEventListener("abort", onTimeout);
    if (onAbort) signal?.removeEventListener("abort", onAbort);
  };
  let outcome: "locked" | "timeout" | "aborted";
  try {
    outcome = await Promise.race([locking.then(() => "locked" as const), gaveUp]);
  } catch (err) {
    stopWaiting();
    file.close();
    releaseMutex();
    throw new PiError("io", `Cannot lock ${path}: ${fsErrorReason(err)}`, { cause: err });
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
  return heldLock(path, file, releaseMutex);
}

function heldLock(path: string, file: Deno.FsFile, releaseMutex: () => void): FileLock {
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
