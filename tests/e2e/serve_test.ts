/**
 * `pi serve` as users meet it (issue 19): a real `pi serve --port 0` child process in front
 * of the fake Codex backend (and the fake OAuth issuer), with a logged-in temp agent dir,
 * and the official `openai` npm SDK as the client.
 */

import assert from "node:assert/strict";
import { makeJwt } from "../fixtures/jwt.ts";
import OpenAI from "npm:openai@7.57.0";
import {
  FAKE_ACCOUNT_ID,
  type FakeTurn,
  functionOutputs,
  type RecordedRequest,
  startFakeCodex,
  turnEvents,
  writeFakeAuth,
} from "../fixtures/fake_codex_backend.ts";
import { startFakeIssuer } from "../fixtures/auth_fake_issuer.ts";
import {
  assertOneLineError,
  freshEntry,
  staleEntry,
  withDir,
  writeAuth,
} from "../fixtures/auth_process.ts";
import { type RunningPi, spawnPi } from "./run_pi.ts";
import { until } from "../fixtures/processes.ts";

interface Serve {
  pi: RunningPi;
  /** `http://127.0.0.1:<port>` from the first stdout line. */
  url: string;
  /** The bearer key (from the key file). */
  key: string;
  /** An SDK client for `/v1`, without retries unless asked. */
  client(options?: { apiKey?: string; maxRetries?: number }): OpenAI;
  /** SIGTERM (or `signal`), then the exit. */
  stop(signal?: Deno.Signal): Promise<{ code: number; stdout: string; stderr: string }>;
}

/** Starts `pi serve --port 0` for `agentDir` in front of `backendUrl`. */
async function startServe(
  agentDir: string,
  env: Record<string, string>,
  args: string[] = [],
): Promise<Serve> {
  const pi = spawnPi(["serve", "--port", "0", ...args], {
    HOME: agentDir,
    PI_CODING_AGENT_DIR: agentDir,
    ...env,
  });
  let exited = false;
  pi.done.then(() => exited = true);
  try {
    await until(() => exited || pi.stdout().split("\n").length > 2, "the first lines of pi serve");
    if (exited) throw new Error(`pi serve exited: ${pi.stdout()}`);
  } catch (err) {
    pi.child.kill("SIGKILL");
    throw new Error(`${err}; stderr: ${pi.stderr()}`);
  }
  const [first] = pi.stdout().split("\n");
  const match = /^pi serve listening on (http:\/\/127\.0\.0\.1:(\d+))$/.exec(first);
  assert.ok(match, `first line: ${first}`);
  const url = match[1];
  const key = args.includes("--key")
    ? args[args.indexOf("--key") + 1]
    : (await Deno.readTextFile(`${agentDir}/serve-key`)).trim();
  return {
    pi,
    url,
    key,
    client: (options = {}) =>
      new OpenAI({
        apiKey: options.apiKey ?? key,
        baseURL: `${url}/v1`,
        maxRetries: options.maxRetries ?? 0,
      }),
    async stop(signal: Deno.Signal = "SIGTERM") {
      try {
        pi.child.kill(signal);
      } catch {
        // already gone
      }
      return await pi.done;
    },
  };
}

/** A temp dir with a logged-in agent dir and a fake backend answering `script`. */
async function withServe(
  script: FakeTurn[] | ((request: RecordedRequest, index: number) => FakeTurn),
  fn: (serve: Serve, backend: ReturnType<typeof startFakeCodex>, dir: string) => Promise<void>,
  args: string[] = [],
): Promise<void> {
  await withDir(async (dir) => {
    const agent = `${dir}/agent`;
    const token = await writeFakeAuth(agent);
    const backend = startFakeCodex(script, { token });
    const serve = await startServe(agent, { PI_OPENAI_CODEX_BASE_URL: backend.url }, args);
    try {
      await fn(serve, backend, dir);
    } finally {
      const result = await serve.stop();
      await backend.close();
      assert.equal(result.code, 0, `pi serve exit code; stderr: ${result.stderr}`);
    }
  }, "pi_serve_");
}

/** The text of the last user message of a recorded request. */
function lastUserText(request: RecordedRequest): string {
  const items = request.body.input as Record<string, unknown>[];
  const users = items.filter((i) => i.type === "message" && i.role === "user");
  const content = users.at(-1)?.content as { text?: string }[] | undefined;
  return content?.map((c) => c.text ?? "").join("") ?? "";
}

Deno.test("pi serve: the first line, the key file (0600), /health without a key, 401 without or with a wrong key", async () => {
  await withServe([], async (serve, _backend, dir) => {
    const lines = serve.pi.stdout().split("\n");
    // Generated just now: shown once, and kept in the key file.
    assert.ok(lines[1].includes(serve.key), lines[1]);
    assert.ok(lines[1].includes(`${dir}/agent/serve-key`), lines[1]);
    assert.equal((await Deno.stat(`${dir}/agent/serve-key`)).mode! & 0o777, 0o600);

    const health = await fetch(`${serve.url}/health`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: "ok" });

    for (
      const [path, method] of [["/v1/models", "GET"], ["/v1/chat/completions", "POST"], [
        "/v1/responses",
        "POST",
      ], ["/v1/nope", "GET"]]
    ) {
      const res = await fetch(`${serve.url}${path}`, {
        method,
        body: method === "POST" ? "{}" : undefined,
      });
      assert.equal(res.status, 401, path);
      const body = await res.json();
      assert.equal(body.error.code, "invalid_api_key");
      assert.equal(typeof body.error.message, "string");
      assert.equal(typeof body.error.type, "string");
    }
    await assert.rejects(
      () => serve.client({ apiKey: "sk-wrong-key-000000" }).models.list(),
      (err: unknown) => err instanceof OpenAI.AuthenticationError && err.status === 401,
    );
  });
});

Deno.test("pi serve: a second start reads the key file and prints where it is, never the key; Ctrl+C exits 0", async () => {
  await withDir(async (dir) => {
    const agent = `${dir}/agent`;
    await writeFakeAuth(agent);
    await Deno.writeTextFile(`${agent}/serve-key`, "sk-pi-kept-key-0123456789\n", { mode: 0o600 });
    const serve = await startServe(agent, {});
    const result = await serve.stop("SIGINT");
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.split("\n")[1], `key: in ${agent}/serve-key`);
    assert.ok(!result.stdout.includes("sk-pi-kept-key"), result.stdout);
    assert.ok(!result.stderr.includes("sk-pi-kept-key"), result.stderr);
  }, "pi_serve_");
});

Deno.test("pi serve: models list and chat completions, streamed (include_usage) and not, via the openai SDK", async () => {
  await withServe(
    (request) => ({ text: `echo: ${lastUserText(request)}`, reasoning: "hmm", chunks: 3 }),
    async (serve, backend) => {
      const client = serve.client();
      const ids: string[] = [];
      for await (const model of client.models.list()) {
        assert.equal(model.object, "model");
        ids.push(model.id);
      }
      assert.ok(ids.includes("gpt-5.2-codex"), ids.join(","));

      const completion = await client.chat.completions.create({
        model: "gpt-5.2-codex",
        messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "hello" }],
      });
      assert.equal(completion.object, "chat.completion");
      assert.equal(completion.choices[0].message.content, "echo: hello");
      assert.equal(completion.choices[0].finish_reason, "stop");
      assert.deepEqual(
        [
          completion.usage?.prompt_tokens,
          completion.usage?.completion_tokens,
          completion.usage?.total_tokens,
        ],
        [100, 10, 110],
      );
      assert.equal(completion.usage?.prompt_tokens_details?.cached_tokens, 20);
      // Upstream: the system message became the instructions, the request pi's own.
      const sent = backend.requests.at(-1)!;
      assert.equal(sent.body.instructions, "Be brief.");
      assert.equal(sent.body.model, "gpt-5.2-codex");

      const stream = await client.chat.completions.create({
        model: "gpt-5.2-codex",
        messages: [{ role: "user", content: "streamed please" }],
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = "";
      let finish: string | null = null;
      let usage: OpenAI.CompletionUsage | undefined | null;
      let chunks = 0;
      for await (const chunk of stream) {
        chunks++;
        assert.equal(chunk.object, "chat.completion.chunk");
        const choice = chunk.choices[0];
        if (choice?.delta.content) text += choice.delta.content;
        if (choice?.finish_reason) finish = choice.finish_reason;
        if (chunk.usage) usage = chunk.usage;
      }
      assert.equal(text, "echo: streamed please");
      assert.equal(finish, "stop");
      assert.equal(usage?.total_tokens, 110);
      assert.ok(chunks >= 4, `chunks: ${chunks}`);

      // Without include_usage there is no usage chunk.
      const plain = await client.chat.completions.create({
        model: "gpt-5.2-codex",
        messages: [{ role: "user", content: "again" }],
        stream: true,
      });
      for await (const chunk of plain) assert.ok(!chunk.usage, JSON.stringify(chunk));

      // One log line per request: method, path, model, status, ms; no prompt text, no key.
      await until(
        () => (serve.pi.stderr().match(/POST \/v1\/chat\/completions/g) ?? []).length === 3,
        "log lines",
      );
      const log = serve.pi.stderr();
      assert.match(log, /GET \/v1\/models - 200 \d+ms/);
      assert.match(log, /POST \/v1\/chat\/completions gpt-5\.2-codex 200 \d+ms/);
      assert.ok(!log.includes("streamed please") && !log.includes("Be brief"), log);
      assert.ok(!log.includes(serve.key), log);
      assert.deepEqual(backend.problems, []);
    },
  );
});

Deno.test("pi serve: a function-calling round trip (tool call → tool message → answer), streamed and not", async () => {
  await withServe(
    (request) =>
      functionOutputs(request).length > 0
        ? { text: `The weather is ${functionOutputs(request)[0].output}.` }
        : { calls: [{ name: "get_weather", arguments: { city: "Paris" } }] },
    async (serve, backend) => {
      const client = serve.client();
      const tools: OpenAI.ChatCompletionTool[] = [{
        type: "function",
        function: {
          name: "get_weather",
          description: "Weather of a city",
          parameters: { type: "object", properties: { city: { type: "string" } } },
        },
      }];
      const messages: OpenAI.ChatCompletionMessageParam[] = [
        { role: "user", content: "Weather in Paris?" },
      ];
      const first = await client.chat.completions.create({
        model: "gpt-5.2-codex",
        messages,
        tools,
      });
      const call = first.choices[0].message.tool_calls?.[0];
      assert.equal(first.choices[0].finish_reason, "tool_calls");
      assert.ok(call && call.type === "function");
      assert.equal(call.function.name, "get_weather");
      assert.deepEqual(JSON.parse(call.function.arguments), { city: "Paris" });
      // The tools went upstream in the Responses shape.
      const sentTools = backend.requests[0].body.tools as Record<string, unknown>[];
      assert.equal(sentTools[0].name, "get_weather");
      assert.equal(sentTools[0].type, "function");

      messages.push(first.choices[0].message, {
        role: "tool",
        tool_call_id: call.id,
        content: "sunny",
      });
      const second = await client.chat.completions.create({
        model: "gpt-5.2-codex",
        messages,
        tools,
      });
      assert.equal(second.choices[0].message.content, "The weather is sunny.");
      const outputs = functionOutputs(backend.requests[1]);
      assert.deepEqual(outputs.map((o) => [o.call_id, o.output]), [[call.id, "sunny"]]);

      // Streamed: the call arrives as tool_calls deltas.
      const stream = await client.chat.completions.create({
        model: "gpt-5.2-codex",
        messages: [{ role: "user", content: "Weather in Paris?" }],
        tools,
        stream: true,
      });
      let args = "";
      let name = "";
      let id = "";
      let finish = "";
      for await (const chunk of stream) {
        for (const delta of chunk.choices[0]?.delta.tool_calls ?? []) {
          assert.equal(delta.index, 0);
          if (delta.id) id = delta.id;
          if (delta.function?.name) name = delta.function.name;
          args += delta.function?.arguments ?? "";
        }
        if (chunk.choices[0]?.finish_reason) finish = chunk.choices[0].finish_reason;
      }
      assert.equal(name, "get_weather");
      assert.ok(id.startsWith("call_"), id);
      assert.deepEqual(JSON.parse(args), { city: "Paris" });
      assert.equal(finish, "tool_calls");
      assert.deepEqual(backend.problems, []);
    },
  );
});

Deno.test("pi serve: /v1/responses streamed and not, via the openai SDK", async () => {
  await withServe(
    (request) =>
      functionOutputs(request).length > 0
        ? { text: "done with the tool", shape: "whole" }
        : lastUserText(request) === "use the tool"
        ? { calls: [{ name: "lookup", arguments: { q: "x" } }] }
        : { text: `answer to ${lastUserText(request)}`, reasoning: "thinking", chunks: 2 },
    async (serve, backend) => {
      const client = serve.client();
      const response = await client.responses.create({
        model: "gpt-5.2-codex",
        instructions: "Answer shortly.",
        input: "plain",
        reasoning: { effort: "low" },
      });
      assert.equal(response.object, "response");
      assert.equal(response.status, "completed");
      assert.equal(response.output_text, "answer to plain");
      assert.equal(response.usage?.input_tokens, 100);
      const sent = backend.requests[0].body;
      assert.equal(sent.instructions, "Answer shortly.");
      assert.deepEqual(sent.reasoning, { effort: "low", summary: "auto" });

      // The SDK's stream helper checks the order of the events as it assembles them.
      const stream = client.responses.stream({ model: "gpt-5.2-codex", input: "streamed" });
      const types: string[] = [];
      let deltas = "";
      for await (const event of stream) {
        types.push(event.type);
        if (event.type === "response.output_text.delta") deltas += event.delta;
      }
      const final = await stream.finalResponse();
      assert.equal(deltas, "answer to streamed");
      assert.equal(final.output_text, "answer to streamed");
      assert.equal(types[0], "response.created");
      assert.equal(types.at(-1), "response.completed");
      assert.ok(types.includes("response.reasoning_summary_text.delta"), types.join(","));

      // Items forwarded: a tool, its call, and the call's output, raw stream iteration.
      const tools: OpenAI.Responses.Tool[] = [{
        type: "function",
        name: "lookup",
        parameters: { type: "object", properties: { q: { type: "string" } } },
        strict: false,
      }];
      const withCall = await client.responses.create({
        model: "gpt-5.2-codex",
        input: "use the tool",
        tools,
      });
      const fc = withCall.output.find((i) => i.type === "function_call");
      assert.ok(fc && fc.type === "function_call");
      assert.equal(fc.name, "lookup");
      const events = await client.responses.create({
        model: "gpt-5.2-codex",
        input: [
          { role: "user", content: "use the tool" },
          ...(withCall.output as OpenAI.Responses.ResponseInputItem[]),
          { type: "function_call_output", call_id: fc.call_id, output: "found" },
        ],
        tools,
        stream: true,
      });
      let text = "";
      let completed: OpenAI.Responses.Response | undefined;
      for await (const event of events) {
        if (event.type === "response.output_text.delta") text += event.delta;
        if (event.type === "response.completed") completed = event.response;
      }
      assert.equal(text, "done with the tool");
      assert.equal(completed?.output_text ?? completed?.output.length, 1);
      const forwarded = backend.requests.at(-1)!.body.input as Record<string, unknown>[];
      assert.deepEqual(forwarded.map((i) => i.type), [
        "message",
        "function_call",
        "function_call_output",
      ]);
      assert.ok(forwarded.every((i) => !("id" in i)), JSON.stringify(forwarded));
      assert.deepEqual(backend.problems, []);
    },
  );
});

Deno.test("pi serve: 400 naming the field, 404 model_not_found", async () => {
  await withServe([], async (serve) => {
    const client = serve.client();
    await assert.rejects(
      () => client.chat.completions.create({ model: "gpt-5.2-codex", messages: [] }),
      (err: unknown) =>
        err instanceof OpenAI.BadRequestError && err.status === 400 && /messages/.test(err.message),
    );
    await assert.rejects(
      () =>
        client.chat.completions.create({
          model: "gpt-5.2-codex",
          messages: [{ role: "tool", tool_call_id: "call_x", content: "?" }],
        }),
      (err: unknown) =>
        err instanceof OpenAI.BadRequestError && /messages\[0\]\.tool_call_id/.test(err.message),
    );
    const res = await fetch(`${serve.url}/v1/responses`, {
      method: "POST",
      headers: { authorization: `Bearer ${serve.key}`, "content-type": "application/json" },
      body: "{not json",
    });
    assert.equal(res.status, 400);
    assert.match((await res.json()).error.message, /^body:/);
    await assert.rejects(
      () =>
        client.chat.completions.create({
          model: "gpt-nope",
          messages: [{ role: "user", content: "hi" }],
        }),
      (err: unknown) =>
        err instanceof OpenAI.NotFoundError && err.status === 404 && err.code === "model_not_found",
    );
    await assert.rejects(
      () => client.responses.create({ model: "gpt-nope", input: "hi", stream: true }),
      (err: unknown) => err instanceof OpenAI.NotFoundError && err.code === "model_not_found",
    );
  });
});

Deno.test("pi serve: a usage limit is 429 with retry-after (seconds to the reset), not retried", async () => {
  await withServe(
    [{
      response: () =>
        Response.json({
          error: { type: "usage_limit_reached", message: "limit", resets_in_seconds: 120 },
        }, { status: 429 }),
    }, {
      response: () =>
        Response.json({
          error: { type: "usage_limit_reached", message: "limit", resets_in_seconds: 3600 },
        }, { status: 429 }),
    }],
    async (serve, backend) => {
      // The SDK's own retries (2 by default) are told not to (x-should-retry: false).
      const client = serve.client({ maxRetries: 2 });
      await assert.rejects(
        () =>
          client.chat.completions.create({
            model: "gpt-5.2-codex",
            messages: [{ role: "user", content: "hi" }],
          }),
        (err: unknown) => {
          assert.ok(err instanceof OpenAI.RateLimitError, String(err));
          const after = Number(err.headers.get("retry-after"));
          assert.ok(after >= 115 && after <= 121, `retry-after: ${after}`);
          assert.equal(err.code, "usage_limit_reached");
          return true;
        },
      );
      await assert.rejects(
        () =>
          client.chat.completions.create({
            model: "gpt-5.2-codex",
            messages: [{ role: "user", content: "hi" }],
            stream: true,
          }),
        (err: unknown) => {
          assert.ok(err instanceof OpenAI.RateLimitError, String(err));
          const after = Number(err.headers.get("retry-after"));
          assert.ok(after >= 3595 && after <= 3601, `retry-after: ${after}`);
          return true;
        },
      );
      assert.equal(backend.requests.length, 2);
    },
  );
});

Deno.test("pi serve: 502 when the backend keeps failing (after pi's own retries)", async () => {
  await withServe(
    () => ({
      response: () =>
        Response.json({ error: { message: "overloaded" } }, {
          status: 500,
          headers: { "retry-after-ms": "1" },
        }),
    }),
    async (serve, backend) => {
      const client = serve.client();
      for (const stream of [false, true]) {
        await assert.rejects(
          () =>
            client.chat.completions.create({
              model: "gpt-5.2-codex",
              messages: [{ role: "user", content: "hi" }],
              stream,
            }),
          (err: unknown) => {
            assert.ok(err instanceof OpenAI.APIError, String(err));
            assert.equal(err.status, 502);
            assert.equal(err.type, "server_error");
            assert.match(err.message, /500/);
            return true;
          },
        );
      }
      // pi retried each request itself: 1 + 4 attempts each.
      assert.equal(backend.requests.length, 10);
    },
  );
});

Deno.test("pi serve: 12 concurrent requests with an expired token make exactly one refresh", async () => {
  await withDir(async (dir) => {
    const agent = `${dir}/agent`;
    const issuer = startFakeIssuer({
      delayMs: 300,
      accountId: FAKE_ACCOUNT_ID,
      initialRefresh: "rt-serve-0001",
    });
    const backend = startFakeCodex(() => ({ text: "fresh" }));
    await writeAuth(agent, { "openai-codex": staleEntry("rt-serve-0001", FAKE_ACCOUNT_ID) });
    const serve = await startServe(agent, {
      PI_OPENAI_CODEX_BASE_URL: backend.url,
      PI_OPENAI_CODEX_ISSUER: issuer.url,
    });
    try {
      const client = serve.client();
      const answers = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          i % 2 === 0
            ? client.chat.completions.create({
              model: "gpt-5.2-codex",
              messages: [{ role: "user", content: `hi ${i}` }],
            }).then((c) => c.choices[0].message.content)
            : client.responses.create({ model: "gpt-5.2-codex", input: `hi ${i}` })
              .then((r) => r.output_text)),
      );
      assert.deepEqual(answers, Array(12).fill("fresh"));
      assert.equal(issuer.refreshRequests, 1);
      assert.equal(backend.requests.length, 12);
      for (const request of backend.requests) {
        assert.equal(request.headers.authorization, `Bearer ${issuer.currentAccess}`);
      }
      const saved = JSON.parse(await Deno.readTextFile(`${agent}/auth.json`));
      assert.equal(saved["openai-codex"].refresh, issuer.currentRefresh);
    } finally {
      const result = await serve.stop();
      await backend.close();
      await issuer.close();
      assert.equal(result.code, 0, result.stderr);
    }
  }, "pi_serve_");
});

Deno.test("pi serve: 12 concurrent requests refused with 401 (over a second) make one refresh and are all answered", async () => {
  await withDir(async (dir) => {
    const agent = `${dir}/agent`;
    const issuer = startFakeIssuer({
      delayMs: 100,
      accountId: FAKE_ACCOUNT_ID,
      initialRefresh: "rt-serve-401-0001",
    });
    // A token that looks valid for an hour, but the backend has revoked it: each request
    // with it is refused, the later ones only after the refresh is long done.
    let refused = 0;
    let answered = 0;
    const backend = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
      await req.arrayBuffer();
      if (req.headers.get("authorization") !== `Bearer ${issuer.currentAccess}`) {
        await new Promise((r) => setTimeout(r, 100 * refused++));
        return Response.json({ error: { message: "token revoked" } }, { status: 401 });
      }
      answered++;
      return new Response(turnEvents({ text: "after refresh" }).join(""), {
        headers: { "content-type": "text/event-stream" },
      });
    });
    await writeAuth(agent, { "openai-codex": freshEntry("rt-serve-401-0001", FAKE_ACCOUNT_ID) });
    const serve = await startServe(agent, {
      PI_OPENAI_CODEX_BASE_URL: `http://127.0.0.1:${backend.addr.port}`,
      PI_OPENAI_CODEX_ISSUER: issuer.url,
    });
    try {
      const client = serve.client();
      const answers = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          client.chat.completions.create({
            model: "gpt-5.2-codex",
            messages: [{ role: "user", content: `hi ${i}` }],
          }).then((c) => c.choices[0].message.content)),
      );
      assert.deepEqual(answers, Array(12).fill("after refresh"));
      assert.equal(refused, 12);
      assert.equal(answered, 12);
      assert.equal(issuer.refreshRequests, 1);
    } finally {
      const result = await serve.stop();
      await backend.shutdown();
      await issuer.close();
      assert.equal(result.code, 0, result.stderr);
    }
  }, "pi_serve_");
});

/** A reply that sends `head` at once, then keep-alives until cancelled (which it records). */
function hangingReply(state: { cancelled: boolean }): FakeTurn {
  return {
    response: () => {
      const encoder = new TextEncoder();
      const head = turnEvents({ text: "first words" }).slice(0, 3).join("");
      let timer: ReturnType<typeof setInterval> | undefined;
      return new Response(
        new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(encoder.encode(head));
            timer = setInterval(() => {
              try {
                controller.enqueue(encoder.encode(": keep-alive\n\n"));
              } catch {
                clearInterval(timer);
              }
            }, 100);
          },
          cancel() {
            clearInterval(timer);
            state.cancelled = true;
          },
        }),
        { headers: { "content-type": "text/event-stream" } },
      );
    },
  };
}

Deno.test("pi serve: a client that drops a stream (or a request) cancels the upstream request at once", async () => {
  const state = { cancelled: false };
  await withServe(() => hangingReply(state), async (serve, backend) => {
    const stream = await serve.client().chat.completions.create({
      model: "gpt-5.2-codex",
      messages: [{ role: "user", content: "hi" }],
      stream: true,
    });
    let text = "";
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      if (text !== "") break; // the SDK aborts the request
    }
    assert.equal(text, "first words");
    await until(() => state.cancelled, "the fake backend to see the connection close", 5000);
    await until(
      () => /POST \/v1\/chat\/completions .* 200 \d+ms \(client closed\)/.test(serve.pi.stderr()),
      "the log line",
    );

    // Not streamed: the client gives up while the answer is still coming (a plain fetch: the
    // SDK's abort leaves the connection open for a while).
    state.cancelled = false;
    const controller = new AbortController();
    const whole = fetch(`${serve.url}/v1/chat/completions`, {
      method: "POST",
      signal: controller.signal,
      headers: { authorization: `Bearer ${serve.key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-5.2-codex", messages: [{ role: "user", content: "hi" }] }),
    });
    await until(() => backend.requests.length === 2, "the second request upstream");
    controller.abort();
    await assert.rejects(whole);
    await until(() => state.cancelled, "the fake backend to see the second connection close", 5000);
    await until(() => / 499 \d+ms \(client closed\)/.test(serve.pi.stderr()), "the 499 log line");
  });
});

Deno.test("pi serve: SIGTERM during requests stops accepting, lets them finish, exits 0", async () => {
  await withDir(async (dir) => {
    const agent = `${dir}/agent`;
    const token = await writeFakeAuth(agent);
    const slow = (text: string): FakeTurn => ({
      response: () => {
        const encoder = new TextEncoder();
        const events = turnEvents({ text, chunks: 6 });
        let i = 0;
        let timer: ReturnType<typeof setInterval> | undefined;
        return new Response(
          new ReadableStream<Uint8Array>({
            start(controller) {
              timer = setInterval(() => {
                if (i < events.length) controller.enqueue(encoder.encode(events[i++]));
                else {
                  clearInterval(timer);
                  controller.close();
                }
              }, 150);
            },
            cancel() {
              clearInterval(timer);
            },
          }),
          { headers: { "content-type": "text/event-stream" } },
        );
      },
    });
    const backend = startFakeCodex(
      (request) => slow(lastUserText(request) === "streamed" ? "slow and steady" : "slow too"),
      { token },
    );
    const serve = await startServe(agent, { PI_OPENAI_CODEX_BASE_URL: backend.url });
    try {
      const client = serve.client();
      const streamed = await client.chat.completions.create({
        model: "gpt-5.2-codex",
        messages: [{ role: "user", content: "streamed" }],
        stream: true,
      });
      const whole = client.chat.completions.create({
        model: "gpt-5.2-codex",
        messages: [{ role: "user", content: "whole" }],
      });
      await until(() => backend.requests.length === 2, "both requests upstream");
      serve.pi.child.kill("SIGTERM");
      await serve.pi.waitStderr(/stopping; waiting for 2 requests/);
      // No new connections once stopping.
      await assert.rejects(() => fetch(`${serve.url}/health`));
      let text = "";
      for await (const chunk of streamed) text += chunk.choices[0]?.delta.content ?? "";
      assert.equal(text, "slow and steady");
      assert.equal((await whole).choices[0].message.content, "slow too");
      const result = await serve.pi.done;
      assert.equal(result.code, 0, result.stderr);
    } finally {
      try {
        serve.pi.child.kill("SIGKILL");
      } catch {
        // exited
      }
      await serve.pi.done;
      await backend.close();
    }
  }, "pi_serve_");
});

Deno.test("pi serve --account <name> serves that ChatGPT account; an unknown name is a usage error listing the known ones", async () => {
  await withDir(async (dir) => {
    const agent = `${dir}/agent`;
    const token = await writeFakeAuth(agent);
    const workToken = makeJwt({
      exp: 4102444800,
      "https://api.openai.com/auth": {
        chatgpt_account_id: "acct_work_456",
        chatgpt_plan_type: "pro",
      },
    });
    const auth = JSON.parse(await Deno.readTextFile(`${agent}/auth.json`));
    auth["openai-codex:work"] = {
      type: "oauth",
      access: workToken,
      refresh: "rt_work_refresh_token_value",
      expires: 4102444800000,
      accountId: "acct_work_456",
    };
    await Deno.writeTextFile(`${agent}/auth.json`, JSON.stringify(auth), { mode: 0o600 });

    const unknown = spawnPi(["serve", "--port", "0", "--account", "nope"], {
      HOME: dir,
      PI_CODING_AGENT_DIR: agent,
    });
    const refused = await unknown.done;
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /Unknown account: nope \(known: default, work\)/);
    assert.equal(refused.stdout, "");

    const backend = startFakeCodex([{ text: "from work" }], {
      token: workToken,
      accountIds: ["acct_work_456"],
    });
    const serve = await startServe(agent, { PI_OPENAI_CODEX_BASE_URL: backend.url }, [
      "--account",
      "work",
    ]);
    try {
      const reply = await serve.client().chat.completions.create({
        model: "gpt-5.2-codex",
        messages: [{ role: "user", content: "hi" }],
      });
      assert.equal(reply.choices[0].message.content, "from work");
      assert.equal(backend.requests[0].headers["chatgpt-account-id"], "acct_work_456");
      assert.deepEqual(backend.problems, []);
      assert.ok(token !== workToken);
    } finally {
      const result = await serve.stop();
      await backend.close();
      assert.equal(result.code, 0, result.stderr);
    }
  }, "pi_serve_");
});

Deno.test("pi serve: a serve-key that is a FIFO is one line saying so, no hang", async () => {
  await withDir(async (dir) => {
    const agent = `${dir}/agent`;
    await writeFakeAuth(agent);
    const fifo = new Deno.Command("mkfifo", { args: [`${agent}/serve-key`] }).outputSync();
    assert.ok(fifo.success, "mkfifo");
    const pi = spawnPi(["serve", "--port", "0"], { HOME: dir, PI_CODING_AGENT_DIR: agent });
    const timer = setTimeout(() => pi.child.kill("SIGKILL"), 20_000);
    const result = await pi.done.finally(() => clearTimeout(timer));
    assertOneLineError(result, 1);
    assert.ok(
      result.stderr.includes(`Cannot read ${agent}/serve-key: it is not a regular file (a FIFO)`),
      result.stderr,
    );
  }, "pi_serve_");
});

Deno.test("pi serve: without a login it says how to log in and exits 1, making no key", async () => {
  await withDir(async (dir) => {
    const pi = spawnPi(["serve", "--port", "0"], {
      HOME: dir,
      PI_CODING_AGENT_DIR: `${dir}/agent`,
    });
    const result = await pi.done;
    assert.equal(result.code, 1);
    assert.match(result.stderr, /No API key for openai-codex/);
    assert.match(result.stderr, /pi login openai-codex/);
    await assert.rejects(() => Deno.stat(`${dir}/agent/serve-key`));
  }, "pi_serve_");
});
