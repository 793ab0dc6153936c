/**
 * ChatGPT accounts (CONTRACT.md: Accounts) as plain values: the default account is the
 * entry `openai-codex` (named `default`), every other one the entry `openai-codex:<name>`
 * with the same fields. Names, entries, their order, whether a usage snapshot is still
 * below its limits, and which account a rotation moves to. No I/O: AuthStorage applies it.
 * @module
 */

import { PiError } from "../errors.ts";
import type { RateLimitWindow, UsageSnapshot } from "../ai/types.ts";

/** The provider that has accounts. */
export const ACCOUNT_PROVIDER = "openai-codex";
/** The name of the account stored under the plain `openai-codex` entry. */
export const DEFAULT_ACCOUNT = "default";
/** What every other account's entry starts with. */
export const ACCOUNT_ENTRY_PREFIX = `${ACCOUNT_PROVIDER}:`;
/** An account name: `[a-z0-9][a-z0-9._-]{0,31}`. */
const ACCOUNT_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,31}$/;

/**
 * Whether `name` is a valid account name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isAccountName } from "./accounts.ts";
 * assert.equal(isAccountName("work-2"), true);
 * assert.equal(isAccountName("Work"), false);
 * ```
 */
export function isAccountName(name: string): boolean {
  return ACCOUNT_NAME_PATTERN.test(name);
}

/** Throws a usage error (exit 2) when `name` is not a valid account name. */
export function checkAccountName(name: string): string {
  if (!isAccountName(name)) {
    const shown = name.length > 40 ? `${name.slice(0, 40)}…` : name;
    throw new PiError("usage", `Invalid account name: ${JSON.stringify(shown)}`, {
      hint: "an account name is 1–32 of a-z 0-9 . _ - and starts with a letter or digit",
    });
  }
  return name;
}

/**
 * The auth.json entry of an account: `default` → `openai-codex`, `work` → `openai-codex:work`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { accountEntry } from "./accounts.ts";
 * assert.equal(accountEntry("default"), "openai-codex");
 * assert.equal(accountEntry("work"), "openai-codex:work");
 * ```
 */
export function accountEntry(name: string): string {
  return name === DEFAULT_ACCOUNT ? ACCOUNT_PROVIDER : `${ACCOUNT_ENTRY_PREFIX}${name}`;
}

/**
 * The auth.json entry a login of `provider` is stored under: its own, or with `account`
 * (`--account`, openai-codex only) that account's. `--account` with another provider, or
 * an invalid account name, is a usage error (exit 2).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loginEntry } from "./accounts.ts";
 * assert.equal(loginEntry("openai-codex", "work"), "openai-codex:work");
 * assert.throws(() => loginEntry("anthropic", "work"), /--account is for openai-codex only/);
 * ```
 */
export function loginEntry(provider: string, account: string | undefined): string {
  if (account === undefined) return provider;
  if (provider !== ACCOUNT_PROVIDER) {
    throw new PiError("usage", `--account is for ${ACCOUNT_PROVIDER} only, not ${provider}`, {
      hint: `pi login ${ACCOUNT_PROVIDER} --account ${account}`,
    });
  }
  checkAccountName(account);
  return accountEntry(account);
}

/**
 * The account an auth.json entry holds (`openai-codex` → `default`, `openai-codex:work` →
 * `work`), or undefined for any other entry. `openai-codex:default` is no account: the
 * name `default` always means the plain entry.
 */
export function accountOfEntry(entry: string): string | undefined {
  if (entry === ACCOUNT_PROVIDER) return DEFAULT_ACCOUNT;
  if (!entry.startsWith(ACCOUNT_ENTRY_PREFIX)) return undefined;
  const name = entry.slice(ACCOUNT_ENTRY_PREFIX.length);
  return isAccountName(name) && name !== DEFAULT_ACCOUNT ? name : undefined;
}

/** The provider of an entry: `openai-codex:work` → `openai-codex`; others are their own. */
export function providerOfEntry(entry: string): string {
  return accountOfEntry(entry) !== undefined ? ACCOUNT_PROVIDER : entry;
}

/** Account names in the order pi shows and rotates them: `default` first, then by name. */
export function sortAccountNames(names: Iterable<string>): string[] {
  return [...new Set(names)].sort(compareAccountNames);
}

/** The order of {@link sortAccountNames}: `default` first, then by name. */
export function compareAccountNames(a: string, b: string): number {
  return a === b ? 0 : a === DEFAULT_ACCOUNT ? -1 : b === DEFAULT_ACCOUNT ? 1 : a < b ? -1 : 1;
}

/** `--account work` for a named account, nothing for the default one. */
export function accountFlag(name: string): string {
  return name === DEFAULT_ACCOUNT ? "" : ` --account ${name}`;
}

/**
 * The command that logs in to an auth.json entry again: `pi login openai-codex [--account
 * <name>]` for an account, else `pi login <entry>`.
 */
export function loginCommand(entry: string): string {
  const account = accountOfEntry(entry);
  if (account !== undefined) return `pi login ${ACCOUNT_PROVIDER}${accountFlag(account)}`;
  return `pi login ${entry}`;
}

/**
 * The hint after a failed refresh of `entry`: log in again (CONTRACT.md wording), `run /login
 * (or pi login openai-codex)` for the default account, `run pi login openai-codex --account
 * work` for a named one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { reloginHint } from "./accounts.ts";
 * assert.equal(reloginHint("openai-codex"), "run /login (or pi login openai-codex)");
 * assert.equal(reloginHint("openai-codex:work"), "run pi login openai-codex --account work");
 * ```
 */
export function reloginHint(entry: string): string {
  const account = accountOfEntry(entry);
  return account === undefined || account === DEFAULT_ACCOUNT
    ? `run /login (or ${loginCommand(entry)})`
    : `run ${loginCommand(entry)}`;
}

/** The usage error for an account that is not logged in, listing the known ones. */
export function unknownAccountError(name: string, known: readonly string[]): PiError {
  return new PiError(
    "usage",
    `Unknown account: ${name} (known: ${known.length > 0 ? known.join(", ") : "none"})`,
    {
      hint: `log it in with pi login openai-codex${accountFlag(name)}, or see pi auth status`,
    },
  );
}

function windowReached(w: RateLimitWindow | undefined, now: number): boolean {
  if (!w || !(Number(w.usedPercent) >= 100)) return false;
  const resetsAt = Number(w.resetsAt);
  return !(Number.isFinite(resetsAt) && resetsAt <= now);
}

/**
 * Whether an account's latest usage snapshot is below its limits at `now`: no snapshot
 * (nothing known), or no window at 100 % that has not reset yet.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isBelowLimits } from "./accounts.ts";
 * const full = { provider: "openai-codex", capturedAt: 0, primary: { usedPercent: 100, resetsAt: 5000 } };
 * assert.equal(isBelowLimits(full, 1000), false);
 * assert.equal(isBelowLimits(full, 6000), true); // the window has reset since
 * assert.equal(isBelowLimits(undefined, 1000), true);
 * ```
 */
export function isBelowLimits(snapshot: UsageSnapshot | undefined, now: number): boolean {
  if (!snapshot) return true;
  return !windowReached(snapshot.primary, now) && !windowReached(snapshot.secondary, now);
}

/**
 * `snapshot`, the latest usage snapshot of an account's entry, unless it was seen with
 * another ChatGPT account than `accountId` (the entry was logged in again as someone else
 * since). Without either id it counts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { snapshotOfAccount } from "./accounts.ts";
 * const seen = { provider: "openai-codex", capturedAt: 0, accountId: "acc-1" };
 * assert.equal(snapshotOfAccount(seen, "acc-1"), seen);
 * assert.equal(snapshotOfAccount(seen, "acc-2"), undefined);
 * ```
 */
export function snapshotOfAccount(
  snapshot: UsageSnapshot | undefined,
  accountId: string | undefined,
): UsageSnapshot | undefined {
  const other = snapshot?.accountId !== undefined && accountId !== undefined &&
    snapshot.accountId !== accountId;
  return other ? undefined : snapshot;
}

/** What {@link rotationOrder} needs to know of one account. */
export interface AccountCandidate {
  /** The account name. */
  name: string;
  /** Its ChatGPT account id, when known. */
  accountId?: string;
}

/**
 * The accounts a rotation may try after `from` hit its limit, in order: those after `from`
 * (cyclically, in `accounts` order), without `from`, the `exclude`d ones (already tried for
 * this request) and those of the same ChatGPT account as `from` (they share its limits).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { rotationOrder } from "./accounts.ts";
 * const accounts = [{ name: "default" }, { name: "a" }, { name: "b" }];
 * assert.deepEqual(rotationOrder(accounts, "a").map((c) => c.name), ["b", "default"]);
 * ```
 */
export function rotationOrder<T extends AccountCandidate>(
  accounts: readonly T[],
  from: string,
  exclude: ReadonlySet<string> = new Set(),
): T[] {
  const at = accounts.findIndex((a) => a.name === from);
  const fromId = at === -1 ? undefined : accounts[at].accountId;
  const ordered = at === -1 ? [...accounts] : [...accounts.slice(at + 1), ...accounts.slice(0, at)];
  return ordered.filter((a) =>
    a.name !== from && !exclude.has(a.name) &&
    !(fromId !== undefined && a.accountId === fromId)
  );
}
