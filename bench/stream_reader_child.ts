/**
 * The baselines of bench/stream_memory_bench.ts, each run as its own process:
 *
 *   deno run -A bench/stream_reader_child.ts minimal <url>
 *   deno run -A bench/stream_reader_child.ts sdk <url>
 *
 * Both POST to `<url>` (a Responses SSE stream), keep the answer text of every
 * `response.output_text.delta` and write it to stdout at the end, as `pi -p` does.
 * `minimal`: fetch → TextDecoder → split events at blank lines → JSON.parse → keep the text.
 * `sdk`: the openai SDK's `Stream.fromSSEResponse` over the same fetch Response.
 */

import { Stream } from "npm:openai@7.57.0/streaming";

interface Delta {
  type: string;
  delta?: string;
}

async function post(url: string): Promise<Response> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", "accept": "text/event-stream" },
    body: "{}",
  });
  if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
  return response;
}

/** fetch → TextDecoder → split events → JSON.parse → keep the text. */
async function minimal(url: string): Promise<string> {
  const response = await post(url);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let text = "";
  while (true) {
    const r = await reader.read();
    if (r.done) break;
    buffer += decoder.decode(r.value, { stream: true });
    let start = 0;
    let end: number;
    while ((end = buffer.indexOf("\n\n", start)) !== -1) {
      for (const line of buffer.slice(start, end).split("\n")) {
        if (!line.startsWith("data: ")) continue;
        const ev = JSON.parse(line.slice(6)) as Delta;
        if (ev.type === "response.output_text.delta") text += ev.delta;
      }
      start = end + 2;
    }
    buffer = buffer.slice(start);
  }
  return text;
}

/** The openai SDK's Stream over the fetch Response. */
async function sdk(url: string): Promise<string> {
  const response = await post(url);
  const stream = Stream.fromSSEResponse<Delta>(response, new AbortController());
  let text = "";
  for await (const ev of stream) {
    if (ev.type === "response.output_text.delta") text += ev.delta;
  }
  return text;
}

if (import.meta.main) {
  const [mode, url] = Deno.args;
  const read = mode === "minimal" ? minimal : mode === "sdk" ? sdk : undefined;
  if (!read || !url) {
    console.error("usage: stream_reader_child.ts minimal|sdk <url>");
    Deno.exit(2);
  }
  const text = await read(url);
  let bytes = new TextEncoder().encode(text + "\n");
  while (bytes.length > 0) bytes = bytes.subarray(Deno.stdout.writeSync(bytes));
}
