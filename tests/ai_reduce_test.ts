/** Pure pieces of the streaming layer: reducer, cost, effort clamping, retry policy. */
import assert from "node:assert/strict";
import { MessageBuilder, parseToolArguments, reduceEvents } from "../src/ai/reduce.ts";
import { clampEffort } from "../src/ai/responses_shared.ts";
import {
  httpFailure,
  parseRetryAfter,
  retryDelay,
  serverMessage,
  UsageLimitError,
} from "../src/ai/retry.ts";
import type { StreamEvent } from "../src/ai/types.ts";
import { makeUsage, parseCodexRateLimitHeaders } from "../src/ai/usage.ts";
import { PiError } from "../src/errors.ts";
import { anthropicModel, codexModel, openaiModel } from "./ai_fakes.ts";

Deno.test("reduce: events → message, in block order, last usage wins", () => {
  const model = openaiModel();
  const usage = makeUsage(
    { input: 10, cacheRead: 0, cacheWrite: 0, output: 5, reasoning: 0 },
    model,
  );
  const events: StreamEvent[] = [
    { type: "thinking_start", index: 0 },
    { type: "thinking_delta", index: 0, delta: "a" },
    { type: "thinking_end", index: 0, thinking: "ab", signature: "s" },
    { type: "text_start", index: 1 },
    { type: "text_delta", index: 1, delta: "Hel" },
    { type: "text_delta", index: 1, delta: "lo" },
    { type: "tool_call_start", index: 2, id: "fc", callId: "c", name: "t" },
    { type: "tool_call_delta", index: 2, delta: '{"x":' },
    { type: "tool_call_delta", index: 2, delta: "1}" },
    {
      type: "usage",
      usage: makeUsage({ input: 1, cacheRead: 0, cacheWrite: 0, output: 1, reasoning: 0 }, model),
    },
    { type: "usage", usage },
  ];
  const msg = reduceEvents(model, [...events, {
    type: "done",
    stopReason: "tool_use",
    message: undefined as never,
  }]);
  assert.deepEqual(msg.content, [
    { type: "thinking", thinking: "ab", signature: "s" },
    { type: "text", text: "Hello" },
    { type: "tool_call", id: "fc", callId: "c", name: "t", arguments: { x: 1 } },
  ]);
  assert.equal(msg.stopReason, "tool_use");
  assert.equal(msg.usage, usage);
  assert.equal(msg.api, "openai-responses");
});

Deno.test("reduce: an error keeps the partial message; bad tool JSON keeps the raw text", () => {
  const model = anthropicModel();
  const msg = reduceEvents(model, [
    { type: "tool_call_start", index: 0, id: "t", callId: "t", name: "bash" },
    { type: "tool_call_delta", index: 0, delta: '{"command": "ec' },
    {
      type: "error",
      error: new PiError("api.aborted", "The request was aborted"),
      message: undefined as never,
    },
  ]);
  assert.equal(msg.stopReason, "aborted");
  assert.equal(msg.errorMessage, "The request was aborted");
  assert.deepEqual(msg.content, [{
    type: "tool_call",
    id: "t",
    callId: "t",
    name: "bash",
    arguments: {},
    rawArguments: '{"command": "ec',
  }]);
  assert.deepEqual(parseToolArguments("[1]"), { arguments: {}, rawArguments: "[1]" });
  assert.deepEqual(parseToolArguments(" "), { arguments: {} });
  const b = new MessageBuilder(model);
  assert.equal(b.hasContent, false);
});

Deno.test("cost: billed models pay list price; a subscription pays 0 and keeps the would-be cost", () => {
  const tokens = {
    input: 1_000_000,
    cacheRead: 2_000_000,
    cacheWrite: 0,
    output: 500_000,
    reasoning: 100,
  };
  const sub = makeUsage(tokens, codexModel());
  assert.equal(sub.cost.total, 0);
  assert.ok(Math.abs(sub.listCost.total - (1.75 + 0.35 + 7)) < 1e-9);
  assert.equal(sub.totalTokens, 3_500_000);
  const paid = makeUsage(tokens, codexModel({ billed: true }));
  assert.deepEqual(paid.cost, paid.listCost);
});

Deno.test("reasoning effort is clamped to what the model supports", () => {
  const codex = codexModel(); // low..xhigh
  assert.equal(clampEffort(codex, undefined), "medium");
  assert.equal(clampEffort(codex, "minimal"), "low");
  assert.equal(clampEffort(codex, "off"), "low");
  assert.equal(clampEffort(codex, "xhigh"), "xhigh");
  const mini = openaiModel({ reasoning: ["minimal", "low", "medium", "high"] });
  assert.equal(clampEffort(mini, "xhigh"), "high");
  assert.equal(clampEffort(anthropicModel(), "off"), "none");
  assert.equal(clampEffort(openaiModel({ reasoning: [] }), "high"), undefined);
});

Deno.test("retry policy: backoff doubles with jitter and a cap; retry-after in seconds, ms or a date", () => {
  const o = { baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.5 };
  assert.deepEqual([1, 2, 3, 4, 5].map((n) => retryDelay(n, o)), [100, 200, 400, 800, 1000]);
  assert.equal(retryDelay(1, { baseDelayMs: 100, random: () => 0 }), 75);
  assert.equal(retryDelay(1, { baseDelayMs: 100, random: () => 0.999999 }), 125);
  assert.equal(retryDelay(3, o, 1234), 1234);
  const now = Date.parse("2026-01-01T00:00:00Z");
  assert.equal(parseRetryAfter(new Headers({ "retry-after": "3" }), now), 3000);
  assert.equal(parseRetryAfter(new Headers({ "retry-after-ms": "250" }), now), 250);
  assert.equal(
    parseRetryAfter(new Headers({ "retry-after": "Thu, 01 Jan 2026 00:00:10 GMT" }), now),
    10_000,
  );
  assert.equal(parseRetryAfter(new Headers({}), now), undefined);
});

Deno.test("usage limit message: resets_in_seconds, no plan; a 429 that is not a usage limit → a retryable api.http", () => {
  const now = Date.parse("2026-01-01T10:00:00Z");
  const limit = (body: string) => httpFailure("openai-codex", 429, body, new Headers(), now);
  const err = limit(
    JSON.stringify({ error: { type: "usage_limit_reached", resets_in_seconds: 3 * 86400 } }),
  );
  assert.ok(err instanceof UsageLimitError);
  assert.equal(err.code, "api.usage_limit");
  assert.match(
    err.message,
    /^You have hit your ChatGPT usage limit; it resets at \d{4}-\d\d-\d\d \d\d:\d\d local time \(in 3 days\)$/,
  );
  for (const body of ['{"error":{"type":"rate_limit_exceeded"}}', "oops"]) {
    const other = limit(body);
    assert.ok(!(other instanceof UsageLimitError), body);
    assert.equal(other.code, "api.http", body);
  }
  assert.equal(
    limit('{"error":{"type":"usage_not_included","plan_type":"free"}}').message,
    "Your ChatGPT plan (free plan) does not include Codex usage",
  );
});

Deno.test("server messages are extracted, shortened and redacted", () => {
  assert.equal(
    serverMessage('{"error":{"message":"bad  thing\\nhappened"}}'),
    "bad thing happened",
  );
  assert.equal(serverMessage('{"detail":"nope"}'), "nope");
  assert.equal(serverMessage("Bearer abcdefghijklmnop failed"), "Bearer [redacted] failed");
  assert.equal(serverMessage("x".repeat(400)).length, 300);
});

Deno.test("codex rate-limit headers: reset-at wins over reset-after; none → undefined", () => {
  const h = new Headers({
    "x-codex-primary-used-percent": "5",
    "x-codex-primary-reset-at": "1767225600",
    "x-codex-primary-reset-after-seconds": "10",
  });
  assert.deepEqual(parseCodexRateLimitHeaders(h, 0), {
    provider: "openai-codex",
    capturedAt: 0,
    primary: { usedPercent: 5, resetsAt: 1_767_225_600_000 },
  });
  assert.equal(parseCodexRateLimitHeaders(new Headers(), 0), undefined);
});
