/**
 * The streaming clients against a Deno.serve fake that validates every request like
 * the real server: the Codex request shape, the reducer's final message, and the
 * shared failure handling (retry, 401 refresh, usage limit, cuts, idle, abort).
 */
import assert from "node:assert/strict";
import { complete, stream, type StreamOptions } from "../src/ai/stream.ts";
import type { Context, StreamEvent } from "../src/ai/types.ts";
import { emptyUsage, UsageSnapshotStore } from "../src/ai/usage.ts";
import { isPiError, type PiError } from "../src/errors.ts";
import {
  codexModel,
  codexToken,
  collect,
  deps,
  type Fake,
  fakeKeys,
  rejectInvalid,
  scripted,
  type Seen,
  sse,
  sseResponse,
  startFake,
  validateCodex,
} from "./ai_fakes.ts";

const model = codexModel();

const CONTEXT: Context = {
  systemPrompt: "You are pi.",
  tools: [{
    name: "read",
    description: "Read a file",
    parameters: { type: "object", properties: { path: { type: "string" } }, required: ["path"] },
  }],
  messages: [
    {
      role: "user",
      content: [
        { type: "text", text: "Look at this" },
        { type: "image", data: "iVBORw0KGgo=", mimeType: "image/png" },
      ],
    },
    {
      role: "assistant",
      api: "openai-codex-responses",
      provider: "openai-codex",
      model: model.id,
      usage: emptyUsage(model),
      stopReason: "tool_use",
      content: [
        {
          type: "thinking",
          thinking: "Need the file",
          signature: JSON.stringify({
            id: "rs_0",
            type: "reasoning",
            summary: [{ type: "summary_text", text: "Need the file" }],
            encrypted_content: "enc-0",
          }),
        },
        { type: "text", text: "Reading it." },
        {
          type: "tool_call",
          id: "fc_0",
          callId: "call_0",
          name: "read",
          arguments: { path: "a.txt" },
        },
      ],
    },
    {
      role: "tool_result",
      callId: "call_0",
      toolName: "read",
      content: [{ type: "text", text: "file contents" }],
      isError: false,
    },
    { role: "user", content: "Thanks, now summarise" },
  ],
};

const FULL_REPLY = [
  sse("response.created", { response: { id: "resp_1", status: "in_progress" } }),
  sse("response.output_item.added", {
    output_index: 0,
    item: { id: "rs_1", type: "reasoning", summary: [] },
  }),
  sse("response.reasoning_summary_part.added", { output_index: 0, summary_index: 0 }),
  sse("response.reasoning_summary_text.delta", { output_index: 0, delta: "Thinking " }),
  sse("response.reasoning_summary_text.delta", { output_index: 0, delta: "hard." }),
  sse("response.reasoning_summary_part.added", { output_index: 0, summary_index: 1 }),
  sse("response.reasoning_summary_text.delta", { output_index: 0, delta: "Second part." }),
  sse("response.output_item.done", {
    output_index: 0,
    item: {
      id: "rs_1",
      type: "reasoning",
      summary: [
        { type: "summary_text", text: "Thinking hard." },
        { type: "summary_text", text: "Second part." },
      ],
      encrypted_content: "gAAAA-secret",
    },
  }),
  sse("response.output_item.added", {
    output_index: 1,
    item: { id: "msg_1", type: "message", role: "assistant", content: [] },
  }),
  sse("response.output_text.delta", { output_index: 1, content_index: 0, delta: "Hello " }),
  sse("response.output_text.delta", { output_index: 1, content_index: 0, delta: "wörld 🙂" }),
  sse("response.output_item.done", {
    output_index: 1,
    item: {
      id: "msg_1",
      type: "message",
      role: "assistant",
      content: [{ type: "output_text", text: "Hello wörld 🙂" }],
    },
  }),
  sse("response.output_item.added", {
    output_index: 2,
    item: { id: "fc_1", type: "function_call", call_id: "call_1", name: "read", arguments: "" },
  }),
  sse("response.function_call_arguments.delta", { output_index: 2, delta: '{"path":' }),
  sse("response.function_call_arguments.delta", { output_index: 2, delta: '"b.txt"}' }),
  sse("response.output_item.done", {
    output_index: 2,
    item: {
      id: "fc_1",
      type: "function_call",
      call_id: "call_1",
      name: "read",
      arguments: '{"path":"b.txt"}',
    },
  }),
  sse("response.completed", {
    response: {
      id: "resp_1",
      status: "completed",
      usage: {
        input_tokens: 1000,
        input_tokens_details: { cached_tokens: 400 },
        output_tokens: 200,
        output_tokens_details: { reasoning_tokens: 50 },
        total_tokens: 1200,
      },
    },
  }),
];

const TEXT_REPLY = [
  sse("response.created", { response: { id: "resp_2" } }),
  sse("response.output_item.added", { output_index: 0, item: { type: "message", id: "msg_2" } }),
  sse("response.output_text.delta", { output_index: 0, delta: "ok" }),
  sse("response.output_item.done", {
    output_index: 0,
    item: { type: "message", id: "msg_2", content: [{ type: "output_text", text: "ok" }] },
  }),
  sse("response.completed", {
    response: { id: "resp_2", status: "completed", usage: { input_tokens: 5, output_tokens: 1 } },
  }),
];

/** Valid requests get `reply(n)`; invalid ones get the real server's 400. */
function codexFake(reply: (seen: Seen, n: number) => Response | Promise<Response>): Fake {
  return startFake((_req, seen, n) => rejectInvalid(validateCodex(seen, model)) ?? reply(seen, n));
}

interface Sleeps {
  delays: number[];
}

function options(fake: Fake, over: Partial<StreamOptions> = {}, sleeps?: Sleeps): StreamOptions {
  return {
    keys: fakeKeys({ "openai-codex": codexToken() }),
    deps: deps({ PI_OPENAI_CODEX_BASE_URL: `${fake.url}/backend-api` }),
    sessionId: "0b7c5f6e-1111-4222-8333-944445555666",
    retry: {
      sleep: (ms) => {
        sleeps?.delays.push(ms);
        return Promise.resolve();
      },
      random: () => 0.5,
    },
    ...over,
  };
}

function errorOf(events: StreamEvent[]): PiError {
  const last = events[events.length - 1];
  assert.equal(last.type, "error", `last event: ${JSON.stringify(last)}`);
  return (last as Extract<StreamEvent, { type: "error" }>).error;
}

Deno.test("codex: request shape, and text/thinking/tool call/usage/cost through the reducer", async () => {
  const fake = codexFake(() => sseResponse(FULL_REPLY.join("")));
  try {
    const events = await collect(
      stream(model, CONTEXT, { ...options(fake), reasoning: "minimal" }),
    );
    assert.equal(fake.requests.length, 1);
    const seen = fake.requests[0];
    assert.equal(seen.path, "/backend-api/codex/responses");
    assert.deepEqual(validateCodex(seen, model), []);
    assert.equal(seen.headers.get("session_id"), "0b7c5f6e-1111-4222-8333-944445555666");
    assert.deepEqual(seen.body.reasoning, { effort: "low", summary: "auto" }); // minimal clamped
    assert.equal(seen.body.instructions, "You are pi.");
    assert.deepEqual(seen.body.input, [
      {
        type: "message",
        role: "user",
        content: [
          { type: "input_text", text: "Look at this" },
          { type: "input_image", detail: "auto", image_url: "data:image/png;base64,iVBORw0KGgo=" },
        ],
      },
      {
        type: "reasoning",
        summary: [{ type: "summary_text", text: "Need the file" }],
        encrypted_content: "enc-0",
      },
      {
        type: "message",
        role: "assistant",
        content: [{ type: "output_text", text: "Reading it.", annotations: [] }],
      },
      { type: "function_call", call_id: "call_0", name: "read", arguments: '{"path":"a.txt"}' },
      { type: "function_call_output", call_id: "call_0", output: "file contents" },
      {
        type: "message",
        role: "user",
        content: [{ type: "input_text", text: "Thanks, now summarise" }],
      },
    ]);

    const last = events[events.length - 1];
    assert.equal(last.type, "done");
    if (last.type !== "done") return;
    const msg = last.message;
    assert.equal(msg.stopReason, "tool_use");
    assert.equal(msg.responseId, "resp_1");
    assert.equal(msg.content.length, 3);
    const [thinking, text, call] = msg.content;
    assert.equal(thinking.type, "thinking");
    if (thinking.type === "thinking") {
      assert.equal(thinking.thinking, "Thinking hard.\n\nSecond part.");
      assert.equal(JSON.parse(thinking.signature!).encrypted_content, "gAAAA-secret");
    }
    assert.deepEqual(text, { type: "text", text: "Hello wörld 🙂" });
    assert.deepEqual(call, {
      type: "tool_call",
      id: "fc_1",
      callId: "call_1",
      name: "read",
      arguments: { path: "b.txt" },
    });
    // The deltas the user saw add up to the final text (no duplication).
    const deltas = events.filter((e) => e.type === "text_delta").map((e) => e.delta).join("");
    assert.equal(deltas, "Hello wörld 🙂");
    const thinkingDeltas = events.filter((e) => e.type === "thinking_delta").map((e) => e.delta)
      .join("");
    assert.equal(thinkingDeltas, "Thinking hard.\n\nSecond part.");
    assert.deepEqual(
      events.filter((e) => e.type === "tool_call_delta").map((e) => e.delta).join(""),
      '{"path":"b.txt"}',
    );
    // Usage: input excludes cached; subscription → cost 0, list cost kept apart.
    const u = msg.usage;
    assert.deepEqual(
      [u.input, u.cacheRead, u.output, u.reasoning, u.totalTokens],
      [600, 400, 200, 50, 1200],
    );
    assert.equal(u.billed, false);
    assert.equal(u.cost.total, 0);
    const expected = (600 * 1.75 + 200 * 14 + 400 * 0.175) / 1e6;
    assert.ok(Math.abs(u.listCost.total - expected) < 1e-12, `${u.listCost.total} vs ${expected}`);

    // The answer replays: the next request carries the reasoning item (encrypted, no id).
    const next: Context = {
      ...CONTEXT,
      messages: [...CONTEXT.messages, msg, {
        role: "tool_result",
        callId: "call_1",
        toolName: "read",
        content: [{ type: "text", text: "b" }],
        isError: false,
      }],
    };
    await complete(model, next, options(fake));
    const replay = fake.requests[1].body.input as Record<string, unknown>[];
    assert.deepEqual(replay.slice(6), [
      {
        type: "reasoning",
        summary: [
          { type: "summary_text", text: "Thinking hard." },
          { type: "summary_text", text: "Second part." },
        ],
        encrypted_content: "gAAAA-secret",
      },
      {
        type: "message",
        role: "assistant",
        content: [{ type: "output_text", text: "Hello wörld 🙂", annotations: [] }],
      },
      { type: "function_call", call_id: "call_1", name: "read", arguments: '{"path":"b.txt"}' },
      { type: "function_call_output", call_id: "call_1", output: "b" },
    ]);
  } finally {
    await fake.close();
  }
});

Deno.test("codex: the fake rejects what the real server rejects (validator can fail)", async () => {
  const fake = codexFake(() => sseResponse(TEXT_REPLY.join("")));
  try {
    // A tool result with no matching call is a 400 with the server's message, not retried.
    const bad: Context = {
      systemPrompt: "x",
      messages: [{
        role: "tool_result",
        callId: "call_x",
        toolName: "t",
        content: [{ type: "text", text: "?" }],
        isError: false,
      }],
    };
    const events = await collect(stream(model, bad, options(fake)));
    const err = errorOf(events);
    assert.equal(err.code, "api.http");
    assert.match(
      err.message,
      /400: No tool call found for function call output with call_id call_x/,
    );
    assert.equal(fake.requests.length, 1);
  } finally {
    await fake.close();
  }
});

Deno.test("codex: rate-limit headers become the latest usage snapshot", async () => {
  const fake = codexFake(() =>
    sseResponse(TEXT_REPLY.join(""), {
      "x-codex-primary-used-percent": "42.5",
      "x-codex-primary-window-minutes": "300",
      "x-codex-primary-reset-after-seconds": "600",
      "x-codex-secondary-used-percent": "7",
      "x-codex-secondary-window-minutes": "10080",
      "x-codex-secondary-reset-after-seconds": "86400",
    })
  );
  try {
    const store = new UsageSnapshotStore();
    const seen: unknown[] = [];
    store.subscribe((s) => seen.push(s));
    const now = 1_764_000_000_000;
    await complete(model, { systemPrompt: "x", messages: [{ role: "user", content: "hi" }] }, {
      ...options(fake),
      usageStore: store,
    });
    assert.deepEqual(store.latest("openai-codex"), {
      provider: "openai-codex",
      accountId: "acc-1234", // the key's account (not a stored one here: kept by provider)
      capturedAt: now,
      primary: { usedPercent: 42.5, windowMinutes: 300, resetsAt: now + 600_000 },
      secondary: { usedPercent: 7, windowMinutes: 10080, resetsAt: now + 86_400_000 },
    });
    assert.equal(seen.length, 1);
  } finally {
    await fake.close();
  }
});

const HI: Context = { systemPrompt: "x", messages: [{ role: "user", content: "hi" }] };

Deno.test("retry: 500, 429 with retry-after, 503 → retried with backoff, then success", async () => {
  const fake = codexFake((_s, n) => {
    if (n === 1) return new Response("upstream error", { status: 500 });
    if (n === 2) {
      return Response.json({ error: { type: "rate_limit_exceeded", message: "slow down" } }, {
        status: 429,
        headers: { "retry-after": "2" },
      });
    }
    if (n === 3) return new Response("", { status: 503 });
    return sseResponse(TEXT_REPLY.join(""));
  });
  try {
    const sleeps: Sleeps = { delays: [] };
    const events = await collect(stream(model, HI, options(fake, {}, sleeps)));
    assert.equal(fake.requests.length, 4);
    assert.equal(events[events.length - 1].type, "done");
    // base 1000 ms doubling (jitter fixed at 0), retry-after 2 s honoured exactly.
    assert.deepEqual(sleeps.delays, [1000, 2000, 4000]);
    const retries = events.filter((e) => e.type === "retry");
    assert.deepEqual(retries.map((r) => r.type === "retry" && r.attempt), [1, 2, 3]);
    assert.equal(events.filter((e) => e.type === "text_delta").length, 1);
  } finally {
    await fake.close();
  }
});

Deno.test("retry: gives up after 4 retries (5 requests) with the server's message", async () => {
  const fake = codexFake(() => Response.json({ detail: "overloaded" }, { status: 502 }));
  try {
    const sleeps: Sleeps = { delays: [] };
    const err = errorOf(await collect(stream(model, HI, options(fake, {}, sleeps))));
    assert.equal(fake.requests.length, 5);
    assert.equal(sleeps.delays.length, 4);
    assert.equal(err.code, "api.http");
    assert.match(err.message, /502: overloaded/);
  } finally {
    await fake.close();
  }
});

Deno.test("retry: connection refused is retried, then reported as a network error", async () => {
  // A port that was just free: start and stop a server to get one.
  const tmp = startFake(() => new Response());
  const url = tmp.url;
  await tmp.close();
  const sleeps: Sleeps = { delays: [] };
  const events = await collect(stream(model, HI, {
    ...options({ url } as Fake, {}, sleeps),
    deps: deps({ PI_OPENAI_CODEX_BASE_URL: url }),
  }));
  const err = errorOf(events);
  assert.equal(err.code, "api.network");
  assert.equal(sleeps.delays.length, 4);
  assert.equal(events.filter((e) => e.type === "retry").length, 4);
});

Deno.test("401 → forced refresh → one retry with the new token", async () => {
  const fresh = codexToken("new");
  const fake = codexFake((seen) => {
    if (seen.headers.get("authorization") !== `Bearer ${fresh}`) {
      return Response.json({ error: { message: "token expired" } }, { status: 401 });
    }
    return sseResponse(TEXT_REPLY.join(""));
  });
  try {
    const keys = fakeKeys({ "openai-codex": codexToken("old") }, { "openai-codex": fresh });
    const msg = await complete(model, HI, { ...options(fake), keys });
    assert.equal(fake.requests.length, 2);
    assert.deepEqual(keys.refreshCalls, [{ provider: "openai-codex", force: true }]);
    assert.deepEqual(msg.content, [{ type: "text", text: "ok" }]);
  } finally {
    await fake.close();
  }
});

Deno.test("401 twice → one refresh only, then an error that says to log in", async () => {
  const fake = codexFake(() => Response.json({ error: { message: "nope" } }, { status: 401 }));
  try {
    const keys = fakeKeys({ "openai-codex": codexToken("old") }, {
      "openai-codex": codexToken("new"),
    });
    const err = errorOf(await collect(stream(model, HI, { ...options(fake), keys })));
    assert.equal(fake.requests.length, 2);
    assert.equal(keys.refreshCalls.length, 1);
    assert.match(err.message, /refused the credentials \(401\): nope/);
    assert.match(err.hint ?? "", /login/);
  } finally {
    await fake.close();
  }
});

Deno.test("usage limit: one request, no retry, plan and local reset time in the message", async () => {
  const now = 1_764_000_000_000;
  const resetsAt = Math.floor(now / 1000) + 2 * 3600 + 13 * 60;
  const fake = codexFake(() =>
    Response.json({
      error: {
        type: "usage_limit_reached",
        message: "The usage limit has been reached",
        plan_type: "plus",
        resets_at: resetsAt,
        resets_in_seconds: 7980,
      },
    }, { status: 429, headers: { "x-codex-primary-used-percent": "100" } })
  );
  try {
    const sleeps: Sleeps = { delays: [] };
    const store = new UsageSnapshotStore();
    const events = await collect(
      stream(model, HI, { ...options(fake, {}, sleeps), usageStore: store }),
    );
    const err = errorOf(events);
    assert.equal(fake.requests.length, 1);
    assert.equal(sleeps.delays.length, 0);
    assert.equal(err.code, "api.usage_limit");
    const d = new Date(resetsAt * 1000);
    const p = (n: number) => String(n).padStart(2, "0");
    const local = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${
      p(d.getMinutes())
    }`;
    assert.equal(
      err.message,
      `You have hit your ChatGPT usage limit (plus plan); it resets at ${local} local time (in 2 h 13 min)`,
    );
    assert.equal(store.latest()?.primary?.usedPercent, 100);
  } finally {
    await fake.close();
  }
});

Deno.test("usage limit inside the stream (response.failed): api.usage_limit, no retry", async () => {
  const fake = codexFake(() =>
    sseResponse([
      sse("response.created", { response: { id: "r" } }),
      sse("response.failed", {
        response: {
          id: "r",
          status: "failed",
          error: {
            code: "usage_limit_reached",
            message: "limit",
            plan_type: "pro",
            resets_in_seconds: 90 * 60,
          },
        },
      }),
    ].join(""))
  );
  try {
    const sleeps: Sleeps = { delays: [] };
    const err = errorOf(await collect(stream(model, HI, options(fake, {}, sleeps))));
    assert.equal(fake.requests.length, 1);
    assert.equal(sleeps.delays.length, 0);
    assert.equal(err.code, "api.usage_limit");
    assert.match(
      err.message,
      /^You have hit your ChatGPT usage limit \(pro plan\); it resets at .* local time \(in 1 h 30 min\)$/,
    );
  } finally {
    await fake.close();
  }
});

Deno.test("mid-stream cut after output: one clean error, text not duplicated, no retry", async () => {
  const fake = codexFake(() =>
    sseResponse(scripted([
      sse("response.created", { response: { id: "r" } }),
      sse("response.output_item.added", { output_index: 0, item: { type: "message" } }),
      sse("response.output_text.delta", { output_index: 0, delta: "Hello " }),
      sse("response.output_text.delta", { output_index: 0, delta: "there" }),
    ], "cut"))
  );
  try {
    const events = await collect(stream(model, HI, options(fake)));
    assert.equal(fake.requests.length, 1);
    const err = errorOf(events);
    assert.equal(err.code, "api.stream");
    assert.match(
      err.message,
      /^The answer from openai-codex was cut off: lost the connection to openai-codex/,
    );
    assert.equal(events.filter((e) => e.type === "error").length, 1);
    assert.equal(events.filter((e) => e.type === "retry").length, 0);
    const deltas = events.filter((e) => e.type === "text_delta").map((e) => e.delta).join("");
    assert.equal(deltas, "Hello there");
    const last = events[events.length - 1];
    assert.equal(last.type, "error");
    if (last.type === "error") {
      assert.equal(last.message.stopReason, "error");
      assert.deepEqual(last.message.content, [{ type: "text", text: "Hello there" }]);
    }
  } finally {
    await fake.close();
  }
});

Deno.test("stream ending before response.completed: retried if nothing shown, else an error", async () => {
  // 1) Nothing shown: the first attempt ends early, the second completes.
  const fake = codexFake((_s, n) =>
    n === 1
      ? sseResponse(sse("response.created", { response: { id: "r" } }))
      : sseResponse(TEXT_REPLY.join(""))
  );
  try {
    const sleeps: Sleeps = { delays: [] };
    const events = await collect(stream(model, HI, options(fake, {}, sleeps)));
    assert.equal(fake.requests.length, 2);
    assert.equal(sleeps.delays.length, 1);
    assert.equal(events[events.length - 1].type, "done");
    assert.equal(events.filter((e) => e.type === "text_delta").length, 1);
  } finally {
    await fake.close();
  }
  // 2) Output shown, then a clean close without response.completed: never a silent success.
  const fake2 = codexFake(() =>
    sseResponse(
      TEXT_REPLY.slice(0, 3).join("") +
        // the last event has no trailing blank line: still delivered
        'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","output_index":0,"delta":"!"}',
    )
  );
  try {
    const events = await collect(stream(model, HI, options(fake2)));
    assert.equal(fake2.requests.length, 1);
    const err = errorOf(events);
    assert.equal(err.code, "api.stream");
    assert.equal(
      err.message,
      "The answer from openai-codex was cut off: the openai-codex stream ended before the answer was complete",
    );
    assert.equal(events.filter((e) => e.type === "text_delta").map((e) => e.delta).join(""), "ok!");
  } finally {
    await fake2.close();
  }
});

Deno.test("a server-reported failure (response.failed) is an error with its message", async () => {
  const fake = codexFake(() =>
    sseResponse(
      sse("response.created", { response: { id: "r" } }) +
        sse("response.failed", {
          response: { error: { code: "invalid_prompt", message: "Your prompt was flagged" } },
        }),
    )
  );
  try {
    const err = errorOf(await collect(stream(model, HI, options(fake))));
    assert.equal(fake.requests.length, 1);
    assert.match(err.message, /invalid_prompt.*Your prompt was flagged/);
  } finally {
    await fake.close();
  }
});

Deno.test("idle timeout: a silent stream fails after the (injected) idle time", async () => {
  const fake = codexFake(() =>
    sseResponse(scripted([
      sse("response.output_item.added", { output_index: 0, item: { type: "message" } }),
      sse("response.output_text.delta", { output_index: 0, delta: "partial" }),
    ], "hang"))
  );
  try {
    const t0 = performance.now();
    const events = await collect(stream(model, HI, { ...options(fake), idleTimeoutMs: 150 }));
    const ms = performance.now() - t0;
    const err = errorOf(events);
    assert.equal(err.code, "api.stream");
    assert.equal(
      err.message,
      "The answer from openai-codex was cut off: no data from openai-codex for 0.2 s",
    );
    assert.equal(fake.requests.length, 1);
    console.log(`idle timeout (150 ms injected) reported after ${ms.toFixed(0)} ms`);
  } finally {
    await fake.close();
  }
});

Deno.test("idle timeout: steady data over several idle periods, and a slow consumer, are not idle", async () => {
  // TEXT_REPLY's events 80 ms apart: the stream lasts ~400 ms against a 150 ms idle limit.
  const enc = new TextEncoder();
  const fake = codexFake(() => {
    let i = 0;
    return sseResponse(
      new ReadableStream<Uint8Array>({
        async pull(c) {
          if (i > 0) await new Promise((r) => setTimeout(r, 80));
          if (i < TEXT_REPLY.length) c.enqueue(enc.encode(TEXT_REPLY[i++]));
          else c.close();
        },
      }),
    );
  });
  try {
    const events = await collect(stream(model, HI, { ...options(fake), idleTimeoutMs: 150 }));
    assert.equal(events.at(-1)?.type, "done");
    // A consumer that takes longer than the idle limit between reads: the time is its own.
    const slow: StreamEvent[] = [];
    for await (const e of stream(model, HI, { ...options(fake), idleTimeoutMs: 150 })) {
      slow.push(e);
      if (e.type === "text_delta") await new Promise((r) => setTimeout(r, 300));
    }
    assert.equal(slow.at(-1)?.type, "done");
    assert.equal(fake.requests.length, 2);
  } finally {
    await fake.close();
  }
});

Deno.test("a finished stream leaves nothing that keeps a library user's process alive", async () => {
  // A script that streams one answer and stops its server must end at once, not when the
  // idle timer (20 s here, 300 s by default) would have fired.
  const fakes = new URL("./ai_fakes.ts", import.meta.url).href;
  const streamModule = new URL("../src/ai/stream.ts", import.meta.url).href;
  const script = `
    import { codexModel, codexToken, deps, fakeKeys, sse, sseResponse, startFake } from ${
    JSON.stringify(fakes)
  };
    import { complete } from ${JSON.stringify(streamModule)};
    const reply = ${JSON.stringify(TEXT_REPLY.join(""))};
    const fake = startFake(() => sseResponse(reply));
    const message = await complete(codexModel(), { systemPrompt: "x", messages: [{ role: "user", content: "hi" }] }, {
      keys: fakeKeys({ "openai-codex": codexToken() }),
      deps: deps({ PI_OPENAI_CODEX_BASE_URL: fake.url + "/backend-api" }),
      idleTimeoutMs: 20_000,
    });
    await fake.close();
    console.log(message.stopReason);`;
  const started = performance.now();
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-config", script],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  const ms = performance.now() - started;
  assert.equal(out.code, 0);
  assert.equal(new TextDecoder().decode(out.stdout).trim(), "stop");
  assert.ok(ms < 10_000, `the process lived ${ms.toFixed(0)} ms`);
});

Deno.test("idle timeout: Infinity means no limit", async () => {
  const fake = codexFake(() => sseResponse(TEXT_REPLY.join("")));
  try {
    const events = await collect(stream(model, HI, { ...options(fake), idleTimeoutMs: Infinity }));
    assert.equal(events.at(-1)?.type, "done");
  } finally {
    await fake.close();
  }
});

Deno.test("idle before any output is retried like a dropped stream", async () => {
  const fake = codexFake(() => sseResponse(scripted([": ping\n\n"], "hang")));
  try {
    const sleeps: Sleeps = { delays: [] };
    const events = await collect(stream(model, HI, {
      ...options(fake, {}, sleeps),
      idleTimeoutMs: 50,
      retry: { maxRetries: 1, sleep: () => Promise.resolve() },
    }));
    assert.equal(fake.requests.length, 2);
    assert.match(errorOf(events).message, /^No data from openai-codex/);
  } finally {
    await fake.close();
  }
});

Deno.test("abort: the stream stops promptly with api.aborted and keeps what arrived", async () => {
  const fake = codexFake(() =>
    sseResponse(scripted([
      sse("response.output_item.added", { output_index: 0, item: { type: "message" } }),
      sse("response.output_text.delta", { output_index: 0, delta: "Hel" }),
    ], "hang"))
  );
  try {
    const ac = new AbortController();
    const s = stream(model, HI, { ...options(fake), signal: ac.signal });
    let abortedAt = 0;
    let stoppedAt = 0;
    const events: StreamEvent[] = [];
    for await (const e of s) {
      events.push(e);
      if (e.type === "text_delta") {
        abortedAt = performance.now();
        ac.abort();
      }
      if (e.type === "error") stoppedAt = performance.now();
    }
    const err = errorOf(events);
    assert.ok(isPiError(err, "api.aborted"));
    const last = events[events.length - 1];
    assert.equal(last.type, "error");
    if (last.type === "error") {
      assert.equal(last.message.stopReason, "aborted");
      assert.deepEqual(last.message.content, [{ type: "text", text: "Hel" }]);
    }
    await assert.rejects(s.result(), (e) => isPiError(e, "api.aborted"));
    console.log(`abort → error event after ${(stoppedAt - abortedAt).toFixed(1)} ms`);
  } finally {
    await fake.close();
  }
});

Deno.test("abort during a backoff wait stops at once", async () => {
  const fake = codexFake(() => new Response("down", { status: 503 }));
  try {
    const ac = new AbortController();
    const s = stream(model, HI, {
      ...options(fake),
      signal: ac.signal,
      retry: { baseDelayMs: 60_000 }, // the real sleep: would wait a minute
    });
    const events: StreamEvent[] = [];
    let t0 = 0;
    for await (const e of s) {
      events.push(e);
      if (e.type === "retry") {
        t0 = performance.now();
        ac.abort();
      }
    }
    assert.equal(errorOf(events).code, "api.aborted");
    assert.equal(fake.requests.length, 1);
    console.log(`abort during backoff → error after ${(performance.now() - t0).toFixed(1)} ms`);
  } finally {
    await fake.close();
  }
});

Deno.test("no key → a login hint; a non-JWT codex key is refused with a message that says so", async () => {
  const fake = codexFake(() => sseResponse(TEXT_REPLY.join("")));
  try {
    const none = errorOf(
      await collect(stream(model, HI, { ...options(fake), keys: fakeKeys({}) })),
    );
    assert.equal(none.code, "auth.not_logged_in");
    assert.match(none.hint ?? "", /pi login openai-codex/);
    const notJwt = errorOf(
      await collect(stream(model, HI, {
        ...options(fake),
        keys: fakeKeys({ "openai-codex": "sk-plainkey123456" }),
      })),
    );
    assert.equal(notJwt.code, "auth.invalid_token");
    assert.match(notJwt.message, /not a ChatGPT access token/);
    assert.ok(!notJwt.message.includes("sk-plainkey"));
    assert.equal(fake.requests.length, 0);
  } finally {
    await fake.close();
  }
});

Deno.test("leaving the event loop early (break) aborts the request", async () => {
  let cancelled!: () => void;
  const serverSawCancel = new Promise<void>((r) => cancelled = r);
  const fake = codexFake(() => {
    const enc = new TextEncoder();
    return sseResponse(
      new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(enc.encode(
            sse("response.output_item.added", { output_index: 0, item: { type: "message" } }) +
              sse("response.output_text.delta", { output_index: 0, delta: "first" }),
          ));
        },
        cancel() {
          cancelled();
        },
      }),
    );
  });
  try {
    const s = stream(model, HI, options(fake));
    for await (const e of s) if (e.type === "text_delta") break;
    await assert.rejects(s.result(), (e) => isPiError(e, "api.aborted"));
    await serverSawCancel; // the connection was closed: the server's stream was cancelled
  } finally {
    await fake.close();
  }
});
