/**
 * The models pi knows without asking anyone: the ChatGPT subscription (`openai-codex`),
 * the OpenAI API (`openai`) and Anthropic (`anthropic`). Context windows, prices and
 * reasoning levels follow the providers' published figures; subscription models are not
 * billed per token but keep list prices for the "would have cost" figure.
 * @module
 */

import type { Model, ModelApi, ModelCost, ReasoningLevel } from "./types.ts";

/** The built-in providers, in the order the default model is looked for. */
export const PROVIDER_ORDER: readonly string[] = ["openai-codex", "anthropic", "openai"];

/** The wire API each built-in provider speaks. */
export const PROVIDER_APIS: Readonly<Record<string, ModelApi>> = {
  "openai-codex": "openai-codex-responses",
  "anthropic": "anthropic-messages",
  "openai": "openai-responses",
};

/** Every wire API pi speaks (a new provider in models.json must name one). */
export const KNOWN_APIS: readonly ModelApi[] = [
  "openai-codex-responses",
  "openai-responses",
  "anthropic-messages",
];

/** Whether `value` names one of the {@link KNOWN_APIS}. */
export function isKnownApi(value: unknown): value is ModelApi {
  return typeof value === "string" && (KNOWN_APIS as readonly string[]).includes(value);
}

/**
 * The default model: the latest reasoning model of the ChatGPT subscription.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_MODEL } from "./builtin_models.ts";
 * assert.equal(`${DEFAULT_MODEL.provider}/${DEFAULT_MODEL.id}`, "openai-codex/gpt-5.2-codex");
 * ```
 */
export const DEFAULT_MODEL: { readonly provider: string; readonly id: string } = {
  provider: "openai-codex",
  id: "gpt-5.2-codex",
};

function cost(input: number, output: number, cacheRead = 0, cacheWrite = 0): ModelCost {
  return { input, output, cacheRead, cacheWrite };
}

const TEXT_IMAGE: ("text" | "image")[] = ["text", "image"];
const LOW_TO_XHIGH: ReasoningLevel[] = ["low", "medium", "high", "xhigh"];
const LOW_TO_HIGH: ReasoningLevel[] = ["low", "medium", "high"];
const MINIMAL_TO_HIGH: ReasoningLevel[] = ["minimal", "low", "medium", "high"];
const ANTHROPIC_THINKING: ReasoningLevel[] = ["off", "minimal", "low", "medium", "high"];

function codex(
  id: string,
  name: string,
  fields: Partial<Model> & { cost: ModelCost },
): Model {
  return {
    id,
    name,
    provider: "openai-codex",
    api: "openai-codex-responses",
    contextWindow: 272_000,
    maxOutput: 128_000,
    reasoning: LOW_TO_HIGH,
    billed: false,
    inputs: TEXT_IMAGE,
    ...fields,
  };
}

function openai(id: string, name: string, fields: Partial<Model> & { cost: ModelCost }): Model {
  return {
    id,
    name,
    provider: "openai",
    api: "openai-responses",
    contextWindow: 400_000,
    maxOutput: 128_000,
    reasoning: MINIMAL_TO_HIGH,
    billed: true,
    inputs: TEXT_IMAGE,
    ...fields,
  };
}

function anthropic(
  id: string,
  name: string,
  fields: Partial<Model> & { cost: ModelCost },
): Model {
  return {
    id,
    name,
    provider: "anthropic",
    api: "anthropic-messages",
    contextWindow: 200_000,
    maxOutput: 64_000,
    reasoning: ANTHROPIC_THINKING,
    billed: true,
    inputs: TEXT_IMAGE,
    ...fields,
  };
}

/**
 * The built-in models, in listing order. The first model of each provider is the one
 * picked when only that provider has a key.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BUILTIN_MODELS } from "./builtin_models.ts";
 * const codex = BUILTIN_MODELS.filter((m) => m.provider === "openai-codex");
 * assert.equal(codex[0].id, "gpt-5.2-codex");
 * assert.equal(codex[0].billed, false); // the subscription, not per-token billing
 * ```
 */
export const BUILTIN_MODELS: readonly Model[] = [
  // ChatGPT Plus/Pro (Codex Subscription): the five seed models first, default on top.
  codex("gpt-5.2-codex", "GPT-5.2 Codex", {
    description: "Latest reasoning model",
    reasoning: LOW_TO_XHIGH,
    cost: cost(1.75, 14, 0.175),
  }),
  codex("gpt-4.5-vision-preview", "GPT-4.5 Vision Preview", {
    contextWindow: 128_000,
    maxOutput: 16_384,
    reasoning: [],
    cost: cost(75, 150, 37.5),
  }),
  codex("gpt-5-64k", "GPT-5 (64k context)", {
    contextWindow: 64_000,
    maxOutput: 32_000,
    reasoning: MINIMAL_TO_HIGH,
    cost: cost(1.25, 10, 0.125),
  }),
  codex("gpt-5-preview", "GPT-5 Preview", {
    reasoning: MINIMAL_TO_HIGH,
    cost: cost(1.25, 10, 0.125),
  }),
  codex("o1-pro", "o1-pro", {
    contextWindow: 200_000,
    maxOutput: 100_000,
    cost: cost(150, 600),
  }),
  // The current Codex family.
  codex("gpt-5.1-codex-max", "GPT-5.1 Codex Max", {
    reasoning: LOW_TO_XHIGH,
    cost: cost(1.25, 10, 0.125),
  }),
  codex("gpt-5.1-codex", "GPT-5.1 Codex", { cost: cost(1.25, 10, 0.125) }),
  codex("gpt-5.1-codex-mini", "GPT-5.1 Codex Mini", {
    reasoning: ["medium", "high"],
    cost: cost(0.25, 2, 0.025),
  }),
  codex("gpt-5.2", "GPT-5.2", { reasoning: LOW_TO_XHIGH, cost: cost(1.75, 14, 0.175) }),
  codex("gpt-5", "GPT-5", { reasoning: MINIMAL_TO_HIGH, cost: cost(1.25, 10, 0.125) }),

  // Anthropic API.
  anthropic("claude-sonnet-4-5", "Claude Sonnet 4.5", { cost: cost(3, 15, 0.3, 3.75) }),
  anthropic("claude-opus-4-5", "Claude Opus 4.5", { cost: cost(5, 25, 0.5, 6.25) }),
  anthropic("claude-haiku-4-5", "Claude Haiku 4.5", { cost: cost(1, 5, 0.1, 1.25) }),
  anthropic("claude-opus-4-1", "Claude Opus 4.1", {
    maxOutput: 32_000,
    cost: cost(15, 75, 1.5, 18.75),
  }),
  anthropic("claude-sonnet-4-0", "Claude Sonnet 4", { cost: cost(3, 15, 0.3, 3.75) }),

  // OpenAI API.
  openai("gpt-5.2", "GPT-5.2", {
    reasoning: ["off", ...LOW_TO_XHIGH],
    cost: cost(1.75, 14, 0.175),
  }),
  openai("gpt-5.2-codex", "GPT-5.2 Codex", {
    reasoning: LOW_TO_XHIGH,
    cost: cost(1.75, 14, 0.175),
  }),
  openai("gpt-5.1", "GPT-5.1", {
    reasoning: ["off", ...LOW_TO_HIGH],
    cost: cost(1.25, 10, 0.125),
  }),
  openai("gpt-5.1-codex", "GPT-5.1 Codex", { reasoning: LOW_TO_HIGH, cost: cost(1.25, 10, 0.125) }),
  openai("gpt-5.1-codex-max", "GPT-5.1 Codex Max", {
    reasoning: LOW_TO_XHIGH,
    cost: cost(1.25, 10, 0.125),
  }),
  openai("gpt-5.1-codex-mini", "GPT-5.1 Codex Mini", {
    reasoning: ["medium", "high"],
    cost: cost(0.25, 2, 0.025),
  }),
  openai("gpt-5", "GPT-5", { cost: cost(1.25, 10, 0.125) }),
  openai("gpt-5-mini", "GPT-5 Mini", { cost: cost(0.25, 2, 0.025) }),
  openai("gpt-5-nano", "GPT-5 Nano", { cost: cost(0.05, 0.4, 0.005) }),
  openai("o3", "o3", {
    contextWindow: 200_000,
    maxOutput: 100_000,
    reasoning: LOW_TO_HIGH,
    cost: cost(2, 8, 0.5),
  }),
  openai("o4-mini", "o4-mini", {
    contextWindow: 200_000,
    maxOutput: 100_000,
    reasoning: LOW_TO_HIGH,
    cost: cost(1.1, 4.4, 0.275),
  }),
  openai("gpt-4.1", "GPT-4.1", {
    contextWindow: 1_047_576,
    maxOutput: 32_768,
    reasoning: [],
    cost: cost(2, 8, 0.5),
  }),
];
