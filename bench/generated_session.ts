/**
 * A generated coding session for the benchmarks (compaction_bench.ts,
 * session_continue_bench.ts): turns of a user prompt, 2–4 tool calls (`read` of a source
 * file or `bash` running tests, each after a Responses reasoning item with its encrypted
 * content) with multi-KB outputs, then an answer. Deterministic: the same count gives the
 * same messages on every run. Each answer's usage reports as input the estimate of the
 * conversation before it (plus `overheadTokens`), as a backend would.
 */

import type { AssistantMessage, Message } from "../src/ai/types.ts";
import { makeUsage } from "../src/ai/usage.ts";
import { estimateMessagesTokens } from "../src/agent/compaction.ts";
import { rememberToolCalls, toSessionMessage } from "../src/agent/session_messages.ts";
import { SessionFile, uuidFromBytes } from "../src/agent/session_store.ts";
import type { Model } from "../src/models/types.ts";

/** A small deterministic generator (so every run builds the same session). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}

const WORDS = ("the parser token stream session compaction reads function returns value error " +
  "test file module import export const let await async buffer line column range cache key")
  .split(" ");

function prose(rand: () => number, chars: number): string {
  let out = "";
  while (out.length < chars) out += WORDS[Math.floor(rand() * WORDS.length)] + " ";
  return out.slice(0, chars);
}

function code(rand: () => number, chars: number, path: string): string {
  const lines: string[] = [];
  let size = 0;
  for (let n = 1; size < chars; n++) {
    const w = () => WORDS[Math.floor(rand() * WORDS.length)];
    const line = `${String(n).padStart(4)}  export function ${w()}_${n}(${w()}: string): ${w()} {` +
      ` return ${w()}(${JSON.stringify(path)}); }`;
    lines.push(line);
    size += line.length + 1;
  }
  return lines.join("\n");
}

function base64(rand: () => number, chars: number): string {
  const abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  let out = "";
  for (let i = 0; i < chars; i++) out += abc[Math.floor(rand() * 64)];
  return out;
}

/**
 * `count` messages of a generated session with `model`: prompts, reasoning items, `read` and
 * `bash` calls with 0.5–12 KB outputs, answers.
 */
export function generateMessages(
  count: number,
  options: { model: Model; overheadTokens: number },
): Message[] {
  const { model, overheadTokens } = options;
  const rand = lcg(16);
  const messages: Message[] = [];
  const answer = (content: AssistantMessage["content"], stop: "stop" | "tool_use") => {
    const input = estimateMessagesTokens(messages) + overheadTokens;
    messages.push({
      role: "assistant",
      content,
      api: model.api,
      provider: model.provider,
      model: model.id,
      usage: makeUsage({ input, cacheRead: 0, cacheWrite: 0, output: 300, reasoning: 100 }, model),
      stopReason: stop,
    });
  };
  let call = 0;
  for (let turn = 1; messages.length < count; turn++) {
    messages.push({ role: "user", content: `Turn ${turn}: ${prose(rand, 100 + rand() * 300)}` });
    const tools = 2 + Math.floor(rand() * 3);
    for (let t = 0; t < tools && messages.length < count - 2; t++) {
      const id = `call_${++call}`;
      const isRead = rand() < 0.6;
      const path = `src/module_${turn}_${t}.ts`;
      const reasoningItem = {
        id: `rs_${call}`,
        type: "reasoning",
        summary: [{ type: "summary_text", text: prose(rand, 200) }],
        encrypted_content: base64(rand, 1500),
      };
      answer([
        {
          type: "thinking",
          thinking: reasoningItem.summary[0].text,
          signature: JSON.stringify(reasoningItem),
        },
        {
          type: "tool_call",
          id: `fc_${call}`,
          callId: id,
          name: isRead ? "read" : "bash",
          arguments: isRead ? { path } : { command: `deno test ${path} 2>&1 | tail -80` },
        },
      ], "tool_use");
      const output = isRead
        ? code(rand, 2_000 + rand() * 10_000, path)
        : `running tests in ${path}\n${prose(rand, 500 + rand() * 5_500)}\nerror: 2 failed`;
      messages.push({
        role: "tool_result",
        callId: id,
        toolName: isRead ? "read" : "bash",
        content: [{ type: "text", text: output }],
        isError: false,
      });
    }
    if (messages.length < count) {
      answer([{ type: "text", text: prose(rand, 300 + rand() * 1200) }], "stop");
    }
  }
  return messages.slice(0, count);
}

/**
 * Writes `messages` as a session of `cwd` in `agentDir` the way the session runner does (the
 * header, `model_change`, `thinking_level_change`, then each message as it joined), with a
 * clock that moves 15 s a message. `compactEvery`: a `compaction` entry after the first answer
 * once that many messages have passed since the last one, keeping about the last 20 messages
 * (from a prompt), as an all-day session has. Returns the file's path.
 */
export async function writeGeneratedSession(
  agentDir: string,
  cwd: string,
  messages: readonly Message[],
  options: { model: Model; compactEvery?: number },
): Promise<string> {
  const { model, compactEvery } = options;
  let clock = Date.now() - (messages.length + 10) * 15_000;
  const deps = {
    now: () => (clock += 15_000),
    randomBytes: (n: number) => crypto.getRandomValues(new Uint8Array(n)),
  };
  const file = await SessionFile.create(
    { agentDir, cwd, id: uuidFromBytes(deps.randomBytes(16)) },
    deps,
  );
  try {
    file.append({ type: "model_change", provider: model.provider, modelId: model.id });
    file.append({ type: "thinking_level_change", thinkingLevel: "medium" });
    const toolCallIds = new Map<string, string>();
    const ids: string[] = [];
    let sinceCompaction = 0;
    for (let i = 0; i < messages.length; i++) {
      rememberToolCalls(toolCallIds, messages[i]);
      const message = toSessionMessage(messages[i], { timestamp: deps.now(), toolCallIds });
      ids.push(file.append({ type: "message", message }).id);
      if (compactEvery === undefined) continue;
      if (++sinceCompaction < compactEvery || messages[i].role !== "assistant") continue;
      let kept = ids.length - 20;
      while (kept > 0 && messages[kept].role !== "user") kept--;
      file.append({
        type: "compaction",
        summary: `## Goal\n${"Keep the parser and the session code working. ".repeat(40)}`,
        firstKeptEntryId: ids[kept],
        tokensBefore: 200_000,
        details: { readFiles: [], modifiedFiles: [] },
      });
      sinceCompaction = 0;
    }
    return file.path;
  } finally {
    file.close();
  }
}
