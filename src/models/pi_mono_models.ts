/**
 * pi-mono's shape of models.json (the agent dir is shared with pi-mono, and so is this file):
 * a provider's `models` is an ARRAY of `{id, name?, api?, baseUrl?, reasoning? (boolean),
 * thinkingLevelMap?, input? (modalities), contextWindow?, maxTokens?, cost?, headers?,
 * compat?}`, and `modelOverrides` maps ids of built-in models to partial fields. This module
 * maps them to pi's fields, checked as strictly as pi's own shape; what pi does not use
 * (`headers`, `compat`) is accepted and ignored.
 * @module
 */

import { isKnownApi, PROVIDER_APIS } from "./builtin_models.ts";
import type { Checker, JsonPath } from "./models_check.ts";
import type { ModelEntry, ModelFields, SkippedModel, Thinking } from "./models_file.ts";
import { THINKING_ORDER } from "./thinking.ts";
import type { ModelCost, ReasoningLevel } from "./types.ts";

/** The fields of a `modelOverrides` entry (pi-mono 0.73). */
const OVERRIDE_KEYS = [
  "name",
  "reasoning",
  "thinkingLevelMap",
  "input",
  "cost",
  "contextWindow",
  "maxTokens",
  "headers",
  "compat",
];
/** The fields of an item of a `models` array (pi-mono 0.73). */
const ITEM_KEYS = ["id", "api", "baseUrl", ...OVERRIDE_KEYS];
const COST_KEYS = ["input", "output", "cacheRead", "cacheWrite"] as const;

/** The fields an item and an override share, mapped to pi's. */
function parseShared(
  check: Checker,
  path: JsonPath,
  obj: Record<string, unknown>,
): { fields: ModelFields; thinking?: Thinking } {
  const at = (key: string) => [...path, key];
  const fields: ModelFields = {};
  if (obj.name !== undefined) fields.name = check.string(at("name"), obj.name);
  if (obj.contextWindow !== undefined) {
    fields.contextWindow = check.count(at("contextWindow"), obj.contextWindow);
  }
  if (obj.maxTokens !== undefined) fields.maxOutput = check.count(at("maxTokens"), obj.maxTokens);
  if (obj.input !== undefined) {
    // Modalities here (pi's object shape uses `input` for a price, and `inputs` for these).
    if (!Array.isArray(obj.input)) {
      check.expected(at("input"), 'a list like ["text", "image"]', obj.input);
    }
    const kinds = obj.input.map((kind, i) => {
      if (kind !== "text" && kind !== "image") {
        check.expected([...path, "input", i], '"text" or "image"', kind);
      }
      return kind;
    });
    fields.inputs = kinds.includes("image") ? ["text", "image"] : ["text"];
  }
  if (obj.cost !== undefined) {
    const cost = check.object(at("cost"), obj.cost, COST_KEYS);
    const prices: Partial<ModelCost> = {};
    for (const key of COST_KEYS) {
      if (cost[key] !== undefined) prices[key] = check.price([...path, "cost", key], cost[key]);
    }
    fields.cost = prices;
  }
  const thinking: Thinking = {};
  if (obj.reasoning !== undefined) {
    thinking.reasoning = check.boolean(at("reasoning"), obj.reasoning);
  }
  if (obj.thinkingLevelMap !== undefined) {
    const map = check.object(at("thinkingLevelMap"), obj.thinkingLevelMap, THINKING_ORDER);
    const levelMap: Partial<Record<ReasoningLevel, string | null>> = {};
    for (const [level, value] of Object.entries(map)) {
      if (value !== null && typeof value !== "string") {
        check.expected([...path, "thinkingLevelMap", level], "a string or null", value);
      }
      levelMap[level as ReasoningLevel] = value;
    }
    thinking.levelMap = levelMap;
  }
  return Object.keys(thinking).length > 0 ? { fields, thinking } : { fields };
}

/**
 * One `modelOverrides` entry: the fields it changes on the built-in model `id` of `provider`
 * (mode `override`: an id with no built-in is ignored, as pi-mono does).
 */
export function parseOverride(
  check: Checker,
  path: JsonPath,
  value: unknown,
  ids: { provider: string; id: string },
): ModelEntry {
  const obj = check.object(path, value, OVERRIDE_KEYS);
  return { provider: ids.provider, id: ids.id, mode: "override", ...parseShared(check, path, obj) };
}

/**
 * One item of a `models` array: a whole model (mode `replace`: it replaces a built-in of
 * that id, with pi-mono's defaults for what it does not set), or, when its API is not one pi
 * speaks (or it has none and the provider is not one of pi's), the model pi skips.
 * `provider` carries the provider-level `api` and `baseUrl` the item inherits.
 */
export function parseItem(
  check: Checker,
  path: JsonPath,
  value: unknown,
  provider: { id: string; api?: string; baseUrl?: string },
): ModelEntry | SkippedModel {
  const obj = check.object(path, value, ITEM_KEYS);
  const id = check.string([...path, "id"], obj.id);
  const api = obj.api !== undefined
    ? check.string([...path, "api"], obj.api)
    : provider.api ?? PROVIDER_APIS[provider.id];
  const baseUrl = obj.baseUrl !== undefined
    ? check.url([...path, "baseUrl"], obj.baseUrl)
    : provider.baseUrl;
  const { fields, thinking } = parseShared(check, path, obj);
  if (!isKnownApi(api)) {
    return api === undefined ? { provider: provider.id, id } : { provider: provider.id, id, api };
  }
  fields.api = api;
  if (baseUrl !== undefined) fields.baseUrl = baseUrl;
  const entry: ModelEntry = { provider: provider.id, id, mode: "replace", fields };
  if (thinking) entry.thinking = thinking;
  return entry;
}

/** Whether a parsed item is a model pi skips. */
export function isSkipped(item: ModelEntry | SkippedModel): item is SkippedModel {
  return !("fields" in item);
}
