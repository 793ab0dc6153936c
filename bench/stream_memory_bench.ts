/**
 * A long answer through real `pi -p`: peak memory growth and throughput on a 20 MiB
 * Responses stream of ~84k small `response.output_text.delta` events (~363 KiB of answer
 * text, ~250 bytes an event, shaped like the real backend's: item ids, sequence numbers,
 * `obfuscation`; bench/synthetic_stream.ts), served from memory by a local server. Baselines in the same
 * run, each also a child process reading the same stream from the same server:
 *
 * - `minimal`: a minimal Deno reader (fetch → TextDecoder → split events → JSON.parse →
 *   keep the text; bench/stream_reader_child.ts);
 * - `sdk`: the openai SDK's `Stream.fromSSEResponse` (npm:openai, pinned) over a fetch Response.
 *
 * Every process runs under `/usr/bin/time` (apt-get install time). When the request
 * arrives, the server notes the process's RSS and resets its peak (`/proc/<pid>/clear_refs`);
 * the peak it reaches from then on (`ru_maxrss`, exact, from time's `%M`) minus that RSS
 * is its growth. Time is from the request's arrival to the process's exit.
 *
 *   deno run -A bench/stream_memory_bench.ts [--mib 20] [--rounds 3] [--json]
 *     [--chunks whole|event] [--main <another checkout>/main.ts]
 *
 * prints the medians and the targets of issue 15: pi's growth ≤ 1.5× the minimal reader's
 * + 8 MiB, pi's time ≤ 2× the minimal reader's, pi ≥ 3× the SDK's MB/s. `--json` adds a
 * `pi -p --mode json` row; `--main` measures another checkout's pi (before/after figures,
 * e.g. `git archive <commit> | tar -x -C /tmp/old`, then `--main /tmp/old/main.ts`).
 * `deno bench -A bench/stream_memory_bench.ts` times the same runs (request to exit) in
 * Deno.bench's table, without memory. Linux only (/proc).
 */

import { parseArgs } from "node:util";
import { writeFakeAuth } from "../tests/fixtures/fake_codex_backend.ts";
import { type SyntheticStream, syntheticStream } from "./synthetic_stream.ts";
import { median } from "./stats.ts";

const OWN_MAIN = new URL("../main.ts", import.meta.url).pathname;
const READER = new URL("./stream_reader_child.ts", import.meta.url).pathname;
const TIME = "/usr/bin/time";
const MIB = 1024 * 1024;

/** One measured run. */
export interface RunFigures {
  /** Peak RSS growth from the request on, bytes. */
  growth: number;
  /** Request arrival to process exit, ms. */
  ms: number;
}

/** A process to measure. */
interface Case {
  name: string;
  args: (url: string) => string[];
  /** What stdout must be (checked); undefined: only a zero exit. */
  expect?: string;
}

function vm(pid: number, field: string): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const m = status.match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"));
  if (!m) throw new Error(`no ${field} for ${pid}`);
  return Number(m[1]) * 1024;
}

async function childPid(timePid: number): Promise<number> {
  for (let i = 0; i < 2000; i++) {
    try {
      const text = Deno.readTextFileSync(`/proc/${timePid}/task/${timePid}/children`).trim();
      if (text !== "") return Number(text.split(/\s+/)[0]);
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  throw new Error("the measured process did not start");
}

/** The bench: the stream, a local server, and a temp agent dir for pi. */
export class StreamBench {
  readonly stream: SyntheticStream;
  readonly dir: string;
  #server: Deno.HttpServer<Deno.NetAddr>;
  #onRequest: (() => void) | undefined;
  readonly url: string;
  readonly env: Record<string, string>;

  readonly chunks: "event" | "whole";

  private constructor(stream: SyntheticStream, dir: string, chunks: "event" | "whole") {
    this.stream = stream;
    this.dir = dir;
    this.chunks = chunks;
    this.#server = Deno.serve(
      { port: 0, hostname: "127.0.0.1", onListen() {} },
      async (req) => {
        const path = new URL(req.url).pathname;
        if (path === "/codex/models") return Response.json({ models: [] });
        if (req.method !== "POST" || path !== "/codex/responses") {
          return new Response("not found", { status: 404 });
        }
        await req.arrayBuffer();
        this.#onRequest?.();
        return new Response(this.#body(), { headers: { "content-type": "text/event-stream" } });
      },
    );
    this.url = `http://127.0.0.1:${this.#server.addr.port}`;
    this.env = {
      PATH: Deno.env.get("PATH") ?? "",
      HOME: dir,
      // A temp HOME: keep Deno's cache where it is.
      DENO_DIR: Deno.env.get("DENO_DIR") ||
        `${Deno.env.get("XDG_CACHE_HOME") || `${Deno.env.get("HOME")}/.cache`}/deno`,
      DENO_NO_UPDATE_CHECK: "1",
      PI_CODING_AGENT_DIR: `${dir}/agent`,
      PI_OPENAI_CODEX_BASE_URL: this.url,
    };
  }

  /**
   * The body: the whole buffer at once (`--chunks whole`, the default: the client reads it
   * in chunks of up to 64 KiB), or one write per event, as a server that flushes every
   * event does (`--chunks event`: many small reads, a harder case for every reader).
   */
  #body(): BodyInit {
    const { bytes, ends } = this.stream;
    if (this.chunks === "whole") return bytes;
    let i = 0;
    let at = 0;
    return new ReadableStream<Uint8Array>({
      pull(controller) {
        if (i === ends.length) return controller.close();
        controller.enqueue(bytes.subarray(at, ends[i]));
        at = ends[i++];
      },
    }, { highWaterMark: 0 });
  }

  /** Builds the stream, starts the server and writes a logged-in auth.json. */
  static async start(mib: number, chunks: "event" | "whole" = "whole"): Promise<StreamBench> {
    const dir = await Deno.makeTempDir({ prefix: "pi_stream_bench_" });
    await writeFakeAuth(`${dir}/agent`);
    await Deno.mkdir(`${dir}/work`);
    return new StreamBench(syntheticStream({ bytes: Math.round(mib * MIB) }), dir, chunks);
  }

  /** The processes measured, baselines first. */
  cases(json: boolean, main = OWN_MAIN): Case[] {
    const answer = this.stream.text + "\n";
    const out: Case[] = [
      { name: "minimal Deno reader", args: (url) => [READER, "minimal", url], expect: answer },
      { name: "openai SDK Stream", args: (url) => [READER, "sdk", url], expect: answer },
      { name: "pi -p", args: () => [main, "-p", "Write a long answer"], expect: answer },
    ];
    if (json) {
      out.push({ name: "pi -p --mode json", args: () => [main, "-p", "--mode", "json", "Go"] });
    }
    return out;
  }

  /** Runs one case in its own process; `onStart` is called when its request arrives. */
  async run(c: Case, onStart?: () => void): Promise<RunFigures> {
    const out = `${this.dir}/time.out`;
    const child = new Deno.Command(TIME, {
      args: [
        "-f",
        "%M",
        "-o",
        out,
        Deno.execPath(),
        "run",
        "-A",
        "--quiet",
        ...c.args(
          `${this.url}/codex/responses`,
        ),
      ],
      cwd: `${this.dir}/work`,
      env: this.env,
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const pid = await childPid(child.pid);
    let baseline: number | undefined;
    let t0 = 0;
    this.#onRequest = () => {
      baseline = vm(pid, "VmRSS");
      Deno.writeTextFileSync(`/proc/${pid}/clear_refs`, "5");
      t0 = performance.now();
      onStart?.();
    };
    const [stdout, stderr, status] = await Promise.all([
      new Response(child.stdout).arrayBuffer(),
      new Response(child.stderr).text(),
      child.status,
    ]);
    const ms = performance.now() - t0;
    this.#onRequest = undefined;
    if (!status.success) throw new Error(`${c.name} exited ${status.code}: ${stderr.trim()}`);
    if (baseline === undefined) throw new Error(`${c.name} sent no request`);
    if (c.expect !== undefined) {
      const text = new TextDecoder().decode(stdout);
      if (text !== c.expect) {
        throw new Error(
          `${c.name} printed ${text.length} characters, not the ${c.expect.length} of the answer`,
        );
      }
    }
    const peak = Number((await Deno.readTextFile(out)).trim().split("\n").at(-1)) * 1024;
    return { growth: peak - baseline, ms };
  }

  /** Stops the server and removes the temp dir. */
  async close(): Promise<void> {
    await this.#server.shutdown();
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }
}

const mb = (bytes: number) => (bytes / MIB).toFixed(1);

async function report(
  mib: number,
  rounds: number,
  options: { json: boolean; chunks: "event" | "whole"; main: string },
): Promise<void> {
  const bench = await StreamBench.start(mib, options.chunks);
  try {
    const size = bench.stream.bytes.length;
    console.log(
      `stream: ${mb(size)} MiB, ${bench.stream.events} events, ${
        (new TextEncoder().encode(bench.stream.text).length / 1024).toFixed(0)
      } KiB of answer text, sent ${
        options.chunks === "event" ? "one event a write" : "as one buffer"
      }; ${rounds} rounds, medians`,
    );
    const cases = bench.cases(options.json, options.main);
    const figures = new Map<string, RunFigures[]>(cases.map((c) => [c.name, []]));
    await bench.run(cases[0]); // warm caches
    for (let r = 0; r < rounds; r++) {
      // Rotate the order so that no case always runs first or last.
      for (let k = 0; k < cases.length; k++) {
        const c = cases[(k + r) % cases.length];
        figures.get(c.name)!.push(await bench.run(c));
      }
    }
    const row = (name: string) => {
      const f = figures.get(name)!;
      return { growth: median(f.map((x) => x.growth)), ms: median(f.map((x) => x.ms)) };
    };
    for (const c of cases) {
      const { growth, ms } = row(c.name);
      const all = figures.get(c.name)!.map((x) => mb(x.growth)).join(", ");
      console.log(
        `${c.name.padEnd(20)} growth ${mb(growth).padStart(6)} MiB (${all})  ${
          ms.toFixed(0).padStart(5)
        } ms  ${(size / 1e6 / (ms / 1000)).toFixed(0).padStart(4)} MB/s`,
      );
    }
    const minimal = row("minimal Deno reader");
    const sdk = row("openai SDK Stream");
    const pi = row("pi -p");
    const limit = 1.5 * minimal.growth + 8 * MIB;
    console.log(
      `pi growth ${mb(pi.growth)} MiB, target ≤ 1.5 × ${mb(minimal.growth)} + 8 = ${
        mb(limit)
      } MiB: ${pi.growth <= limit ? "met" : "NOT met"}`,
    );
    console.log(
      `pi time ${(pi.ms / minimal.ms).toFixed(2)}× the minimal reader's (target ≤ 2): ${
        pi.ms <= 2 * minimal.ms ? "met" : "NOT met"
      }; ${(sdk.ms / pi.ms).toFixed(2)}× the SDK's MB/s (target ≥ 3): ${
        sdk.ms >= 3 * pi.ms ? "met" : "NOT met"
      }`,
    );
  } finally {
    await bench.close();
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      mib: { type: "string", default: "20" },
      rounds: { type: "string", default: "3" },
      json: { type: "boolean", default: false },
      chunks: { type: "string", default: "whole" },
      main: { type: "string", default: OWN_MAIN },
    },
  });
  if (values.chunks !== "event" && values.chunks !== "whole") {
    throw new Error("--chunks is event or whole");
  }
  await report(Number(values.mib), Number(values.rounds), {
    json: values.json === true,
    chunks: values.chunks,
    main: values.main,
  });
} else {
  // `deno bench`: request-to-exit time of each process, no memory figures.
  const bench = await StreamBench.start(20);
  const size = mb(bench.stream.bytes.length);
  globalThis.addEventListener("unload", () => {
    try {
      Deno.removeSync(bench.dir, { recursive: true });
    } catch {
      // already gone
    }
  });
  const cases = bench.cases(false);
  for (const c of cases) {
    Deno.bench({
      name: `${c.name} (${size} MiB, request to exit)`,
      group: "stream",
      baseline: c === cases[0],
      n: 3,
      warmup: 1,
      async fn(b) {
        await bench.run(c, () => b.start());
        b.end();
      },
    });
  }
}
