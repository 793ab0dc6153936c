/**
 * `pi -p -c` continuing a long session, as a real process against the local fake Codex
 * backend (tests/fixtures/fake_codex_backend.ts), with and without compaction.
 *
 * The session: 1,000 generated messages (bench/generated_session.ts: prompts, reasoning
 * items, `read`/`bash` calls with multi-KB outputs, answers) written with pi's own writer
 * (`SessionFile`, `toSessionMessage`, the entries the session runner writes) into a temp
 * agent dir, in pi-mono's format version 3. Every run continues a fresh copy of it with one
 * more prompt, in a new agent dir:
 *
 * - baseline: a one-turn session (pi's fixed cost: startup, key, system prompt, one request);
 * - the 1,000 messages without compaction (models.json sets a window of 2M tokens, so the
 *   whole conversation is sent);
 * - the 1,000 messages with the default window (272k): the estimate is far above 80 %, so pi
 *   compacts first (one summary request, then the prompt's request with the summary and the
 *   kept messages);
 * - the same session already compacted (the file one compacting run left: its compaction
 *   entry, prompt and answer), continued once more;
 * - the same two at the 80 % threshold: the first messages whose estimate first passes
 *   80 % of 272k, where a real session compacts for the first time.
 *
 * Measured per run: the bytes of the request that carries the prompt and of the summary
 * request (their `content-length`), the time from spawning the process to the prompt's
 * request reaching the fake (body read), to the first byte on stdout (print mode writes the
 * answer when it is complete; the fake answers at once, so this is about time to first
 * token without a real backend's prefill) and to exit. Medians over the runs (default 9,
 * after one warm-up run per case; the cases take turns, so a change in the machine's load
 * falls on all of them; `--runs N`).
 *
 * `deno run -A bench/session_continue_bench.ts [--runs N]`
 */

import { DENO_DIR, MAIN } from "../tests/e2e/run_pi.ts";
import {
  isSummaryRequest,
  type RecordedRequest,
  startFakeCodex,
  writeFakeAuth,
} from "../tests/fixtures/fake_codex_backend.ts";
import type { Message } from "../src/ai/types.ts";
import { estimateContextTokens, estimateOverheadTokens } from "../src/agent/compaction.ts";
import { buildSystemPrompt } from "../src/agent/system_prompt.ts";
import { BUILTIN_TOOLS } from "../src/agent/tools/mod.ts";
import { sessionDir } from "../src/agent/session_store.ts";
import { BUILTIN_MODELS } from "../src/models/builtin_models.ts";
import type { Model } from "../src/models/types.ts";
import { generateMessages, writeGeneratedSession } from "./generated_session.ts";
import { median } from "./stats.ts";

const MESSAGES = 1_000;
const PROMPT = "Now run the whole test suite and fix what fails.";
const BIG_WINDOW = 2_000_000;
/** The summary the fake model answers with (about 2 KB, like a real one). */
const SUMMARY = `## Goal\n${"Keep the parser and the session code working. ".repeat(46)}`.slice(
  0,
  2048,
);

const model: Model = BUILTIN_MODELS.find((m) => m.id === "gpt-5.2-codex")!;

function runsFromArgs(): number {
  const i = Deno.args.indexOf("--runs");
  const n = i === -1 ? 9 : Number(Deno.args[i + 1]);
  if (!Number.isInteger(n) || n < 1) throw new Error("--runs takes a positive integer");
  return n;
}

/** One run's figures (ms from spawning pi; bytes). */
interface Sample {
  promptBytes: number;
  summaryBytes: number | undefined;
  promptRequestAt: number;
  summaryRequestAt: number | undefined;
  firstByte: number;
  exit: number;
}

interface Case {
  name: string;
  /** The session file to continue (copied fresh into each run's agent dir). */
  session: string;
  /** models.json's window for gpt-5.2-codex; undefined: the default (272k). */
  window?: number;
  /** Whether the run must compact (a summary request) or must not. */
  compacts: boolean;
}

async function main(): Promise<void> {
  const runs = runsFromArgs();
  const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "pi_continue_bench_" }));
  const work = `${root}/work`;
  await Deno.mkdir(work);
  const authDir = `${root}/auth`;
  const token = await writeFakeAuth(authDir);
  const arrivals: number[] = [];
  const fake = startFakeCodex((request: RecordedRequest, index: number) => {
    arrivals[index] = performance.now();
    const inputTokens = Math.ceil(
      (String(request.body.instructions).length + JSON.stringify(request.body.input).length) / 4,
    );
    const summary = isSummaryRequest(request);
    return { text: summary ? SUMMARY : "Running the whole test suite now.", inputTokens };
  }, { token });
  let runNumber = 0;

  /**
   * Continues a fresh copy of `c.session` once; returns the figures. `keepAs`: where to keep
   * the session file the run left (the run's directory is removed).
   */
  async function runOnce(c: Case, keepAs?: string): Promise<Sample> {
    const dir = `${root}/runs/${++runNumber}`;
    const agentDir = `${dir}/agent`;
    const sessions = sessionDir(agentDir, work);
    await Deno.mkdir(sessions, { recursive: true, mode: 0o700 });
    await Deno.copyFile(`${authDir}/auth.json`, `${agentDir}/auth.json`);
    const file = `${sessions}/${c.session.slice(c.session.lastIndexOf("/") + 1)}`;
    await Deno.copyFile(c.session, file);
    if (c.window !== undefined) {
      await Deno.writeTextFile(
        `${agentDir}/models.json`,
        JSON.stringify({
          providers: { "openai-codex": { models: { [model.id]: { contextWindow: c.window } } } },
        }),
      );
    }
    const first = fake.requests.length;
    const start = performance.now();
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--quiet", MAIN, "-p", "-c", PROMPT],
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
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const stderr = new Response(child.stderr).text();
    let firstByte = 0;
    let stdout = "";
    const decoder = new TextDecoder();
    for await (const chunk of child.stdout) {
      if (firstByte === 0 && chunk.length > 0) firstByte = performance.now() - start;
      stdout += decoder.decode(chunk, { stream: true });
    }
    const status = await child.status;
    const exit = performance.now() - start;
    if (!status.success || !stdout.startsWith("Running the whole test suite now.")) {
      throw new Error(`${c.name}: pi exited ${status.code}: ${stdout} ${await stderr}`);
    }
    await stderr;
    const mine = fake.requests.slice(first).map((r, i) => ({ r, at: arrivals[first + i] }));
    const summaries = mine.filter((x) => isSummaryRequest(x.r));
    const prompts = mine.filter((x) => !isSummaryRequest(x.r));
    if (prompts.length !== 1 || summaries.length !== (c.compacts ? 1 : 0)) {
      throw new Error(
        `${c.name}: ${prompts.length} prompt and ${summaries.length} summary requests`,
      );
    }
    const bytes = (r: RecordedRequest) => Number(r.headers["content-length"]);
    if (keepAs !== undefined) await Deno.copyFile(file, keepAs);
    await Deno.remove(dir, { recursive: true });
    return {
      promptBytes: bytes(prompts[0].r),
      summaryBytes: summaries[0] ? bytes(summaries[0].r) : undefined,
      promptRequestAt: prompts[0].at - start,
      summaryRequestAt: summaries[0] ? summaries[0].at - start : undefined,
      firstByte,
      exit,
    };
  }

  try {
    // The sessions, written with pi's writer.
    // Each answer's usage: the conversation before it plus pi's system prompt and tools.
    const overheadTokens = estimateOverheadTokens({
      systemPrompt: buildSystemPrompt({ cwd: work, now: Date.now(), tools: BUILTIN_TOOLS }),
      tools: BUILTIN_TOOLS.map((t) => ({
        name: t.name,
        description: t.description,
        parameters: t.parameters,
      })),
    });
    const messages = generateMessages(MESSAGES, { model, overheadTokens });
    const firstTurn = messages.findIndex((m) => m.role === "assistant" && m.stopReason === "stop");
    let threshold = messages.length;
    for (let i = 1; i < messages.length; i++) {
      if (messages[i].role !== "user") continue;
      if (estimateContextTokens(messages.slice(0, i)).tokens > 0.8 * model.contextWindow) {
        threshold = i;
        break;
      }
    }
    const templates = `${root}/templates`;
    const write = (name: string, list: readonly Message[]) =>
      writeGeneratedSession(`${templates}/${name}`, work, list, { model });
    const tiny = await write("tiny", messages.slice(0, firstTurn + 1));
    const full = await write("full", messages);
    const atThreshold = await write("threshold", messages.slice(0, threshold));
    const fullSize = (await Deno.stat(full)).size;
    // The already compacted sessions: what one compacting run leaves.
    const compacted = async (name: string, session: string) => {
      await Deno.mkdir(`${templates}/${name}`);
      const keepAs = `${templates}/${name}/${session.slice(session.lastIndexOf("/") + 1)}`;
      await runOnce({ name: "prepare", session, compacts: true }, keepAs);
      return keepAs;
    };
    const compactedFull = await compacted("full-compacted", full);
    const compactedThreshold = await compacted("threshold-compacted", atThreshold);

    const cases: Case[] = [
      { name: "baseline: one-turn session", session: tiny, compacts: false },
      {
        name: `${MESSAGES} messages, without compaction (2M window)`,
        session: full,
        window: BIG_WINDOW,
        compacts: false,
      },
      { name: `${MESSAGES} messages, compaction now (272k)`, session: full, compacts: true },
      {
        name: `${MESSAGES} messages, already compacted (272k)`,
        session: compactedFull,
        compacts: false,
      },
      {
        name: `${threshold} messages (80 %), without compaction (2M window)`,
        session: atThreshold,
        window: BIG_WINDOW,
        compacts: false,
      },
      {
        name: `${threshold} messages (80 %), compaction now (272k)`,
        session: atThreshold,
        compacts: true,
      },
      {
        name: `${threshold} messages (80 %), already compacted (272k)`,
        session: compactedThreshold,
        compacts: false,
      },
    ];

    console.log(
      `pi -p -c against the local fake backend, ${model.id}; session of ${MESSAGES} messages: ` +
        `${(fullSize / 1024 / 1024).toFixed(1)} MiB, estimate ` +
        `${estimateContextTokens(messages).tokens} tokens; the 80 % point: ${threshold} messages ` +
        `(${estimateContextTokens(messages.slice(0, threshold)).tokens} tokens); ` +
        `medians of ${runs} runs (ms from spawn)\n`,
    );
    const kib = (n: number | undefined) => n === undefined ? "—" : `${(n / 1024).toFixed(1)} KiB`;
    const ms = (n: number | undefined) => n === undefined ? "—" : n.toFixed(0);
    console.log(
      `${"case".padEnd(52)} ${"prompt req".padStart(11)} ${"summary req".padStart(11)} ` +
        `${"summary at".padStart(10)} ${"prompt at".padStart(9)} ${"1st byte".padStart(8)} ` +
        `${"exit".padStart(6)}`,
    );
    // Round-robin, so that a change in the machine's load falls on every case alike.
    for (const c of cases) await runOnce(c); // warm-up
    const samples: Sample[][] = cases.map(() => []);
    for (let i = 0; i < runs; i++) {
      for (const [k, c] of cases.entries()) samples[k].push(await runOnce(c));
    }
    for (const [k, c] of cases.entries()) {
      const m = (f: (s: Sample) => number | undefined) => {
        const xs = samples[k].map(f).filter((x): x is number => x !== undefined);
        return xs.length === 0 ? undefined : median(xs);
      };
      console.log(
        `${c.name.padEnd(52)} ${kib(m((s) => s.promptBytes)).padStart(11)} ` +
          `${kib(m((s) => s.summaryBytes)).padStart(11)} ` +
          `${ms(m((s) => s.summaryRequestAt)).padStart(10)} ` +
          `${ms(m((s) => s.promptRequestAt)).padStart(9)} ${
            ms(m((s) => s.firstByte)).padStart(8)
          } ` +
          `${ms(m((s) => s.exit)).padStart(6)}`,
      );
    }
  } finally {
    await fake.close();
    await Deno.remove(root, { recursive: true });
  }
}

if (import.meta.main) await main();
