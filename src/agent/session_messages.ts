/**
 * Messages as session files hold them, in pi-mono's shapes (so that pi and pi-mono continue
 * each other's sessions), and the one mapping to and from pi's own {@link Message}s.
 *
 * | pi (src/ai/types.ts)                        | session file (pi-mono)                          |
 * | ------------------------------------------- | ----------------------------------------------- |
 * | `tool_result` `{callId}`                    | `toolResult` `{toolCallId}`                     |
 * | `tool_call` `{id, callId}`                  | `toolCall` `{id: "<callId>\|<id>"}` (Responses) |
 * | `tool_call` with `id === callId`            | `toolCall` `{id}` (Anthropic: no `\|`)          |
 * | thinking `signature`                        | thinking `thinkingSignature`                    |
 * | stop reason `tool_use`                      | `toolUse`                                       |
 * | no timestamps                               | `timestamp` (epoch ms) on every message         |
 *
 * A tool result's `toolCallId` is its call's whole session id (`<callId>|<id>`), as pi-mono
 * writes it: pi-mono pairs results with calls by that id. Reading is tolerant: it also takes
 * the shapes of pi's earlier session format (`tool_result`, `tool_call`, `signature`,
 * `tool_use`) and pi-mono's own extra roles (`custom`, `bashExecution`, `branchSummary`,
 * `compactionSummary`), which join the conversation as user messages the way pi-mono sends
 * them. pi's usage extras (`reasoning`, `listCost`, `billed`) stay as extra fields of `usage`.
 * @module
 */

import type {
  AssistantMessage,
  Cost,
  ImageContent,
  Message,
  StopReason,
  TextContent,
  ThinkingContent,
  ToolCall,
  Usage,
  UserMessage,
} from "../ai/types.ts";
import type { ModelApi } from "../models/types.ts";

/** Why an assistant message stopped, as pi-mono writes it. */
export type SessionStopReason = "stop" | "length" | "toolUse" | "error" | "aborted";

/** Thinking as pi-mono writes it. */
export interface SessionThinkingContent {
  /** Always `thinking`. */
  type: "thinking";
  /** The readable thinking. */
  thinking: string;
  /** Replay data: the Responses reasoning item as JSON, or Anthropic's signature. */
  thinkingSignature?: string;
  /** Anthropic `redacted_thinking`: `thinkingSignature` holds the encrypted data. */
  redacted?: boolean;
}

/** A tool call as pi-mono writes it. */
export interface SessionToolCall {
  /** Always `toolCall`. */
  type: "toolCall";
  /** `<call_id>|<item id>` for the Responses APIs, the `tool_use` id for Anthropic. */
  id: string;
  /** Tool name. */
  name: string;
  /** The arguments object. */
  arguments: Record<string, unknown>;
  /** pi: the raw argument text, only when it was not a JSON object. */
  rawArguments?: string;
}

/** Token counts and cost as pi-mono writes them (pi's extras kept as extra fields). */
export interface SessionUsage {
  /** Input tokens not served from the cache. */
  input: number;
  /** Output tokens. */
  output: number;
  /** Input tokens read from the cache. */
  cacheRead: number;
  /** Input tokens written to the cache. */
  cacheWrite: number;
  /** All tokens. */
  totalTokens: number;
  /** Cost in USD. */
  cost: Cost;
  /** pi: reasoning tokens (part of `output`). */
  reasoning?: number;
  /** pi: the cost at list prices. */
  listCost?: Cost;
  /** pi: whether the user pays per token. */
  billed?: boolean;
}

/** A user message as pi-mono writes it. */
export interface SessionUserMessage {
  /** Always `user`. */
  role: "user";
  /** Text, or text and images. */
  content: string | (TextContent | ImageContent)[];
  /** Epoch milliseconds. */
  timestamp: number;
}

/** An assistant message as pi-mono writes it. */
export interface SessionAssistantMessage {
  /** Always `assistant`. */
  role: "assistant";
  /** Text, thinking and tool calls, in order. */
  content: (TextContent | SessionThinkingContent | SessionToolCall)[];
  /** The wire API. */
  api: string;
  /** Provider id. */
  provider: string;
  /** Model id. */
  model: string;
  /** Token counts and cost. */
  usage: SessionUsage;
  /** Why it stopped. */
  stopReason: SessionStopReason;
  /** The error, for `error` and `aborted`. */
  errorMessage?: string;
  /** The provider's response id. */
  responseId?: string;
  /** Epoch milliseconds. */
  timestamp: number;
}

/** A tool result as pi-mono writes it. */
export interface SessionToolResultMessage {
  /** Always `toolResult`. */
  role: "toolResult";
  /** The session id of the call ({@link SessionToolCall.id}). */
  toolCallId: string;
  /** Tool name. */
  toolName: string;
  /** Text and images. */
  content: (TextContent | ImageContent)[];
  /** Whether the tool failed. */
  isError: boolean;
  /** Epoch milliseconds. */
  timestamp: number;
}

/** A message as a session file holds it. */
export type SessionMessage =
  | SessionUserMessage
  | SessionAssistantMessage
  | SessionToolResultMessage;

/** What pi-mono puts before a compaction summary in the user message that carries it. */
export const COMPACTION_SUMMARY_PREFIX =
  "The conversation history before this point was compacted into the following summary:\n\n<summary>\n";
/** What pi-mono puts after a compaction summary. */
export const COMPACTION_SUMMARY_SUFFIX = "\n</summary>";
/** What pi-mono puts before a branch summary. */
export const BRANCH_SUMMARY_PREFIX =
  "The following is a summary of a branch that this conversation came back from:\n\n<summary>\n";
/** What pi-mono puts after a branch summary. */
export const BRANCH_SUMMARY_SUFFIX = "</summary>";

/**
 * The user message a compaction summary is sent as: the same text pi-mono sends, so that
 * either tool continues the other's compacted session with the same context.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compactionSummaryMessage } from "./session_messages.ts";
 * const m = compactionSummaryMessage("Goal: fix the parser.");
 * assert.equal(m.role, "user");
 * assert.match(JSON.stringify(m.content), /<summary>\\nGoal: fix the parser.\\n<\/summary>/);
 * ```
 */
export function compactionSummaryMessage(summary: string): UserMessage {
  return {
    role: "user",
    content: [{
      type: "text",
      text: COMPACTION_SUMMARY_PREFIX + summary + COMPACTION_SUMMARY_SUFFIX,
    }],
  };
}

/** The user message a branch summary is sent as (pi-mono's text). */
export function branchSummaryMessage(summary: string): UserMessage {
  return {
    role: "user",
    content: [{ type: "text", text: BRANCH_SUMMARY_PREFIX + summary + BRANCH_SUMMARY_SUFFIX }],
  };
}

/**
 * The id a tool call has in a session file: `<callId>|<id>` when the call has an item id of
 * its own (Responses), else the call id (Anthropic, where both are the same).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sessionToolCallId } from "./session_messages.ts";
 * assert.equal(sessionToolCallId({ id: "fc_1", callId: "call_1" }), "call_1|fc_1");
 * assert.equal(sessionToolCallId({ id: "toolu_1", callId: "toolu_1" }), "toolu_1");
 * ```
 */
export function sessionToolCallId(call: Pick<ToolCall, "id" | "callId">): string {
  return call.id !== "" && call.id !== call.callId ? `${call.callId}|${call.id}` : call.callId;
}

/** Splits a session tool call id on its first `|`: `[callId, itemId?]`. */
function splitToolCallId(id: string): [string, string | undefined] {
  const bar = id.indexOf("|");
  return bar === -1 ? [id, undefined] : [id.slice(0, bar), id.slice(bar + 1)];
}

/** Adds the session ids of `message`'s tool calls to `ids` (call id → session id). */
export function rememberToolCalls(ids: Map<string, string>, message: Message): void {
  if (message.role !== "assistant") return;
  for (const block of message.content) {
    if (block.type === "tool_call") ids.set(block.callId, sessionToolCallId(block));
  }
}

function sessionStopReason(reason: StopReason): SessionStopReason {
  return reason === "tool_use" ? "toolUse" : reason;
}

function sessionUsage(usage: Usage): SessionUsage {
  return {
    input: usage.input,
    output: usage.output,
    cacheRead: usage.cacheRead,
    cacheWrite: usage.cacheWrite,
    totalTokens: usage.totalTokens,
    cost: { ...usage.cost },
    reasoning: usage.reasoning,
    listCost: { ...usage.listCost },
    billed: usage.billed,
  };
}

/**
 * `message` as a session file holds it (pi-mono's shape), stamped with `timestamp`.
 * `toolCallIds` maps the call ids of the conversation's tool calls to their session ids
 * (see {@link rememberToolCalls}); a result whose call is not in it keeps its call id.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toSessionMessage } from "./session_messages.ts";
 * const ids = new Map([["call_1", "call_1|fc_1"]]);
 * const out = toSessionMessage(
 *   { role: "tool_result", callId: "call_1", toolName: "bash", content: [], isError: false },
 *   { timestamp: 5, toolCallIds: ids },
 * );
 * assert.deepEqual(out, {
 *   role: "toolResult", toolCallId: "call_1|fc_1", toolName: "bash", content: [],
 *   isError: false, timestamp: 5,
 * });
 * ```
 */
export function toSessionMessage(
  message: Message,
  options: { timestamp: number; toolCallIds?: ReadonlyMap<string, string> },
): SessionMessage {
  const timestamp = options.timestamp;
  switch (message.role) {
    case "user":
      return { role: "user", content: message.content, timestamp };
    case "tool_result":
      return {
        role: "toolResult",
        toolCallId: options.toolCallIds?.get(message.callId) ?? message.callId,
        toolName: message.toolName,
        content: message.content,
        isError: message.isError,
        timestamp,
      };
    case "assistant": {
      const content: SessionAssistantMessage["content"] = message.content.map((block) => {
        if (block.type === "text") return { type: "text", text: block.text };
        if (block.type === "thinking") {
          const out: SessionThinkingContent = { type: "thinking", thinking: block.thinking };
          if (block.signature !== undefined) out.thinkingSignature = block.signature;
          if (block.redacted) out.redacted = true;
          return out;
        }
        const call: SessionToolCall = {
          type: "toolCall",
          id: sessionToolCallId(block),
          name: block.name,
          arguments: block.arguments,
        };
        if (block.rawArguments !== undefined) call.rawArguments = block.rawArguments;
        return call;
      });
      const out: SessionAssistantMessage = {
        role: "assistant",
        content,
        api: message.api,
        provider: message.provider,
        model: message.model,
        usage: sessionUsage(message.usage),
        stopReason: sessionStopReason(message.stopReason),
        timestamp,
      };
      if (message.errorMessage !== undefined) out.errorMessage = message.errorMessage;
      if (message.responseId !== undefined) out.responseId = message.responseId;
      return out;
    }
  }
}

// ---- reading ----

type Json = Record<string, unknown>;

/** Whether `value` is a JSON object (not null, not an array): what every session reader checks. */
export function isObject(value: unknown): value is Json {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function num(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}

function str(value: unknown): string {
  return typeof value === "string" ? value : "";
}

function readCost(value: unknown): Cost {
  const c = isObject(value) ? value : {};
  return {
    input: num(c.input),
    output: num(c.output),
    cacheRead: num(c.cacheRead),
    cacheWrite: num(c.cacheWrite),
    total: num(c.total),
  };
}

/** Usage from pi-mono's shape (or pi's, which has the same fields and more). */
export function readUsage(value: unknown): Usage {
  const u = isObject(value) ? value : {};
  const cost = readCost(u.cost);
  const input = num(u.input);
  const output = num(u.output);
  const cacheRead = num(u.cacheRead);
  const cacheWrite = num(u.cacheWrite);
  return {
    input,
    output,
    cacheRead,
    cacheWrite,
    reasoning: num(u.reasoning),
    totalTokens: typeof u.totalTokens === "number"
      ? u.totalTokens
      : input + output + cacheRead + cacheWrite,
    cost,
    listCost: isObject(u.listCost) ? readCost(u.listCost) : { ...cost },
    billed: typeof u.billed === "boolean" ? u.billed : true,
  };
}

/**
 * The text of a message's `content` as a session file holds it: the string, or its text
 * parts joined with line breaks ("" for anything else).
 */
export function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .filter((c) => isObject(c) && c.type === "text" && typeof c.text === "string")
    .map((c) => (c as { text: string }).text)
    .join("\n");
}

/** Text and image blocks; anything else is dropped. */
function readParts(value: unknown): (TextContent | ImageContent)[] {
  if (!Array.isArray(value)) return [];
  const out: (TextContent | ImageContent)[] = [];
  for (const part of value) {
    if (!isObject(part)) continue;
    if (part.type === "text" && typeof part.text === "string") {
      out.push({ type: "text", text: part.text });
    } else if (part.type === "image" && typeof part.data === "string") {
      out.push({ type: "image", data: part.data, mimeType: str(part.mimeType) });
    }
  }
  return out;
}

function readStopReason(value: unknown): StopReason {
  switch (value) {
    case "toolUse":
    case "tool_use":
      return "tool_use";
    case "length":
    case "error":
    case "aborted":
      return value;
    default:
      return "stop";
  }
}

function readToolCall(block: Json): ToolCall | undefined {
  const name = str(block.name);
  let id: string;
  let callId: string;
  if (block.type === "toolCall") {
    const [call, item] = splitToolCallId(str(block.id));
    callId = call;
    id = item ?? call;
  } else {
    // pi's earlier format: both ids as they came.
    callId = str(block.callId) || str(block.id);
    id = str(block.id) || callId;
  }
  if (callId === "") return undefined;
  const call: ToolCall = {
    type: "tool_call",
    id,
    callId,
    name,
    arguments: isObject(block.arguments) ? block.arguments : {},
  };
  if (typeof block.rawArguments === "string") call.rawArguments = block.rawArguments;
  return call;
}

function readAssistant(m: Json): AssistantMessage {
  const content: AssistantMessage["content"] = [];
  for (const block of Array.isArray(m.content) ? m.content : []) {
    if (!isObject(block)) continue;
    if (block.type === "text" && typeof block.text === "string") {
      content.push({ type: "text", text: block.text });
    } else if (block.type === "thinking") {
      const out: ThinkingContent = { type: "thinking", thinking: str(block.thinking) };
      const signature = block.thinkingSignature ?? block.signature;
      if (typeof signature === "string") out.signature = signature;
      if (block.redacted === true) out.redacted = true;
      content.push(out);
    } else if (block.type === "toolCall" || block.type === "tool_call") {
      const call = readToolCall(block);
      if (call) content.push(call);
    }
  }
  const out: AssistantMessage = {
    role: "assistant",
    content,
    api: str(m.api) as ModelApi,
    provider: str(m.provider),
    model: str(m.model),
    usage: readUsage(m.usage),
    stopReason: readStopReason(m.stopReason),
  };
  if (typeof m.errorMessage === "string") out.errorMessage = m.errorMessage;
  if (typeof m.responseId === "string") out.responseId = m.responseId;
  return out;
}

/** pi-mono's text for a `!command` run by the user (its `bashExecutionToText`). */
function bashExecutionText(m: Json): string {
  const output = str(m.output);
  let text = `Ran \`${str(m.command)}\`\n`;
  text += output ? `\`\`\`\n${output}\n\`\`\`` : "(no output)";
  if (m.cancelled === true) text += "\n\n(command cancelled)";
  else if (typeof m.exitCode === "number" && m.exitCode !== 0) {
    text += `\n\nCommand exited with code ${m.exitCode}`;
  }
  if (m.truncated === true && typeof m.fullOutputPath === "string") {
    text += `\n\n[Output truncated. Full output: ${m.fullOutputPath}]`;
  }
  return text;
}

/**
 * A message of a session file as pi's {@link Message}, or undefined when it does not join
 * the conversation (an unknown role, a `bashExecution` excluded from context).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fromSessionMessage } from "./session_messages.ts";
 * const m = fromSessionMessage({
 *   role: "assistant", api: "openai-codex-responses", provider: "openai-codex", model: "m",
 *   content: [{ type: "toolCall", id: "call_1|fc_1", name: "bash", arguments: {} }],
 *   usage: {}, stopReason: "toolUse", timestamp: 1,
 * });
 * assert.equal(m?.role, "assistant");
 * assert.deepEqual(m?.role === "assistant" && m.content[0], {
 *   type: "tool_call", id: "fc_1", callId: "call_1", name: "bash", arguments: {},
 * });
 * ```
 */
export function fromSessionMessage(value: unknown): Message | undefined {
  if (!isObject(value)) return undefined;
  switch (value.role) {
    case "user": {
      const content = typeof value.content === "string" ? value.content : readParts(value.content);
      return { role: "user", content };
    }
    case "assistant":
      return readAssistant(value);
    case "toolResult":
    case "tool_result": {
      const id = value.role === "toolResult"
        ? splitToolCallId(str(value.toolCallId))[0]
        : str(value.callId);
      return {
        role: "tool_result",
        callId: id,
        toolName: str(value.toolName),
        content: readParts(value.content),
        isError: value.isError === true,
      };
    }
    case "custom":
    case "hookMessage": {
      const content = typeof value.content === "string"
        ? [{ type: "text" as const, text: value.content }]
        : readParts(value.content);
      return { role: "user", content };
    }
    case "bashExecution":
      if (value.excludeFromContext === true) return undefined;
      return { role: "user", content: [{ type: "text", text: bashExecutionText(value) }] };
    case "branchSummary":
      return branchSummaryMessage(str(value.summary));
    case "compactionSummary":
      return compactionSummaryMessage(str(value.summary));
    default:
      return undefined;
  }
}
