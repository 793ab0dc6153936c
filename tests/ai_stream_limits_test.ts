/**
 * The stream client's limits against a real HTTP fake: silence is counted from the last
 * event (keep-alive comments are not an answer), one event may not grow beyond 16 MiB, and
 * a 200 reply that is a web page is reported as one.
 */

import assert from "node:assert/strict";
import { stream, type StreamOptions } from "../src/ai/stream.ts";
import type { StreamEvent } from "../src/ai/types.ts";
import type { PiError } from "../src/errors.ts";
import {
  codexModel,
  codexToken,
  collect,
  deps,
  type Fake,
  fakeKeys,
  sse,
  sseResponse,
  startFake,
} from "./ai_fakes.ts";

const model = codexModel();
const HI = { systemPrompt: "x", messages: [{ role: "user" as const, content: "hi" }] };
const enc = new TextEncoder();

function options(fake: Fake, over: Partial<StreamOptions> = {}): StreamOptions {
  return {
    keys: fakeKeys({ "openai-codex": codexToken() }),
    deps: deps({ PI_OPENAI_CODEX_BASE_URL: `${fake.url}/backend-api` }),
    retry: { maxRetries: 0, sleep: () => Promise.resolve() },
    ...over,
  };
}

function errorOf(events: StreamEvent[]): PiError {
  const last = events.at(-1);
  assert.equal(last?.type, "error", `last event: ${JSON.stringify(last)}`);
  return (last as Extract<StreamEvent, { type: "error" }>).error;
}

/** Collects the stream, failing the test (instead of hanging) if it runs past `ms`. */
async function collectWithin(
  s: AsyncIterable<StreamEvent>,
  ms: number,
): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the stream was still running after ${ms} ms`)), ms);
  });
  try {
    await Promise.race([
      (async () => {
        for await (const e of s) events.push(e);
      })(),
      guard,
    ]);
  } finally {
    clearTimeout(timer);
  }
  return events;
}

/** `head`, then a keep-alive comment every 20 ms until the client goes away. */
function pinging(head: string): ReadableStream<Uint8Array> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return new ReadableStream<Uint8Array>({
    start(c) {
      if (head) c.enqueue(enc.encode(head));
      timer = setInterval(() => {
        try {
          c.enqueue(enc.encode(": ping\n\n"));
        } catch {
          clearInterval(timer);
        }
      }, 20);
    },
    cancel() {
      clearInterval(timer);
    },
  });
}

Deno.test("idle: a stream of nothing but keep-alive comments ends with a clear error", async () => {
  const fake = startFake(() => sseResponse(pinging(sse("response.created", { response: {} }))));
  try {
    const s = stream(model, HI, options(fake, { idleTimeoutMs: 300 }));
    const events = await collectWithin(s, 10_000);
    const err = errorOf(events);
    assert.equal(err.code, "api.stream");
    assert.equal(err.message, "No data from openai-codex for 0.3 s (only keep-alive pings)");
  } finally {
    await fake.close();
  }
});

Deno.test("idle: keep-alive comments after part of the answer: cut off, partial text kept", async () => {
  const head = sse("response.output_item.added", { output_index: 0, item: { type: "message" } }) +
    sse("response.output_text.delta", { output_index: 0, delta: "partial" });
  const fake = startFake(() => sseResponse(pinging(head)));
  try {
    const events = await collectWithin(
      stream(model, HI, options(fake, { idleTimeoutMs: 300 })),
      10_000,
    );
    const err = errorOf(events);
    assert.equal(
      err.message,
      "The answer from openai-codex was cut off: no data from openai-codex for 0.3 s (only keep-alive pings)",
    );
    const last = events.at(-1);
    assert.ok(last?.type === "error");
    assert.deepEqual(last.message.content, [{ type: "text", text: "partial" }]);
  } finally {
    await fake.close();
  }
});

Deno.test("idle: events that keep coming, each within the limit, are not idle", async () => {
  // Events 100 ms apart, with pings between them, for ~1 s against a 300 ms limit.
  const fake = startFake(() => {
    let i = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    return sseResponse(
      new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(enc.encode(
            sse("response.output_item.added", { output_index: 0, item: { type: "message" } }),
          ));
          timer = setInterval(() => {
            i++;
            if (i % 5 === 0) {
              c.enqueue(enc.encode(
                sse("response.output_text.delta", { output_index: 0, delta: `${i / 5} ` }),
              ));
            } else c.enqueue(enc.encode(": ping\n\n"));
            if (i === 50) {
              clearInterval(timer);
              c.enqueue(enc.encode(sse("response.completed", { response: {} })));
              c.close();
            }
          }, 20);
        },
        cancel() {
          clearInterval(timer);
        },
      }),
    );
  });
  try {
    const events = await collect(stream(model, HI, options(fake, { idleTimeoutMs: 300 })));
    assert.equal(events.at(-1)?.type, "done");
    const text = events.filter((e) => e.type === "text_delta").map((e) => e.delta).join("");
    assert.equal(text, "1 2 3 4 5 6 7 8 9 10 ");
  } finally {
    await fake.close();
  }
});

Deno.test("limits: an event over 16 MiB is an error, not unbounded buffering; one under it is fine", async () => {
  const MiB = 1024 * 1024;
  // 8 MiB of answer text in one event: delivered.
  const big = "y".repeat(8 * MiB);
  const ok = startFake(() =>
    sseResponse(
      sse("response.output_item.added", { output_index: 0, item: { type: "message" } }) +
        sse("response.output_text.delta", { output_index: 0, delta: big }) +
        sse("response.completed", { response: {} }),
    )
  );
  try {
    const s = stream(model, HI, options(ok));
    await collect(s);
    const message = await s.result();
    assert.equal((message.content[0] as { text: string }).text.length, 8 * MiB);
  } finally {
    await ok.close();
  }
  // An event that never ends: 1 MiB pieces of one `data:` line, up to 64 MiB.
  let sent = 0;
  const piece = enc.encode("z".repeat(MiB));
  const endless = startFake(() =>
    sseResponse(
      new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(enc.encode('event: response.output_text.delta\ndata: {"delta":"'));
        },
        pull(c) {
          if (sent++ < 64) c.enqueue(piece);
          else c.close();
        },
      }),
    )
  );
  try {
    const events = await collect(stream(model, HI, options(endless, { retry: {} })));
    const err = errorOf(events);
    assert.equal(err.code, "api.stream");
    assert.equal(err.message, "openai-codex sent an event larger than 16 MiB");
    assert.equal(endless.requests.length, 1, "not retried");
    assert.ok(sent < 64, `read ${sent} MiB`);
  } finally {
    await endless.close();
  }
});

Deno.test("html: a 200 reply with content-type text/html is a web page, said in one line", async () => {
  const fake = startFake(() =>
    new Response("<html><body>Please log in to the hotel Wi-Fi</body></html>", {
      headers: { "content-type": "text/html; charset=UTF-8" },
    })
  );
  try {
    const err = errorOf(await collect(stream(model, HI, options(fake, { retry: {} }))));
    assert.equal(err.code, "api.http");
    assert.equal(
      err.message,
      "openai-codex answered with a web page (text/html), not an event stream: probably a proxy or a network login page",
    );
    assert.match(err.hint ?? "", /HTTPS_PROXY/);
    assert.equal(fake.requests.length, 1, "not retried");
  } finally {
    await fake.close();
  }
});

Deno.test("html: a body that starts with < (after a BOM and blank lines) is a web page too", async () => {
  const page = new Uint8Array([
    0xef,
    0xbb,
    0xbf,
    ...enc.encode("\r\n\n  <!doctype html><title>Proxy error</title>"),
  ]);
  const fake = startFake(() =>
    new Response(page, { headers: { "content-type": "text/event-stream" } })
  );
  try {
    const err = errorOf(await collect(stream(model, HI, options(fake, { retry: {} }))));
    assert.match(err.message, /^openai-codex answered with a web page \(its body is HTML\)/);
    assert.equal(fake.requests.length, 1, "not retried");
  } finally {
    await fake.close();
  }
  // `<` inside an event is just text.
  const normal = startFake(() =>
    sseResponse(
      "\n" + sse("response.output_item.added", { output_index: 0, item: { type: "message" } }) +
        sse("response.output_text.delta", { output_index: 0, delta: "<b>bold</b>" }) +
        sse("response.completed", { response: {} }),
    )
  );
  try {
    const s = stream(model, HI, options(normal));
    await collect(s);
    assert.deepEqual((await s.result()).content, [{ type: "text", text: "<b>bold</b>" }]);
  } finally {
    await normal.close();
  }
});
