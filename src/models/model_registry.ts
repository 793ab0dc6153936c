/**
 * ModelRegistry: which models a user can pick, and with which key. Built-in models,
 * `<agent dir>/models.json` merged over them, and the live Codex list (cached 24 h,
 * refreshed in the background). Resolves `--model`, `--models` and `--provider`.
 * @module
 */

import type { KeySource } from "../auth/types.ts";
import { createDeps, type Deps } from "../deps.ts";
import { PiError } from "../errors.ts";
import { VERSION } from "../version.ts";
import { BUILTIN_MODELS, DEFAULT_MODEL, PROVIDER_ORDER } from "./builtin_models.ts";
import { matchPatterns, parsePatterns, type ScopedModel } from "./glob.ts";
import { THINKING_ORDER } from "./thinking.ts";
import {
  applyLiveModels,
  codexBaseUrl,
  isBackingOff,
  isCacheFresh,
  type LiveCache,
  MODELS_CACHE_FILE,
  readLiveCache,
} from "./live_models.ts";
import {
  applyModelsFile,
  type ModelsFile,
  readModelsFile,
  type SkippedModel,
} from "./models_file.ts";
import type { Model } from "./types.ts";
import { editDistance } from "../did_you_mean.ts";

/**
 * What the registry needs from the outside world (a subset of {@link Deps}).
 */
export type RegistryDeps = Pick<Deps, "fetch" | "now" | "env" | "agentDir" | "randomBytes">;

/**
 * Options of a {@link ModelRegistry}.
 */
export interface ModelRegistryOptions {
  /** The Deps seam (default: the real one). */
  deps?: RegistryDeps;
  /** Path of models.json (default `<agent dir>/models.json`). */
  modelsPath?: string;
  /** Path of the live-list cache (default `<agent dir>/models-cache.json`). */
  cachePath?: string;
  /** Whether to use the live Codex list at all (default true). */
  liveList?: boolean;
  /** The built-in models to start from (default {@link BUILTIN_MODELS}). */
  builtins?: readonly Model[];
}

/**
 * Options of {@link ModelRegistry.refresh}.
 */
export interface RefreshOptions {
  /** Fetch even when the cache is fresh. */
  force?: boolean;
  /** Give up waiting after this many ms (the list keeps what it had). */
  timeoutMs?: number;
  /** Cancels the request. */
  signal?: AbortSignal;
}

/**
 * What a refresh of the live list did.
 */
export interface RefreshResult {
  /**
   * `fetched` (new list applied), `fresh` (cache younger than 24 h, no request),
   * `no-key` (not logged in to openai-codex), `backoff` (an attempt failed less than 5
   * minutes ago, no request), `disabled`, `timeout` or `failed`.
   */
  status: "fetched" | "fresh" | "no-key" | "backoff" | "disabled" | "timeout" | "failed";
  /** Why it failed (status `failed`). */
  error?: unknown;
}

/**
 * Options of {@link ModelRegistry.resolve}.
 */
export interface ResolveOptions {
  /** Only models of this provider (`--provider`). */
  provider?: string;
}

/**
 * Options of {@link ModelRegistry.defaultModel}.
 */
export interface DefaultModelOptions {
  /** The resolved `--models` scope; its first model is the default. */
  scope?: readonly ScopedModel[];
  /** `--provider`: the default is that provider's first model. */
  provider?: string;
}

const key = (m: Model) => `${m.provider}/${m.id}`;

/**
 * The models pi knows and which of them can be used now.
 *
 * Construction reads models.json and the live-list cache (no network); a bad models.json
 * throws `PiError("models.invalid_file")`. {@link ModelRegistry.refresh} fetches the live
 * Codex list when it is older than 24 hours.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ModelRegistry } from "./model_registry.ts";
 * const keys = {
 *   getApiKey: () => Promise.resolve(undefined),
 *   refresh: () => Promise.resolve(undefined),
 *   hasKey: (provider: string) => provider === "anthropic",
 * };
 * const registry = new ModelRegistry(keys, { liveList: false, modelsPath: "/nonexistent" });
 * assert.equal(registry.resolve("gpt-5.2-codex").provider, "openai-codex");
 * assert.equal(registry.defaultModel().model.provider, "anthropic");
 * ```
 */
export class ModelRegistry {
  #keys: KeySource;
  #deps: RegistryDeps;
  #builtins: readonly Model[];
  #file: ModelsFile;
  #cachePath: string;
  #liveList: boolean;
  #live: LiveCache | undefined;
  #models: Model[] = [];
  #refreshing: Promise<RefreshResult> | undefined;

  /** Reads models.json and the cache; throws `models.invalid_file` on a bad models.json. */
  constructor(authStorage: KeySource, options: ModelRegistryOptions = {}) {
    this.#keys = authStorage;
    this.#deps = options.deps ?? createDeps();
    this.#builtins = options.builtins ?? BUILTIN_MODELS;
    const dir = this.#deps.agentDir;
    this.#file = readModelsFile(options.modelsPath ?? `${dir}/models.json`);
    this.#cachePath = options.cachePath ?? `${dir}/${MODELS_CACHE_FILE}`;
    this.#liveList = options.liveList ?? true;
    this.#live = this.#liveList ? readLiveCache(this.#cachePath) : undefined;
    this.#rebuild();
  }

  /**
   * The ChatGPT backend: `$PI_OPENAI_CODEX_BASE_URL`, else models.json's, else the default.
   * Throws `PiError("config")` for a variable that is not an http(s) URL.
   */
  #codexBaseUrl(): string {
    return codexBaseUrl(this.#deps, this.#file.baseUrls["openai-codex"]);
  }

  #rebuild(): void {
    let base: string | undefined;
    try {
      base = this.#codexBaseUrl();
    } catch {
      base = undefined; // a bad PI_OPENAI_CODEX_BASE_URL: no live list (refresh says why)
    }
    const live = this.#live && this.#live.baseUrl === base ? this.#live.models : [];
    this.#models = applyModelsFile(applyLiveModels(this.#builtins, live), this.#file);
  }

  /**
   * The models of models.json pi does not offer: pi-mono's shape lets them name an API pi
   * does not speak (`openai-completions`, …). `pi models` says how many, and why.
   */
  get skippedModels(): readonly SkippedModel[] {
    return this.#file.skipped;
  }

  /** The model with this provider and id, or undefined. */
  find(provider: string, id: string): Model | undefined {
    return this.#models.find((m) => m.provider === provider && m.id === id);
  }

  /** Every known model, in listing order. */
  getAll(): Model[] {
    return [...this.#models];
  }

  /** Whether a key for `provider` exists now (no network). */
  hasKey(provider: string): boolean {
    return this.#keys.hasKey?.(provider) ?? false;
  }

  /** The models whose provider has a key now. */
  getAvailable(): Model[] {
    const has = new Map<string, boolean>();
    return this.#models.filter((m) => {
      if (!has.has(m.provider)) has.set(m.provider, this.hasKey(m.provider));
      return has.get(m.provider)!;
    });
  }

  /** Known provider ids: `openai-codex`, `anthropic`, `openai`, then those from models.json. */
  getProviders(): string[] {
    const out = [...PROVIDER_ORDER];
    for (const m of this.#models) if (!out.includes(m.provider)) out.push(m.provider);
    return out;
  }

  /** Throws a usage error `Unknown provider: x (known: …)` unless `provider` is known. */
  validateProvider(provider: string): string {
    const known = this.getProviders();
    if (known.includes(provider)) return provider;
    const guess = known.map((p) => [p, editDistance(provider, p)] as const)
      .sort((a, b) => a[1] - b[1])[0];
    const hint = guess && guess[1] <= Math.max(2, Math.floor(provider.length / 3))
      ? `did you mean ${guess[0]}?`
      : "see pi models";
    throw new PiError("usage", `Unknown provider: ${provider} (known: ${known.join(", ")})`, {
      hint,
    });
  }

  /** Of several models with one id, the first whose provider has a key, else the first. */
  #prefer(models: Model[]): Model {
    return models.find((m) => this.hasKey(m.provider)) ?? models[0];
  }

  #closest(spec: string, models: readonly Model[], limit = 5): string[] {
    const needle = spec.toLowerCase();
    const scored = models.map((m) => {
      const id = m.id.toLowerCase();
      let score = Math.min(editDistance(needle, id), editDistance(needle, key(m).toLowerCase()));
      if (needle !== "" && id.includes(needle)) score -= 100;
      return [key(m), score] as const;
    });
    scored.sort((a, b) => a[1] - b[1]);
    return scored.slice(0, limit).map(([name]) => name);
  }

  /**
   * Resolves a `--model` value: `provider/id`, an id, or a unique prefix of one.
   * When several providers have the id, the first with a key wins. Unknown or ambiguous
   * → `PiError("models.unknown")` (exit 2) listing close matches.
   */
  resolve(spec: string, options: ResolveOptions = {}): Model {
    const wanted = spec.trim();
    if (options.provider !== undefined) this.validateProvider(options.provider);
    let candidates = options.provider === undefined
      ? this.#models
      : this.#models.filter((m) => m.provider === options.provider);
    let id = wanted;
    const slash = wanted.indexOf("/");
    if (slash > 0) {
      const provider = wanted.slice(0, slash);
      if (this.getProviders().includes(provider)) {
        if (options.provider !== undefined && options.provider !== provider) {
          throw new PiError(
            "usage",
            `--model ${wanted} names provider ${provider}, but --provider is ${options.provider}`,
            { hint: "drop one of them" },
          );
        }
        const inProvider = candidates.filter((m) => m.provider === provider);
        const rest = wanted.slice(slash + 1);
        // An id may itself contain '/': try the whole spec as an id too.
        if (inProvider.some((m) => m.id.toLowerCase() === rest.toLowerCase())) {
          candidates = inProvider;
          id = rest;
        } else if (!candidates.some((m) => m.id.toLowerCase() === wanted.toLowerCase())) {
          candidates = inProvider;
          id = rest;
        }
      }
    }
    const lower = id.toLowerCase();
    const exact = candidates.filter((m) => m.id.toLowerCase() === lower);
    if (exact.length > 0 && lower !== "") return this.#prefer(exact);
    const prefixed = lower === ""
      ? []
      : candidates.filter((m) => m.id.toLowerCase().startsWith(lower));
    const ids = [...new Set(prefixed.map((m) => m.id))];
    if (ids.length === 1) return this.#prefer(prefixed);
    const where = options.provider ? ` for provider ${options.provider}` : "";
    if (ids.length > 1) {
      throw new PiError(
        "models.unknown",
        `Ambiguous model: ${wanted}${where} (matches: ${ids.slice(0, 8).join(", ")}${
          ids.length > 8 ? ", …" : ""
        })`,
        { hint: "give more of the id, or provider/id" },
      );
    }
    const close = this.#closest(id, candidates.length > 0 ? candidates : this.#models);
    throw new PiError(
      "models.unknown",
      `Unknown model: ${wanted}${where} (known: ${close.join(", ")}, …)`,
      { hint: "run pi models to list them all" },
    );
  }

  /**
   * Resolves `--models` patterns (a comma list or several): globs on `provider/id` or the
   * bare id, `:level` suffixes, order kept, duplicates removed. A pattern that matches
   * nothing is a `models.unknown` error (exit 2) naming it.
   */
  scope(patterns: string | readonly string[]): ScopedModel[] {
    const parsed = parsePatterns(patterns);
    const { models, unmatched } = matchPatterns(parsed, this.#models);
    if (unmatched.length > 0) {
      const first = unmatched[0];
      let hint = "run pi models to list them all";
      for (const pattern of unmatched) {
        const colon = pattern.lastIndexOf(":");
        if (colon <= 0) continue;
        const without = matchPatterns(parsePatterns(pattern.slice(0, colon)), this.#models);
        if (without.models.length > 0) {
          hint = `unknown thinking level ${pattern.slice(colon + 1)} in ${pattern} ` +
            `(known: ${THINKING_ORDER.join(", ")})`;
          break;
        }
      }
      const close = this.#closest(first.replace(/[*?]/g, ""), this.#models);
      const label = unmatched.length > 1 ? "patterns" : "pattern";
      throw new PiError(
        "models.unknown",
        `No model matches ${label}: ${unmatched.join(", ")} (known: ${close.join(", ")}, …)`,
        { hint },
      );
    }
    return models;
  }

  /**
   * The model to use when none is given (CONTRACT.md): the first of `scope`; else the
   * first model of `provider`; else `gpt-5.2-codex` on openai-codex if it has a key; else
   * the first model of the first provider with a key (openai-codex, anthropic, openai,
   * then providers from models.json); else `gpt-5.2-codex`.
   */
  defaultModel(options: DefaultModelOptions = {}): ScopedModel {
    if (options.scope && options.scope.length > 0) return options.scope[0];
    const preferred = this.find(DEFAULT_MODEL.provider, DEFAULT_MODEL.id);
    if (options.provider !== undefined) {
      this.validateProvider(options.provider);
      if (options.provider === DEFAULT_MODEL.provider && preferred) return { model: preferred };
      const first = this.#models.find((m) => m.provider === options.provider);
      if (first) return { model: first };
    }
    if (preferred && this.hasKey(DEFAULT_MODEL.provider)) return { model: preferred };
    for (const provider of this.getProviders()) {
      if (!this.hasKey(provider)) continue;
      const first = this.#models.find((m) => m.provider === provider);
      if (first) return { model: first };
    }
    return { model: preferred ?? this.#models[0] };
  }

  /** When the live list in use was fetched (epoch ms), or undefined. */
  get liveListFetchedAt(): number | undefined {
    return this.#live?.fetchedAt;
  }

  /**
   * Refreshes the live Codex list when it is older than 24 hours and openai-codex has a
   * key. Never throws: failures leave the current list in place and are reported in the
   * result. With `timeoutMs` the wait (and the request) is cut short.
   */
  refresh(options: RefreshOptions = {}): Promise<RefreshResult> {
    if (!this.#liveList) return Promise.resolve({ status: "disabled" });
    let baseUrl: string;
    try {
      baseUrl = this.#codexBaseUrl();
    } catch (error) {
      return Promise.resolve({ status: "failed", error }); // the error a request would give
    }
    if (!options.force && isCacheFresh(this.#live, this.#deps.now(), baseUrl, VERSION)) {
      return Promise.resolve({ status: "fresh" });
    }
    if (!this.hasKey("openai-codex")) return Promise.resolve({ status: "no-key" });
    if (!options.force && isBackingOff(this.#live, this.#deps.now(), baseUrl)) {
      return Promise.resolve({ status: "backoff" });
    }
    if (this.#refreshing) return this.#refreshing;
    const controller = new AbortController();
    const onAbort = () => controller.abort(options.signal?.reason);
    options.signal?.addEventListener("abort", onAbort, { once: true });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const work = this.#fetch(baseUrl, controller.signal).finally(() => {
      options.signal?.removeEventListener("abort", onAbort);
      this.#refreshing = undefined;
    });
    this.#refreshing = work;
    if (options.timeoutMs === undefined) return work;
    const timeout = new Promise<RefreshResult>((resolve) => {
      timer = setTimeout(() => {
        controller.abort(new PiError("api.aborted", "The model list took too long"));
        // The aborted request settles at once and records the failure; wait briefly for that.
        timer = setTimeout(() => resolve({ status: "timeout" }), 250);
      }, options.timeoutMs);
    });
    return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
  }

  /** Notes a failed attempt in the cache (models kept) so the next start does not retry at once. */
  async #recordFailure(
    baseUrl: string,
    write: (path: string, cache: LiveCache) => Promise<void>,
  ): Promise<void> {
    const previous = this.#live?.baseUrl === baseUrl ? this.#live : undefined;
    const cache: LiveCache = previous
      ? { ...previous, failedAt: this.#deps.now() }
      : { fetchedAt: 0, baseUrl, clientVersion: VERSION, models: [], failedAt: this.#deps.now() };
    this.#live = cache;
    this.#rebuild();
    await write(this.#cachePath, cache).catch(() => {});
  }

  async #fetch(baseUrl: string, signal: AbortSignal): Promise<RefreshResult> {
    try {
      const { fetchLiveModels, getAccountId, writeLiveCache } = await import("./live_fetch.ts");
      const token = await this.#keys.getApiKey("openai-codex", { signal });
      if (!token) return { status: "no-key" };
      let accountId: string | undefined;
      try {
        accountId = getAccountId(token);
      } catch {
        accountId = undefined;
      }
      if (!accountId) {
        return {
          status: "failed",
          error: new PiError("auth.invalid_token", "The openai-codex token has no account id"),
        };
      }
      let models;
      try {
        models = await fetchLiveModels(this.#deps, {
          baseUrl,
          clientVersion: VERSION,
          token,
          accountId,
        }, signal);
      } catch (err) {
        await this.#recordFailure(baseUrl, writeLiveCache);
        throw err;
      }
      const cache: LiveCache = {
        fetchedAt: this.#deps.now(),
        baseUrl,
        clientVersion: VERSION,
        models,
      };
      this.#live = cache;
      this.#rebuild();
      try {
        await writeLiveCache(this.#cachePath, cache);
      } catch (err) {
        return { status: "fetched", error: err };
      }
      return { status: "fetched" };
    } catch (err) {
      return { status: signal.aborted ? "timeout" : "failed", error: err };
    }
  }
}
