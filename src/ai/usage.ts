/**
 * Token usage and cost from a model's prices, and the subscription usage snapshot
 * kept from the Codex backend's `x-codex-*` rate-limit headers.
 * @module
 */

import { dirname, writeFileAtomicSync } from "../atomic_file.ts";
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

/**
 * The input tokens a request used, as reported: input + cacheRead + cacheWrite. A usage read
 * back from a session file may lack counters; a missing one counts as 0.
 */
export function inputTokens(
  usage: Partial<Pick<Usage, "input" | "cacheRead" | "cacheWrite">> | undefined,
): number {
  return (usage?.input ?? 0) + (usage?.cacheRead ?? 0) + (usage?.cacheWrite ?? 0);
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

function isWindow(value: unknown): value is RateLimitWindow {
  return value !== null && typeof value === "object" &&
    typeof (value as RateLimitWindow).usedPercent === "number";
}

/**
 * Where a snapshot is kept: its account's auth.json entry (`openai-codex:work`), else its
 * provider. The default account's entry is the provider's name (`openai-codex`), which is
 * also the key of the single snapshot older versions kept: such a file reads as the
 * default account's snapshot.
 */
function keyOf(snapshot: UsageSnapshot): string {
  return snapshot.account ?? snapshot.provider;
}

/** The snapshots of a usage.json (every shape pi wrote; anything unreadable is skipped). */
function readSnapshots(path: string): Map<string, UsageSnapshot> {
  const out = new Map<string, UsageSnapshot>();
  let data: unknown;
  try {
    data = JSON.parse(Deno.readTextFileSync(path));
  } catch {
    return out; // missing or unreadable: nothing seen yet
  }
  if (data === null || typeof data !== "object" || Array.isArray(data)) return out;
  for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
    if (value === null || typeof value !== "object") continue;
    const v = value as Record<string, unknown>;
    if (typeof v.capturedAt !== "number") continue;
    const colon = key.indexOf(":");
    const snap: UsageSnapshot = {
      provider: colon === -1 ? key : key.slice(0, colon),
      capturedAt: v.capturedAt,
    };
    if (colon !== -1) snap.account = key;
    if (typeof v.accountId === "string") snap.accountId = v.accountId;
    if (isWindow(v.primary)) snap.primary = v.primary;
    if (isWindow(v.secondary)) snap.secondary = v.secondary;
    if (snap.primary || snap.secondary) out.set(key, snap);
  }
  return out;
}

/** Options of {@link UsageSnapshotStore}. */
export interface UsageSnapshotStoreOptions {
  /**
   * A file that keeps the latest snapshots across runs (pi uses `<agent dir>/usage.json`,
   * mode 0600): read at construction, updated atomically on every update (re-read first,
   * so that another process's snapshots of other accounts stay), best effort.
   */
  path?: string;
}

/**
 * Keeps the latest {@link UsageSnapshot} per account (its auth.json entry: `openai-codex`
 * for the default account, `openai-codex:<name>` for the others) or provider, for `/usage`,
 * `pi usage` and `pi auth status`. Pass one to `stream()` as `usageStore`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { UsageSnapshotStore } from "./usage.ts";
 * const store = new UsageSnapshotStore();
 * store.update({ provider: "openai-codex", primary: { usedPercent: 12 }, capturedAt: 0 });
 * store.update({
 *   provider: "openai-codex",
 *   account: "openai-codex:work",
 *   primary: { usedPercent: 80 },
 *   capturedAt: 0,
 * });
 * assert.equal(store.latest("openai-codex")?.primary?.usedPercent, 12);
 * assert.equal(store.latest("openai-codex:work")?.primary?.usedPercent, 80);
 * ```
 */
export class UsageSnapshotStore {
  /** Undefined until first needed: the file is read then (print mode may never ask). */
  #latest: Map<string, UsageSnapshot> | undefined;
  #listeners = new Set<(snapshot: UsageSnapshot) => void>();
  #path: string | undefined;

  /** A store, optionally kept in a file across runs. Does no I/O. */
  constructor(options: UsageSnapshotStoreOptions = {}) {
    this.#path = options.path;
  }

  /** Records a snapshot (replacing the previous one of its account, or provider). */
  update(snapshot: UsageSnapshot): void {
    const key = keyOf(snapshot);
    const latest = this.#latest ??= new Map();
    if (this.#path) {
      // The file as it is now: not read yet, or other processes recorded accounts since.
      for (const [k, v] of readSnapshots(this.#path)) if (k !== key) latest.set(k, v);
    }
    latest.set(key, snapshot);
    if (this.#path) {
      try {
        Deno.mkdirSync(dirname(this.#path), { recursive: true, mode: 0o700 });
        const data = Object.fromEntries(
          [...latest].map(([k, { provider: _, account: __, ...rest }]) => [k, rest]),
        );
        writeFileAtomicSync(this.#path, JSON.stringify(data, null, 2) + "\n", { mode: 0o600 });
      } catch {
        // Best effort: the snapshot is still kept in memory.
      }
    }
    for (const listener of this.#listeners) listener(snapshot);
  }

  /**
   * The latest snapshot of an account (its auth.json entry) or provider, if any was seen.
   * `openai-codex` is the default account's.
   */
  latest(key = "openai-codex"): UsageSnapshot | undefined {
    this.#latest ??= this.#path ? readSnapshots(this.#path) : new Map();
    return this.#latest.get(key);
  }

  /** Reads the file again (snapshots other processes recorded since). */
  reload(): void {
    if (this.#path) this.#latest = readSnapshots(this.#path);
  }

  /** Calls `listener` on every update; returns a function that unsubscribes. */
  subscribe(listener: (snapshot: UsageSnapshot) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
