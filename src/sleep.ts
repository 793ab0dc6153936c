/**
 * Waiting that honours an AbortSignal: the one sleep used by retries, port retries and
 * device-code polling.
 * @module
 */

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
