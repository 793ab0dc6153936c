/**
 * `--account <name>` / `PI_ACCOUNT` and `--rotate-accounts` / `PI_ROTATE_ACCOUNTS=1`
 * (CONTRACT.md: Accounts), applied to the AuthStorage of a run: which ChatGPT account
 * `openai-codex` uses, whether a usage limit moves on to the next account, and where the
 * accounts' latest usage snapshots come from (`<agent dir>/usage.json`, re-read when a
 * rotation chooses).
 * @module
 */

import type { AuthStorage } from "../auth/auth_storage.ts";
import type { Deps } from "../deps.ts";
import type { OptionValues } from "./args.ts";
import { openUsageStore } from "./usage_store.ts";

/** The account a run asks for: `--account`, else `PI_ACCOUNT`, else undefined (the default). */
export function requestedAccount(
  options: OptionValues,
  env: Deps["env"],
): string | undefined {
  const flag = options.account;
  if (typeof flag === "string") return flag.trim();
  const fromEnv = env("PI_ACCOUNT")?.trim();
  return fromEnv ? fromEnv : undefined;
}

/** Whether `--rotate-accounts` or `PI_ROTATE_ACCOUNTS=1` (or `true`) is given. */
export function wantsRotation(options: OptionValues, env: Deps["env"]): boolean {
  if (options["rotate-accounts"] === true) return true;
  const value = env("PI_ROTATE_ACCOUNTS")?.trim().toLowerCase();
  return value === "1" || value === "true";
}

/**
 * Applies the account options to `storage`. An unknown account is a usage error (exit 2)
 * that lists the known ones.
 */
export function applyAccountOptions(
  storage: AuthStorage,
  options: OptionValues,
  deps: Deps,
): void {
  // usage.json is read when a rotation asks (snapshots other processes recorded count), not
  // at every start: most runs never rotate.
  storage.setUsageSource((entry) => openUsageStore(deps).latest(entry));
  const account = requestedAccount(options, deps.env);
  if (account !== undefined) storage.useAccount(account);
  storage.setAccountRotation(wantsRotation(options, deps.env));
}
