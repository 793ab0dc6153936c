/**
 * Waiting that honours an AbortSignal: the one sleep used by retries, port retries and
 * device-code polling, and the deadline signal behind the lock and stream timeouts.
 * @module
 */

/** The longest delay a timer takes (2^31 - 1 ms, ~24.8 days); longer ones fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A signal that aborts after `ms` (AbortSignal.timeout: unlike the first setTimeout in a
 * Deno process, it does not load Node-style timers), or undefined when `ms` is infinite
 * or not a number (no deadline). Delays beyond ~24.8 days are capped there. A listener
 * on it keeps the process alive until it fires or the listener is removed.
 */
export function deadlineSignal(ms: number): AbortSignal | undefined {
  if (Number.isNaN(ms) || ms === Infinity) return undefined;
  return AbortSignal.timeout(Math.min(MAX_TIMER_MS, Math.max(0, Math.ceil(ms))));
}

/** Waits `ms`; rejects with the signal's reason when it aborts (and clears its timer). */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
