/**
 * Test helpers for the streaming clients: a `Deno.serve` fake on 127.0.0.1 that
 * validates requests the way the real servers do, SSE builders, models, keys.
 */

import type { KeySource } from "../src/auth/types.ts";
import type { Model } from "../src/models/types.ts";
import type { AssistantMessage, StreamEvent, Usage } from "../src/ai/types.ts";
import { makeUsage } from "../src/ai/usage.ts";
import type { AssistantStream, StreamOptions } from "../src/ai/stream.ts";
import { makeJwt } from "./fixtures/jwt.ts";

export { makeJwt };

export const ACCOUNT_ID = "acc-1234";

export function codexToken(tag = "old"): string {
  return makeJwt({
    "https://api.openai.com/auth": { chatgpt_account_id: ACCOUNT_ID, chatgpt_plan_type: "plus" },
    tag,
  });
}

export function codexModel(over: Partial<Model> = {}): Model {
  return {
    id: "gpt-5.2-codex",
    name: "GPT-5.2 Codex",
    provider: "openai-codex",
    api: "openai-codex-responses",
    contextWindow: 400_000,
    maxOutput: 128_000,
    reasoning: ["low", "medium", "high", "xhigh"],
    cost: { input: 1.75, output: 14, cacheRead: 0.175, cacheWrite: 0 },
    billed: false,
    inputs: ["text", "image"],
    ...over,
  };
}

/** The usage of one {@link codexModel} answer: 100 tokens in (20 cached), 10 out (2 reasoning). */
export const CODEX_USAGE: Usage = makeUsage(
  { input: 80, cacheRead: 20, cacheWrite: 0, output: 10, reasoning: 2 },
  codexModel(),
);

/** A {@link codexModel} answer with `content`, {@link CODEX_USAGE} and `stopReason`. */
export function codexAnswer(
  content: AssistantMessage["content"],
  stopReason: AssistantMessage["stopReason"],
): AssistantMessage {
  return {
    role: "assistant",
    content,
    api: "openai-codex-responses",
    provider: "openai-codex",
    model: "gpt-5.2-codex",
    usage: CODEX_USAGE,
    stopReason,
  };
}

export function openaiModel(over: Partial<Model> = {}): Model {
  return {
    id: "gpt-5.2",
    name: "GPT-5.2",
    provider: "openai",
    api: "openai-responses",
    contextWindow: 400_000,
    maxOutput: 128_000,
    reasoning: ["minimal", "low", "medium", "high"],
    cost: { input: 1.25, output: 10, cacheRead: 0.125, cacheWrite: 0 },
    billed: true,
    inputs: ["text", "image"],
    ...over,
  };
}

export function anthropicModel(over: Partial<Model> = {}): Model {
  return {
    id: "claude-sonnet-4-5",
    name: "Claude Sonnet 4.5",
    provider: "anthropic",
    api: "anthropic-messages",
    contextWindow: 200_000,
    maxOutput: 64_000,
    reasoning: ["off", "minimal", "low", "medium", "high"],
    cost: { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 },
    billed: true,
    inputs: ["text", "image"],
    ...over,
  };
}

export interface FakeKeys extends KeySource {
  refreshCalls: { provider: string; force?: boolean }[];
}

export function fakeKeys(
  keys: Record<string, string>,
  refreshed?: Record<string, string>,
): FakeKeys {
  const current = { ...keys };
  const calls: { provider: string; force?: boolean }[] = [];
  return {
    refreshCalls: calls,
    getApiKey: (p) => Promise.resolve(current[p]),
    refresh(p, options) {
      calls.push({ provider: p, force: options?.force });
      if (refreshed?.[p]) current[p] = refreshed[p];
      return Promise.resolve(refreshed?.[p]);
    },
  };
}

/** One SSE event line pair; `type` is also put in the data like the real servers do. */
export function sse(type: string, data: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

export interface Seen {
  method: string;
  path: string;
  headers: Headers;
  body: Record<string, unknown>;
}

export type Handler = (req: Request, seen: Seen, n: number) => Response | Promise<Response>;

export interface Fake {
  url: string;
  requests: Seen[];
  close(): Promise<void>;
}

/** Starts a fake on 127.0.0.1:0; each request is parsed and recorded before `handler`. */
export function startFake(handler: Handler): Fake {
  const requests: Seen[] = [];
  const ac = new AbortController();
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen() {}, signal: ac.signal },
    async (req) => {
      const text = await req.text();
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(text);
      } catch {
        return Response.json({ error: { message: "We could not parse the JSON body" } }, {
          status: 400,
        });
      }
      const seen: Seen = {
        method: req.method,
        path: new URL(req.url).pathname,
        headers: req.headers,
        body,
      };
      requests.push(seen);
      return await handler(req, seen, requests.length);
    },
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    requests,
    async close() {
      ac.abort();
      await server.finished;
    },
  };
}

export function sseResponse(
  body: string | ReadableStream<Uint8Array>,
  headers: Record<string, string> = {},
): Response {
  return new Response(body, {
    headers: { "content-type": "text/event-stream", ...headers },
  });
}

/** A stream that sends `parts` and then either closes, errors (cut), or hangs. */
export function scripted(
  parts: string[],
  end: "close" | "cut" | "hang",
): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  let release: (() => void) | undefined;
  let i = 0;
  return new ReadableStream<Uint8Array>({
    async pull(c) {
      if (i < parts.length) {
        c.enqueue(enc.encode(parts[i++]));
        // let the client read each part separately
        await new Promise((r) => setTimeout(r, 5));
        return;
      }
      if (end === "close") c.close();
      else if (end === "cut") c.error(new Error("connection cut"));
      else await new Promise<void>((r) => release = r);
    },
    cancel() {
      release?.();
    },
  });
}

export function collect(s: AssistantStream): Promise<StreamEvent[]> {
  return Array.fromAsync(s);
}

export function deps(env: Record<string, string>, now = 1_764_000_000_000): StreamOptions["deps"] {
  return { fetch: (i, init) => fetch(i, init), env: (n) => env[n], now: () => now };
}

// ---------------------------------------------------------------------------------------------
// Validators: what the real servers reject. Each returns a list of problems (empty = valid).
// ---------------------------------------------------------------------------------------------

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

const CODEX_BODY_KEYS = [
  "model",
  "instructions",
  "input",
  "tools",
  "tool_choice",
  "parallel_tool_calls",
  "reasoning",
  "store",
  "stream",
  "include",
  "prompt_cache_key",
];

function validateResponsesInput(input: unknown, problems: string[]): void {
  if (!Array.isArray(input)) {
    problems.push("input must be an array");
    return;
  }
  const calls = new Set<string>();
  input.forEach((item, i) => {
    if (!isObj(item)) {
      problems.push(`input[${i}] is not an object`);
      return;
    }
    if ("id" in item) {
      problems.push(`input[${i}].id: items are not persisted when store is false`);
    }
    switch (item.type) {
      case "message": {
        if (!["user", "assistant", "developer", "system"].includes(item.role as string)) {
          problems.push(`input[${i}].role invalid`);
        }
        if (!Array.isArray(item.content) || item.content.length === 0) {
          problems.push(`input[${i}].content must be a non-empty array`);
          break;
        }
        for (const [j, part] of (item.content as unknown[]).entries()) {
          if (!isObj(part)) {
            problems.push(`input[${i}].content[${j}] not an object`);
            continue;
          }
          const allowed = item.role === "assistant" ? ["output_text", "refusal"] : [
            "input_text",
            "input_image",
          ];
          if (!allowed.includes(part.type as string)) {
            problems.push(`input[${i}].content[${j}].type ${part.type} invalid for ${item.role}`);
          }
          if (part.type === "input_image" && !String(part.image_url).startsWith("data:image/")) {
            problems.push(`input[${i}].content[${j}].image_url invalid`);
          }
          if (
            (part.type === "input_text" || part.type === "output_text") &&
            typeof part.text !== "string"
          ) {
            problems.push(`input[${i}].content[${j}].text missing`);
          }
        }
        break;
      }
      case "reasoning":
        if (!Array.isArray(item.summary)) problems.push(`input[${i}].summary must be an array`);
        if (typeof item.encrypted_content !== "string") {
          problems.push(`input[${i}].encrypted_content missing`);
        }
        break;
      case "function_call":
        if (typeof item.call_id !== "string" || typeof item.name !== "string") {
          problems.push(`input[${i}] function_call needs call_id and name`);
        }
        try {
          JSON.parse(item.arguments as string);
        } catch {
          problems.push(`input[${i}].arguments must be a JSON string`);
        }
        calls.add(item.call_id as string);
        break;
      case "function_call_output":
        if (typeof item.output !== "string") problems.push(`input[${i}].output must be a string`);
        if (!calls.has(item.call_id as string)) {
          problems.push(`No tool call found for function call output with call_id ${item.call_id}`);
        }
        break;
      default:
        problems.push(`input[${i}].type ${item.type} unknown`);
    }
  });
}

function validateResponsesTools(tools: unknown, problems: string[]): void {
  if (!Array.isArray(tools)) return void problems.push("tools must be an array");
  tools.forEach((t, i) => {
    if (!isObj(t) || t.type !== "function" || typeof t.name !== "string" || !isObj(t.parameters)) {
      problems.push(`tools[${i}] invalid`);
    }
  });
}

export function validateCodex(seen: Seen, model: Model): string[] {
  const p: string[] = [];
  const h = seen.headers;
  if (seen.method !== "POST") p.push("method must be POST");
  if (!seen.path.endsWith("/codex/responses")) p.push(`path ${seen.path}`);
  const auth = h.get("authorization") ?? "";
  if (!auth.startsWith("Bearer ey")) p.push("authorization must be Bearer <jwt>");
  if (h.get("chatgpt-account-id") !== ACCOUNT_ID) p.push("chatgpt-account-id");
  if (h.get("openai-beta") !== "responses=experimental") p.push("OpenAI-Beta");
  if (h.get("originator") !== "pi") p.push("originator");
  if (!/^[0-9a-f-]{36}$/.test(h.get("session_id") ?? "")) p.push("session_id must be a uuid");
  if (!(h.get("accept") ?? "").includes("text/event-stream")) p.push("accept");
  if (!(h.get("content-type") ?? "").startsWith("application/json")) p.push("content-type");
  const b = seen.body;
  const keys = Object.keys(b).sort();
  if (JSON.stringify(keys) !== JSON.stringify([...CODEX_BODY_KEYS].sort())) {
    p.push(`body keys ${keys.join(",")}`);
  }
  if (b.model !== model.id) p.push("model");
  if (typeof b.instructions !== "string" || b.instructions.trim() === "") {
    p.push("Instructions are required");
  }
  if (b.store !== false) p.push("Store must be set to false");
  if (b.stream !== true) p.push("Stream must be set to true");
  if (b.tool_choice !== "auto") p.push("tool_choice");
  if (typeof b.parallel_tool_calls !== "boolean") p.push("parallel_tool_calls");
  if (!Array.isArray(b.include) || !b.include.includes("reasoning.encrypted_content")) {
    p.push("include");
  }
  if (b.prompt_cache_key !== h.get("session_id")) p.push("prompt_cache_key must be the session id");
  const r = b.reasoning as Record<string, unknown> | undefined;
  if (!isObj(r) || !model.reasoning.includes(r.effort as never) || r.summary !== "auto") {
    p.push(`reasoning ${JSON.stringify(r)} unsupported`);
  }
  validateResponsesInput(b.input, p);
  validateResponsesTools(b.tools, p);
  return p;
}

export function validateOpenAI(seen: Seen, model: Model): string[] {
  const p: string[] = [];
  const h = seen.headers;
  if (seen.method !== "POST" || seen.path !== "/v1/responses") p.push(`path ${seen.path}`);
  if (!/^Bearer sk-/.test(h.get("authorization") ?? "")) p.push("authorization");
  if (h.has("chatgpt-account-id")) p.push("no ChatGPT headers on the platform API");
  const b = seen.body;
  if (b.model !== model.id) p.push("model");
  if (b.stream !== true) p.push("stream");
  if (b.store !== false) p.push("store");
  validateResponsesInput(b.input, p);
  validateResponsesTools(b.tools, p);
  return p;
}

export function validateAnthropic(seen: Seen, model: Model): string[] {
  const p: string[] = [];
  const h = seen.headers;
  if (seen.method !== "POST" || seen.path !== "/v1/messages") p.push(`path ${seen.path}`);
  if (!(h.get("x-api-key") ?? "").startsWith("sk-ant-")) p.push("x-api-key");
  if (h.get("anthropic-version") !== "2023-06-01") p.push("anthropic-version");
  if (h.has("authorization")) p.push("no authorization header with an API key");
  const b = seen.body;
  if (b.model !== model.id) p.push("model");
  if (typeof b.max_tokens !== "number" || b.max_tokens < 1) p.push("max_tokens: Field required");
  if (b.stream !== true) p.push("stream");
  if (b.system !== undefined && typeof b.system !== "string") p.push("system");
  const thinking = b.thinking as Record<string, unknown> | undefined;
  if (thinking !== undefined) {
    const budget = thinking.budget_tokens as number;
    if (thinking.type !== "enabled" || budget < 1024 || budget >= (b.max_tokens as number)) {
      p.push("thinking.budget_tokens must be >= 1024 and less than max_tokens");
    }
  }
  const messages = b.messages as Record<string, unknown>[];
  if (!Array.isArray(messages) || messages.length === 0) return [...p, "messages required"];
  if (messages[0].role !== "user") p.push("first message must use the user role");
  let toolUses = new Set<string>();
  messages.forEach((m, i) => {
    if (i > 0 && messages[i - 1].role === m.role) p.push(`messages[${i}]: roles must alternate`);
    const content = m.content as Record<string, unknown>[];
    if (!Array.isArray(content) || content.length === 0) {
      p.push(`messages[${i}].content empty`);
      return;
    }
    const pending = new Set<string>();
    content.forEach((c, j) => {
      const at = `messages[${i}].content[${j}]`;
      switch (c.type) {
        case "text":
          if (typeof c.text !== "string" || c.text === "") {
            p.push(`${at}: text content blocks must be non-empty`);
          }
          break;
        case "image": {
          const src = c.source as Record<string, unknown>;
          if (src?.type !== "base64" || !String(src.media_type).startsWith("image/")) {
            p.push(`${at}.source invalid`);
          }
          break;
        }
        case "thinking":
          if (m.role !== "assistant" || typeof c.signature !== "string") p.push(`${at} thinking`);
          break;
        case "redacted_thinking":
          if (typeof c.data !== "string") p.push(`${at} redacted_thinking`);
          break;
        case "tool_use":
          if (m.role !== "assistant" || !/^[a-zA-Z0-9_-]+$/.test(String(c.id)) || !isObj(c.input)) {
            p.push(`${at} tool_use`);
          }
          pending.add(c.id as string);
          break;
        case "tool_result":
          if (m.role !== "user" || !toolUses.has(c.tool_use_id as string)) {
            p.push(
              `${at}: tool_use_id ${c.tool_use_id} has no matching tool_use in the previous message`,
            );
          }
          break;
        default:
          p.push(`${at}.type ${c.type} unknown`);
      }
    });
    toolUses = pending;
  });
  const tools = b.tools as Record<string, unknown>[] | undefined;
  if (tools !== undefined) {
    tools.forEach((t, i) => {
      if (typeof t.name !== "string" || !isObj(t.input_schema)) p.push(`tools[${i}] invalid`);
    });
  }
  return p;
}

/** The fake answers 400 like the real server when the request is invalid. */
export function rejectInvalid(problems: string[]): Response | undefined {
  if (problems.length === 0) return undefined;
  return Response.json({
    error: { type: "invalid_request_error", message: problems.join("; ") },
  }, { status: 400 });
}
