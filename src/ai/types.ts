/**
 * The provider-neutral conversation and event types: what the agent loop sends
 * (a {@link Context}) and what every streaming client yields ({@link StreamEvent}s
 * that reduce to an {@link AssistantMessage}).
 * @module
 */

import type { ModelApi } from "../models/types.ts";
import type { PiError } from "../errors.ts";

/**
 * Plain text.
 */
export interface TextContent {
  /** Always `text`. */
  type: "text";
  /** The text. */
  text: string;
}

/**
 * An image, inline.
 */
export interface ImageContent {
  /** Always `image`. */
  type: "image";
  /** Base64 of the image bytes. */
  data: string;
  /** MIME type, e.g. `image/png`. */
  mimeType: string;
}

/**
 * The model's thinking (a reasoning summary for OpenAI, thinking text for Anthropic).
 */
export interface ThinkingContent {
  /** Always `thinking`. */
  type: "thinking";
  /** The readable thinking (may be empty when the provider hides it). */
  thinking: string;
  /**
   * What the provider needs to continue from this thinking, sent back unchanged on
   * the next turn: for the Responses APIs the reasoning item as JSON (with its
   * `encrypted_content`), for Anthropic the thinking `signature` (or the encrypted
   * `data` of a redacted block).
   */
  signature?: string;
  /** Anthropic `redacted_thinking`: `signature` holds the encrypted data. */
  redacted?: boolean;
}

/**
 * A call of a tool by the model.
 */
export interface ToolCall {
  /** Always `tool_call`. */
  type: "tool_call";
  /** The provider's item id (`fc_…` for Responses, `toolu_…` for Anthropic). */
  id: string;
  /** The id a tool result refers to (`call_…` for Responses; the same as `id` for Anthropic). */
  callId: string;
  /** Tool name. */
  name: string;
  /** The parsed JSON arguments (`{}` when they were not a JSON object). */
  arguments: Record<string, unknown>;
  /** The raw argument text, present only when it was not valid JSON. */
  rawArguments?: string;
}

/**
 * A message from the user.
 */
export interface UserMessage {
  /** Always `user`. */
  role: "user";
  /** Text, or text and images. */
  content: string | (TextContent | ImageContent)[];
}

/**
 * Why the assistant stopped.
 */
export type StopReason = "stop" | "length" | "tool_use" | "error" | "aborted";

/**
 * Costs in USD.
 */
export interface Cost {
  /** Uncached input tokens. */
  input: number;
  /** Output tokens (reasoning included). */
  output: number;
  /** Cached input tokens read. */
  cacheRead: number;
  /** Input tokens written to the cache. */
  cacheWrite: number;
  /** The sum. */
  total: number;
}

/**
 * Token counts and costs of one answer.
 */
export interface Usage {
  /** Input tokens not served from the cache. */
  input: number;
  /** Input tokens read from the cache. */
  cacheRead: number;
  /** Input tokens written to the cache (Anthropic). */
  cacheWrite: number;
  /** Output tokens, reasoning included. */
  output: number;
  /** Reasoning tokens (part of `output`). */
  reasoning: number;
  /** All tokens: input + cacheRead + cacheWrite + output. */
  totalTokens: number;
  /** What this answer costs the user (zero for a subscription). */
  cost: Cost;
  /** What it would cost at the model's list prices (equal to `cost` when billed). */
  listCost: Cost;
  /** Whether the user pays per token for this model. */
  billed: boolean;
}

/**
 * An answer from the model.
 */
export interface AssistantMessage {
  /** Always `assistant`. */
  role: "assistant";
  /** Thinking, text and tool calls, in order. */
  content: (TextContent | ThinkingContent | ToolCall)[];
  /** The wire API that produced it (thinking is only replayed to the same API). */
  api: ModelApi;
  /** Provider id. */
  provider: string;
  /** Model id. */
  model: string;
  /** Token counts and cost. */
  usage: Usage;
  /** Why it stopped. */
  stopReason: StopReason;
  /** The error message when `stopReason` is `error` or `aborted`. */
  errorMessage?: string;
  /** The provider's response id, when it sent one. */
  responseId?: string;
}

/**
 * The result of a tool call, sent back to the model.
 */
export interface ToolResultMessage {
  /** Always `tool_result`. */
  role: "tool_result";
  /** The {@link ToolCall.callId} this answers. */
  callId: string;
  /** The tool's name. */
  toolName: string;
  /** Text and images. */
  content: (TextContent | ImageContent)[];
  /** Whether the tool failed (the text says how). */
  isError: boolean;
}

/**
 * Any message of a conversation.
 */
export type Message = UserMessage | AssistantMessage | ToolResultMessage;

/**
 * A tool the model may call.
 */
export interface Tool {
  /** Name. */
  name: string;
  /** What it does, for the model. */
  description: string;
  /** JSON Schema of the arguments object. */
  parameters: Record<string, unknown>;
}

/**
 * Everything a request sends.
 */
export interface Context {
  /** The system prompt (`instructions` for the Responses APIs). */
  systemPrompt: string;
  /** The conversation so far. */
  messages: Message[];
  /** Tools the model may call. */
  tools?: Tool[];
}

/**
 * What a provider stream yields. `index` is the position of the block in the final
 * {@link AssistantMessage.content}. A stream ends with exactly one `done` or `error`.
 */
export type StreamEvent =
  | {
    /** A text block begins. */
    type: "text_start";
    /** Block index. */
    index: number;
  }
  | {
    /** More text. */
    type: "text_delta";
    /** Block index. */
    index: number;
    /** The new text. */
    delta: string;
  }
  | {
    /** A text block is complete. */
    type: "text_end";
    /** Block index. */
    index: number;
    /** The whole text of the block. */
    text: string;
  }
  | {
    /** A thinking block begins. */
    type: "thinking_start";
    /** Block index. */
    index: number;
  }
  | {
    /** More thinking. */
    type: "thinking_delta";
    /** Block index. */
    index: number;
    /** The new thinking text. */
    delta: string;
  }
  | {
    /** A thinking block is complete. */
    type: "thinking_end";
    /** Block index. */
    index: number;
    /** The whole thinking text. */
    thinking: string;
    /** Opaque replay data (see {@link ThinkingContent.signature}). */
    signature?: string;
    /** Whether the block was redacted by the provider. */
    redacted?: boolean;
  }
  | {
    /** A tool call begins. */
    type: "tool_call_start";
    /** Block index. */
    index: number;
    /** Item id. */
    id: string;
    /** Call id. */
    callId: string;
    /** Tool name. */
    name: string;
  }
  | {
    /** More argument JSON. */
    type: "tool_call_delta";
    /** Block index. */
    index: number;
    /** The new JSON text. */
    delta: string;
  }
  | {
    /** A tool call is complete, arguments parsed. */
    type: "tool_call_end";
    /** Block index. */
    index: number;
    /** The call. */
    toolCall: ToolCall;
  }
  | {
    /** Token counts and cost (may come more than once; the last one counts). */
    type: "usage";
    /** The usage. */
    usage: Usage;
  }
  | {
    /** A failed attempt is being retried; nothing of it was shown. */
    type: "retry";
    /** The attempt that failed, from 1. */
    attempt: number;
    /** Milliseconds until the next attempt. */
    delayMs: number;
    /** Why (one line). */
    reason: string;
  }
  | {
    /**
     * The request hit the account's usage limit and is sent again on another account
     * (`--rotate-accounts`); nothing of the failed attempt was shown.
     */
    type: "account_switch";
    /** The account that hit its limit (`default` or its name). */
    from: string;
    /** The account the request goes to now. */
    to: string;
    /** Why: the backend's error type, e.g. `usage_limit_reached`. */
    reason: string;
  }
  | {
    /** The answer is complete. */
    type: "done";
    /** Why it stopped. */
    stopReason: StopReason;
    /** The final message. */
    message: AssistantMessage;
  }
  | {
    /** The answer failed (or was aborted); `message` holds what arrived. */
    type: "error";
    /** The error (`api.aborted` when the signal fired). */
    error: PiError;
    /** The partial message, with `stopReason` `error` or `aborted`. */
    message: AssistantMessage;
  };

/**
 * The latest rate-limit window reported by the Codex backend.
 */
export interface RateLimitWindow {
  /** Percent of the window used, 0–100. */
  usedPercent: number;
  /** Window length in minutes, when sent. */
  windowMinutes?: number;
  /** When the window resets, epoch milliseconds, when sent. */
  resetsAt?: number;
}

/**
 * The subscription usage seen on the last response (`x-codex-*` headers).
 */
export interface UsageSnapshot {
  /** Provider id (`openai-codex`). */
  provider: string;
  /**
   * The account it belongs to, as its auth.json entry (`openai-codex`, `openai-codex:work`),
   * when the key was a stored account's; else the snapshot is kept under `provider`.
   */
  account?: string;
  /** The ChatGPT account id of the key that saw it, when known. */
  accountId?: string;
  /** The short window (e.g. 5 hours). */
  primary?: RateLimitWindow;
  /** The long window (e.g. a week). */
  secondary?: RateLimitWindow;
  /** When it was seen, epoch milliseconds. */
  capturedAt: number;
}
