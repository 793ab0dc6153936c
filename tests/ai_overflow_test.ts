/**
 * Context overflow from the backend: the error shapes of the Codex backend, the OpenAI
 * platform and Anthropic become one PiError code, `api.context_overflow`, never retried
 * (the session runner compacts and sends once more). Classified where the errors are
 * built (httpFailure, failureFrom) and end to end through `stream` against a fake server.
 * Also: the summary request of `compact` goes through `complete` with the conversation's
 * session id as prompt cache key.
 */
import assert from "node:assert/strict";
import { complete, stream, type StreamOptions } from "../src/ai/stream.ts";
import { failureFrom } from "../src/ai/responses_shared.ts";
import { ApiFailure, httpFailure, isContextOverflow } from "../src/ai/retry.ts";
import type { Context, Message, StreamEvent } from "../src/ai/types.ts";
import { emptyUsage } from "../src/ai/usage.ts";
import { compact } from "../src/agent/compaction.ts";
import { isPiError, type PiError } from "../src/errors.ts";
import type { Model } from "../src/models/types.ts";
import {
  anthropicModel,
  codexModel,
  codexToken,
  collect,
  deps,
  type Fake,
  fakeKeys,
  openaiModel,
  rejectInvalid,
  sse,
  sseResponse,
  startFake,
  validateCodex,
} from "./ai_fakes.ts";

const SESSION = "0b7c5f6e-1111-4222-8333-944445555666";
const HI: Context = { systemPrompt: "x", messages: [{ role: "user", content: "hi" }] };

const CODEX_OVERFLOW = {
  code: "context_length_exceeded",
  message:
    "Your input exceeds the context window of this model. Please adjust your input and try again.",
};
const OPENAI_OVERFLOW_BODY = JSON.stringify({
  error: {
    message:
      "Your input exceeds the context window of this model. Please adjust your input and try again.",
    type: "invalid_request_error",
    param: "input",
    code: "context_length_exceeded",
  },
});
const ANTHROPIC_OVERFLOW_BODY = JSON.stringify({
  type: "error",
  error: {
    type: "invalid_request_error",
    message: "prompt is too long: 213462 tokens > 200000 maximum",
  },
});

function assertOverflow(err: unknown): asserts err is ApiFailure {
  assert.ok(isPiError(err, "api.context_overflow"), `got ${String(err)}`);
  assert.ok(err instanceof ApiFailure);
  assert.equal(err.retryable, false);
  assert.doesNotMatch(err.message, /\n/);
  assert.match(err.message, /^The conversation is too long for the model's context window \(/);
}

Deno.test("httpFailure: a 400 context_length_exceeded or 'prompt is too long' is api.context_overflow", () => {
  const h = new Headers();
  const codex = httpFailure("openai-codex", 400, JSON.stringify({ error: CODEX_OVERFLOW }), h, 0);
  assertOverflow(codex);
  assert.equal(
    codex.message,
    "The conversation is too long for the model's context window (openai-codex: Your input " +
      "exceeds the context window of this model. Please adjust your input and try again.)",
  );
  assertOverflow(httpFailure("openai", 400, OPENAI_OVERFLOW_BODY, h, 0));
  const claude = httpFailure("anthropic", 400, ANTHROPIC_OVERFLOW_BODY, h, 0);
  assertOverflow(claude);
  assert.match(claude.message, /prompt is too long: 213462 tokens > 200000 maximum/);
  // The code alone is enough; the old Chat Completions wording too.
  assertOverflow(httpFailure("openai", 400, '{"error":{"code":"context_length_exceeded"}}', h, 0));
  assertOverflow(
    httpFailure(
      "openai",
      400,
      '{"error":{"message":"This model\'s maximum context length is 128000 tokens. However, ' +
        'your messages resulted in 130000 tokens."}}',
      h,
      0,
    ),
  );

  // Other 400s stay what they were.
  const other = httpFailure(
    "openai",
    400,
    '{"error":{"type":"invalid_request_error","message":"Unknown parameter: foo"}}',
    h,
    0,
  );
  assert.ok(isPiError(other, "api.http"));
  const tooLargeBody = httpFailure(
    "anthropic",
    413,
    '{"type":"error","error":{"type":"request_too_large","message":"Request exceeds the maximum allowed number of bytes."}}',
    h,
    0,
  );
  assert.ok(isPiError(tooLargeBody, "api.http"));
  // A 500 that mentions it is a server error, retried as before.
  const server = httpFailure("openai", 500, OPENAI_OVERFLOW_BODY, h, 0);
  assert.ok(isPiError(server, "api.http") && (server as ApiFailure).retryable);
  assert.equal(isContextOverflow({ message: 42 }), false);
});

Deno.test("failureFrom: response.failed / error events with context_length_exceeded", () => {
  assertOverflow(failureFrom("openai-codex", CODEX_OVERFLOW, "the response failed", 0));
  assertOverflow(
    failureFrom(
      "openai-codex",
      { type: "context_length_exceeded" },
      "the stream reported an error",
      0,
    ),
  );
  const server = failureFrom("openai-codex", { code: "server_error", message: "oops" }, "x", 0);
  assert.ok(isPiError(server, "api.http") && (server as ApiFailure).retryable);
  const limit = failureFrom("openai-codex", { code: "usage_limit_reached" }, "x", 0);
  assert.ok(isPiError(limit, "api.usage_limit"));
});

// ---------------------------------------------------------------------------------------------
// Through `stream`, against a fake server
// ---------------------------------------------------------------------------------------------

function options(env: Record<string, string>, sleeps: number[]): StreamOptions {
  return {
    keys: fakeKeys({
      "openai-codex": codexToken(),
      openai: "sk-test-123456789",
      anthropic: "sk-ant-key-1234",
    }),
    deps: deps(env),
    sessionId: SESSION,
    retry: {
      sleep: (ms) => {
        sleeps.push(ms);
        return Promise.resolve();
      },
      random: () => 0.5,
    },
  };
}

function errorOf(events: StreamEvent[]): PiError {
  const last = events[events.length - 1];
  assert.equal(last.type, "error", `last event: ${JSON.stringify(last)}`);
  return (last as Extract<StreamEvent, { type: "error" }>).error;
}

async function overflowThrough(
  model: Model,
  env: (fake: Fake) => Record<string, string>,
  reply: () => Response,
): Promise<void> {
  const fake = startFake(() => reply());
  try {
    const sleeps: number[] = [];
    const events = await collect(stream(model, HI, options(env(fake), sleeps)));
    assertOverflow(errorOf(events));
    assert.equal(fake.requests.length, 1, "not retried");
    assert.equal(sleeps.length, 0);
    assert.equal(events.filter((e) => e.type === "retry").length, 0);
  } finally {
    await fake.close();
  }
}

const codexEnv = (fake: Fake) => ({ PI_OPENAI_CODEX_BASE_URL: `${fake.url}/backend-api` });

Deno.test("stream: Codex HTTP 400 context_length_exceeded ends with api.context_overflow", async () => {
  await overflowThrough(
    codexModel(),
    codexEnv,
    () =>
      Response.json({ error: { ...CODEX_OVERFLOW, type: "invalid_request_error" } }, {
        status: 400,
      }),
  );
});

Deno.test("stream: Codex response.failed context_length_exceeded ends with api.context_overflow", async () => {
  await overflowThrough(codexModel(), codexEnv, () =>
    sseResponse([
      sse("response.created", { response: { id: "r", status: "in_progress" } }),
      sse("response.failed", { response: { id: "r", status: "failed", error: CODEX_OVERFLOW } }),
    ].join("")));
});

Deno.test("stream: Codex error event context_length_exceeded ends with api.context_overflow", async () => {
  await overflowThrough(codexModel(), codexEnv, () =>
    sseResponse([
      sse("response.created", { response: { id: "r", status: "in_progress" } }),
      sse("error", { ...CODEX_OVERFLOW, param: "input", sequence_number: 2 }),
    ].join("")));
});

Deno.test("stream: OpenAI platform 400 context_length_exceeded ends with api.context_overflow", async () => {
  await overflowThrough(
    openaiModel(),
    (fake) => ({ OPENAI_BASE_URL: `${fake.url}/v1` }),
    () =>
      new Response(OPENAI_OVERFLOW_BODY, {
        status: 400,
        headers: { "content-type": "application/json" },
      }),
  );
});

Deno.test("stream: Anthropic 400 'prompt is too long' ends with api.context_overflow", async () => {
  await overflowThrough(
    anthropicModel(),
    (fake) => ({ ANTHROPIC_BASE_URL: fake.url }),
    () =>
      new Response(ANTHROPIC_OVERFLOW_BODY, {
        status: 400,
        headers: { "content-type": "application/json" },
      }),
  );
});

Deno.test("stream: Anthropic error event 'prompt is too long' ends with api.context_overflow", async () => {
  await overflowThrough(
    anthropicModel(),
    (fake) => ({ ANTHROPIC_BASE_URL: fake.url }),
    () =>
      sseResponse(sse("error", {
        error: {
          type: "invalid_request_error",
          message: "prompt is too long: 213462 tokens > 200000 maximum",
        },
      })),
  );
});

// ---------------------------------------------------------------------------------------------
// The summary request through `complete`
// ---------------------------------------------------------------------------------------------

Deno.test("compact through complete: the summary request reuses the session id as prompt cache key", async () => {
  const model = codexModel({ contextWindow: 12_000 });
  const fake = startFake((_req, seen) =>
    rejectInvalid(validateCodex(seen, model)) ??
      sseResponse([
        sse("response.created", { response: { id: "r", status: "in_progress" } }),
        sse("response.output_item.added", {
          output_index: 0,
          item: { type: "message", role: "assistant", content: [] },
        }),
        sse("response.output_item.done", {
          output_index: 0,
          item: {
            type: "message",
            role: "assistant",
            content: [{ type: "output_text", text: "## Goal\nFix the parser" }],
          },
        }),
        sse("response.completed", {
          response: { id: "r", status: "completed", usage: { input_tokens: 10, output_tokens: 5 } },
        }),
      ].join(""))
  );
  try {
    const messages: Message[] = [];
    for (let i = 0; i < 4; i++) {
      const callId = `call_${i}`;
      messages.push(
        { role: "user", content: `step ${i}: read src/parser_${i}.ts` },
        {
          role: "assistant",
          content: [{
            type: "tool_call",
            id: `fc_${i}`,
            callId,
            name: "read",
            arguments: { path: `src/parser_${i}.ts` },
          }],
          api: model.api,
          provider: model.provider,
          model: model.id,
          usage: emptyUsage(model),
          stopReason: "tool_use",
        },
        {
          role: "tool_result",
          callId,
          toolName: "read",
          content: [{ type: "text", text: "const x = 1;\n".repeat(800) }],
          isError: false,
        },
      );
    }
    const streamOptions = options(codexEnv(fake), []);
    const r = await compact(messages, {
      contextWindow: model.contextWindow,
      sessionId: SESSION,
      instructions: "focus on the parser",
      complete: (context, o) =>
        complete(model, context, { ...streamOptions, signal: o.signal, sessionId: o.sessionId }),
    });
    assert.equal(fake.requests.length, 1);
    const seen = fake.requests[0];
    assert.equal(seen.headers.get("session_id"), SESSION);
    assert.equal(seen.body.prompt_cache_key, SESSION);
    assert.deepEqual(seen.body.tools, []);
    const input = seen.body.input as { role: string; content: { text: string }[] }[];
    assert.equal(input.length, 1);
    assert.match(input[0].content[0].text, /\[User\]: step 0: read src\/parser_0.ts/);
    assert.match(input[0].content[0].text, /focus on the parser/);
    assert.ok(r.summary.startsWith("## Goal\nFix the parser"));
    assert.equal(r.messages[0].role, "user");
  } finally {
    await fake.close();
  }
});
