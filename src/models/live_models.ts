/**
 * The live Codex model list: `GET {base}/codex/models?client_version=<pi version>` with the
 * subscription's access token, parsed leniently, cached in `<agent dir>/models-cache.json`
 * for 24 hours and applied over the built-in models. The request and the cache write live
 * in live_fetch.ts, loaded only when a fetch happens.
 * @module
 */

import { baseUrl, CODEX_DEFAULT_BASE_URL } from "../ai/client.ts";
import type { Deps } from "../deps.ts";
import { PiError } from "../errors.ts";
import { newModelDefaults } from "./models_file.ts";
import { isObject } from "./models_check.ts";
import { levelOfEffort } from "./thinking.ts";
import type { Model, ReasoningLevel } from "./types.ts";
import { readTextFileIfPresent } from "../atomic_file.ts";

/** How long a fetched list is fresh. */
export const LIVE_LIST_TTL_MS = 24 * 60 * 60 * 1000;
/** After a failed attempt, how long pi waits before asking the backend again. */
export const RETRY_AFTER_FAILURE_MS = 5 * 60 * 1000;
/** The cache file's name in the agent dir. */
export const MODELS_CACHE_FILE = "models-cache.json";

/** One model of the live list, as pi keeps it. */
export interface LiveModel {
  /** The model id (`slug`). */
  id: string;
  /** `display_name`. */
  name: string;
  /** `supported_reasoning_levels[].effort`, `none` read as `off`. */
  reasoning: ReasoningLevel[];
  /** `description`. */
  description?: string;
  /** `context_window`. */
  contextWindow?: number;
  /** `input_modalities`. */
  inputs?: ("text" | "image")[];
  /** `false` when the backend hides the model from pickers (`visibility` hide/none). */
  listed: boolean;
}

/** What `models-cache.json` holds. */
export interface LiveCache {
  /** When the list was fetched, epoch ms. */
  fetchedAt: number;
  /** The backend base URL it came from. */
  baseUrl: string;
  /** The pi version that asked (`client_version`). */
  clientVersion: string;
  /** The models. */
  models: LiveModel[];
  /** When the last attempt failed (epoch ms); no new attempt for {@link RETRY_AFTER_FAILURE_MS}. */
  failedAt?: number;
}

/**
 * The ChatGPT backend base URL, as requests find it ({@link baseUrl}):
 * `$PI_OPENAI_CODEX_BASE_URL`, else `fromFile` (the `openai-codex` provider `baseUrl` of
 * models.json, in pi-mono's shape), else the default; no trailing slash. A variable that is
 * not an http(s) URL is `PiError("config")` naming it.
 */
export function codexBaseUrl(deps: Pick<Deps, "env">, fromFile?: string): string {
  return baseUrl(
    { baseUrl: fromFile },
    deps.env,
    "PI_OPENAI_CODEX_BASE_URL",
    CODEX_DEFAULT_BASE_URL,
  );
}

/**
 * Parses a `/codex/models` response (`{models: [{slug, display_name,
 * supported_reasoning_levels: [{effort}], …}]}`). Malformed entries are skipped; a body
 * without a `models` list is an error.
 */
export function parseLiveModels(body: unknown): LiveModel[] {
  if (!isObject(body) || !Array.isArray(body.models)) {
    throw new PiError("api.http", "The model list from the ChatGPT backend has no models array");
  }
  const out: LiveModel[] = [];
  const seen = new Set<string>();
  for (const raw of body.models) {
    if (!isObject(raw) || typeof raw.slug !== "string" || raw.slug.trim() === "") continue;
    const id = raw.slug.trim();
    if (seen.has(id)) continue;
    seen.add(id);
    const name = typeof raw.display_name === "string" && raw.display_name.trim() !== ""
      ? raw.display_name.trim()
      : id;
    const reasoning: ReasoningLevel[] = [];
    if (Array.isArray(raw.supported_reasoning_levels)) {
      for (const level of raw.supported_reasoning_levels) {
        const effort = isObject(level) ? level.effort : level;
        const key = typeof effort === "string" ? effort.toLowerCase() : "";
        // `off` (pi's own name for `none`) is taken as well.
        const mapped = key === "off" ? "off" : levelOfEffort(key);
        if (mapped && !reasoning.includes(mapped)) reasoning.push(mapped);
      }
    }
    const model: LiveModel = {
      id,
      name,
      reasoning,
      listed: raw.visibility === undefined || raw.visibility === "list",
    };
    if (typeof raw.description === "string" && raw.description !== "") {
      model.description = raw.description;
    }
    if (
      typeof raw.context_window === "number" && Number.isInteger(raw.context_window) &&
      raw.context_window > 0
    ) {
      model.contextWindow = raw.context_window;
    }
    if (Array.isArray(raw.input_modalities)) {
      const inputs = raw.input_modalities.filter((m): m is "text" | "image" =>
        m === "text" || m === "image"
      );
      if (inputs.length > 0) model.inputs = inputs;
    }
    out.push(model);
  }
  return out;
}

/** Whether a cache is fresh for this backend and pi version at `now`. */
export function isCacheFresh(
  cache: LiveCache | undefined,
  now: number,
  baseUrl: string,
  clientVersion: string,
): boolean {
  return cache !== undefined && cache.baseUrl === baseUrl &&
    cache.clientVersion === clientVersion && now >= cache.fetchedAt &&
    now - cache.fetchedAt < LIVE_LIST_TTL_MS;
}

/** Whether a recent failed attempt (same backend) says not to ask again yet. */
export function isBackingOff(cache: LiveCache | undefined, now: number, baseUrl: string): boolean {
  return cache?.failedAt !== undefined && cache.baseUrl === baseUrl && now >= cache.failedAt &&
    now - cache.failedAt < RETRY_AFTER_FAILURE_MS;
}

/**
 * Applies the live list to `models` (the built-ins): a known `openai-codex` model gets the
 * backend's name, reasoning levels, context window and inputs; a new listed slug is added
 * after the other `openai-codex` models.
 */
export function applyLiveModels(models: readonly Model[], live: readonly LiveModel[]): Model[] {
  const out = [...models];
  let insertAt = out.reduce((last, m, i) => m.provider === "openai-codex" ? i + 1 : last, 0);
  for (const lm of live) {
    const index = out.findIndex((m) => m.provider === "openai-codex" && m.id === lm.id);
    const base = index >= 0 ? out[index] : {
      ...newModelDefaults("openai-codex", lm.id, "openai-codex-responses"),
      contextWindow: 272_000,
      maxOutput: 128_000,
      inputs: ["text", "image"] as ("text" | "image")[],
    };
    if (index < 0 && !lm.listed) continue;
    const updated: Model = { ...base, name: lm.name, reasoning: [...lm.reasoning] };
    if (lm.description !== undefined) updated.description = lm.description;
    if (lm.contextWindow !== undefined) updated.contextWindow = lm.contextWindow;
    if (lm.inputs !== undefined) updated.inputs = [...lm.inputs];
    if (index >= 0) out[index] = updated;
    else out.splice(insertAt++, 0, updated);
  }
  return out;
}

/** Reads the cache file; anything unreadable or malformed counts as no cache. */
export function readLiveCache(path: string): LiveCache | undefined {
  try {
    const text = readTextFileIfPresent(path);
    if (text === undefined) return undefined;
    const data = JSON.parse(text);
    if (
      !isObject(data) || typeof data.fetchedAt !== "number" || typeof data.baseUrl !== "string" ||
      typeof data.clientVersion !== "string" || !Array.isArray(data.models)
    ) {
      return undefined;
    }
    const models = parseLiveModels({
      models: data.models.map((m: unknown) =>
        isObject(m)
          ? {
            slug: m.id,
            display_name: m.name,
            supported_reasoning_levels: Array.isArray(m.reasoning)
              ? m.reasoning.map((effort) => ({ effort }))
              : [],
            description: m.description,
            context_window: m.contextWindow,
            input_modalities: m.inputs,
            visibility: m.listed === false ? "hide" : "list",
          }
          : m
      ),
    });
    const cache: LiveCache = {
      fetchedAt: data.fetchedAt,
      baseUrl: data.baseUrl,
      clientVersion: data.clientVersion,
      models,
    };
    if (typeof data.failedAt === "number") cache.failedAt = data.failedAt;
    return cache;
  } catch {
    return undefined;
  }
}
