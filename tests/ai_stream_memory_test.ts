/**
 * Long streams: what a stream holds while it runs, and how many events its consumer has to
 * take. (bench/stream_memory_bench.ts measures the same through `pi -p`, with baselines.)
 */

import assert from "node:assert/strict";
import { AssistantStream, stream } from "../src/ai/stream.ts";
import type { StreamEvent } from "../src/ai/types.ts";
import { emptyUsage } from "../src/ai/usage.ts";
import {
  codexModel,
  codexToken,
  collect,
  deps,
  fakeKeys,
  sse,
  sseResponse,
  startFake,
} from "./ai_fakes.ts";

const model = codexModel();

Deno.test("a long stream holds its text, not its chunks, events or per-delta strings", async () => {
  const script = new URL("./fixtures/stream_retention.ts", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", "--v8-flags=--expose-gc", script],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, stderr);
  const result = JSON.parse(new TextDecoder().decode(out.stdout));
  assert.ok(result.complete, "the whole answer arrived");
  // The text is 0.36 MiB (0.7 MiB in the parser and the message builder together). Before
  // the fix every 64 KiB network chunk stayed reachable until the end: ~23 MiB here.
  assert.ok(
    result.heldMiB < 4,
    `held ${result.heldMiB.toFixed(1)} MiB more at 90% of ${
      result.streamedMiB.toFixed(0)
    } MiB than at the start`,
  );
});

function delta(i: number): StreamEvent {
  return { type: "text_delta", index: 0, delta: `d${i} ` };
}

Deno.test("deltas waiting for the consumer travel as one (a slow consumer, or none, holds the text once)", async () => {
  const message = {
    role: "assistant" as const,
    content: [],
    api: model.api,
    provider: model.provider,
    model: model.id,
    usage: emptyUsage(model),
    stopReason: "stop" as const,
  };
  const source = async function* (): AsyncGenerator<StreamEvent> {
    yield { type: "text_start", index: 0 };
    for (let i = 0; i < 10_000; i++) yield delta(i);
    yield { type: "thinking_delta", index: 1, delta: "t" };
    yield delta(10_000);
    yield { type: "done", stopReason: "stop", message };
  };
  const s = new AssistantStream(source());
  await s.result(); // everything has arrived; nothing was taken yet
  const events = await collect(s);
  assert.deepEqual(events.map((e) => e.type), [
    "text_start",
    "text_delta",
    "thinking_delta",
    "text_delta",
    "done",
  ]);
  const text = events.filter((e) => e.type === "text_delta").map((e) => e.delta).join("");
  assert.equal(text, Array.from({ length: 10_001 }, (_, i) => `d${i} `).join(""));
});

Deno.test("the deltas of one network read reach the consumer as one event", async () => {
  const deltas = Array.from(
    { length: 500 },
    (_, i) => sse("response.output_text.delta", { output_index: 0, delta: `w${i} ` }),
  );
  const body = sse("response.created", { response: { id: "r" } }) +
    sse("response.output_item.added", { output_index: 0, item: { type: "message", id: "m" } }) +
    deltas.join("") +
    sse("response.completed", { response: { status: "completed" } });
  const fake = startFake(() => sseResponse(body));
  try {
    const events = await collect(
      stream(model, { systemPrompt: "x", messages: [{ role: "user", content: "hi" }] }, {
        keys: fakeKeys({ "openai-codex": codexToken() }),
        deps: deps({ PI_OPENAI_CODEX_BASE_URL: `${fake.url}/backend-api` }),
      }),
    );
    const texts = events.filter((e) => e.type === "text_delta").map((e) => e.delta);
    assert.equal(texts.join(""), Array.from({ length: 500 }, (_, i) => `w${i} `).join(""));
    // ~17 KB arrive in a few reads (one, usually): a few events, not 500.
    assert.ok(texts.length <= 10, `${texts.length} text_delta events`);
    assert.equal(events.at(-1)?.type, "done");
  } finally {
    await fake.close();
  }
});
