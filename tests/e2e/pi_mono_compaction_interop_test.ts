/**
 * Compacted sessions shared with the real pi-mono (npm `@mariozechner/pi-coding-agent`,
 * pinned in tests/fixtures/pi_mono.ts), both ways, against the fake Codex backend:
 *
 * - pi compacts (a small `contextWindow` in its models.json), then pi-mono continues: its
 *   request starts with the summary pi sends (pi-mono's compactionSummary → user message),
 *   followed by exactly the messages pi kept, never the oldest ones.
 * - pi-mono compacts, by its automatic compaction before a prompt (a small window through
 *   its models.json `modelOverrides` and a small `compaction.reserveTokens` in its
 *   settings.json) and by `/compact` through its RPC mode (`{"type":"compact",
 *   "customInstructions"}`); then pi continues: it sends pi-mono's summary and the kept
 *   messages from the compaction's `firstKeptEntryId`.
 *
 * The two tools' models.json shapes differ (pi: `models` an object keyed by id; pi-mono:
 * `models` an array and `modelOverrides`), and each refuses the other's, so the file is
 * written for the tool about to run. The fake reports as `input_tokens` the size of a
 * request's input / 4 (the two system prompts differ in size; the conversation does not).
 */

import assert from "node:assert/strict";
import type { FakeTurn, RecordedRequest } from "../fixtures/fake_codex_backend.ts";
import {
  HAS_NODE,
  PI_MONO_VERSION,
  piMonoCli,
  runPiMono,
  runPiMonoRpc,
} from "../fixtures/pi_mono.ts";
import {
  contextWindow,
  lines,
  pi,
  type SessionEnv,
  sessionFiles,
  withFake,
} from "./session_env.ts";

const SUMMARY_PREFIX =
  "The conversation history before this point was compacted into the following summary:\n\n<summary>\n";
const SUMMARY_SUFFIX = "\n</summary>";

/** A summary request: pi sends `tools: []`, pi-mono no tools at all. */
function isSummaryRequest(request: RecordedRequest): boolean {
  const tools = request.body.tools;
  return !Array.isArray(tools) || tools.length === 0;
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  return (content as { text?: string }[]).map((c) => c.text ?? "").join("");
}

/**
 * A reasoning item replayed: its summary and encrypted content (pi sends it without its
 * `id`, as it sends every item with `store: false`; pi-mono with it).
 */
function reasoningShape(item: Record<string, unknown>): string {
  const summary = (item.summary as { text?: string }[]).map((s) => s.text ?? "").join("");
  return `reasoning:${summary}:${item.encrypted_content}`;
}

/**
 * A request's input as short strings: `user:text`, `assistant:text`, `reasoning:…`,
 * `call:<call_id>:<name>:<arguments>`, `output:<call_id>:<output>` (trailing whitespace
 * trimmed: pi-mono keeps the final newline of bash output).
 */
function shape(request: RecordedRequest): string[] {
  const out: string[] = [];
  for (const item of request.body.input as Record<string, unknown>[]) {
    if (item.type === "function_call") {
      out.push(`call:${item.call_id}:${item.name}:${item.arguments}`);
    } else if (item.type === "function_call_output") {
      out.push(`output:${item.call_id}:${String(item.output).trimEnd()}`);
    } else if (item.type === "reasoning") out.push(reasoningShape(item));
    else if (item.role === "user" || item.role === "assistant") {
      out.push(`${item.role}:${textOf(item.content)}`);
    }
  }
  return out;
}

/** A session file's message entry in the same short strings as {@link shape}. */
function entryShape(entry: Record<string, unknown>): string[] {
  const m = entry.message as Record<string, unknown>;
  if (m.role === "user") return [`user:${textOf(m.content)}`];
  if (m.role === "toolResult") {
    return [`output:${String(m.toolCallId).split("|")[0]}:${textOf(m.content).trimEnd()}`];
  }
  const out: string[] = [];
  for (const block of m.content as Record<string, unknown>[]) {
    if (block.type === "text") out.push(`assistant:${block.text}`);
    if (block.type === "thinking") {
      out.push(reasoningShape(JSON.parse(String(block.thinkingSignature))));
    }
    if (block.type === "toolCall") {
      out.push(
        `call:${String(block.id).split("|")[0]}:${block.name}:${JSON.stringify(block.arguments)}`,
      );
    }
  }
  return out;
}

/**
 * What a continuation after the session's last compaction must send before its new prompt:
 * the summary as one user message, then every message from `firstKeptEntryId` on (the
 * files here are one chain, so that is file order).
 */
async function afterCompaction(file: string): Promise<{ summary: string; kept: string[] }> {
  const entries = await lines(file);
  const at = entries.findLastIndex((e) => e.type === "compaction");
  assert.ok(at > 0, "the session holds a compaction entry");
  const compaction = entries[at];
  const from = entries.findIndex((e) => e.id === compaction.firstKeptEntryId);
  assert.ok(from > 0 && from < at, "firstKeptEntryId names an entry before the compaction");
  const kept = entries.slice(from).filter((e) => e.type === "message").flatMap(entryShape);
  return { summary: String(compaction.summary), kept };
}

const PAD = "please continue the work on the parser. ".repeat(25);

/**
 * The fake model: a summary request gets `SUMMARY-<n>`; a prompt gets a bash call, and the
 * call's output an answer of about 300 tokens.
 */
function fakeModel(): (request: RecordedRequest) => FakeTurn {
  let summaries = 0;
  return (request) => {
    const inputTokens = Math.ceil(JSON.stringify(request.body.input).length / 4);
    if (isSummaryRequest(request)) {
      return { text: `## Goal\nSUMMARY-${++summaries}: stepping through the parser.`, inputTokens };
    }
    const input = request.body.input as Record<string, unknown>[];
    const users = input.filter((i) => i.role === "user").map((i) => textOf(i.content));
    const tag = (users.at(-1) ?? "").split(":")[0];
    if (input.at(-1)?.type === "function_call_output") {
      return {
        text: `answer to ${tag}. ${"ok ".repeat(400)}`,
        reasoning: `the answer to ${tag}`,
        inputTokens,
      };
    }
    return {
      calls: [{ name: "bash", arguments: { command: `echo tool-${tag.replace(/\W/g, "")}` } }],
      reasoning: `a tool for ${tag}`,
      inputTokens,
    };
  };
}

/**
 * The fake model in a temp agent dir. pi-mono's summary requests carry no `session_id`
 * (the real backend takes them), so the fake serves them; pi's requests are checked here.
 */
async function withMonoFake(fn: (env: SessionEnv) => Promise<void>): Promise<void> {
  await withFake(
    fakeModel(),
    async (env) => {
      await fn(env);
      const id = env.fake.requests[0].headers["session_id"];
      for (const r of env.fake.requests) {
        if (r.headers["user-agent"]?.startsWith("pi (")) continue; // pi-mono's
        assert.equal(r.headers["session_id"], id, "pi sends the session's id");
        assert.equal(r.body.prompt_cache_key, id);
      }
    },
    "work",
    { sessionIdOptional: true },
  );
}

function prompt(i: number): string {
  return `step ${String(i).padStart(2, "0")}: ${PAD}`;
}

/**
 * models.json and settings.json in pi-mono's shape: the fake as the provider's baseUrl, SSE,
 * and (when given) the window of gpt-5.2-codex and the compaction settings.
 */
async function monoSettings(
  env: SessionEnv,
  options: { contextWindow?: number; reserveTokens?: number; keepRecentTokens?: number } = {},
): Promise<void> {
  const provider: Record<string, unknown> = { baseUrl: env.fake.url };
  if (options.contextWindow !== undefined) {
    provider.modelOverrides = { "gpt-5.2-codex": { contextWindow: options.contextWindow } };
  }
  await Deno.writeTextFile(
    `${env.agentDir}/models.json`,
    JSON.stringify({ providers: { "openai-codex": provider } }),
  );
  const settings: Record<string, unknown> = { transport: "sse" };
  if (options.reserveTokens !== undefined || options.keepRecentTokens !== undefined) {
    settings.compaction = {
      ...(options.reserveTokens !== undefined ? { reserveTokens: options.reserveTokens } : {}),
      ...(options.keepRecentTokens !== undefined
        ? { keepRecentTokens: options.keepRecentTokens }
        : {}),
    };
  }
  await Deno.writeTextFile(`${env.agentDir}/settings.json`, JSON.stringify(settings));
}

function monoEnv(env: SessionEnv): { cwd: string; env: Record<string, string> } {
  return { cwd: env.work, env: { HOME: env.dir, PI_CODING_AGENT_DIR: env.agentDir } };
}

/** Runs `pi -p [-c] <prompt i>` for i in `from..to` (each: a bash call, then an answer). */
async function piSteps(env: SessionEnv, from: number, to: number): Promise<void> {
  for (let i = from; i <= to; i++) {
    const run = await pi(env, i === 1 ? ["-p", prompt(i)] : ["-p", "-c", prompt(i)]);
    assert.equal(run.code, 0, `step ${i}: ${run.stderr}`);
    assert.match(run.stdout, new RegExp(`^answer to step ${String(i).padStart(2, "0")}\\.`));
  }
}

Deno.test({
  name:
    `pi compacts, then pi-mono ${PI_MONO_VERSION} continues: the summary pi sends, then exactly the kept messages`,
  ignore: !HAS_NODE,
  sanitizeResources: false,
  fn: async () => {
    await withMonoFake(async (env) => {
      const cli = await piMonoCli();
      await contextWindow(env.agentDir, 4_000);
      // Steps until pi compacts (its window: 4,000 tokens; each step adds about 700).
      let compactedAt = 0;
      for (let i = 1; i <= 12 && compactedAt === 0; i++) {
        const before = env.fake.requests.length;
        await piSteps(env, i, i);
        if (env.fake.requests.slice(before).some(isSummaryRequest)) compactedAt = i;
      }
      assert.ok(compactedAt > 2, `pi compacted at step ${compactedAt}`);
      const [file] = await sessionFiles(env.agentDir);
      const { summary, kept } = await afterCompaction(file);
      assert.match(summary, /SUMMARY-1/);
      // What pi itself sent last (summary, kept messages, its current turn), and its answer.
      const piLast = env.fake.requests.at(-1)!;
      const piShape = shape(piLast);
      assert.equal(piShape[0], `user:${SUMMARY_PREFIX}${summary}${SUMMARY_SUFFIX}`);
      assert.deepEqual(piShape.slice(1), kept.slice(0, piShape.length - 1));
      const answer = kept.slice(piShape.length - 1);
      const step = String(compactedAt).padStart(2, "0");
      assert.deepEqual(answer.map((s) => s.slice(0, 28)), [
        `reasoning:the answer to step ${step}`.slice(0, 28),
        `assistant:answer to step ${step}.`,
      ]);

      // pi-mono with its default window (272k): it continues without compacting.
      await monoSettings(env);
      const count = env.fake.requests.length;
      const run = await runPiMono(cli, ["-p", "-c", "mono: go on"], monoEnv(env));
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.match(run.stdout.trim(), /^answer to mono\./);
      const monoRequests = env.fake.requests.slice(count);
      assert.equal(monoRequests.length, 2, "a call and an answer, no summary request");
      assert.ok(!monoRequests.some(isSummaryRequest));
      const first = shape(monoRequests[0]);
      // The same summary text pi sends, then exactly the kept messages, then the prompt.
      assert.deepEqual(first, [...piShape, ...answer, "user:mono: go on"]);
      assert.deepEqual(first, [
        `user:${SUMMARY_PREFIX}${summary}${SUMMARY_SUFFIX}`,
        ...kept,
        "user:mono: go on",
      ]);
      assert.ok(!first.some((s) => s.startsWith("user:step 01")), "the oldest prompt is not sent");
      const id = env.fake.requests[0].headers["session_id"];
      for (const r of monoRequests) assert.equal(r.headers["session_id"], id);
      assert.equal((await sessionFiles(env.agentDir)).length, 1, "one session file");
    });
  },
});

Deno.test({
  name:
    `pi-mono ${PI_MONO_VERSION} compacts on its own (a small window), then pi continues: pi-mono's summary, then the kept messages`,
  ignore: !HAS_NODE,
  sanitizeResources: false,
  fn: async () => {
    await withMonoFake(async (env) => {
      const cli = await piMonoCli();
      // pi builds the conversation (its window: the default 272k, no compaction).
      await piSteps(env, 1, 5);
      assert.ok(!env.fake.requests.some(isSummaryRequest));
      // pi-mono: a 4,000-token window, 1,500 reserved: the last answer's context (about 2,900
      // tokens) is over the 2,500 left, so it compacts before it sends the prompt.
      await monoSettings(env, {
        contextWindow: 4_000,
        reserveTokens: 1_500,
        keepRecentTokens: 800,
      });
      const count = env.fake.requests.length;
      const run = await runPiMono(cli, ["-p", "-c", "mono: go on"], monoEnv(env));
      assert.equal(run.code, 0, run.stdout + run.stderr);
      const monoRequests = env.fake.requests.slice(count);
      assert.ok(isSummaryRequest(monoRequests[0]), "pi-mono compacted first");
      const [file] = await sessionFiles(env.agentDir);
      const { summary, kept } = await afterCompaction(file);
      assert.match(summary, /SUMMARY-/);
      const monoLast = monoRequests.at(-1)!;
      assert.ok(!isSummaryRequest(monoLast));

      await contextWindow(env.agentDir, 272_000);
      const next = await pi(env, ["-p", "-c", "pi: and now?"]);
      assert.equal(next.code, 0, next.stderr);
      const piFirst = shape(env.fake.requests.at(-2)!);
      const expected = [
        `user:${SUMMARY_PREFIX}${summary}${SUMMARY_SUFFIX}`,
        ...kept,
        "user:pi: and now?",
      ];
      assert.deepEqual(piFirst, expected);
      // The same as pi-mono's own last request, with its answer and pi's prompt after it.
      const monoShape = shape(monoLast);
      assert.deepEqual(piFirst.slice(0, monoShape.length), monoShape);
      assert.deepEqual(
        piFirst.slice(monoShape.length).map((s) => s.slice(0, 24)),
        ["reasoning:the answer to ", "assistant:answer to mono", "user:pi: and now?"],
      );
      assert.ok(
        !piFirst.some((s) => s.startsWith("user:step 01")),
        "the oldest prompt is not sent",
      );
    });
  },
});

Deno.test({
  name:
    `pi-mono ${PI_MONO_VERSION} compacts through /compact (RPC mode, with instructions), then pi continues: the summary, then the kept messages`,
  ignore: !HAS_NODE,
  sanitizeResources: false,
  fn: async () => {
    await withMonoFake(async (env) => {
      const cli = await piMonoCli();
      await piSteps(env, 1, 4);
      await monoSettings(env, { keepRecentTokens: 800 });
      const count = env.fake.requests.length;
      const rpc = await runPiMonoRpc(
        cli,
        ["-c"],
        [{ type: "compact", customInstructions: "focus on the parser" }],
        monoEnv(env),
      );
      assert.equal(rpc.responses[0].success, true, JSON.stringify(rpc.responses[0]) + rpc.stderr);
      assert.equal(rpc.code, 0, rpc.stderr);
      const monoRequests = env.fake.requests.slice(count);
      assert.ok(monoRequests.length >= 1 && monoRequests.every(isSummaryRequest));
      assert.match(JSON.stringify(monoRequests[0].body.input), /focus on the parser/);
      const [file] = await sessionFiles(env.agentDir);
      const { summary, kept } = await afterCompaction(file);
      const result = rpc.responses[0].data as { summary: string };
      assert.equal(result.summary, summary);
      assert.ok(kept.length > 0 && kept.length < 4 * 5, `${kept.length} kept`);

      const next = await pi(env, ["-p", "-c", "pi: and now?"]);
      assert.equal(next.code, 0, next.stderr);
      const piFirst = shape(env.fake.requests.at(-2)!);
      assert.deepEqual(piFirst, [
        `user:${SUMMARY_PREFIX}${summary}${SUMMARY_SUFFIX}`,
        ...kept,
        "user:pi: and now?",
      ]);
      assert.ok(
        !piFirst.some((s) => s.startsWith("user:step 01")),
        "the oldest prompt is not sent",
      );
      const id = env.fake.requests[0].headers["session_id"];
      assert.equal(env.fake.requests.at(-1)!.headers["session_id"], id);
    });
  },
});
