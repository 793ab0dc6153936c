/**
 * `pi auth status [--json]` (also plain `pi auth`): for each provider, whether it has a key
 * and where from (oauth, api key, env), with account, plan, when the login was made, the
 * access token's renewal, and whether the login is still valid; every ChatGPT account with
 * its latest rate-limit windows. Never prints a token.
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
import { formatLocalTime } from "../age.ts";
import { formatRateLimits } from "../usage_report.ts";
import { type JwtClaims, tryJwtClaims } from "../../auth/jwt.ts";
import { getOAuthProvider } from "../../auth/oauth_providers.ts";
import type { ParsedArgs } from "../args.ts";
import { API_KEY_PROVIDERS, knownProviders } from "./login.ts";
import { ACCOUNT_PROVIDER, accountFlag, DEFAULT_ACCOUNT } from "../../auth/accounts.ts";
import type { RefreshRejection } from "../../auth/login_state.ts";
import { type AccountStatus, collectAccounts, useReportedAccount } from "../account_status.ts";
import { requestedAccount } from "../account_options.ts";

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
  /** openai-codex: the active account (the one the fields below describe). */
  account?: string;
  /** ChatGPT account id. */
  accountId?: string;
  /** Email, from the access token. */
  email?: string;
  /** Plan type (plus, pro, …), from the access token. */
  plan?: string;
  /** Expiry of the access token, epoch ms (pi renews it by itself). */
  expires?: number;
  /** Expiry as ISO 8601. */
  expiresAt?: string;
  /** Expiry relative to now, e.g. `in 59 minutes`, `3 hours ago`. */
  expiresIn?: string;
  /** Whether the access token has expired (pi refreshes it on next use). */
  expired?: boolean;
  /** When the login was made, epoch ms (logins saved by this version of pi on). */
  loggedInAt?: number;
  /** The issuer refused the refresh token: the login is no longer valid. */
  invalid?: RefreshRejection;
  /** The latest subscription rate-limit snapshot seen (openai-codex), if any. */
  usage?: UsageSnapshot;
  /** openai-codex: every stored ChatGPT account. */
  accounts?: AccountStatus[];
}

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

/**
 * The status of every known or stored provider (no token text in it). The ChatGPT accounts
 * (`openai-codex:<name>` entries) are listed under `openai-codex`, whose own fields describe
 * the active account.
 */
export async function collectStatus(
  storage: AuthStorage,
  deps: Deps,
  usage?: UsageSnapshotStore,
): Promise<ProviderStatus[]> {
  const ids = knownProviders(storage.list());
  const now = deps.now();
  const accounts = await collectAccounts(storage, usage);
  const out: ProviderStatus[] = [];
  for (const id of ids) {
    const source = storage.keySource(id) ?? null;
    const status: ProviderStatus = {
      id,
      name: getOAuthProvider(id)?.name ?? API_KEY_PROVIDERS[id] ?? id,
      loggedIn: source !== null,
      source,
    };
    const isCodex = id === ACCOUNT_PROVIDER;
    if (isCodex && (accounts.length > 0 || storage.activeAccount() !== DEFAULT_ACCOUNT)) {
      status.account = storage.activeAccount();
    }
    let claims: JwtClaims = {};
    if (source === "oauth") {
      const entry = isCodex
        ? storage.accounts().find((a) => a.name === storage.activeAccount())?.credential
        : storage.get(id);
      if (entry?.type === "oauth") {
        claims = tryJwtClaims(entry.access);
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
        claims = tryJwtClaims(deps.env(envName));
        if (claims.accountId) status.accountId = claims.accountId;
      }
    }
    if (claims.email) status.email = claims.email;
    if (claims.planType) status.plan = claims.planType;
    const active = isCodex ? accounts.find((a) => a.active) : undefined;
    if (active?.loggedInAt !== undefined && source === "oauth") {
      status.loggedInAt = active.loggedInAt;
    }
    if (active?.invalid && source === "oauth") status.invalid = active.invalid;
    const snapshot = active?.usage ?? usage?.latest(id);
    if (snapshot) status.usage = snapshot;
    if (isCodex) status.accounts = accounts;
    out.push(status);
  }
  return out;
}

/** What pi says of a stored OAuth login: when it was made, and its access token's renewal. */
function loginText(
  login: {
    expires: number;
    loggedInAt?: number;
    invalid?: RefreshRejection;
  },
  relogin: string,
  now: number,
): string {
  if (login.invalid) {
    return `login no longer valid: the issuer refused its refresh (${
      oneLine(login.invalid.reason)
    }, ${relativeTime(login.invalid.at, now)}); run ${relogin}`;
  }
  const parts: string[] = [];
  if (login.loggedInAt !== undefined) {
    parts.push(
      `logged in ${formatLocalTime(login.loggedInAt, now)} (${
        relativeTime(login.loggedInAt, now)
      })`,
    );
  }
  parts.push(
    login.expires <= now
      ? `access token expired ${relativeTime(login.expires, now)}, renewed on next use`
      : `access token renews automatically (current one ${
        relativeTime(login.expires, now).replace(/^in /, "valid for ")
      })`,
  );
  return parts.join("; ");
}

function line(s: ProviderStatus, now: number): string {
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
  let text = parts.join(", ");
  if (s.expires !== undefined) {
    const relogin = `pi login ${s.id}${accountFlag(s.account ?? DEFAULT_ACCOUNT)}`;
    text += `; ${loginText({ ...s, expires: s.expires }, relogin, now)}`;
  }
  return text;
}

function accountLine(a: AccountStatus, now: number): string {
  const parts: string[] = [];
  if (a.email) parts.push(oneLine(a.email));
  if (a.plan) parts.push(`plan ${oneLine(a.plan)}`);
  if (a.accountId) parts.push(`account ${oneLine(a.accountId)}`);
  if (a.source === "codex-cli") parts.push("imported from Codex CLI");
  let text = parts.length > 0 ? parts.join(", ") : "logged in (OAuth)";
  if (a.expires !== null) {
    const relogin = `pi login ${ACCOUNT_PROVIDER}${accountFlag(a.name)}`;
    text += `; ${
      loginText(
        { expires: a.expires, loggedInAt: a.loggedInAt, invalid: a.invalid },
        relogin,
        now,
      )
    }`;
  }
  return text;
}

/** Runs `pi auth status`; returns the exit code. */
export async function runStatus(args: ParsedArgs, deps: Deps): Promise<number> {
  const storage = openAuthStorage(deps);
  const notice = useReportedAccount(storage, requestedAccount({}, deps.env));
  if (notice) deps.stderr.write(`pi: ${oneLine(notice)}\n`);
  const providers = await collectStatus(storage, deps, openUsageStore(deps));
  if (args.options.json) {
    deps.stdout.write(JSON.stringify({ authFile: storage.path, providers }, null, 2) + "\n");
    return 0;
  }
  const now = deps.now();
  const ids = providers.map((p) => oneLine(p.id)); // auth.json's entry names, as one line
  const width = Math.max(...ids.map((id) => id.length));
  deps.stdout.write(`Credentials: ${storage.path}\n`);
  const style = createStyle(false);
  const indent = " ".repeat(width + 4);
  const usageLines = (snapshot: UsageSnapshot | null | undefined, at: string) => {
    if (!snapshot) return;
    for (const l of formatRateLimits(snapshot, now, style)) deps.stdout.write(`${at}${l}\n`);
  };
  for (const [i, p] of providers.entries()) {
    const accounts = p.accounts ?? [];
    const onlyDefault = accounts.length === 0 ||
      (accounts.length === 1 && accounts[0].name === DEFAULT_ACCOUNT && accounts[0].active);
    if (onlyDefault) {
      deps.stdout.write(`  ${ids[i].padEnd(width)}  ${line(p, now)}\n`);
      usageLines(p.usage, indent.slice(2));
      continue;
    }
    // Several ChatGPT accounts: one line each, the active one marked.
    const activeNote = p.source === "oauth" || p.source === null
      ? ""
      : ` (the key comes from ${p.source === "env" ? p.env : p.source})`;
    deps.stdout.write(
      `  ${ids[i].padEnd(width)}  ${accounts.length} ChatGPT account${
        accounts.length === 1 ? "" : "s"
      }, active: ${p.account ?? DEFAULT_ACCOUNT}${activeNote}\n`,
    );
    const nameWidth = Math.max(...accounts.map((a) => a.name.length)) + 2;
    for (const a of accounts) {
      const label = `${a.active ? "* " : "  "}${a.name}`.padEnd(nameWidth);
      deps.stdout.write(`    ${label}  ${accountLine(a, now)}\n`);
      usageLines(a.usage, " ".repeat(4 + nameWidth + 2 - 2));
    }
  }
  return 0;
}
