/**
 * `pi serve` under load, against a local fake Codex backend (a Deno.serve in this process
 * answering every request with the same Responses stream, shaped like the real one:
 * bench/synthetic_stream.ts):
 *
 * 1. Added latency, time to the first text: a request straight to the fake (fetch, first
 *    `output_text.delta` bytes), a `pi -p`-style request (`stream()` in this process, first
 *    `text_delta`), and the same answer through `pi serve` (a `/v1/chat/completions`
 *    stream, first chunk with content). Medians and p90 of `--rounds` sequential requests.
 * 2. Many streams at once: `--streams` (default 50) concurrent `/v1/chat/completions`
 *    streams through `pi serve`, for each answer size in `--kib` (answer text per stream,
 *    default 16 and 256 KiB; ~68 bytes of events a character) and each upstream pace in
 *    `--pace` (0: the whole reply at once; n: 16 KiB every n ms): wall time, MB/s, and the
 *    serve process's RSS before the burst and its peak during it (`/proc/<pid>/status`, the
 *    peak reset with `clear_refs` first; Linux). Baselines in the same run: the burst
 *    straight to the fake, read by this process, and the same `stream()`s (`pi -p` style) in
 *    one child process of their own, its RSS measured the same way.
 *
 *   deno run -A bench/serve_bench.ts [--streams 50] [--kib 16,256] [--pace 0,2] [--rounds 40]
 *
 * `deno bench -A bench/serve_bench.ts` times the pure mapping (neutral events → chunks).
 */

import { parseArgs } from "node:util";
import { AuthStorage } from "../src/auth/auth_storage.ts";
import { iterateSSE } from "../src/ai/sse.ts";
import { stream } from "../src/ai/stream.ts";
import type { StreamEvent } from "../src/ai/types.ts";
import { BUILTIN_MODELS } from "../src/models/builtin_models.ts";
import { ChatChunkStream } from "../src/serve/chat_completions.ts";
import {
  FAKE_ACCOUNT_ID,
  fakeAccessToken,
  writeFakeAuth,
} from "../tests/fixtures/fake_codex_backend.ts";
import { syntheticStream } from "./synthetic_stream.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const KEY = "sk-pi-bench-key-0123456789";
const MODEL = BUILTIN_MODELS.find((m) =>
  m.provider === "openai-codex" && m.id === "gpt-5.2-codex"
)!;

function kb(pid: number, field: string): number {
  const m = Deno.readTextFileSync(`/proc/${pid}/status`).match(
    new RegExp(`^${field}:\\s+(\\d+) kB`, "m"),
  );
  if (!m) throw new Error(`no ${field}`);
  return Number(m[1]);
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/**
 * The fake backend: every POST /codex/responses gets `body`, at once or (`paceMs` > 0) in
 * 16 KiB pieces, one every `paceMs` (a model that writes fast, but not all at once).
 */
function startFake(): {
  url: string;
  setBody(b: Uint8Array, paceMs: number): void;
  close(): Promise<void>;
} {
  let body: Uint8Array = new Uint8Array();
  let pace = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const path = new URL(req.url).pathname;
    if (path === "/codex/models") return Response.json({ models: [] });
    await req.arrayBuffer();
    const headers = { "content-type": "text/event-stream" };
    if (pace === 0) return new Response(body.slice(), { headers });
    const bytes = body;
    const ms = pace;
    let at = 0;
    return new Response(
      new ReadableStream<Uint8Array>({
        async pull(controller) {
          if (at > 0) await new Promise((r) => setTimeout(r, ms));
          controller.enqueue(bytes.slice(at, at + 16 * 1024));
          at += 16 * 1024;
          if (at >= bytes.length) controller.close();
        },
      }),
      { headers },
    );
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    setBody: (b, paceMs) => {
      body = b;
      pace = paceMs;
    },
    close: () => server.shutdown(),
  };
}

/**
 * The client-side baseline: `n` concurrent `stream()`s in a child process of their own
 * (`pi -p`-style requests), its RSS before and its peak during, as JSON on stdout.
 */
async function inProcessChild(url: string, n: number): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "pi_serve_bench_child_" });
  try {
    await writeFakeAuth(dir);
    const keys = new AuthStorage(`${dir}/auth.json`);
    const one = async () => {
      let text = 0;
      const s = stream(MODEL, { systemPrompt: "", messages: [{ role: "user", content: "x" }] }, {
        keys,
        deps: {
          fetch: (input, init) => fetch(input, init),
          now: () => Date.now(),
          env: (name) => name === "PI_OPENAI_CODEX_BASE_URL" ? url : undefined,
        },
      });
      for await (const ev of s) if (ev.type === "text_delta") text += ev.delta.length;
      return text;
    };
    await one();
    const before = kb(Deno.pid, "VmRSS");
    Deno.writeTextFileSync(`/proc/${Deno.pid}/clear_refs`, "5");
    const start = performance.now();
    const texts = await Promise.all(Array.from({ length: n }, one));
    const ms = performance.now() - start;
    console.log(JSON.stringify({ ms, before, peak: kb(Deno.pid, "VmHWM"), texts }));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function runChild(url: string, n: number) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", new URL(import.meta.url).pathname, "--child", url, String(n)],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!out.success) throw new Error("the in-process baseline failed");
  return JSON.parse(new TextDecoder().decode(out.stdout)) as {
    ms: number;
    before: number;
    peak: number;
    texts: number[];
  };
}

async function startServe(agentDir: string, backend: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", MAIN, "serve", "--port", "0", "--key", KEY],
    env: { PI_CODING_AGENT_DIR: agentDir, PI_OPENAI_CODEX_BASE_URL: backend, HOME: agentDir },
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  while (!out.includes("\n")) {
    const r = await reader.read();
    if (r.done) throw new Error("pi serve ended before listening");
    out += r.value;
  }
  const url = /listening on (\S+)/.exec(out)![1];
  // Keep draining stdout so the child never blocks on it.
  (async () => {
    while (!(await reader.read()).done) { /* drain */ }
  })();
  return { child, url };
}

const CHAT_BODY = JSON.stringify({
  model: "gpt-5.2-codex",
  messages: [{ role: "user", content: "Write it." }],
  stream: true,
  stream_options: { include_usage: true },
});

/** Through pi serve: ms to the first chunk with content, and the text's length. */
async function viaServe(url: string): Promise<{ firstMs: number; text: number }> {
  const start = performance.now();
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
    body: CHAT_BODY,
  });
  if (!res.ok) throw new Error(`pi serve answered ${res.status}: ${await res.text()}`);
  let firstMs = -1;
  let text = 0;
  for await (const { data } of iterateSSE(res.body!)) {
    if (data === "[DONE]") continue;
    const content = JSON.parse(data).choices?.[0]?.delta?.content;
    if (typeof content === "string" && content !== "") {
      if (firstMs < 0) firstMs = performance.now() - start;
      text += content.length;
    }
  }
  return { firstMs, text };
}

/** Straight to the fake: ms to the first text delta bytes, and the bytes. */
async function direct(url: string): Promise<{ firstMs: number; bytes: number }> {
  const start = performance.now();
  const res = await fetch(`${url}/codex/responses`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${fakeAccessToken()}`,
      "chatgpt-account-id": FAKE_ACCOUNT_ID,
      "content-type": "application/json",
      accept: "text/event-stream",
    },
    body: "{}",
  });
  let firstMs = -1;
  let bytes = 0;
  const decoder = new TextDecoder();
  for await (const chunk of res.body!) {
    bytes += chunk.length;
    if (firstMs < 0 && decoder.decode(chunk, { stream: true }).includes("output_text.delta")) {
      firstMs = performance.now() - start;
    }
  }
  return { firstMs, bytes };
}

/** `pi -p`-style: stream() in this process; ms to the first text_delta. */
async function inProcess(keys: AuthStorage, backend: string): Promise<number> {
  const start = performance.now();
  let firstMs = -1;
  const s = stream(
    MODEL,
    { systemPrompt: "", messages: [{ role: "user", content: "Write it." }] },
    {
      keys,
      deps: {
        fetch: (input, init) => fetch(input, init),
        now: () => Date.now(),
        env: (name) => name === "PI_OPENAI_CODEX_BASE_URL" ? backend : undefined,
      },
    },
  );
  for await (const ev of s) {
    if (firstMs < 0 && ev.type === "text_delta") firstMs = performance.now() - start;
  }
  return firstMs;
}

async function main() {
  const { values, positionals } = parseArgs({
    options: {
      streams: { type: "string", default: "50" },
      kib: { type: "string", default: "16,256" },
      rounds: { type: "string", default: "40" },
      pace: { type: "string", default: "0,2" },
      child: { type: "string" },
    },
    allowPositionals: true,
  });
  if (values.child !== undefined) {
    return await inProcessChild(values.child, Number(positionals[0]));
  }
  const paces = values.pace.split(",").map(Number);
  const streams = Number(values.streams);
  const sizes = values.kib.split(",").map(Number);
  const rounds = Number(values.rounds);
  const dir = await Deno.makeTempDir({ prefix: "pi_serve_bench_" });
  const fake = startFake();
  await writeFakeAuth(`${dir}/agent`);
  const serve = await startServe(`${dir}/agent`, fake.url).catch(async (err) => {
    await fake.close();
    throw err;
  });
  try {
    const keys = new AuthStorage(`${dir}/agent/auth.json`);

    // 1. Time to the first text, a short answer (~4 KiB of events).
    const small = syntheticStream({ textChars: 64 });
    fake.setBody(small.bytes, 0);
    for (let i = 0; i < 5; i++) {
      await direct(fake.url);
      await inProcess(keys, fake.url);
      await viaServe(serve.url);
    }
    const d: number[] = [];
    const p: number[] = [];
    const s: number[] = [];
    for (let i = 0; i < rounds; i++) {
      d.push((await direct(fake.url)).firstMs);
      p.push(await inProcess(keys, fake.url));
      s.push((await viaServe(serve.url)).firstMs);
    }
    const row = (name: string, v: number[]) =>
      `  ${name.padEnd(34)} median ${quantile(v, 0.5).toFixed(2)} ms   p90 ${
        quantile(v, 0.9).toFixed(2)
      } ms`;
    console.log(`Time to the first text (${rounds} sequential requests each):`);
    console.log(row("straight to the fake (fetch)", d));
    console.log(row("pi -p style (stream() in-process)", p));
    console.log(row("through pi serve (chat stream)", s));
    console.log(
      `  added by pi serve: ${
        (quantile(s, 0.5) - quantile(p, 0.5)).toFixed(2)
      } ms over pi -p style, ${
        (quantile(s, 0.5) - quantile(d, 0.5)).toFixed(2)
      } ms over the bare fetch (medians)`,
    );

    // 2. Many streams at once.
    for (const pace of paces) {
      for (const kib of sizes) {
        const big = syntheticStream({ textChars: kib * 1024 });
        fake.setBody(big.bytes, pace);
        const textMB = (big.text.length * streams) / 1e6;
        const upstreamMB = (big.bytes.length * streams) / 1e6;
        console.log(
          `\n${streams} concurrent streams, ${
            (big.text.length / 1024).toFixed(0)
          } KiB of text each (${
            (big.bytes.length / 1024).toFixed(0)
          } KiB of upstream events, ${big.events} events), upstream ${
            pace === 0 ? "all at once" : `16 KiB every ${pace} ms`
          }:`,
        );

        let start = performance.now();
        const directResults = await Promise.all(
          Array.from({ length: streams }, () => direct(fake.url)),
        );
        const directMs = performance.now() - start;
        if (directResults.some((r) => r.bytes !== big.bytes.length)) {
          throw new Error("short direct read");
        }
        console.log(
          `  straight to the fake (fetch):      ${directMs.toFixed(0).padStart(6)} ms, ${
            (upstreamMB / (directMs / 1000)).toFixed(1)
          } MB/s of events`,
        );

        const child = await runChild(fake.url, streams);
        if (child.texts.some((t) => t !== big.text.length)) throw new Error("short stream()");
        const mib = (k: number) => (k / 1024).toFixed(1);
        console.log(
          `  pi -p style (stream() ×${streams}, 1 proc): ${child.ms.toFixed(0).padStart(6)} ms, ${
            (textMB / (child.ms / 1000)).toFixed(2)
          } MB/s of text; RSS ${mib(child.before)} → peak ${mib(child.peak)} MiB (+${
            mib(child.peak - child.before)
          })`,
        );

        await viaServe(serve.url); // warm
        const rssBefore = kb(serve.child.pid, "VmRSS");
        Deno.writeTextFileSync(`/proc/${serve.child.pid}/clear_refs`, "5");
        start = performance.now();
        const results = await Promise.all(
          Array.from({ length: streams }, () => viaServe(serve.url)),
        );
        const ms = performance.now() - start;
        const peak = kb(serve.child.pid, "VmHWM");
        const wrong = results.filter((r) => r.text !== big.text.length).length;
        if (wrong > 0) throw new Error(`${wrong} answers came through short`);
        console.log(
          `  through pi serve (chat streams):   ${ms.toFixed(0).padStart(6)} ms, ${
            (textMB / (ms / 1000)).toFixed(2)
          } MB/s of text, ${(upstreamMB / (ms / 1000)).toFixed(1)} MB/s of upstream events, ${
            (streams / (ms / 1000)).toFixed(1)
          } answers/s; RSS ${mib(rssBefore)} → peak ${mib(peak)} MiB (+${mib(peak - rssBefore)})`,
        );
      }
    }
  } finally {
    serve.child.kill("SIGTERM");
    await serve.child.status;
    await fake.close();
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  await main();
} else {
  const events: StreamEvent[] = [{ type: "text_start", index: 0 }];
  for (let i = 0; i < 10_000; i++) events.push({ type: "text_delta", index: 0, delta: " word" });
  Deno.bench("ChatChunkStream: 10k text deltas → chunk JSON", () => {
    const chunks = new ChatChunkStream({ id: "c", created: 0, model: "m" }, { includeUsage: true });
    const out: Record<string, unknown>[] = [];
    let bytes = 0;
    for (const e of events) {
      chunks.push(e, out);
      for (const c of out) bytes += JSON.stringify(c).length;
      out.length = 0;
    }
    if (bytes === 0) throw new Error("no output");
  });
}
