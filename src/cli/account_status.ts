/**
 * The ChatGPT accounts as `pi auth status`, `pi usage` (and the `/account` menu) show them:
 * name, whether it is the active one, account id, email and plan from the access token,
 * expiry, when the login was made, whether the issuer refused its refresh (the login is no
 * longer valid), and the latest rate-limit snapshot. Never a token.
 * @module
 */

import type { AuthStorage } from "../auth/auth_storage.ts";
import { snapshotOfAccount } from "../auth/accounts.ts";
import { tryJwtClaims } from "../auth/jwt.ts";
import type { UsageSnapshot } from "../ai/types.ts";
import type { UsageSnapshotStore } from "../ai/usage.ts";
import { type RefreshRejection, refreshRejections } from "../auth/login_state.ts";

/** One account in `pi auth status --json` (`providers[].accounts`) and `pi usage --json`. */
export interface AccountStatus {
  /** `default` (the `openai-codex` entry) or the `<name>` of `openai-codex:<name>`. */
  name: string;
  /** Whether runs use it (`--account`, `PI_ACCOUNT`, else `default`). */
  active: boolean;
  /** ChatGPT account id. */
  accountId: string | null;
  /** Email, from the access token. */
  email: string | null;
  /** Plan (plus, pro, …), from the access token. */
  plan: string | null;
  /** Expiry of the current access token, epoch ms (it is renewed automatically). */
  expires: number | null;
  /** The latest rate-limit snapshot seen with this account, or null. */
  usage: UsageSnapshot | null;
  /** When the login was made (or imported), epoch ms, when pi saved it. */
  loggedInAt?: number;
  /** `codex-cli` for a login imported from Codex CLI. */
  source?: string;
  /** The issuer refused its refresh token: the login is no longer valid. */
  invalid?: RefreshRejection;
}

/**
 * The latest snapshot of an account's entry, unless it was seen with another ChatGPT
 * account (the entry was logged in again as someone else since).
 */
export function accountUsage(
  usage: UsageSnapshotStore | undefined,
  entry: string,
  accountId: string | null,
): UsageSnapshot | null {
  return snapshotOfAccount(usage?.latest(entry), accountId ?? undefined) ?? null;
}

/** Every stored ChatGPT account, `default` first (see {@link AccountStatus}). */
export async function collectAccounts(
  storage: AuthStorage,
  usage?: UsageSnapshotStore,
): Promise<AccountStatus[]> {
  const active = storage.activeAccount();
  const accounts = storage.accounts();
  if (accounts.length === 0) return [];
  // auth-state.json once for all of them (AuthStorage.refreshRejection reads it per entry).
  const rejection = refreshRejections(storage.path);
  const out: AccountStatus[] = [];
  for (const account of accounts) {
    const claims = tryJwtClaims(account.credential.access);
    const accountId = account.accountId ?? claims.accountId ?? null;
    const status: AccountStatus = {
      name: account.name,
      active: account.name === active,
      accountId,
      email: claims.email ?? null,
      plan: claims.planType ?? null,
      expires: account.credential.expires,
      usage: accountUsage(usage, account.entry, accountId),
    };
    const { loggedInAt, source } = account.credential;
    if (typeof loggedInAt === "number" && Number.isFinite(loggedInAt)) {
      status.loggedInAt = loggedInAt;
    }
    if (typeof source === "string") status.source = source;
    const invalid = await rejection(account.entry, account.credential.refresh);
    if (invalid) status.invalid = invalid;
    out.push(status);
  }
  return out;
}

/**
 * Makes `PI_ACCOUNT` the active account of a status report when it names a stored one;
 * returns a notice when it names none (status reports never fail on it).
 */
export function useReportedAccount(
  storage: AuthStorage,
  requested: string | undefined,
): string | undefined {
  if (requested === undefined) return undefined;
  try {
    storage.useAccount(requested);
    return undefined;
  } catch {
    return `PI_ACCOUNT=${requested} names no logged-in account; showing the default as active`;
  }
}
