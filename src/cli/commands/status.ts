/**
 * `pi auth status [--json]`: for each provider, whether it has a key and where from
 * (oauth, api key, env), with account, plan and expiry. Never prints a token.
 * @module
 */

import type { Deps } from "../../deps.ts";
import { type AuthStorage, PROVIDER_ENV_KEYS } from "../../auth/auth_storage.ts";
import { openAuthStorage } from "../open_auth.ts";
import { openUsageStore } from "../usage_store.ts";
import type { UsageSnapshot } from "../../ai/types.ts";
import type { UsageSnapshotStore } from "../../ai/usage.ts";
import { createStyle } from "../render.ts";
import { oneLine } from "../../one_line.ts";
import { formatRateLimits } from "./slash.ts";
import { getJwtClaims, type JwtClaims } from "../../auth/jwt.ts";
import { getOAuthProvider, listOAuthProviders } from "../../auth/oauth_providers.ts";
import type { ParsedArgs } from "../args.ts";

/** One provider's line of `pi auth status --json`. */
export interface ProviderStatus {
  /** Provider id. */
  id: string;
  /** Display name. */
  name: string;
  /** Whether pi has a key for it. */
  loggedIn: boolean;
  /** Where the key comes from: `oauth`, `api_key`, `env`, `runtime`; null when none. */
  source: string | null;
  /** The environment variable, when the source is `env`. */
  env?: string;
  /** ChatGPT account id. */
  accountId?: string;
  /** Email, from the access token. */
  email?: string;
  /** Plan type (plus, pro, …), from the access token. */
  plan?: string;
  /** Expiry of the access token, epoch ms. */
  expires?: number;
  /** Expiry as ISO 8601. */
  expiresAt?: string;
  /** Expiry relative to now, e.g. `in 59 minutes`, `3 hours ago`. */
  expiresIn?: string;
  /** Whether the access token has expired (pi refreshes it on next use). */
  expired?: boolean;
  /** The latest subscription rate-limit snapshot seen (openai-codex), if any. */
  usage?: UsageSnapshot;
}

const NAMES: Record<string, string> = {
  openai: "OpenAI API",
  anthropic: "Anthropic API",
};

/** `in 5 minutes`, `2 hours ago`, `in 3 days`: the coarsest unit that is at least 1. */
export function relativeTime(when: number, now: number): string {
  const diff = when - now;
  const abs = Math.abs(diff);
  const units: [string, number][] = [
    ["day", 86_400_000],
    ["hour", 3_600_000],
    ["minute", 60_000],
    ["second", 1000],
  ];
  let text = "now";
  for (const [unit, size] of units) {
    const n = Math.floor(abs / size);
    if (n >= 1) {
      text = `${n} ${unit}${n === 1 ? "" : "s"}`;
      break;
    }
  }
  if (text === "now") return "now";
  return diff >= 0 ? `in ${text}` : `${text} ago`;
}

function claimsOf(token: string | undefined): JwtClaims {
  if (!token) return {};
  try {
    return getJwtClaims(token);
  } catch {
    return {};
  }
}

/** The status of every known or stored provider (no token text in it). */
export function collectStatus(
  storage: AuthStorage,
  deps: Deps,
  usage?: UsageSnapshotStore,
): ProviderStatus[] {
  const ids = [
    ...new Set([
      ...listOAuthProviders().map((p) => p.id),
      ...Object.keys(PROVIDER_ENV_KEYS),
      ...storage.list(),
    ]),
  ];
  const now = deps.now();
  return ids.map((id) => {
    const source = storage.keySource(id) ?? null;
    const status: ProviderStatus = {
      id,
      name: getOAuthProvider(id)?.name ?? NAMES[id] ?? id,
      loggedIn: source !== null,
      source,
    };
    let claims: JwtClaims = {};
    if (source === "oauth") {
      const entry = storage.get(id);
      if (entry?.type === "oauth") {
        claims = claimsOf(entry.access);
        const accountId = entry.accountId ?? claims.accountId;
        if (accountId) status.accountId = accountId;
        status.expires = entry.expires;
        status.expiresAt = new Date(entry.expires).toISOString();
        status.expiresIn = relativeTime(entry.expires, now);
        status.expired = entry.expires <= now;
      }
    } else if (source === "env") {
      const envName = PROVIDER_ENV_KEYS[id];
      status.env = envName;
      if (getOAuthProvider(id)) {
        claims = claimsOf(deps.env(envName));
        if (claims.accountId) status.accountId = claims.accountId;
      }
    }
    if (claims.email) status.email = claims.email;
    if (claims.planType) status.plan = claims.planType;
    const snapshot = usage?.latest(id);
    if (snapshot) status.usage = snapshot;
    return status;
  });
}

function line(s: ProviderStatus): string {
  if (!s.loggedIn) return "not logged in";
  const from = s.source === "oauth"
    ? "logged in (OAuth)"
    : s.source === "api_key"
    ? "API key (auth.json)"
    : s.source === "env"
    ? `key from ${s.env}`
    : `key from ${s.source}`;
  const parts = [from];
  // Email, plan and account come from the issuer's token or auth.json: one line each.
  if (s.email) parts.push(oneLine(s.email));
  if (s.plan) parts.push(`plan ${oneLine(s.plan)}`);
  if (s.accountId) parts.push(`account ${oneLine(s.accountId)}`);
  if (s.expiresIn) {
    parts.push(
      s.expired ? `expired ${s.expiresIn} (refreshed on next use)` : `expires ${s.expiresIn}`,
    );
  }
  return parts.join(", ");
}

/** Runs `pi auth status`; returns the exit code. */
export function runStatus(args: ParsedArgs, deps: Deps): number {
  const storage = openAuthStorage(deps);
  const providers = collectStatus(storage, deps, openUsageStore(deps));
  if (args.options.json) {
    deps.stdout.write(JSON.stringify({ authFile: storage.path, providers }, null, 2) + "\n");
    return 0;
  }
  const ids = providers.map((p) => oneLine(p.id)); // auth.json's entry names, as one line
  const width = Math.max(...ids.map((id) => id.length));
  deps.stdout.write(`Credentials: ${storage.path}\n`);
  const style = createStyle(false);
  for (const [i, p] of providers.entries()) {
    deps.stdout.write(`  ${ids[i].padEnd(width)}  ${line(p)}\n`);
    if (p.usage) {
      const indent = " ".repeat(width + 2);
      for (const l of formatRateLimits(p.usage, deps.now(), style)) {
        deps.stdout.write(`${indent}${l}\n`);
      }
    }
  }
  return 0;
}
