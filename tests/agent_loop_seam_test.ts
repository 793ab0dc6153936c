import assert from "node:assert/strict";
import { type AgentEvent, runAgent, type StreamFunction } from "../src/agent/agent_loop.ts";
import type { AssistantMessage, Context, Message } from "../src/ai/types.ts";
import { PiError } from "../src/errors.ts";

const zero = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 };

function answering(texts: string[]): { stream: StreamFunction; sent: Context[] } {
  const sent: Context[] = [];
  const stream: StreamFunction = async function* (context) {
    sent.push(structuredClone(context));
    const text = texts.shift() ?? "(end)";
    const message: AssistantMessage = {
      role: "assistant",
      content: [{ type: "text", text }],
      api: "openai-codex-responses",
      provider: "openai-codex",
      model: "m",
      usage: {
        input: 1,
        output: 1,
        cacheRead: 0,
        cacheWrite: 0,
        reasoning: 0,
        totalTokens: 2,
        cost: zero,
        listCost: zero,
        billed: false,
      },
      stopReason: "stop",
    };
    yield { type: "done", stopReason: "stop", message };
  };
  return { stream, sent };
}

async function collect(gen: AsyncIterable<AgentEvent>): Promise<AgentEvent[]> {
  const out: AgentEvent[] = [];
  for await (const e of gen) out.push(e);
  return out;
}

const base = { systemPrompt: "s", tools: [], cwd: "/" };
const old: Message[] = [{ role: "user", content: "old" }];

Deno.test("beforeRequest: what it returns is sent; its events come before turn_start", async () => {
  const { stream, sent } = answering(["ok"]);
  const events = await collect(runAgent(old, { role: "user", content: "new" }, {
    ...base,
    stream,
    beforeRequest: (messages, info) => {
      assert.equal(info.turn, 1);
      info.emit({ type: "compaction", turn: info.turn, tokensBefore: 10, tokensAfter: 2 });
      return Promise.resolve(messages.slice(-1));
    },
  }));
  assert.deepEqual(events.map((e) => e.type), [
    "message",
    "compaction",
    "turn_start",
    "usage",
    "message",
    "end",
  ]);
  assert.deepEqual(sent[0].messages, [{ role: "user", content: "new" }]);
});

Deno.test("beforeRequest that throws: nothing is sent, the run ends with its error", async () => {
  const { stream, sent } = answering(["never"]);
  const events = await collect(runAgent(old, { role: "user", content: "new" }, {
    ...base,
    stream,
    beforeRequest: () =>
      Promise.reject(
        new PiError("api.http", "Context window exceeded even after compaction"),
      ),
  }));
  assert.equal(sent.length, 0);
  const end = events.at(-1);
  assert.ok(end?.type === "end");
  assert.equal(end.reason, "error");
  assert.equal(end.error, "Context window exceeded even after compaction");
  assert.equal(end.errorCode, "api.http");
});
