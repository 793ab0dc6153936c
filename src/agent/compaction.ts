/**
 * Compaction: keeping a long conversation inside the model's context window
 * (CONTRACT.md "Context and compaction"). Pure functions decide when to compact
 * ({@link estimateContextTokens}, {@link shouldCompact}) and what to keep and what to
 * summarise ({@link planCompaction}); {@link compact} adds the one summary request, made
 * through an injected `complete`. The compacted conversation starts with the summary as
 * one user message worded exactly as pi-mono words it ({@link compactionSummaryMessage}),
 * so pi and pi-mono continue each other's compacted sessions.
 *
 * The session runner owns the rest (auto_compaction.ts): it maps
 * {@link CompactionResult.firstKeptIndex} to the session entry id (`firstKeptEntryId`),
 * appends the `compaction` entry and emits the `compaction` event. On a context overflow
 * from the backend the agent loop compacts and sends once more, and a second overflow fails
 * with {@link overflowAfterCompaction}.
 * @module
 */

import type { AssistantMessage, Context, Message } from "../ai/types.ts";
import { inputTokens } from "../ai/usage.ts";
import { isPiError, PiError } from "../errors.ts";
import {
  COMPACTION_SUMMARY_PREFIX,
  COMPACTION_SUMMARY_SUFFIX,
  compactionSummaryMessage,
} from "./session_messages.ts";
import {
  type FileLists,
  fileLists,
  formatFileLists,
  splitFileLists,
  summaryRequest,
  userText,
} from "./compaction_prompt.ts";

/** Compact when the next request's input is estimated above this share of the window. */
export const COMPACT_THRESHOLD = 0.8;
/** Recent messages kept verbatim, newest first, up to about this share of the window. */
export const KEEP_RATIO = 0.25;
/**
 * When the current turn alone is above this share of the window, keeping it whole would
 * leave the conversation compacting again at once (or overflowing): the turn is split
 * at a tool-call boundary instead (see {@link planCompaction}).
 */
export const SPLIT_TURN_RATIO = 0.7;
/** The conversation text of the summary request is cut to this share of the window. */
export const SUMMARY_INPUT_RATIO = 0.5;
/** Characters per token of the estimate. */
export const CHARS_PER_TOKEN = 4;
/** Tokens counted for an image (pi-mono counts 4,800 characters). */
export const IMAGE_TOKENS = 1_200;

// ---------------------------------------------------------------------------------------------
// The summary message (shared with pi-mono)
// ---------------------------------------------------------------------------------------------

// The message itself lives with the session format (session_messages.ts): the session file
// and the compaction both rebuild it, and it must read exactly as pi-mono's.
export {
  COMPACTION_SUMMARY_PREFIX,
  COMPACTION_SUMMARY_SUFFIX,
  compactionSummaryMessage,
} from "./session_messages.ts";

/** The summary inside a {@link compactionSummaryMessage}; undefined for any other message. */
export function compactionSummaryOf(message: Message | undefined): string | undefined {
  if (message?.role !== "user") return undefined;
  const text = typeof message.content === "string"
    ? message.content
    : message.content.length === 1 && message.content[0].type === "text"
    ? message.content[0].text
    : undefined;
  if (
    text === undefined || !text.startsWith(COMPACTION_SUMMARY_PREFIX) ||
    !text.endsWith(COMPACTION_SUMMARY_SUFFIX) ||
    text.length < COMPACTION_SUMMARY_PREFIX.length + COMPACTION_SUMMARY_SUFFIX.length
  ) {
    return undefined;
  }
  return text.slice(
    COMPACTION_SUMMARY_PREFIX.length,
    text.length - COMPACTION_SUMMARY_SUFFIX.length,
  );
}

// ---------------------------------------------------------------------------------------------
// Token accounting
// ---------------------------------------------------------------------------------------------

function tokensOf(chars: number): number {
  return Math.ceil(chars / CHARS_PER_TOKEN);
}

/**
 * About how many input tokens `message` costs when sent: one per 4 characters of its text,
 * of replayed thinking (a thinking block with a signature), of tool names and arguments and
 * of tool results, plus {@link IMAGE_TOKENS} per image.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { estimateTokens } from "./compaction.ts";
 * assert.equal(estimateTokens({ role: "user", content: "12345678" }), 2);
 * ```
 */
export function estimateTokens(message: Message): number {
  let chars = 0;
  let images = 0;
  if (message.role === "user") {
    if (typeof message.content === "string") chars = message.content.length;
    else {
      for (const part of message.content) {
        if (part.type === "text") chars += part.text.length;
        else images++;
      }
    }
  } else if (message.role === "assistant") {
    for (const block of message.content) {
      if (block.type === "text") chars += block.text.length;
      else if (block.type === "thinking") {
        // Only a signed block is sent back; the signature itself is opaque replay data.
        if (block.signature) chars += block.thinking.length;
      } else {
        chars += block.name.length +
          (block.rawArguments ?? JSON.stringify(block.arguments)).length;
      }
    }
  } else {
    for (const part of message.content) {
      if (part.type === "text") chars += part.text.length;
      else images++;
    }
  }
  return tokensOf(chars) + images * IMAGE_TOKENS;
}

/** The sum of {@link estimateTokens} over `messages`. */
export function estimateMessagesTokens(messages: readonly Message[]): number {
  let total = 0;
  for (const m of messages) total += estimateTokens(m);
  return total;
}

/** About how many tokens a system prompt and tool definitions cost (4 characters a token). */
export function estimateOverheadTokens(context: Pick<Context, "systemPrompt" | "tools">): number {
  return tokensOf(context.systemPrompt.length + JSON.stringify(context.tools ?? []).length);
}

/** What {@link estimateContextTokens} found. */
export interface ContextEstimate {
  /** The estimated input tokens of the next request. */
  tokens: number;
  /** The input the provider reported for the last usable answer (0 when none). */
  usageTokens: number;
  /** The estimate of the messages from that answer on (or of all, plus the overhead). */
  trailingTokens: number;
  /** The index of that answer; undefined when no answer could be used. */
  lastUsageIndex: number | undefined;
}

/** Options of {@link estimateContextTokens}. */
export interface EstimateOptions {
  /**
   * Answers before this index are not used for their usage. The messages a compaction kept
   * carry the usage of the longer conversation before it: after a compaction, pass the
   * length of the compacted conversation (summary + kept messages) until a new answer
   * arrives. Default 0.
   */
  usableFrom?: number;
  /**
   * Tokens of the system prompt and tools ({@link estimateOverheadTokens}), added when no
   * usage can be used (a reported usage already includes them). Default 0.
   */
  overheadTokens?: number;
}

/**
 * The input of the next request, as CONTRACT.md counts it: the input tokens reported for the
 * last answer (input + cacheRead + cacheWrite; failed, aborted and zero-usage answers
 * skipped) plus about one token per 4 characters of what was added since (that answer
 * itself included: it is sent with the next request). Without a usable answer, the
 * estimate of all messages plus `overheadTokens`.
 */
export function estimateContextTokens(
  messages: readonly Message[],
  options: EstimateOptions = {},
): ContextEstimate {
  const from = Math.max(0, options.usableFrom ?? 0);
  for (let i = messages.length - 1; i >= from; i--) {
    const m = messages[i];
    if (m.role !== "assistant" || m.stopReason === "error" || m.stopReason === "aborted") {
      continue;
    }
    const usageTokens = inputTokens(m.usage);
    if (usageTokens <= 0) continue;
    const trailingTokens = estimateMessagesTokens(messages.slice(i));
    return { tokens: usageTokens + trailingTokens, usageTokens, trailingTokens, lastUsageIndex: i };
  }
  const trailingTokens = estimateMessagesTokens(messages) + (options.overheadTokens ?? 0);
  return { tokens: trailingTokens, usageTokens: 0, trailingTokens, lastUsageIndex: undefined };
}

/**
 * Whether the next request should be preceded by a compaction: its input estimate is above
 * {@link COMPACT_THRESHOLD} (80 %) of the model's context window.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { shouldCompact } from "./compaction.ts";
 * assert.equal(shouldCompact(80_000, 100_000), false);
 * assert.equal(shouldCompact(80_001, 100_000), true);
 * ```
 */
export function shouldCompact(tokens: number, contextWindow: number): boolean {
  return contextWindow > 0 && tokens > COMPACT_THRESHOLD * contextWindow;
}

// ---------------------------------------------------------------------------------------------
// What to keep
// ---------------------------------------------------------------------------------------------

/** Options of {@link planCompaction}. */
export interface PlanOptions {
  /** The model's context window (tokens). */
  contextWindow: number;
  /** Tokens to keep verbatim (default {@link KEEP_RATIO} of the window). */
  keepTokens?: number;
  /**
   * Whether the message at `index` may be the first one kept (default: every one). The
   * session runner allows only messages with a session entry: the `compaction` entry names
   * the first kept one by its id (`firstKeptEntryId`), and a message without one (a version-1
   * file's, or a copy made for the request) could not be found again when the file is read.
   */
  keepable?: (index: number) => boolean;
}

/** What {@link planCompaction} decided. */
export interface CompactionPlan {
  /**
   * The index in the given messages of the first message kept verbatim (the runner's
   * `firstKeptEntryId`). At least 1 when the messages start with a previous summary (index 0
   * is that summary, which has no entry of its own).
   */
  firstKeptIndex: number;
  /** The messages to summarise (after a previous summary at the head, before the cut). */
  toSummarize: Message[];
  /** The messages kept verbatim, from `firstKeptIndex` on. */
  kept: Message[];
  /** The summary of a previous compaction found at the head of the messages. */
  previousSummary?: string;
  /**
   * The current turn was too large to keep whole ({@link SPLIT_TURN_RATIO}) and is cut at a
   * tool-call boundary: its first part, user message included, is summarised.
   */
  splitTurn: boolean;
  /** For a split turn: the text of the user message that started it. */
  turnRequest?: string;
}

/**
 * For each index, whether the conversation may be cut just before it: a user or assistant
 * message, and no tool call before the cut whose result comes at or after it.
 */
function cutPoints(
  messages: readonly Message[],
  from: number,
  keepable: (index: number) => boolean = () => true,
): boolean[] {
  const results = new Map<string, number[]>();
  messages.forEach((m, i) => {
    if (m.role !== "tool_result") return;
    const list = results.get(m.callId);
    if (list) list.push(i);
    else results.set(m.callId, [i]);
  });
  const valid = new Array<boolean>(messages.length).fill(false);
  let reach = -1; // the last index holding a result of a call seen so far
  for (let i = from; i < messages.length; i++) {
    const m = messages[i];
    valid[i] = m.role !== "tool_result" && reach < i && keepable(i);
    if (m.role !== "assistant") continue;
    for (const block of m.content) {
      if (block.type !== "tool_call") continue;
      for (const r of results.get(block.callId) ?? []) {
        if (r > i && r > reach) reach = r;
      }
    }
  }
  return valid;
}

/**
 * What to keep and what to summarise. The cut falls only before a user message or before an
 * assistant message whose tool calls' results all come after it, so a tool call is never
 * separated from its results. Kept: the current user message (the last one) and everything
 * after it at least, then older messages newest first while they fit in `keepTokens`
 * (about 25 % of the window). A previous summary at the head is not kept: it goes into the
 * new summary ({@link CompactionPlan.previousSummary}).
 *
 * When the older messages all fit in `keepTokens`, everything before the current turn is
 * summarised anyway (a compaction asked for must summarise something). When the current
 * turn alone is above {@link SPLIT_TURN_RATIO} of the window, or nothing precedes it, the
 * turn is split: kept from the earliest assistant message inside it that fits the budget
 * (else the latest one), the rest summarised, and the user message's text is put verbatim
 * into the summary by {@link compact}. `toSummarize` is empty when no cut is possible. A cut
 * falls only where {@link PlanOptions.keepable} allows; older messages that may not start
 * the kept part are summarised.
 */
export function planCompaction(
  messages: readonly Message[],
  options: PlanOptions,
): CompactionPlan {
  const n = messages.length;
  const previousSummary = compactionSummaryOf(messages[0]);
  const first = previousSummary !== undefined ? 1 : 0;
  const keep = options.keepTokens ?? Math.floor(KEEP_RATIO * options.contextWindow);
  const valid = cutPoints(messages, first, options.keepable);
  const suffix = new Array<number>(n + 1).fill(0);
  for (let i = n - 1; i >= 0; i--) suffix[i] = suffix[i + 1] + estimateTokens(messages[i]);

  // The current user message: the last one; a cut must fall at or before it.
  let mustKeepFrom = -1;
  for (let i = n - 1; i >= first; i--) {
    if (messages[i].role === "user") {
      mustKeepFrom = i;
      break;
    }
  }
  if (mustKeepFrom >= 0) {
    while (mustKeepFrom > first && !valid[mustKeepFrom]) mustKeepFrom--;
  } else {
    // No user message after the head: keep from the last possible cut.
    mustKeepFrom = n;
    for (let i = n - 1; i >= first; i--) {
      if (valid[i]) {
        mustKeepFrom = i;
        break;
      }
    }
  }

  // Newest first, as far back as the budget allows.
  let cut = mustKeepFrom;
  for (let i = mustKeepFrom - 1; i >= first; i--) {
    if (suffix[i] > keep) break;
    if (valid[i]) cut = i;
  }
  // Everything older fits: summarise all of it (the cut at the current turn).
  if (cut <= first) cut = mustKeepFrom;

  let splitTurn = false;
  let turnRequest: string | undefined;
  const turnTooBig = mustKeepFrom < n &&
    suffix[mustKeepFrom] > SPLIT_TURN_RATIO * options.contextWindow;
  if (cut <= first || turnTooBig) {
    let splitAt = -1;
    for (let i = n - 1; i > mustKeepFrom; i--) {
      if (!valid[i]) continue;
      if (splitAt === -1 || suffix[i] <= keep) splitAt = i;
      else break;
    }
    if (splitAt !== -1) {
      cut = splitAt;
      splitTurn = true;
      const turnStart = messages[mustKeepFrom];
      if (turnStart?.role === "user") turnRequest = userText(turnStart.content);
    }
  }

  // Something must stay after the summary: it is where the runner's firstKeptEntryId points.
  if (cut >= n) cut = first;

  const plan: CompactionPlan = {
    firstKeptIndex: cut,
    toSummarize: messages.slice(first, Math.max(first, cut)),
    kept: messages.slice(cut),
    splitTurn,
  };
  if (previousSummary !== undefined) plan.previousSummary = previousSummary;
  if (turnRequest !== undefined) plan.turnRequest = turnRequest;
  return plan;
}

function isResponsesReasoning(signature: string | undefined): boolean {
  if (!signature || !signature.startsWith("{")) return false;
  try {
    return (JSON.parse(signature) as { type?: unknown }).type === "reasoning";
  } catch {
    return false;
  }
}

/**
 * The messages without the reasoning items that cannot be replayed: a Responses reasoning
 * item (a thinking block whose signature is the item) must be followed by the output it led
 * to, so one with no text or tool call after it in its message (an answer cut off or
 * aborted after its thinking) is dropped; the readable thinking goes with it. Other messages
 * are returned as they are (the same objects).
 */
export function dropUnreplayableReasoning(messages: readonly Message[]): Message[] {
  return messages.map((m) => {
    if (m.role !== "assistant") return m;
    let lastOutput = -1;
    m.content.forEach((b, i) => {
      if (b.type === "tool_call" || (b.type === "text" && b.text !== "")) lastOutput = i;
    });
    const content = m.content.filter((b, i) =>
      !(b.type === "thinking" && i > lastOutput && isResponsesReasoning(b.signature))
    );
    return content.length === m.content.length ? m : { ...m, content };
  });
}

// ---------------------------------------------------------------------------------------------
// The compaction
// ---------------------------------------------------------------------------------------------

/**
 * One model request without streaming: `context` in, the final answer out (pi's `complete`
 * bound to the model, keys and deps). `sessionId` must reach `StreamOptions.sessionId`: it is
 * the prompt cache key (and Codex `session_id`) of the conversation.
 */
export type CompleteFunction = (
  context: Context,
  options: { signal?: AbortSignal; sessionId: string },
) => Promise<AssistantMessage>;

/** Options of {@link compact}. */
export interface CompactOptions {
  /** The model's context window (tokens). */
  contextWindow: number;
  /** Makes the summary request (to the same model as the conversation). */
  complete: CompleteFunction;
  /** The conversation's session id: the summary request reuses its prompt cache key. */
  sessionId: string;
  /** Stops the summary request. */
  signal?: AbortSignal;
  /** What the summary should focus on (`/compact <instructions>`). */
  instructions?: string;
  /** Tokens to keep verbatim (default {@link KEEP_RATIO} of the window). */
  keepTokens?: number;
  /** See {@link PlanOptions.keepable}. */
  keepable?: (index: number) => boolean;
  /** See {@link EstimateOptions.usableFrom}. */
  usableFrom?: number;
  /** See {@link EstimateOptions.overheadTokens}; also added to `tokensAfter`. */
  overheadTokens?: number;
}

/** What {@link compact} did. */
export interface CompactionResult {
  /** The summary (the `compaction` entry's `summary`), file lists at its end. */
  summary: string;
  /** The index in the given messages of the first message kept (→ `firstKeptEntryId`). */
  firstKeptIndex: number;
  /** The context estimate before ({@link estimateContextTokens}): the entry's `tokensBefore`. */
  tokensBefore: number;
  /** The estimate of the new conversation (plus `overheadTokens`). */
  tokensAfter: number;
  /** The new conversation: {@link compactionSummaryMessage} then the kept messages. */
  messages: Message[];
  /** Files read and changed, all compactions so far (pi-mono's `details`). */
  details: FileLists;
  /** Whether the current turn was split ({@link CompactionPlan.splitTurn}). */
  splitTurn: boolean;
}

function summaryFailure(detail: string, cause?: unknown, hint?: string): PiError {
  return new PiError("agent.compaction_failed", `Compaction failed: ${detail}`, {
    cause,
    hint: hint ?? "try /compact again, or start a new session",
  });
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

async function runCompaction(
  plan: CompactionPlan,
  tokensBefore: number,
  options: CompactOptions,
): Promise<CompactionResult> {
  const previous = plan.previousSummary !== undefined
    ? splitFileLists(plan.previousSummary)
    : undefined;
  const request = summaryRequest(plan.toSummarize, {
    previousSummary: previous?.text,
    instructions: options.instructions,
    maxChars: Math.floor(SUMMARY_INPUT_RATIO * options.contextWindow * CHARS_PER_TOKEN),
  });
  let answer: AssistantMessage;
  try {
    answer = await options.complete(request, {
      signal: options.signal,
      sessionId: options.sessionId,
    });
  } catch (e) {
    if (isPiError(e, "api.aborted") || options.signal?.aborted) throw e;
    const message = e instanceof Error ? e.message : String(e);
    throw summaryFailure(
      `the summary request failed: ${lowerFirst(message)}`,
      e,
      isPiError(e) ? e.hint : undefined,
    );
  }
  if (answer.stopReason === "aborted") {
    throw new PiError("api.aborted", "The request was aborted");
  }
  if (answer.stopReason === "error") {
    throw summaryFailure(
      `the summary request failed: ${lowerFirst(answer.errorMessage ?? "unknown error")}`,
    );
  }
  const text = answer.content.map((b) => b.type === "text" ? b.text : "").join("").trim();
  if (text === "") throw summaryFailure("the model returned an empty summary");

  const files = fileLists(plan.toSummarize, previous?.files);
  let summary = text;
  if (plan.splitTurn && plan.turnRequest !== undefined) {
    summary += `\n\n## Current Request (verbatim)\n${plan.turnRequest}`;
  }
  summary += formatFileLists(files);
  const compacted = [compactionSummaryMessage(summary), ...dropUnreplayableReasoning(plan.kept)];
  return {
    summary,
    firstKeptIndex: plan.firstKeptIndex,
    tokensBefore,
    tokensAfter: estimateMessagesTokens(compacted) + (options.overheadTokens ?? 0),
    messages: compacted,
    details: files,
    splitTurn: plan.splitTurn,
  };
}

function estimateFor(messages: readonly Message[], options: CompactOptions): number {
  return estimateContextTokens(messages, {
    usableFrom: options.usableFrom,
    overheadTokens: options.overheadTokens,
  }).tokens;
}

/**
 * Compacts now (`/compact`, or after the backend reported a context overflow): plans the cut
 * ({@link planCompaction}), asks the same model for a summary of the older messages (one
 * request, no tools, through `options.complete` with the session id as prompt cache key),
 * and returns the new conversation. Throws a PiError `agent.compaction_failed` when there is
 * nothing to compact, the request fails or the summary is empty (`api.aborted` when
 * aborted).
 */
export function compact(
  messages: readonly Message[],
  options: CompactOptions,
): Promise<CompactionResult> {
  const tokensBefore = estimateFor(messages, options);
  const plan = planCompaction(messages, options);
  if (plan.toSummarize.length === 0) {
    return Promise.reject(
      summaryFailure(
        "there is nothing to compact: the conversation is one message too large to keep",
        undefined,
        "start a new session, or send a shorter message",
      ),
    );
  }
  return runCompaction(plan, tokensBefore, options);
}

/**
 * The automatic compaction before a request: compacts (as {@link compact}) when the context
 * estimate is above {@link COMPACT_THRESHOLD} of the window and something can be summarised;
 * otherwise resolves to undefined and the request goes as it is.
 */
export function autoCompact(
  messages: readonly Message[],
  options: CompactOptions,
): Promise<CompactionResult | undefined> {
  const tokensBefore = estimateFor(messages, options);
  if (!shouldCompact(tokensBefore, options.contextWindow)) return Promise.resolve(undefined);
  const plan = planCompaction(messages, options);
  if (plan.toSummarize.length === 0) return Promise.resolve(undefined);
  return runCompaction(plan, tokensBefore, options);
}

// ---------------------------------------------------------------------------------------------
// Overflow recovery
// ---------------------------------------------------------------------------------------------

/** Whether `error` is the backend saying the input is over the context window. */
export function isContextOverflowError(error: unknown): boolean {
  return isPiError(error, "api.context_overflow");
}

/**
 * The error of a request that overflowed the context window again after it was compacted and
 * sent once more (CONTRACT.md "Context overflow"): `Context window exceeded even after
 * compaction`, with the second overflow as its cause.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PiError } from "../errors.ts";
 * import { overflowAfterCompaction } from "./compaction.ts";
 * const error = overflowAfterCompaction(new PiError("api.context_overflow", "too long"));
 * assert.equal(error.message, "Context window exceeded even after compaction");
 * ```
 */
export function overflowAfterCompaction(cause: unknown): PiError {
  return new PiError("api.context_overflow", "Context window exceeded even after compaction", {
    cause,
    hint: "start a new session, or send a shorter message",
  });
}
