/**
 * `pi -p -c` continuing an all-day session: 30,000 generated messages
 * (bench/generated_session.ts) compacted every 500, about 100 MB, written with pi's own
 * writer; as a real process against the local fake Codex backend. What it costs to open such
 * a session again: the time to exit (the answer is one short line) and the peak memory of
 * the process (GNU time's maximum resident set size, when /usr/bin/time is there).
 *
 * `--main <dir>`: also runs the pi of another checkout (e.g. a worktree of an older commit),
 * in turn with this one, so a change's effect is measured in the same run on the same load.
 *
 * `deno run -A bench/long_session_bench.ts [--runs N] [--messages N] [--main <dir>]`
 */

import { DENO_DIR, MAIN } from "../tests/e2e/run_pi.ts";
import { startFakeCodex, writeFakeAuth } from "../tests/fixtures/fake_codex_backend.ts";
import { sessionDir } from "../src/agent/session_store.ts";
import { BUILTIN_MODELS } from "../src/models/builtin_models.ts";
import type { Model } from "../src/models/types.ts";
import { generateMessages, writeGeneratedSession } from "./generated_session.ts";
import { median } from "./stats.ts";

function option(name: string, fallback: number): number {
  const i = Deno.args.indexOf(name);
  const n = i === -1 ? fallback : Number(Deno.args[i + 1]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} takes a positive integer`);
  return n;
}

const RUNS = option("--runs", 5);
const MESSAGES = option("--messages", 30_000);
const COMPACT_EVERY = 500;
const mainIndex = Deno.args.indexOf("--main");
const OTHER = mainIndex === -1 ? undefined : `${Deno.args[mainIndex + 1]}/main.ts`;
const model: Model = BUILTIN_MODELS.find((m) => m.id === "gpt-5.2-codex")!;

const hasGnuTime = (() => {
  try {
    return Deno.statSync("/usr/bin/time").isFile;
  } catch {
    return false;
  }
})();

async function main(): Promise<void> {
  const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "pi_long_session_bench_" }));
  const fake = startFakeCodex(() => ({ text: "Carrying on." }));
  try {
    const work = `${root}/work`;
    await Deno.mkdir(work);
    await writeFakeAuth(`${root}/auth`);
    const messages = generateMessages(MESSAGES, { model, overheadTokens: 3000 });
    const template = await writeGeneratedSession(`${root}/template`, work, messages, {
      model,
      compactEvery: COMPACT_EVERY,
    });
    const size = (await Deno.stat(template)).size;
    console.log(`session: ${MESSAGES} messages, ${(size / 1e6).toFixed(1)} MB`);

    let run = 0;
    /** One `pi -p -c` of a fresh copy of the session: [ms to exit, peak RSS in MB or NaN]. */
    const once = async (main: string): Promise<[number, number]> => {
      const dir = `${root}/runs/${++run}`;
      const agentDir = `${dir}/agent`;
      const sessions = sessionDir(agentDir, work);
      await Deno.mkdir(sessions, { recursive: true, mode: 0o700 });
      await Deno.copyFile(`${root}/auth/auth.json`, `${agentDir}/auth.json`);
      await Deno.copyFile(template, `${sessions}/${template.slice(template.lastIndexOf("/") + 1)}`);
      const pi = [Deno.execPath(), "run", "-A", "--quiet", main, "-p", "-c", "Carry on."];
      const [command, ...args] = hasGnuTime ? ["/usr/bin/time", "-f", "rss %M", ...pi] : pi;
      const start = performance.now();
      const out = await new Deno.Command(command, {
        args,
        cwd: work,
        clearEnv: true,
        env: {
          PATH: Deno.env.get("PATH") ?? "",
          HOME: dir,
          DENO_DIR,
          PI_CODING_AGENT_DIR: agentDir,
          PI_OPENAI_CODEX_BASE_URL: fake.url,
        },
        stdin: "null",
      }).output();
      const ms = performance.now() - start;
      const stdout = new TextDecoder().decode(out.stdout);
      const stderr = new TextDecoder().decode(out.stderr);
      if (!out.success || !stdout.startsWith("Carrying on.")) {
        throw new Error(`pi exited ${out.code}: ${stdout} ${stderr}`);
      }
      await Deno.remove(dir, { recursive: true });
      const rss = stderr.match(/rss (\d+)/);
      return [ms, rss ? Number(rss[1]) / 1024 : NaN];
    };

    const mains = OTHER ? [["this checkout", MAIN], [OTHER, OTHER]] : [["this checkout", MAIN]];
    const results = new Map<string, [number, number][]>(mains.map(([name]) => [name, []]));
    await once(MAIN); // warm-up (Deno's caches)
    for (let i = 0; i < RUNS; i++) {
      for (const [name, main] of mains) results.get(name)!.push(await once(main));
    }
    for (const [name, samples] of results) {
      const time = median(samples.map((s) => s[0]));
      const rss = median(samples.map((s) => s[1]));
      console.log(
        `${name}: exit ${time.toFixed(0)} ms, peak RSS ${
          Number.isNaN(rss) ? "n/a" : `${rss.toFixed(0)} MB`
        } (median of ${RUNS})`,
      );
    }
  } finally {
    await fake.close();
    await Deno.remove(root, { recursive: true });
  }
}

if (import.meta.main) await main();
