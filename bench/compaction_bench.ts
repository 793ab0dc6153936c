/**
 * A generated 1,000-message session (user prompts, assistant answers with reasoning items,
 * `read`/`bash` tool calls with multi-KB outputs) continued with one more prompt, without
 * compaction (the baseline: the whole conversation) and after compaction (the summary
 * message + the kept recent messages), plus the summary request itself.
 *
 * Measured at the request-building level until the session runner calls compaction:
 * `responsesBody` bytes of each request, and the time for `stream` to get the first token
 * from a local `Deno.serve` fake Codex backend that reads the whole body, then answers at
 * once (body building + upload + the server reading it; a real backend's prefill time,
 * which grows with the input tokens, is not in it). The summary is a fixed 2 KB text.
 *
 * `deno run -A bench/compaction_bench.ts` prints the figures (medians of 20 runs);
 * `deno bench -A bench/compaction_bench.ts` gives the Deno.bench table.
 */

import { stream } from "../src/ai/stream.ts";
import { responsesBody } from "../src/ai/responses_shared.ts";
import type { Context, Message, Tool } from "../src/ai/types.ts";
import { makeUsage } from "../src/ai/usage.ts";
import {
  compact,
  type CompactionResult,
  estimateContextTokens,
  estimateOverheadTokens,
  planCompaction,
} from "../src/agent/compaction.ts";
import { summaryRequest } from "../src/agent/compaction_prompt.ts";
import { BUILTIN_MODELS } from "../src/models/builtin_models.ts";
import type { Model } from "../src/models/types.ts";
import { codexToken, fakeKeys, sse } from "../tests/ai_fakes.ts";
import { generateMessages } from "./generated_session.ts";
import { median } from "./stats.ts";

const SESSION = "0b7c5f6e-1111-4222-8333-944445555666";
const MESSAGES = 1_000;
const RUNS = 20;

const model: Model = BUILTIN_MODELS.find((m) => m.id === "gpt-5.2-codex") ??
  BUILTIN_MODELS.find((m) => m.provider === "openai-codex")!;

const TOOLS: Tool[] = [
  {
    name: "read",
    description: "Read a file",
    parameters: { type: "object", properties: { path: { type: "string" } }, required: ["path"] },
  },
  {
    name: "bash",
    description: "Run a shell command",
    parameters: {
      type: "object",
      properties: { command: { type: "string" } },
      required: ["command"],
    },
  },
];
const SYSTEM_PROMPT = "You are pi, a coding agent. ".repeat(200);

/** The generated session (bench/generated_session.ts). */
function session(count: number): Message[] {
  return generateMessages(count, {
    model,
    overheadTokens: estimateOverheadTokens({ systemPrompt: SYSTEM_PROMPT, tools: TOOLS }),
  });
}

const SUMMARY = `## Goal\n${"Keep the parser and the session code working. ".repeat(40)}`.slice(
  0,
  2048,
);

/** The session after compaction (the summary request answered with a fixed summary). */
async function compacted(
  messages: Message[],
): Promise<{ result: CompactionResult; request: Context }> {
  let request: Context | undefined;
  const result = await compact(messages, {
    contextWindow: model.contextWindow,
    sessionId: SESSION,
    overheadTokens: estimateOverheadTokens({ systemPrompt: SYSTEM_PROMPT, tools: TOOLS }),
    complete: (context) => {
      request = context;
      return Promise.resolve({
        role: "assistant",
        content: [{ type: "text", text: SUMMARY }],
        api: model.api,
        provider: model.provider,
        model: model.id,
        usage: makeUsage({ input: 0, cacheRead: 0, cacheWrite: 0, output: 0, reasoning: 0 }, model),
        stopReason: "stop",
      });
    },
  });
  return { result, request: request! };
}

const history = session(MESSAGES);
const next: Message = { role: "user", content: "Now run the whole test suite and fix what fails." };
const full: Context = { systemPrompt: SYSTEM_PROMPT, tools: TOOLS, messages: [...history, next] };
const { result, request: summaryContext } = await compacted([...history, next]);
const afterCompaction: Context = {
  systemPrompt: SYSTEM_PROMPT,
  tools: TOOLS,
  messages: result.messages,
};

// Where automatic compaction really happens: the first point (before a user message) where the
// next request is estimated above 80 % of the window.
const atThreshold = (() => {
  for (let i = 1; i < history.length; i++) {
    if (history[i].role !== "user") continue;
    const messages = [...history.slice(0, i), next];
    if (estimateContextTokens(messages).tokens > 0.8 * model.contextWindow) return messages;
  }
  return [...history, next];
})();
const threshold = await compacted(atThreshold);
const thresholdFull: Context = { systemPrompt: SYSTEM_PROMPT, tools: TOOLS, messages: atThreshold };
const thresholdAfter: Context = {
  systemPrompt: SYSTEM_PROMPT,
  tools: TOOLS,
  messages: threshold.result.messages,
};

function bodyBytes(context: Context): number {
  return new TextEncoder().encode(
    JSON.stringify(responsesBody(model, context, { sessionId: SESSION, reasoning: "medium" })),
  ).length;
}

/** A fake Codex backend: reads the whole body, notes when, answers one token at once. */
function startBackend(): { url: string; received: number[]; close(): Promise<void> } {
  const received: number[] = [];
  const ac = new AbortController();
  const reply = [
    sse("response.created", { response: { id: "r", status: "in_progress" } }),
    sse("response.output_item.added", { output_index: 0, item: { type: "message", content: [] } }),
    sse("response.output_text.delta", { output_index: 0, content_index: 0, delta: "OK" }),
    sse("response.output_item.done", {
      output_index: 0,
      item: { type: "message", role: "assistant", content: [{ type: "output_text", text: "OK" }] },
    }),
    sse("response.completed", {
      response: { id: "r", status: "completed", usage: { input_tokens: 1, output_tokens: 1 } },
    }),
  ].join("");
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen() {}, signal: ac.signal },
    async (req) => {
      await req.arrayBuffer();
      received.push(performance.now());
      return new Response(reply, { headers: { "content-type": "text/event-stream" } });
    },
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    received,
    async close() {
      ac.abort();
      await server.finished;
    },
  };
}

const backend = startBackend();
const options = {
  keys: fakeKeys({ "openai-codex": codexToken() }),
  deps: {
    fetch: (i: RequestInfo | URL, init?: RequestInit) => fetch(i, init),
    env: (n: string) => n === "PI_OPENAI_CODEX_BASE_URL" ? `${backend.url}/backend-api` : undefined,
    now: () => Date.now(),
  },
  sessionId: SESSION,
  reasoning: "medium" as const,
};

/** ms from the start of `stream` to the server having the whole body, and to the first token. */
async function send(context: Context): Promise<{ received: number; firstToken: number }> {
  const start = performance.now();
  let firstToken = 0;
  for await (const ev of stream(model, context, options)) {
    if (ev.type === "text_delta" && firstToken === 0) firstToken = performance.now() - start;
    if (ev.type === "error") throw ev.error;
  }
  return { received: backend.received[backend.received.length - 1] - start, firstToken };
}

if (import.meta.main) {
  const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  console.log(
    `model ${model.id}, context window ${model.contextWindow} tokens; medians of ${RUNS}`,
  );
  const scenarios: [string, Message[], CompactionResult, [string, Context][]][] = [
    [`${history.length} messages, never compacted`, full.messages, result, [
      ["without compaction (whole conversation)", full],
      ["after compaction (summary + kept)", afterCompaction],
      ["the summary request", summaryContext],
    ]],
    [
      `the first ${atThreshold.length - 1} messages, at the 80 % threshold`,
      atThreshold,
      threshold.result,
      [
        ["without compaction (whole conversation)", thresholdFull],
        ["after compaction (summary + kept)", thresholdAfter],
        ["the summary request", threshold.request],
      ],
    ],
  ];
  for (const [title, messages, r, rows] of scenarios) {
    const plan = planCompaction(messages, { contextWindow: model.contextWindow });
    console.log(
      `\n${title}: estimate ${r.tokensBefore} → ${r.tokensAfter} tokens; ` +
        `${plan.toSummarize.length} messages summarised, ${plan.kept.length} kept`,
    );
    for (const [name, context] of rows) {
      await send(context); // warm up
      const received: number[] = [];
      const first: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const x = await send(context);
        received.push(x.received);
        first.push(x.firstToken);
      }
      console.log(
        `  ${name.padEnd(42)} body ${kib(bodyBytes(context)).padStart(10)}  ` +
          `received ${median(received).toFixed(2).padStart(6)} ms  ` +
          `first token ${median(first).toFixed(2).padStart(6)} ms`,
      );
    }
    const t0 = performance.now();
    for (let i = 0; i < RUNS; i++) {
      const p = planCompaction(messages, { contextWindow: model.contextWindow });
      summaryRequest(p.toSummarize, { maxChars: model.contextWindow * 2 });
    }
    console.log(
      `  planning + building the summary request: ${
        ((performance.now() - t0) / RUNS).toFixed(2)
      } ms`,
    );
  }
  await backend.close();
} else {
  Deno.bench({
    name: "continue without compaction (first token)",
    group: "compaction",
    baseline: true,
    n: RUNS,
    warmup: 2,
    async fn() {
      await send(full);
    },
  });
  Deno.bench({
    name: "continue after compaction (first token)",
    group: "compaction",
    n: RUNS,
    warmup: 2,
    async fn() {
      await send(afterCompaction);
    },
  });
  Deno.bench({
    name: "the summary request (first token)",
    group: "compaction",
    n: RUNS,
    warmup: 2,
    async fn() {
      await send(summaryContext);
    },
  });
  Deno.bench({
    name: "plan + build the summary request (no I/O)",
    n: RUNS,
    fn() {
      const p = planCompaction([...history, next], { contextWindow: model.contextWindow });
      summaryRequest(p.toSummarize, { maxChars: model.contextWindow * 2 });
    },
  });
  globalThis.addEventListener("unload", () => void backend.close());
}
