/**
 * Compaction as a user meets it (CONTRACT.md "Context and compaction", "Context overflow"):
 * real `pi -p` processes against the fake Codex backend, with a small context window set in
 * models.json. The fake counts a request's tokens as its size / 4, reports that as
 * `input_tokens`, and refuses a request over the window with `context_length_exceeded`, as
 * the real backend does.
 */

import assert from "node:assert/strict";
import {
  type FakeTurn,
  isSummaryRequest,
  type RecordedRequest,
} from "../fixtures/fake_codex_backend.ts";
import { contextWindow, inputShape, lines, pi, sessionFiles, withFake } from "./session_env.ts";

const WINDOW = 6000;
const STEPS = 36;
const SUMMARY = "## Goal\nSUMMARY-MARKER: the user is stepping through a long task.";

/** Tokens of a request as the fake counts them: its instructions and input, 4 chars a token. */
function tokensOf(request: RecordedRequest): number {
  return Math.ceil(
    (String(request.body.instructions).length + JSON.stringify(request.body.input).length) / 4,
  );
}

const overflow400 = (): FakeTurn => ({
  response: () =>
    Response.json({
      error: {
        message: "Your input exceeds the context window of this model.",
        type: "invalid_request_error",
        code: "context_length_exceeded",
      },
    }, { status: 400 }),
});

const overflowEvent = (): FakeTurn => ({
  response: () =>
    new Response(
      `event: response.created\ndata: ${
        JSON.stringify({
          type: "response.created",
          response: { id: "resp_x", status: "in_progress" },
        })
      }\n\nevent: response.failed\ndata: ${
        JSON.stringify({
          type: "response.failed",
          response: {
            id: "resp_x",
            status: "failed",
            error: { code: "context_length_exceeded", message: "Input too long for the context." },
          },
        })
      }\n\n`,
      { headers: { "content-type": "text/event-stream" } },
    ),
});

/** A model that answers with about 300 tokens of text and refuses what is over `window`. */
function model(window: number, seen: number[]) {
  return (request: RecordedRequest): FakeTurn => {
    const tokens = tokensOf(request);
    seen.push(tokens);
    if (tokens > window) return overflow400();
    if (isSummaryRequest(request)) return { text: SUMMARY, inputTokens: tokens };
    const last = inputShape(request).at(-1) ?? "";
    return { text: `Done with ${last.slice(5, 12)}. ${"ok ".repeat(400)}`, inputTokens: tokens };
  };
}

Deno.test("a conversation far past the window: every request fits, the session holds the compaction, pi -c sends the summary", async () => {
  const seen: number[] = [];
  await withFake(model(WINDOW, seen), async (env) => {
    await contextWindow(env.agentDir, WINDOW);
    const events: Record<string, unknown>[] = [];
    for (let i = 1; i <= STEPS; i++) {
      const prompt = `step ${String(i).padStart(2, "0")}: ${
        "please continue the work. ".repeat(40)
      }`;
      const args = i === 1
        ? ["-p", "--mode", "json", prompt]
        : ["-p", "-c", "--mode", "json", prompt];
      const run = await pi(env, args);
      assert.equal(run.code, 0, `step ${i}: ${run.stderr}`);
      const lineEvents = run.stdout.trim().split("\n").map((l) => JSON.parse(l));
      const end = lineEvents.at(-1);
      assert.equal(end.type, "end");
      assert.match(end.text, new RegExp(`Done with step ${String(i).padStart(2, "0")}`));
      events.push(...lineEvents);
    }
    // Far past the window in all (every message the session holds), yet no request was over it.
    const [sessionFile] = await sessionFiles(env.agentDir);
    const messageChars = (await lines(sessionFile))
      .filter((e) => e.type === "message")
      .reduce((n, e) => n + JSON.stringify((e.message as { content: unknown }).content).length, 0);
    assert.ok(messageChars / 4 > 3 * WINDOW, `${messageChars / 4} tokens in all`);
    assert.ok(Math.max(...seen) <= WINDOW, `largest request: ${Math.max(...seen)} tokens`);
    assert.ok(env.fake.requests.every((r) => tokensOf(r) <= WINDOW));

    // The JSON event, exactly as the contract shapes it.
    const compactions = events.filter((e) => e.type === "compaction");
    assert.ok(compactions.length >= 1, "at least one compaction");
    for (const c of compactions) {
      assert.deepEqual(Object.keys(c).sort(), ["tokensAfter", "tokensBefore", "turn", "type"]);
      assert.ok((c.tokensBefore as number) > 0.8 * WINDOW);
      assert.ok((c.tokensAfter as number) < (c.tokensBefore as number));
    }

    // The session file holds the compaction entries, each pointing at an entry of the file.
    const [file] = await sessionFiles(env.agentDir);
    const entries = await lines(file);
    const ids = new Set(entries.map((e) => e.id));
    const compactionEntries = entries.filter((e) => e.type === "compaction");
    assert.equal(compactionEntries.length, compactions.length);
    for (const c of compactionEntries) {
      assert.equal(typeof c.summary, "string");
      assert.match(c.summary as string, /SUMMARY-MARKER/);
      assert.ok(ids.has(c.firstKeptEntryId), "firstKeptEntryId names an entry of the file");
      assert.equal(typeof c.tokensBefore, "number");
      assert.ok(ids.has(c.parentId));
    }

    // The summary request: no tools, the conversation's cache key and session id.
    const summaries = env.fake.requests.filter(isSummaryRequest);
    assert.equal(summaries.length, compactions.length);
    const sessionId = env.fake.requests[0].headers["session_id"];
    for (const r of summaries) {
      assert.equal(r.headers["session_id"], sessionId);
      assert.equal(r.body.prompt_cache_key, sessionId);
    }

    // pi -c now sends the summary first, then recent messages, never the oldest ones.
    const next = await pi(env, ["-p", "-c", "one more thing"]);
    assert.equal(next.code, 0, next.stderr);
    const last = env.fake.requests.at(-1)!;
    const shape = inputShape(last);
    assert.match(shape[0], /^user:The conversation history before this point was compacted/);
    assert.match(shape[0], /SUMMARY-MARKER/);
    assert.ok(!shape.some((s) => s.startsWith("user:step 01")), "the oldest prompt is not sent");
    assert.equal(shape.at(-1), "user:one more thing");
  });
});

for (
  const [name, refusal] of [["an HTTP 400", overflow400], [
    "a response.failed event",
    overflowEvent,
  ]] as const
) {
  Deno.test(`context_length_exceeded as ${name}: compacted and sent once more`, async () => {
    let refused = 0;
    await withFake((request, index) => {
      if (isSummaryRequest(request)) return { text: SUMMARY };
      // The third prompt's first request is refused (the backend counts differently than pi).
      if (index === 2 && refused === 0) {
        refused++;
        return refusal();
      }
      return { text: `answer ${index}` };
    }, async (env) => {
      assert.equal((await pi(env, ["-p", "first question"])).code, 0);
      assert.equal((await pi(env, ["-p", "-c", "second question"])).code, 0);
      const third = await pi(env, ["-p", "-c", "--mode", "json", "third question"]);
      assert.equal(third.code, 0, third.stderr);
      const events = third.stdout.trim().split("\n").map((l) => JSON.parse(l));
      assert.equal(events.filter((e) => e.type === "compaction").length, 1);
      assert.equal(events.at(-1).type, "end");
      assert.equal(events.at(-1).reason, "stop");
      const [, , refusedRequest, summary, resent] = env.fake.requests;
      assert.ok(refusedRequest && summary && resent);
      assert.ok(isSummaryRequest(summary));
      assert.match(inputShape(resent)[0], /SUMMARY-MARKER/);
      assert.equal(inputShape(resent).at(-1), "user:third question");
      assert.ok(!inputShape(resent).includes("user:first question"));
      const [file] = await sessionFiles(env.agentDir);
      assert.equal((await lines(file)).filter((e) => e.type === "compaction").length, 1);
    });
  });
}

Deno.test("a second overflow after compaction: exit 1, one clear line", async () => {
  await withFake((request) => {
    if (isSummaryRequest(request)) return { text: SUMMARY };
    const shape = inputShape(request);
    return shape.at(-1) === "user:third question" ? overflow400() : { text: "fine" };
  }, async (env) => {
    assert.equal((await pi(env, ["-p", "first question"])).code, 0);
    assert.equal((await pi(env, ["-p", "-c", "second question"])).code, 0);
    const third = await pi(env, ["-p", "-c", "third question"]);
    assert.equal(third.code, 1);
    assert.equal(third.stdout, "");
    const errorLines = third.stderr.trim().split("\n");
    assert.equal(errorLines.length, 1, third.stderr);
    assert.match(errorLines[0], /^pi: Context window exceeded even after compaction; /);
    // Refused, summarised, refused again: no more requests than that.
    assert.equal(env.fake.requests.length, 2 + 3);
  });
});
