import assert from "node:assert/strict";
import { runAgent } from "../src/agent/agent_loop.ts";
import type { Message } from "../src/ai/types.ts";
import { PiError } from "../src/errors.ts";
import { scriptedModel } from "./fixtures/scripted_model.ts";

const base = { systemPrompt: "s", tools: [], cwd: "/" };
const old: Message[] = [{ role: "user", content: "old" }];

Deno.test("beforeRequest: what it returns is sent; its events come before turn_start", async () => {
  const { stream, contexts: sent } = scriptedModel([{ text: "ok" }]);
  const events = await Array.fromAsync(runAgent(old, { role: "user", content: "new" }, {
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
  const { stream, contexts: sent } = scriptedModel([{ text: "never" }]);
  const events = await Array.fromAsync(runAgent(old, { role: "user", content: "new" }, {
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
