/**
 * What compaction may keep when only some messages have a session entry to point at
 * (`PlanOptions.keepable`): a version-1 file's messages, or copies made for the request, can
 * never be the first kept one (`firstKeptEntryId`).
 */
import assert from "node:assert/strict";
import type { AssistantMessage, Message, UserMessage } from "../src/ai/types.ts";
import { emptyUsage } from "../src/ai/usage.ts";
import { estimateMessagesTokens, planCompaction } from "../src/agent/compaction.ts";
import { codexModel } from "./ai_fakes.ts";

const model = codexModel();

function user(text: string): UserMessage {
  return { role: "user", content: text };
}

function answer(text: string): AssistantMessage {
  return {
    role: "assistant",
    content: [{ type: "text", text }],
    api: "openai-codex-responses",
    provider: "openai-codex",
    model: model.id,
    usage: emptyUsage(model),
    stopReason: "stop",
  };
}

/** Six old turns, then the current prompt: about 550 tokens a turn. */
function conversation(): Message[] {
  const out: Message[] = [];
  for (let i = 1; i <= 6; i++) {
    out.push(user(`old question ${i}: ${"tell me more. ".repeat(70)}`));
    out.push(answer(`old answer ${i}: ${"ok ".repeat(400)}`));
  }
  out.push(user("new question"));
  return out;
}

Deno.test("planCompaction: without keepable, recent old turns are kept within the budget", () => {
  const messages = conversation();
  const plan = planCompaction(messages, { contextWindow: 4_000 });
  assert.ok(plan.firstKeptIndex < messages.length - 1, "older messages are kept");
  assert.ok(estimateMessagesTokens(plan.kept) <= 1_000);
});

Deno.test("planCompaction: the kept part starts only where keepable allows; older messages are summarised", () => {
  const messages = conversation();
  const current = messages.length - 1;
  // As a continued version-1 file: only the prompt pi appended has an entry.
  const plan = planCompaction(messages, { contextWindow: 4_000, keepable: (i) => i >= current });
  assert.equal(plan.firstKeptIndex, current);
  assert.deepEqual(plan.kept, [messages[current]]);
  assert.deepEqual(plan.toSummarize, messages.slice(0, current));

  // A message in the middle that may not start the kept part (a copy): the cut moves past it.
  const free = planCompaction(messages, { contextWindow: 4_000 });
  const plan2 = planCompaction(messages, {
    contextWindow: 4_000,
    keepable: (i) => i !== free.firstKeptIndex,
  });
  assert.notEqual(plan2.firstKeptIndex, free.firstKeptIndex);
  assert.ok(plan2.firstKeptIndex <= current);
  assert.deepEqual([...plan2.toSummarize, ...plan2.kept], messages);
});
