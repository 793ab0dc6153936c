/**
 * The `openai` (Responses, API key) and `anthropic` (Messages) clients against fakes
 * that validate requests like the real servers: request shape, and text, thinking,
 * tool calls, usage and cost through the reducer.
 */
import assert from "node:assert/strict";
import { complete, stream, type StreamOptions } from "../src/ai/stream.ts";
import type { AssistantMessage, Context, StreamEvent } from "../src/ai/types.ts";
import { emptyUsage } from "../src/ai/usage.ts";
import {
  anthropicModel,
  collect,
  deps,
  fakeKeys,
  openaiModel,
  rejectInvalid,
  sse,
  sseResponse,
  startFake,
  validateAnthropic,
  validateOpenAI,
} from "./ai_fakes.ts";

const TOOLS = [{
  name: "bash",
  description: "Run a command",
  parameters: { type: "object", properties: { command: { type: "string" } } },
}];

function opts(
  env: Record<string, string>,
  keys: Record<string, string>,
): StreamOptions {
  return {
    keys: fakeKeys(keys),
    deps: deps(env),
    sessionId: "0b7c5f6e-1111-4222-8333-944445555666",
    retry: { sleep: () => Promise.resolve() },
  };
}

function done(events: StreamEvent[]): AssistantMessage {
  const last = events[events.length - 1];
  if (last.type !== "done") throw new Error(`not done: ${JSON.stringify(last)}`);
  return last.message;
}

// ------------------------------------------------------------------------------ openai

Deno.test("openai: POST {OPENAI_BASE_URL}/responses with the API key; reply reduced with billed cost", async () => {
  const model = openaiModel();
  const fake = startFake((_r, seen) =>
    rejectInvalid(validateOpenAI(seen, model)) ?? sseResponse(
      [
        sse("response.created", { response: { id: "resp_o" } }),
        sse("response.output_item.added", {
          output_index: 0,
          item: { type: "reasoning", id: "rs_9", summary: [] },
        }),
        sse("response.reasoning_summary_part.added", { output_index: 0 }),
        sse("response.reasoning_summary_text.delta", { output_index: 0, delta: "Plan." }),
        sse("response.output_item.done", {
          output_index: 0,
          item: {
            type: "reasoning",
            id: "rs_9",
            summary: [{ type: "summary_text", text: "Plan." }],
            encrypted_content: "enc-9",
          },
        }),
        // an item type pi does not show (web search) is skipped without shifting indexes
        sse("response.output_item.added", { output_index: 1, item: { type: "web_search_call" } }),
        sse("response.output_item.added", {
          output_index: 2,
          item: { type: "function_call", id: "fc_9", call_id: "call_9", name: "bash" },
        }),
        sse("response.function_call_arguments.delta", {
          output_index: 2,
          delta: '{"command":"ls -la"}',
        }),
        sse("response.output_item.done", {
          output_index: 2,
          item: {
            type: "function_call",
            id: "fc_9",
            call_id: "call_9",
            name: "bash",
            arguments: '{"command":"ls -la"}',
          },
        }),
        sse("response.completed", {
          response: {
            status: "completed",
            usage: {
              input_tokens: 2_000_000,
              input_tokens_details: { cached_tokens: 1_000_000 },
              output_tokens: 100_000,
              output_tokens_details: { reasoning_tokens: 40_000 },
            },
          },
        }),
      ].join(""),
    )
  );
  try {
    const context: Context = {
      systemPrompt: "Be brief.",
      tools: TOOLS,
      messages: [{ role: "user", content: "list files" }],
    };
    const events = await collect(
      stream(
        model,
        context,
        opts({ OPENAI_BASE_URL: `${fake.url}/v1` }, { openai: "sk-test-123456789" }),
      ),
    );
    const msg = done(events);
    assert.equal(fake.requests.length, 1);
    const seen = fake.requests[0];
    assert.deepEqual(validateOpenAI(seen, model), []);
    assert.equal(seen.headers.get("authorization"), "Bearer sk-test-123456789");
    assert.equal(seen.body.instructions, "Be brief.");
    assert.deepEqual(seen.body.reasoning, { effort: "medium", summary: "auto" });
    assert.deepEqual(seen.body.tools, [{ type: "function", strict: false, ...TOOLS[0] }]);
    assert.deepEqual(seen.body.input, [{
      type: "message",
      role: "user",
      content: [{ type: "input_text", text: "list files" }],
    }]);

    assert.equal(msg.stopReason, "tool_use");
    assert.equal(msg.responseId, "resp_o");
    assert.deepEqual(msg.content.map((c) => c.type), ["thinking", "tool_call"]);
    assert.deepEqual(msg.content[1], {
      type: "tool_call",
      id: "fc_9",
      callId: "call_9",
      name: "bash",
      arguments: { command: "ls -la" },
    });
    // 1M uncached × $1.25 + 1M cached × $0.125 + 0.1M out × $10 = $2.375, billed.
    assert.equal(msg.usage.billed, true);
    assert.equal(msg.usage.input, 1_000_000);
    assert.equal(msg.usage.cacheRead, 1_000_000);
    assert.equal(msg.usage.reasoning, 40_000);
    assert.ok(Math.abs(msg.usage.cost.total - 2.375) < 1e-9, String(msg.usage.cost.total));
    assert.deepEqual(msg.usage.cost, msg.usage.listCost);
  } finally {
    await fake.close();
  }
});

Deno.test("openai: no key → error naming OPENAI_API_KEY; 400 → the server's message", async () => {
  const model = openaiModel();
  const fake = startFake(() =>
    Response.json({ error: { message: "Unsupported parameter: 'x'" } }, { status: 400 })
  );
  try {
    const env = { OPENAI_BASE_URL: `${fake.url}/v1` };
    await assert.rejects(
      complete(model, { systemPrompt: "", messages: [] }, opts(env, {})),
      (e: Error & { hint?: string }) => /OPENAI_API_KEY/.test(e.hint ?? ""),
    );
    await assert.rejects(
      complete(
        model,
        { systemPrompt: "", messages: [{ role: "user", content: "x" }] },
        opts(env, { openai: "sk-abcdefghijk" }),
      ),
      /openai API error 400: Unsupported parameter: 'x'/,
    );
    assert.equal(fake.requests.length, 1);
  } finally {
    await fake.close();
  }
});

// ------------------------------------------------------------------------------ anthropic

const ANTHROPIC_REPLY = [
  sse("message_start", {
    message: {
      id: "msg_a1",
      role: "assistant",
      content: [],
      usage: {
        input_tokens: 100,
        cache_read_input_tokens: 1000,
        cache_creation_input_tokens: 50,
        output_tokens: 1,
      },
    },
  }),
  sse("ping", {}),
  sse("content_block_start", { index: 0, content_block: { type: "thinking", thinking: "" } }),
  sse("content_block_delta", { index: 0, delta: { type: "thinking_delta", thinking: "Let me " } }),
  sse("content_block_delta", { index: 0, delta: { type: "thinking_delta", thinking: "think." } }),
  sse("content_block_delta", {
    index: 0,
    delta: { type: "signature_delta", signature: "sig-abc" },
  }),
  sse("content_block_stop", { index: 0 }),
  sse("content_block_start", { index: 1, content_block: { type: "text", text: "" } }),
  sse("content_block_delta", { index: 1, delta: { type: "text_delta", text: "Sure — " } }),
  sse("content_block_delta", { index: 1, delta: { type: "text_delta", text: "running it." } }),
  sse("content_block_stop", { index: 1 }),
  sse("content_block_start", {
    index: 2,
    content_block: { type: "tool_use", id: "toolu_01", name: "bash", input: {} },
  }),
  sse("content_block_delta", { index: 2, delta: { type: "input_json_delta", partial_json: "" } }),
  sse("content_block_delta", {
    index: 2,
    delta: { type: "input_json_delta", partial_json: '{"command": "ec' },
  }),
  sse("content_block_delta", {
    index: 2,
    delta: { type: "input_json_delta", partial_json: 'ho hi"}' },
  }),
  sse("content_block_stop", { index: 2 }),
  sse("message_delta", { delta: { stop_reason: "tool_use" }, usage: { output_tokens: 300 } }),
  sse("message_stop", {}),
];

Deno.test("anthropic: POST /v1/messages with x-api-key and version; thinking, text, tool use and cost", async () => {
  const model = anthropicModel();
  const fake = startFake((_r, seen) =>
    rejectInvalid(validateAnthropic(seen, model)) ?? sseResponse(ANTHROPIC_REPLY.join(""))
  );
  try {
    const env = { ANTHROPIC_BASE_URL: fake.url };
    const keys = { anthropic: "sk-ant-test-123456" };
    const first: Context = {
      systemPrompt: "You are pi.",
      tools: TOOLS,
      messages: [{
        role: "user",
        content: [
          { type: "text", text: "What is here?" },
          { type: "image", data: "iVBORw0KGgo=", mimeType: "image/png" },
        ],
      }],
    };
    const events = await collect(
      stream(model, first, { ...opts(env, keys), reasoning: "high" }),
    );
    const msg = done(events);
    const seen = fake.requests[0];
    assert.deepEqual(validateAnthropic(seen, model), []);
    assert.equal(seen.headers.get("x-api-key"), "sk-ant-test-123456");
    assert.equal(seen.body.system, "You are pi.");
    assert.deepEqual(seen.body.thinking, { type: "enabled", budget_tokens: 16384 });
    assert.equal(seen.body.max_tokens, 64_000);
    assert.deepEqual(seen.body.tools, [{
      name: "bash",
      description: "Run a command",
      input_schema: TOOLS[0].parameters,
    }]);
    assert.deepEqual(seen.body.messages, [{
      role: "user",
      content: [
        { type: "text", text: "What is here?" },
        {
          type: "image",
          source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" },
        },
      ],
    }]);

    assert.equal(msg.stopReason, "tool_use");
    assert.equal(msg.responseId, "msg_a1");
    assert.deepEqual(msg.content, [
      { type: "thinking", thinking: "Let me think.", signature: "sig-abc" },
      { type: "text", text: "Sure — running it." },
      {
        type: "tool_call",
        id: "toolu_01",
        callId: "toolu_01",
        name: "bash",
        arguments: { command: "echo hi" },
      },
    ]);
    const u = msg.usage;
    assert.deepEqual([u.input, u.cacheRead, u.cacheWrite, u.output], [100, 1000, 50, 300]);
    const expected = (100 * 3 + 1000 * 0.3 + 50 * 3.75 + 300 * 15) / 1e6;
    assert.ok(Math.abs(u.cost.total - expected) < 1e-12);

    // Second turn: the thinking (with signature), the tool use and its result replay in
    // the shape the server accepts (roles alternate, tool_result follows its tool_use).
    const second: Context = {
      ...first,
      messages: [...first.messages, msg, {
        role: "tool_result",
        callId: "toolu_01",
        toolName: "bash",
        content: [{ type: "text", text: "hi" }],
        isError: false,
      }, { role: "user", content: "and now?" }],
    };
    await complete(model, second, { ...opts(env, keys), reasoning: "off" });
    const again = fake.requests[1];
    assert.deepEqual(validateAnthropic(again, model), []);
    assert.equal(again.body.thinking, undefined); // off → no thinking
    assert.deepEqual((again.body.messages as unknown[]).slice(1), [
      {
        role: "assistant",
        content: [
          { type: "thinking", thinking: "Let me think.", signature: "sig-abc" },
          { type: "text", text: "Sure — running it." },
          { type: "tool_use", id: "toolu_01", name: "bash", input: { command: "echo hi" } },
        ],
      },
      {
        role: "user",
        content: [
          {
            type: "tool_result",
            tool_use_id: "toolu_01",
            content: [{ type: "text", text: "hi" }],
            is_error: false,
          },
          { type: "text", text: "and now?" },
        ],
      },
    ]);
  } finally {
    await fake.close();
  }
});

Deno.test("anthropic: an overloaded error event before output is retried; a Codex-origin conversation converts", async () => {
  const model = anthropicModel();
  const fake = startFake((_r, seen, n) =>
    rejectInvalid(validateAnthropic(seen, model)) ??
      (n === 1
        ? sseResponse(sse("error", { error: { type: "overloaded_error", message: "Overloaded" } }))
        : sseResponse(ANTHROPIC_REPLY.join("")))
  );
  try {
    // A conversation that started on Codex: its reasoning is not replayed to Anthropic,
    // and OpenAI call ids become valid tool_use ids.
    const context: Context = {
      systemPrompt: "x",
      messages: [
        { role: "user", content: "hi" },
        {
          role: "assistant",
          api: "openai-codex-responses",
          provider: "openai-codex",
          model: "gpt-5.2-codex",
          usage: emptyUsage(anthropicModel()),
          stopReason: "tool_use",
          content: [
            { type: "thinking", thinking: "hmm", signature: '{"type":"reasoning"}' },
            { type: "tool_call", id: "fc_1", callId: "call_1", name: "bash", arguments: {} },
          ],
        },
        {
          role: "tool_result",
          callId: "call_1",
          toolName: "bash",
          content: [],
          isError: true,
        },
      ],
    };
    const events = await collect(stream(model, context, {
      ...opts({ ANTHROPIC_BASE_URL: fake.url }, { anthropic: "sk-ant-key-1234" }),
      reasoning: "off",
    }));
    assert.equal(done(events).stopReason, "tool_use");
    assert.equal(fake.requests.length, 2);
    assert.equal(events.filter((e) => e.type === "retry").length, 1);
    assert.deepEqual((fake.requests[1].body.messages as { content: unknown[] }[])[1].content, [
      { type: "tool_use", id: "call_1", name: "bash", input: {} },
    ]);
  } finally {
    await fake.close();
  }
});

Deno.test("anthropic: a stream without message_stop is an error, never a silent success", async () => {
  const model = anthropicModel();
  const fake = startFake(() => sseResponse(ANTHROPIC_REPLY.slice(0, 10).join("")));
  try {
    await assert.rejects(
      complete(model, { systemPrompt: "", messages: [{ role: "user", content: "x" }] }, {
        ...opts({ ANTHROPIC_BASE_URL: fake.url }, { anthropic: "sk-ant-key-1234" }),
      }),
      /The answer from anthropic was cut off: the anthropic stream ended before the answer was complete/,
    );
    assert.equal(fake.requests.length, 1);
  } finally {
    await fake.close();
  }
});
