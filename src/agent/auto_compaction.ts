/**
 * Compaction at the session runner's seam (CONTRACT.md "Context and compaction"): before
 * each request the context is estimated, and above 80 % of the model's window it is
 * compacted first; after the backend refused a request as too long it is compacted and
 * sent once more. `/compact` compacts now, through {@link compactSession}. What to keep
 * and the summary request are in compaction.ts; this file joins them to the session: the
 * `compaction` entry, its `firstKeptEntryId`, and the `compaction` event.
 * @module
 */

import type { Message } from "../ai/types.ts";
import { toModelTools } from "./agent_loop.ts";
import {
  autoCompact,
  compact,
  type CompactionResult,
  type CompactOptions,
  estimateOverheadTokens,
} from "./compaction.ts";
import type { ContextTransformer, ContextTransformInput } from "./session_runner.ts";

/** What a compaction did, in the numbers the `compaction` event and the screen show. */
export interface CompactionDone {
  /** The context estimate before (tokens). */
  tokensBefore: number;
  /** The estimate of the compacted conversation (tokens). */
  tokensAfter: number;
  /** The session entry written (undefined without a session file). */
  entryId: string | undefined;
}

type SeamInput = Pick<
  ContextTransformInput,
  | "messages"
  | "model"
  | "systemPrompt"
  | "tools"
  | "entryId"
  | "lastUsage"
  | "complete"
  | "appendCompaction"
  | "signal"
>;

function compactOptions(
  input: SeamInput,
  sessionId: string,
  instructions?: string,
): CompactOptions {
  // With a session file, the kept part must start at a message with an entry of its own
  // (firstKeptEntryId); without one (--no-session) no message has an entry.
  const saved = input.messages.map((m) => input.entryId(m) !== undefined);
  return {
    ...(saved.includes(true) ? { keepable: (i: number) => saved[i] } : {}),
    contextWindow: input.model.contextWindow,
    complete: (context, o) => input.complete(context, o.signal),
    sessionId,
    ...(input.signal ? { signal: input.signal } : {}),
    ...(instructions ? { instructions } : {}),
    // The answers kept by an earlier compaction carry the usage of the longer conversation
    // before it; the runner forgets that usage at a compaction, so without a usage since
    // then nothing in the messages is used for its usage.
    usableFrom: input.lastUsage ? 0 : input.messages.length,
    overheadTokens: estimateOverheadTokens({
      systemPrompt: input.systemPrompt,
      tools: toModelTools(input.tools),
    }),
  };
}

/** Writes the entry for a compaction result; returns the conversation that goes on. */
function apply(input: SeamInput, result: CompactionResult): { messages: Message[]; id?: string } {
  const firstKept = input.messages[result.firstKeptIndex];
  const { id, message } = input.appendCompaction({
    summary: result.summary,
    firstKeptEntryId: (firstKept && input.entryId(firstKept)) ?? "",
    tokensBefore: result.tokensBefore,
    details: result.details,
  });
  // The runner's summary message (mapped to the entry) stands for the compacted history.
  return { messages: [message, ...result.messages.slice(1)], ...(id ? { id } : {}) };
}

/**
 * The seam for {@link SessionRunnerOptions.transformContext}: compacts above the threshold,
 * and always after an overflow; emits `{type: "compaction", turn, tokensBefore, tokensAfter}`.
 */
export function compactionTransformer(sessionId: string): ContextTransformer {
  return async (input) => {
    const options = compactOptions(input, sessionId);
    const result = input.overflow
      ? await compact(input.messages, options)
      : await autoCompact(input.messages, options);
    if (!result) return [...input.messages];
    const { messages } = apply(input, result);
    input.emit({
      type: "compaction",
      turn: input.turn,
      tokensBefore: result.tokensBefore,
      tokensAfter: result.tokensAfter,
    });
    return messages;
  };
}

/**
 * Compacts a conversation now (`/compact [instructions]`): the instructions steer the
 * summary. Returns the conversation that goes on and what was done; throws a PiError when
 * there is nothing to compact or the summary request fails.
 */
export async function compactSession(
  input: SeamInput,
  sessionId: string,
  instructions?: string,
): Promise<{ messages: Message[] } & CompactionDone> {
  const result = await compact(input.messages, compactOptions(input, sessionId, instructions));
  const { messages, id } = apply(input, result);
  return {
    messages,
    tokensBefore: result.tokensBefore,
    tokensAfter: result.tokensAfter,
    entryId: id,
  };
}
