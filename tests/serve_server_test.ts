/**
 * pi serve's server in this process (src/serve/server.ts) in front of the fake Codex
 * backend: what the command cannot show in a test's time, the end of the stop's wait.
 */
import assert from "node:assert/strict";
import { AuthStorage } from "../src/auth/auth_storage.ts";
import { startServer } from "../src/serve/server.ts";
import { startFakeCodex, writeFakeAuth } from "./fixtures/fake_codex_backend.ts";
import { codexModel } from "./ai_fakes.ts";

async function withServer(
  fn: (url: string, server: ReturnType<typeof startServer>, log: string[]) => Promise<void>,
) {
  const dir = await Deno.makeTempDir({ prefix: "pi_serve_server_" });
  const token = await writeFakeAuth(dir);
  const backend = startFakeCodex(() => ({ hangAfter: "partial " }), { token });
  const log: string[] = [];
  const deps = {
    fetch: (input: RequestInfo | URL, init?: RequestInit) => fetch(input, init),
    now: () => Date.now(),
    env: (name: string) => name === "PI_OPENAI_CODEX_BASE_URL" ? backend.url : undefined,
    stderr: { write: (text: string) => void log.push(text), isTerminal: () => false },
  };
  const model = codexModel();
  const server = startServer({
    port: 0,
    key: "sk-test-key-123",
    keys: new AuthStorage(`${dir}/auth.json`),
    models: { list: () => [model], find: (id) => id === model.id ? model : undefined },
    deps,
    graceMs: 300,
  });
  try {
    await fn(server.url, server, log);
  } finally {
    await server.stop();
    await backend.close();
    await Deno.remove(dir, { recursive: true });
  }
}

const post = (url: string, body: unknown) =>
  fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: "Bearer sk-test-key-123", "content-type": "application/json" },
    body: JSON.stringify(body),
  });

Deno.test("stop: requests still running when the wait ends get 503 / an error event, and the stop ends", async () => {
  await withServer(async (url, server, log) => {
    const messages = [{ role: "user", content: "hi" }];
    const streamed = await post(url, { model: "gpt-5.2-codex", messages, stream: true });
    assert.equal(streamed.status, 200);
    const reader = streamed.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = (await reader.read()).value ?? "";
    const whole = post(url, { model: "gpt-5.2-codex", messages });
    while (server.active < 2) await new Promise((r) => setTimeout(r, 10));
    const started = performance.now();
    await server.stop();
    assert.ok(performance.now() - started < 5000);
    for (let r = await reader.read(); !r.done; r = await reader.read()) text += r.value;
    assert.match(text, /"content":"partial "/);
    assert.match(
      text,
      /data: \{"error":\{"message":"pi serve stopped before the answer was complete[^"]*","type":"server_error","code":"server_stopping"\}\}/,
    );
    assert.ok(!text.includes("[DONE]"));
    const answer = await whole;
    assert.equal(answer.status, 503);
    assert.equal((await answer.json()).error.code, "server_stopping");
    assert.equal(server.active, 0);
    assert.equal(log.length, 2, log.join(""));
    assert.ok(
      log.some((l) =>
        /POST \/v1\/chat\/completions gpt-5\.2-codex 200 \d+ms \(failed: server_stopping\)/.test(l)
      ),
      log.join(""),
    );
  });
});

Deno.test("a chunked body past 64 MiB gets 413 when the limit is passed, not after the whole body is read", async () => {
  await withServer(async (url) => {
    const chunk = new TextEncoder().encode(" ".repeat(1 << 20));
    let sent = 0;
    // Up to 1 GiB of spaces, made as the server reads them (no content-length: chunked).
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 1024 * chunk.length) return controller.close();
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: "Bearer sk-test-key-123", "content-type": "application/json" },
      body,
    });
    assert.equal(res.status, 413);
    const error = (await res.json()).error;
    assert.equal(error.type, "invalid_request_error");
    assert.match(error.message, /larger than 64 MiB/);
    assert.ok(sent < 256 * chunk.length, `read ${sent / chunk.length} MiB of the body`);
  });
});
