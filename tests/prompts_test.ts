import assert from "node:assert/strict";
import { StdinLines } from "../src/cli/prompts.ts";

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  return new ReadableStream({
    start(c) {
      for (const chunk of chunks) c.enqueue(enc.encode(chunk));
      c.close();
    },
  });
}

Deno.test("StdinLines: lines across chunks, CRLF, blank lines skipped, last line without newline", async () => {
  const lines = new StdinLines(streamOf(["\n  \r\nhttp://loc", "alhost/x?code=1\r\n", "last"]));
  assert.equal(await lines.nextNonEmpty(), "http://localhost/x?code=1");
  assert.equal(await lines.nextNonEmpty(), "last");
  assert.equal(await lines.nextNonEmpty(), null);
  assert.equal(await lines.next(), null);
});

Deno.test("StdinLines: an aborted wait keeps the line for the next prompt", async () => {
  let push!: (s: string) => void;
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      push = (s) => c.enqueue(new TextEncoder().encode(s));
    },
  });
  const lines = new StdinLines(stream);
  const controller = new AbortController();
  const first = lines.next(controller.signal);
  controller.abort(new Error("callback won"));
  await assert.rejects(first, /callback won/);
  push("code#state\n");
  assert.equal(await lines.next(), "code#state");
});
