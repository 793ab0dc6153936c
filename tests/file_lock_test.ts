import assert from "node:assert/strict";
import {
  acquireFileLock,
  tryAcquireFileLock,
  waitForFileLock,
  withFileLock,
} from "../src/auth/file_lock.ts";
import { isPiError } from "../src/errors.ts";
import { deadlineSignal } from "../src/sleep.ts";

Deno.test("callers in one process take turns, in order", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/auth.json.lck`;
    const events: string[] = [];
    let inside = 0;
    await Promise.all(Array.from({ length: 5 }, (_, i) =>
      withFileLock(path, async () => {
        inside++;
        assert.equal(inside, 1, "only one holder at a time");
        events.push(`in ${i}`);
        await new Promise((r) => setTimeout(r, 5));
        events.push(`out ${i}`);
        inside--;
      })));
    assert.deepEqual(
      events,
      [0, 1, 2, 3, 4].flatMap((i) => [`in ${i}`, `out ${i}`]),
    );
    assert.equal((Deno.statSync(path).mode ?? 0) & 0o777, 0o600);
    // The lock file is never deleted.
    assert.ok(Deno.statSync(path).isFile);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("waiting is bounded: a clear auth.lock_timeout naming the lock file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/auth.json.lck`;
    const held = await acquireFileLock(path);
    try {
      const err = await acquireFileLock(path, { timeoutMs: 50 }).then(() => undefined, (e) => e);
      assert.ok(isPiError(err, "auth.lock_timeout"), String(err));
      assert.equal(err.message, `Timed out after 0.1 s waiting for the lock on ${path}`);
    } finally {
      held.release();
    }
    // Once released, the lock can be taken again; release is idempotent.
    const again = await acquireFileLock(path, { timeoutMs: 50 });
    again.release();
    again.release();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * Runs `fn` while another process holds the lock on a fresh lock file (`kill` ends that
 * process, which releases the lock); cleans up however `fn` ends.
 */
async function withHolder(
  fn: (path: string, kill: () => Promise<void>) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/auth.json.lck`;
  const script = new URL("./fixtures/auth_hold_lock.ts", import.meta.url).pathname;
  const holder = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-config", script, path],
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const kill = async () => {
    try {
      holder.kill("SIGKILL");
    } catch { /* already dead */ }
    await holder.status;
  };
  try {
    const reader = holder.stdout.pipeThrough(new TextDecoderStream()).getReader();
    assert.equal((await reader.read()).value?.trim(), "locked");
    reader.releaseLock();
    await fn(path, kill);
  } finally {
    await kill();
    await holder.stdout.cancel().catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("the lock excludes another process, and is released when the holder is killed", async () => {
  await withHolder(async (path, kill) => {
    // Probe from a second process (an in-process timed-out OS lock wait cannot be cancelled).
    const probe = `
        import { acquireFileLock } from ${
      JSON.stringify(new URL("../src/auth/file_lock.ts", import.meta.url).href)
    };
        try { (await acquireFileLock(Deno.args[0], { timeoutMs: 300 })).release(); console.log("got"); }
        catch (e) { console.log(e.code); }
        Deno.exit(0);`;
    const tryLock = async () => {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["eval", "--no-config", probe, path],
        stdout: "piped",
        stderr: "inherit",
      }).output();
      return new TextDecoder().decode(out.stdout).trim();
    };
    assert.equal(await tryLock(), "auth.lock_timeout");
    await kill();
    assert.equal(await tryLock(), "got");
  });
});

Deno.test("tryAcquire does not wait; waitForFileLock wakes every waiter when the holder goes", async () => {
  await withHolder(async (path, kill) => {
    // Held by another process: no lock, and no waiting.
    assert.equal(await tryAcquireFileLock(path), undefined);

    // Two waiters; neither gets through while the holder lives.
    const woke: string[] = [];
    const waiters = ["a", "b"].map((name) => waitForFileLock(path).then(() => woke.push(name)));
    await new Promise((r) => setTimeout(r, 150));
    assert.deepEqual(woke, []);
    await kill();
    await Promise.all(waiters);
    assert.deepEqual(woke.sort(), ["a", "b"]);

    // Free now: tryAcquire takes it, and while it is held here a second try says no.
    const lock = await tryAcquireFileLock(path);
    assert.ok(lock);
    assert.equal(await tryAcquireFileLock(path), undefined);
    lock.release();
    const again = await tryAcquireFileLock(path);
    assert.ok(again);
    again.release();
  });
});

Deno.test("waitForFileLock is bounded and abortable like acquireFileLock", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/auth.json.lck`;
    const held = await acquireFileLock(path);
    try {
      const err = await waitForFileLock(path, { timeoutMs: 50 }).then(() => undefined, (e) => e);
      assert.ok(isPiError(err, "auth.lock_timeout"), String(err));
      const controller = new AbortController();
      const waiting = waitForFileLock(path, { signal: controller.signal });
      controller.abort(new Error("stop"));
      await assert.rejects(waiting, /stop/);
    } finally {
      held.release();
    }
    await waitForFileLock(path, { timeoutMs: 50 });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a script that took the lock (and waited for it) ends at once: no timer keeps it alive", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const lockModule = new URL("../src/auth/file_lock.ts", import.meta.url).href;
    const script = `
      import { waitForFileLock, withFileLock } from ${JSON.stringify(lockModule)};
      const path = Deno.args[0];
      const pause = () => new Promise((r) => queueMicrotask(() => r(undefined)));
      await Promise.all([withFileLock(path, pause), withFileLock(path, pause), waitForFileLock(path)]);
      console.log("done");`;
    const started = performance.now();
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["eval", "--no-config", script, `${dir}/auth.json.lck`],
      stdout: "piped",
      stderr: "inherit",
    }).output();
    const ms = performance.now() - started;
    assert.equal(new TextDecoder().decode(out.stdout).trim(), "done");
    // The wait bound is 30 s: a timer left armed would keep the process that long.
    assert.ok(ms < 10_000, `the process lived ${ms.toFixed(0)} ms`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an infinite lock timeout means no limit, and a huge one is not mistaken for none", async () => {
  assert.equal(deadlineSignal(Infinity), undefined);
  assert.equal(deadlineSignal(NaN), undefined);
  // Beyond what timers take (~24.8 days) is capped, never "fire at once".
  const far = deadlineSignal(2 ** 40)!;
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(far.aborted, false);

  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/auth.json.lck`;
    const held = await acquireFileLock(path, { timeoutMs: Infinity });
    const waiting = acquireFileLock(path, { timeoutMs: Infinity });
    const waitingShared = waitForFileLock(path, { timeoutMs: 2 ** 40 });
    await new Promise((r) => setTimeout(r, 50));
    held.release();
    (await waiting).release();
    await waitingShared;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
