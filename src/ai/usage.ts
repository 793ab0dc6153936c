/**
 * Token usage and cost from a model's prices, and the subscription usage snapshot
 * kept from the Codex backend's `x-codex-*` rate-limit headers.
 * @module
 */

import type { Model } from "../models/types.ts";
import type { Cost, RateLimitWindow, Usage, UsageSnapshot } from "./types.ts";

/** Raw token counts as a provider reports them (normalised). */
export interface TokenCounts {
  /** Input tokens not read from the cache. */
  input: number;
  /** Input tokens read from the cache. */
  cacheRead: number;
  /** Input tokens written to the cache. */
  cacheWrite: number;
  /** Output tokens, reasoning included. */
  output: number;
  /** Reasoning tokens (part of output). */
  reasoning: number;
}

const ZERO_COST: Readonly<Cost> = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 };

/** The cost of `tokens` at `model`'s list prices (USD per million tokens). */
export function listCost(tokens: TokenCounts, model: Pick<Model, "cost">): Cost {
  const p = model.cost;
  const input = (tokens.input * p.input) / 1e6;
  const output = (tokens.output * p.output) / 1e6;
  const cacheRead = (tokens.cacheRead * p.cacheRead) / 1e6;
  const cacheWrite = (tokens.cacheWrite * p.cacheWrite) / 1e6;
  return { input, output, cacheRead, cacheWrite, total: input + output + cacheRead + cacheWrite };
}

/**
 * Usage with costs: `listCost` always at list prices; `cost` the same when the model
 * is billed per token, zero when it is not (a subscription).
 */
export function makeUsage(tokens: TokenCounts, model: Pick<Model, "cost" | "billed">): Usage {
  const list = listCost(tokens, model);
  return {
    input: tokens.input,
    cacheRead: tokens.cacheRead,
    cacheWrite: tokens.cacheWrite,
    output: tokens.output,
    reasoning: tokens.reasoning,
    totalTokens: tokens.input + tokens.cacheRead + tokens.cacheWrite + tokens.output,
    cost: model.billed ? { ...list } : { ...ZERO_COST },
    listCost: list,
    billed: model.billed,
  };
}

/** Zero usage for a model. */
export function emptyUsage(model: Pick<Model, "cost" | "billed">): Usage {
  return makeUsage({ input: 0, cacheRead: 0, cacheWrite: 0, output: 0, reasoning: 0 }, model);
}

function num(headers: Headers, name: string): number | undefined {
  const raw = headers.get(name);
  if (raw === null || raw.trim() === "") return undefined;
  const n = Number(raw);
  return Number.isFinite(n) ? n : undefined;
}

function window(headers: Headers, prefix: string, now: number): RateLimitWindow | undefined {
  const used = num(headers, `${prefix}-used-percent`);
  if (used === undefined) return undefined;
  const w: RateLimitWindow = { usedPercent: used };
  const minutes = num(headers, `${prefix}-window-minutes`);
  if (minutes !== undefined) w.windowMinutes = minutes;
  const resetAt = num(headers, `${prefix}-reset-at`);
  const after = num(headers, `${prefix}-reset-after-seconds`);
  if (resetAt !== undefined) w.resetsAt = resetAt * 1000;
  else if (after !== undefined) w.resetsAt = now + after * 1000;
  return w;
}

/**
 * Reads the Codex rate-limit headers (`x-codex-primary-used-percent`,
 * `…-window-minutes`, `…-reset-after-seconds` or `…-reset-at`, and the same for
 * `secondary`); undefined when there are none.
 */
export function parseCodexRateLimitHeaders(
  headers: Headers,
  now: number,
  provider = "openai-codex",
): UsageSnapshot | undefined {
  const primary = window(headers, "x-codex-primary", now);
  const secondary = window(headers, "x-codex-secondary", now);
  if (!primary && !secondary) return undefined;
  const snap: UsageSnapshot = { provider, capturedAt: now };
  if (primary) snap.primary = primary;
  if (secondary) snap.secondary = secondary;
  return snap;
}

/**
 * Keeps the latest {@link UsageSnapshot} per provider, for `/usage` and
 * `pi auth status`. Pass one to `stream()` as `usageStore`.
 *
 * @example
 * ```ts
 * import { UsageSnapshotStore } from "./usage.ts";
 * const store = new UsageSnapshotStore();
 * store.update({ provider: "openai-codex", primary: { usedPercent: 12 }, capturedAt: 0 });
 * console.log(store.latest("openai-codex")?.primary?.usedPercent); // 12
 * ```
 */
export class UsageSnapshotStore {
  #latest = new Map<string, UsageSnapshot>();
  #listeners = new Set<(snapshot: UsageSnapshot) => void>();

  /** Records a snapshot (replacing the previous one of its provider). */
  update(snapshot: UsageSnapshot): void {
    this.#latest.set(snapshot.provider, snapshot);
    for (const listener of this.#listeners) listener(snapshot);
  }

  /** The latest snapshot of a provider, if any was seen. */
  latest(provider = "openai-codex"): UsageSnapshot | undefined {
    return this.#latest.get(provider);
  }

  /** Calls `listener` on every update; returns a function that unsubscribes. */
  subscribe(listener: (snapshot: UsageSnapshot) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
