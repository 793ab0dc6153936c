/**
 * The shape of a model, shared by the registry and the streaming clients.
 * @module
 */

/** The wire APIs pi speaks. */
export type ModelApi = "openai-codex-responses" | "openai-responses" | "anthropic-messages";

/** Thinking levels a model may support (`off` means no reasoning). */
export type ReasoningLevel = "off" | "minimal" | "low" | "medium" | "high" | "xhigh";

/** USD per million tokens. */
export interface ModelCost {
  /** Input tokens. */
  input: number;
  /** Output tokens. */
  output: number;
  /** Cached input tokens read. */
  cacheRead: number;
  /** Input tokens written to the cache. */
  cacheWrite: number;
}

/** A model pi can talk to. */
export interface Model {
  /** Model id sent to the API, e.g. `gpt-5.2-codex`. */
  id: string;
  /** Display name. */
  name: string;
  /** One line about the model, e.g. "Latest reasoning model". */
  description?: string;
  /** Provider id: `openai-codex`, `openai`, `anthropic`, or one from models.json. */
  provider: string;
  /** The wire API. */
  api: ModelApi;
  /** Base URL override (models.json); else the provider's default. */
  baseUrl?: string;
  /** Context window in tokens. */
  contextWindow: number;
  /** Maximum output tokens. */
  maxOutput: number;
  /** Supported reasoning levels; empty when the model does not reason. */
  reasoning: ReasoningLevel[];
  /** List prices (for subscriptions: what it would have cost). */
  cost: ModelCost;
  /** Whether the user pays per token (false for the ChatGPT subscription). */
  billed: boolean;
  /** Accepted inputs. */
  inputs: ("text" | "image")[];
}
