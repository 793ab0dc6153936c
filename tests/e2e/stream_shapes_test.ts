/**
 * `pi -p` (a real process) against the fake Codex backend when the reply has an unusual
 * shape: answers and tool calls sent only as finished items (CONTRACT.md: whole items), a
 * web page instead of an event stream (a proxy or a captive portal), and an event that
 * never ends.
 */

import assert from "node:assert/strict";
import {
  type FakeBackend,
  type FakeTurn,
  functionCalls,
  functionOutputs,
  type RecordedRequest,
  startFakeCodex,
  writeFakeAuth,
} from "../fixtures/fake_codex_backend.ts";
import { type PiResult, runPi } from "./run_pi.ts";

interface Env {
  dir: string;
  work: string;
  fake: FakeBackend;
  pi(args: string[]): Promise<PiResult>;
}

async function withFake(
  script: FakeTurn[] | ((request: RecordedRequest, index: number) => FakeTurn),
  fn: (env: Env) => Promise<void>,
): Promise<void> {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "pi_shapes_" }));
  const token = await writeFakeAuth(`${dir}/agent`);
  const work = `${dir}/work`;
  await Deno.mkdir(work);
  const fake = startFakeCodex(script, { token });
  const env = {
    HOME: dir,
    PI_CODING_AGENT_DIR: `${dir}/agent`,
    PI_OPENAI_CODEX_BASE_URL: fake.url,
  };
  try {
    await fn({ dir, work, fake, pi: (args) => runPi(args, { env, cwd: work }) });
    assert.deepEqual(fake.problems, [], "every request was valid");
  } finally {
    await fake.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("whole items: an answer sent only as output_item.done is printed", async () => {
  await withFake([{ text: "The answer is 42.", shape: "whole" }], async ({ pi, fake }) => {
    const result = await pi(["-p", "What is the answer?"]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, "The answer is 42.\n");
    assert.equal(fake.requests.length, 1);
  });
});

Deno.test("whole items: a function_call sent only as output_item.done is run (write creates the file)", async () => {
  await withFake([
    {
      calls: [{
        name: "write",
        arguments: { path: "made.txt", content: "made by a whole item\n" },
      }],
      shape: "whole",
    },
    { text: "Wrote made.txt.", shape: "whole" },
  ], async ({ pi, fake, work }) => {
    const result = await pi(["-p", "Make the file"]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await Deno.readTextFile(`${work}/made.txt`), "made by a whole item\n");
    assert.equal(result.stdout, "Wrote made.txt.\n");
    assert.equal(fake.requests.length, 2);
    // The call went back to the model with its result.
    const [call] = functionCalls(fake.requests[1]);
    const [output] = functionOutputs(fake.requests[1]);
    assert.equal(call.name, "write");
    assert.equal(output.call_id, call.call_id);
    assert.match(String(output.output), /made\.txt/);
  });
});

Deno.test("whole items: --mode json shows the text as a delta and the call as a tool_call", async () => {
  await withFake([
    {
      calls: [{ name: "bash", arguments: { command: "echo from-a-whole-item" } }],
      shape: "whole",
    },
    { text: "Ran it.", reasoning: "Check the output.", shape: "whole" },
  ], async ({ pi }) => {
    const result = await pi(["-p", "--mode", "json", "Run it"]);
    assert.equal(result.code, 0, result.stderr);
    const events = result.stdout.trimEnd().split("\n").map((line) => JSON.parse(line));
    const call = events.find((e) => e.type === "tool_call");
    assert.deepEqual(call?.arguments, { command: "echo from-a-whole-item" });
    const res = events.find((e) => e.type === "tool_result");
    assert.equal(res?.output, "from-a-whole-item");
    const text = events.filter((e) => e.type === "text_delta").map((e) => e.delta).join("");
    assert.equal(text, "Ran it.");
    const thinking = events.filter((e) => e.type === "thinking_delta").map((e) => e.delta);
    assert.equal(thinking.join(""), "Check the output.");
    assert.equal(events.at(-1).reason, "stop");
    assert.equal(events.at(-1).text, "Ran it.");
  });
});

Deno.test("a 200 reply that is a web page (proxy, captive portal) says so, without retrying", async () => {
  const page = "<!DOCTYPE html>\n<html><head><title>Sign in to Wi-Fi</title></head></html>\n";
  for (
    const headers of [
      { "content-type": "text/html; charset=utf-8" },
      { "content-type": "text/event-stream" }, // a portal that lies about its content
    ]
  ) {
    await withFake(() => ({ response: () => new Response(page, { headers }) }), async (env) => {
      const result = await env.pi(["-p", "hello"]);
      assert.equal(result.code, 1, result.stdout);
      assert.equal(result.stdout, "");
      const lines = result.stderr.trimEnd().split("\n");
      assert.equal(lines.length, 1, result.stderr);
      assert.match(
        lines[0],
        /^pi: openai-codex answered with a web page .*proxy or a network login page/,
      );
      assert.match(lines[0], /HTTPS_PROXY/);
      assert.doesNotMatch(lines[0], /ended before the answer was complete/);
      assert.equal(env.fake.requests.length, 1, "not retried");
    });
  }
});

Deno.test("an event that never ends is an error at 16 MiB, not unbounded buffering", async () => {
  // 40 MiB of one `data:` line that never ends, then the server closes.
  const chunk = new TextEncoder().encode("x".repeat(1024 * 1024));
  let sent = 0;
  const body = () =>
    new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode('event: response.output_text.delta\ndata: {"x":"'));
      },
      pull(c) {
        if (sent++ < 40) c.enqueue(chunk);
        else c.close();
      },
    });
  await withFake(() => ({
    response: () => new Response(body(), { headers: { "content-type": "text/event-stream" } }),
  }), async (env) => {
    const result = await env.pi(["-p", "hello"]);
    assert.equal(result.code, 1, result.stdout);
    assert.match(result.stderr, /^pi: openai-codex sent an event larger than 16 MiB/);
    assert.equal(result.stderr.trimEnd().split("\n").length, 1, result.stderr);
    assert.ok(sent < 40, `pi read ${sent} MiB before it stopped`);
    assert.equal(env.fake.requests.length, 1, "not retried");
  });
});
