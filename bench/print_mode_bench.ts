/**
 * Time to first text in print mode: `pi -p hi` against a fake Codex backend that answers at
 * once, measured from spawn to the first byte on stdout, against `pi --version` (the
 * baseline: process start and exit, no work) in the same run. pi's own overhead is the
 * difference; target < 60 ms.
 *
 * `deno bench -A bench/print_mode_bench.ts` for the Deno.bench table;
 * `deno run -A bench/print_mode_bench.ts` prints the medians of 20 runs of each.
 */

import { startFakeCodex, writeFakeAuth } from "../tests/fixtures/fake_codex_backend.ts";
import { median } from "./stats.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const RUNS = 20;

const dir = await Deno.makeTempDir({ prefix: "pi_print_bench_" });
await writeFakeAuth(`${dir}/agent`);
const fake = startFakeCodex(() => ({ text: "Hello from the fake backend." }));
const env: Record<string, string> = {
  PATH: Deno.env.get("PATH") ?? "",
  HOME: dir,
  PI_CODING_AGENT_DIR: `${dir}/agent`,
  PI_OPENAI_CODEX_BASE_URL: fake.url,
};
globalThis.addEventListener("unload", () => {
  try {
    Deno.removeSync(dir, { recursive: true });
  } catch {
    // already gone
  }
});
// A temp HOME: keep Deno's cache where it is (else each run downloads deno.json's npm packages).
env.DENO_DIR = Deno.env.get("DENO_DIR") ||
  `${Deno.env.get("XDG_CACHE_HOME") || `${Deno.env.get("HOME")}/.cache`}/deno`;

/** Spawns pi and resolves with the ms from spawn to its first stdout byte. */
async function timeToFirstByte(args: string[]): Promise<number> {
  const start = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    cwd: dir,
    env,
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.getReader();
  const first = await reader.read();
  const elapsed = performance.now() - start;
  if (first.done) throw new Error(`pi ${args.join(" ")} wrote nothing`);
  while (!(await reader.read()).done) { /* drain */ }
  const status = await child.status;
  if (!status.success) throw new Error(`pi ${args.join(" ")} exited ${status.code}`);
  return elapsed;
}

const VERSION_ARGS = ["--version"];
const PRINT_ARGS = ["-p", "--no-session", "Say hello"];

Deno.bench({
  name: "pi --version (first byte)",
  group: "print_mode",
  baseline: true,
  n: RUNS,
  warmup: 2,
  async fn(b) {
    b.start();
    await timeToFirstByte(VERSION_ARGS);
    b.end();
  },
});

Deno.bench({
  name: "pi -p (first text)",
  group: "print_mode",
  n: RUNS,
  warmup: 2,
  async fn(b) {
    b.start();
    await timeToFirstByte(PRINT_ARGS);
    b.end();
  },
});

if (import.meta.main) {
  try {
    const version: number[] = [];
    const print: number[] = [];
    await timeToFirstByte(VERSION_ARGS);
    await timeToFirstByte(PRINT_ARGS);
    for (let i = 0; i < RUNS; i++) {
      version.push(await timeToFirstByte(VERSION_ARGS));
      print.push(await timeToFirstByte(PRINT_ARGS));
    }
    const v = median(version);
    const p = median(print);
    console.log(`pi --version, first byte: median ${v.toFixed(1)} ms over ${RUNS} runs`);
    console.log(`pi -p, first text:        median ${p.toFixed(1)} ms over ${RUNS} runs`);
    console.log(`pi's print-mode overhead: ${(p - v).toFixed(1)} ms (target < 60 ms)`);
  } finally {
    await fake.close();
  }
}
