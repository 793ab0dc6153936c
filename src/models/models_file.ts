/**
 * `<agent dir>/models.json`: custom models and providers, merged over the built-ins
 * (CONTRACT.md: models.json). Reading is strict: a malformed file is a
 * `models.invalid_file` error naming the file and the JSON path of the bad field (or the
 * line and column of a JSON syntax error); pi never writes this file.
 *
 * The file is shared with pi-mono (one agent dir), so pi reads pi-mono's shape too: a
 * provider whose `models` is an array, `modelOverrides`, and the provider keys pi does not
 * use (`apiKey`, `headers`, `authHeader`, `compat`, `name`: accepted, never used). A model
 * whose API pi does not speak (`openai-completions`, …) is not offered, and is listed in
 * {@link ModelsFile.skipped} for `pi models` to say so: the file is not malformed. No other
 * model is dropped.
 * @module
 */

import { PiError } from "../errors.ts";
import { parseJsonText } from "../json_text.ts";
import { KNOWN_APIS, PROVIDER_APIS } from "./builtin_models.ts";
import { Checker, isObject, type JsonPath } from "./models_check.ts";
import { isSkipped, parseItem, parseOverride } from "./pi_mono_models.ts";
import { THINKING_ORDER } from "./thinking.ts";
import type { Model, ModelApi, ModelCost, ReasoningLevel } from "./types.ts";
import { readTextFileIfPresent } from "../atomic_file.ts";

/** The fields of a model a models.json entry sets (the rest come from the built-in or defaults). */
export type ModelFields = Partial<Omit<Model, "cost">> & { cost?: Partial<ModelCost> };

/**
 * pi-mono's say on thinking: `reasoning` (a boolean) and `thinkingLevelMap` (a level mapped
 * to `null` is not supported; to a string, it is), applied over a model's levels by
 * {@link applyModelsFile}.
 */
export interface Thinking {
  /** Whether the model reasons. */
  reasoning?: boolean;
  /** Levels marked supported (a string) or not (`null`). */
  levelMap?: Partial<Record<ReasoningLevel, string | null>>;
}

/** One model from models.json: which model, and the fields it sets. */
export interface ModelEntry {
  /** Provider id (the key under `providers`). */
  provider: string;
  /** Model id (the key under `models`, or the item's `id`). */
  id: string;
  /** Fields given in the file, provider-level `api`/`baseUrl` included. */
  fields: ModelFields;
  /**
   * How the entry applies. `merge` (pi's shape, the default): its fields over the model of
   * that id, or a new model. `replace` (an item of pi-mono's `models` array): a whole model
   * from the defaults, in place of the one of that id or added. `override` (pi-mono's
   * `modelOverrides`): its fields over the built-in model of that id; none, ignored.
   */
  mode?: "merge" | "replace" | "override";
  /** pi-mono's `reasoning`/`thinkingLevelMap`, applied to the levels of the model it changes. */
  thinking?: Thinking;
}

/** A model of pi-mono's shape that pi cannot talk to. */
export interface SkippedModel {
  /** Provider id. */
  provider: string;
  /** Model id. */
  id: string;
  /** Its API, one pi does not speak; undefined when it names none (a pi-mono built-in provider). */
  api?: string;
}

/** What models.json says. */
export interface ModelsFile {
  /** Models to add or change, in the order they apply. */
  entries: ModelEntry[];
  /**
   * Provider-level `baseUrl` of pi-mono's shape (`models` an array or absent): it applies to
   * every built-in model of the provider, by provider id.
   */
  baseUrls: Record<string, string>;
  /** Models pi skips: their API is not one pi speaks. */
  skipped: SkippedModel[];
}

/** The reasoning levels `"reasoning": true` stands for. */
const DEFAULT_REASONING: readonly ReasoningLevel[] = ["low", "medium", "high"];

const MODEL_KEYS = [
  "api",
  "provider",
  "id",
  "name",
  "description",
  "baseUrl",
  "contextWindow",
  "maxOutput",
  "reasoning",
  "input",
  "output",
  "cacheRead",
  "cacheWrite",
  "billed",
  "inputs",
];
/** pi's provider keys, then pi-mono's (`apiKey`, `headers`, `authHeader`, `compat`, `name`: unused). */
const PROVIDER_KEYS = [
  "api",
  "baseUrl",
  "models",
  "modelOverrides",
  "apiKey",
  "headers",
  "authHeader",
  "compat",
  "name",
];
const ROOT_KEYS = ["$schema", "providers"];

/**
 * The levels of a model after pi-mono's `reasoning`/`thinkingLevelMap`: off when `reasoning`
 * is false; else `base` (the model's levels, or {@link DEFAULT_REASONING} when it has none)
 * without the levels mapped to `null` and with those mapped to a string, in level order
 * (tests/models_file_pi_mono_test.ts: a new model's `reasoning: true`, an override's map).
 */
function applyThinking(
  base: readonly ReasoningLevel[],
  thinking: Thinking,
): ReasoningLevel[] {
  if (!(thinking.reasoning ?? base.length > 0)) return [];
  const levels = new Set<ReasoningLevel>(base.length > 0 ? base : DEFAULT_REASONING);
  for (const [level, value] of Object.entries(thinking.levelMap ?? {})) {
    if (value === null) levels.delete(level as ReasoningLevel);
    else levels.add(level as ReasoningLevel);
  }
  return THINKING_ORDER.filter((level) => levels.has(level));
}

function parseModel(
  check: Checker,
  path: JsonPath,
  value: unknown,
  provider: string,
  id: string,
  providerDefaults: { api?: ModelApi; baseUrl?: string },
): ModelEntry {
  const obj = check.object(path, value, MODEL_KEYS);
  const fields: ModelFields = {};
  const at = (key: string) => [...path, key];
  if (obj.provider !== undefined && obj.provider !== provider) {
    check.expected(at("provider"), `"${provider}" (the provider it is listed under)`, obj.provider);
  }
  if (obj.id !== undefined && obj.id !== id) {
    check.expected(at("id"), `"${id}" (the key it is listed under)`, obj.id);
  }
  const api = obj.api !== undefined ? check.api(at("api"), obj.api) : providerDefaults.api;
  if (api !== undefined) fields.api = api;
  else if (PROVIDER_APIS[provider] === undefined) {
    check.fail(
      at("api"),
      `missing: a new provider must name its api (one of ${
        KNOWN_APIS.map((a) => `"${a}"`).join(", ")
      })`,
    );
  }
  if (obj.name !== undefined) fields.name = check.string(at("name"), obj.name);
  if (obj.description !== undefined) {
    if (typeof obj.description !== "string") {
      check.expected(at("description"), "a string", obj.description);
    }
    fields.description = obj.description;
  }
  const baseUrl = obj.baseUrl !== undefined
    ? check.url(at("baseUrl"), obj.baseUrl)
    : providerDefaults.baseUrl;
  if (baseUrl !== undefined) fields.baseUrl = baseUrl;
  if (obj.contextWindow !== undefined) {
    fields.contextWindow = check.count(at("contextWindow"), obj.contextWindow);
  }
  if (obj.maxOutput !== undefined) fields.maxOutput = check.count(at("maxOutput"), obj.maxOutput);
  if (obj.reasoning !== undefined) {
    const r = obj.reasoning;
    if (typeof r === "boolean") fields.reasoning = r ? [...DEFAULT_REASONING] : [];
    else if (Array.isArray(r)) {
      fields.reasoning = r.map((level, i) => {
        if (typeof level !== "string" || !(THINKING_ORDER as readonly string[]).includes(level)) {
          check.expected(
            [...path, "reasoning", String(i)],
            `one of ${THINKING_ORDER.join(", ")}`,
            level,
          );
        }
        return level as ReasoningLevel;
      });
    } else {
      check.expected(at("reasoning"), "true, false or a list of levels", r);
    }
  }
  const cost: Partial<ModelCost> = {};
  for (const key of ["input", "output", "cacheRead", "cacheWrite"] as const) {
    if (obj[key] !== undefined) cost[key] = check.price(at(key), obj[key]);
  }
  if (Object.keys(cost).length > 0) fields.cost = cost;
  if (obj.billed !== undefined) fields.billed = check.boolean(at("billed"), obj.billed);
  if (obj.inputs !== undefined) {
    const inputs = obj.inputs;
    if (!Array.isArray(inputs) || inputs.length === 0) {
      check.expected(at("inputs"), 'a list like ["text", "image"]', inputs);
    }
    fields.inputs = inputs.map((kind, i) => {
      if (kind !== "text" && kind !== "image") {
        check.expected([...path, "inputs", String(i)], '"text" or "image"', kind);
      }
      return kind;
    });
  }
  return { provider, id, fields };
}

/**
 * Validates the parsed content of models.json, in pi's shape or pi-mono's (per provider:
 * `models` an object, or an array). `file` names the file in errors. Throws
 * `PiError("models.invalid_file")` naming the JSON path of the first bad field.
 */
function validateModelsFile(data: unknown, file: string): ModelsFile {
  const check = new Checker(file);
  const result: ModelsFile = { entries: [], baseUrls: {}, skipped: [] };
  const root = check.object([], data, ROOT_KEYS);
  if (root.providers === undefined) return result;
  const providers = check.record(["providers"], root.providers);
  for (const [provider, providerValue] of Object.entries(providers)) {
    const path = ["providers", provider];
    if (provider.trim() === "" || provider.includes("/")) {
      check.fail(path, "a provider id must be non-empty and contain no '/'");
    }
    const obj = check.object(path, providerValue, PROVIDER_KEYS);
    // pi's shape: `models` an object keyed by id. pi-mono's: an array, or no `models`.
    const piShape = isObject(obj.models);
    const at = (key: string) => [...path, key];
    if (obj.models !== undefined && !piShape && !Array.isArray(obj.models)) {
      check.expected(at("models"), "an object (pi's shape) or an array (pi-mono's)", obj.models);
    }
    let api: string | undefined;
    if (obj.api !== undefined) {
      // pi-mono's shape may name an API pi does not speak: its models are skipped.
      api = piShape ? check.api(at("api"), obj.api) : check.string(at("api"), obj.api);
    }
    const baseUrl = obj.baseUrl !== undefined ? check.url(at("baseUrl"), obj.baseUrl) : undefined;
    if (obj.modelOverrides !== undefined) {
      const overrides = check.record(at("modelOverrides"), obj.modelOverrides);
      for (const [id, value] of Object.entries(overrides)) {
        result.entries.push(
          parseOverride(check, [...path, "modelOverrides", id], value, { provider, id }),
        );
      }
    }
    if (piShape) {
      const models = obj.models as Record<string, unknown>;
      const defaults: { api?: ModelApi; baseUrl?: string } = {};
      if (api !== undefined) defaults.api = api as ModelApi;
      if (baseUrl !== undefined) defaults.baseUrl = baseUrl;
      for (const [id, modelValue] of Object.entries(models)) {
        if (id.trim() === "") check.fail([...path, "models", id], "a model id must be non-empty");
        result.entries.push(
          parseModel(check, [...path, "models", id], modelValue, provider, id, defaults),
        );
      }
      continue;
    }
    if (baseUrl !== undefined) result.baseUrls[provider] = baseUrl;
    const items = (obj.models ?? []) as unknown[];
    for (const [i, value] of items.entries()) {
      const item = parseItem(check, [...path, "models", i], value, { id: provider, api, baseUrl });
      if (isSkipped(item)) result.skipped.push(item);
      else result.entries.push(item);
    }
  }
  return result;
}

/** Parses and validates the text of models.json; `file` names the file in errors. */
export function parseModelsFile(text: string, file: string): ModelsFile {
  // pi-mono reads `//` comments and trailing commas in the shared models.json: so does pi.
  const parsed = parseJsonText(text, { commentsAndTrailingCommas: true });
  if (!parsed.ok) {
    throw new PiError("models.invalid_file", `${file}: invalid JSON at ${parsed.where}`, {
      hint: "fix the file, or move it away to use the built-in models",
      cause: parsed.cause,
    });
  }
  return validateModelsFile(parsed.value, file);
}

/**
 * Reads and validates models.json at `path`. A missing file means no custom models;
 * any other read error, bad JSON or a bad field is a `models.invalid_file` PiError.
 * Never writes the file.
 */
export function readModelsFile(path: string): ModelsFile {
  let text: string | undefined;
  try {
    text = readTextFileIfPresent(path);
  } catch (err) {
    throw new PiError("models.invalid_file", `${path}: cannot be read (${(err as Error).name})`, {
      hint: "check the file's permissions",
      cause: err,
    });
  }
  if (text === undefined) return { entries: [], baseUrls: {}, skipped: [] };
  return parseModelsFile(text, path);
}

/** The defaults of a new model (one that is not a built-in) for a provider and api. */
export function newModelDefaults(provider: string, id: string, api: ModelApi): Model {
  return {
    id,
    name: id,
    provider,
    api,
    contextWindow: 128_000,
    maxOutput: 16_384,
    reasoning: [],
    cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
    billed: api !== "openai-codex-responses",
    inputs: ["text"],
  };
}

/**
 * Applies models.json over `base` (the built-in and live models), as pi-mono does: first
 * each pi-mono provider `baseUrl` to the models of its provider, then the entries in order
 * (a provider's `modelOverrides` before its models). `merge` and `override` keep the fields
 * not given; `replace` starts from the defaults; the same provider/id is changed in place,
 * a new one is added at the end (an override of an unknown id is ignored).
 */
export function applyModelsFile(base: readonly Model[], file: ModelsFile): Model[] {
  const out = base.map((m) => {
    const baseUrl = Object.hasOwn(file.baseUrls, m.provider)
      ? file.baseUrls[m.provider]
      : undefined;
    return baseUrl === undefined ? m : { ...m, baseUrl };
  });
  for (const entry of file.entries) {
    const mode = entry.mode ?? "merge";
    const index = out.findIndex((m) => m.provider === entry.provider && m.id === entry.id);
    if (mode === "override" && index < 0) continue;
    const { cost, ...rest } = entry.fields;
    const previous = index >= 0 && mode !== "replace" ? out[index] : newModelDefaults(
      entry.provider,
      entry.id,
      entry.fields.api ?? PROVIDER_APIS[entry.provider],
    );
    const merged: Model = {
      ...previous,
      ...rest,
      cost: { ...previous.cost, ...cost },
    };
    if (entry.thinking) merged.reasoning = applyThinking(previous.reasoning, entry.thinking);
    if (index >= 0) out[index] = merged;
    else out.push(merged);
  }
  return out;
}
