/**
 * `pi logout [provider] [--all] [--account <name>]`: `AuthStorage.logout` removes the local
 * entry (`--account`: that ChatGPT account's; `openai-codex --all`: every account's), then revokes
 * the removed OAuth token at the issuer (best effort, 5 s): a file that cannot be written
 * fails before anything is revoked. Other entries (other providers', other tools') stay.
 * @module
 */

import type { Deps } from "../../deps.ts";
import { PiError } from "../../errors.ts";
import { type AuthStorage, PROVIDER_ENV_KEYS } from "../../auth/auth_storage.ts";
import {
  ACCOUNT_PROVIDER,
  accountEntry,
  accountOfEntry,
  checkAccountName,
  DEFAULT_ACCOUNT,
  providerOfEntry,
  unknownAccountError,
} from "../../auth/accounts.ts";
import { openAuthStorage } from "../open_auth.ts";
import { getOAuthProvider } from "../../auth/oauth_providers.ts";
import type { ParsedArgs } from "../args.ts";
import { knownProviders } from "./login.ts";

/** How an entry is named to the user: the provider's name, and the account when not default. */
function labelOf(entry: string): string {
  const account = accountOfEntry(entry);
  const name = getOAuthProvider(providerOfEntry(entry))?.name ?? entry;
  return account === undefined || account === DEFAULT_ACCOUNT
    ? name
    : `${name} (account ${account})`;
}

async function chooseTargets(
  args: ParsedArgs,
  deps: Deps,
  storage: AuthStorage,
  signal: AbortSignal,
): Promise<string[]> {
  const stored = storage.list();
  if (args.positionals.length > 1) {
    throw new PiError("usage", `Too many arguments: ${args.positionals.join(" ")}`, {
      hint: "pi logout [provider] [--all] [--account <name>]",
    });
  }
  let named = args.positionals[0];
  const accountOption = args.options.account;
  const account = typeof accountOption === "string" ? accountOption.trim() : undefined;
  if (account !== undefined) {
    if (named !== undefined && named !== ACCOUNT_PROVIDER) {
      throw new PiError("usage", `--account is for ${ACCOUNT_PROVIDER} only, not ${named}`, {
        hint: `pi logout ${ACCOUNT_PROVIDER} --account ${account}`,
      });
    }
    if (args.options.all) {
      throw new PiError("usage", "Give --account or --all, not both", {
        hint: "see pi logout --help",
      });
    }
    named = ACCOUNT_PROVIDER;
  }
  if (args.options.all) {
    // `pi logout openai-codex --all`: every ChatGPT account; `pi logout --all`: everything.
    if (named === ACCOUNT_PROVIDER) return storage.accounts().map((a) => a.entry);
    if (named !== undefined) {
      throw new PiError("usage", "Give a provider or --all, not both", {
        hint: "see pi logout --help",
      });
    }
    return stored;
  }
  if (named !== undefined) {
    const known = knownProviders(stored);
    if (!known.includes(named)) {
      throw new PiError(
        "auth.unknown_provider",
        `Unknown provider: ${named} (known: ${known.join(", ")})`,
        {
          hint: "see pi auth status",
        },
      );
    }
    if (account !== undefined && account !== DEFAULT_ACCOUNT) {
      checkAccountName(account);
      const accounts = storage.accounts();
      if (!accounts.some((a) => a.name === account)) {
        throw unknownAccountError(account, accounts.map((a) => a.name));
      }
      return [accountEntry(account)];
    }
    return [named];
  }
  if (stored.length <= 1) return stored;
  if (!deps.stdin.isTerminal()) {
    throw new PiError("usage", `Several providers have saved credentials (${stored.join(", ")})`, {
      hint: "name one (pi logout openai-codex) or use --all",
    });
  }
  const { promptSelect } = await import("../prompts.ts");
  const id = await promptSelect({
    message: "Log out of",
    choices: stored.map((p) => ({ value: p, name: labelOf(p) })),
    signal,
  });
  return [id];
}

/** Runs `pi logout`; returns the exit code. */
export async function runLogout(
  args: ParsedArgs,
  deps: Deps,
  signal: AbortSignal,
): Promise<number> {
  const storage = openAuthStorage(deps);
  const targets = await chooseTargets(args, deps, storage, signal);
  if (targets.length === 0) {
    deps.stdout.write("Not logged in: no saved credentials\n");
    return 0;
  }
  for (const id of targets) {
    const entry = storage.get(id);
    if (entry === undefined) {
      deps.stdout.write(`Not logged in to ${id}: nothing to remove\n`);
    } else {
      const provider = getOAuthProvider(providerOfEntry(id));
      if (entry.type === "oauth" && provider?.revoke) {
        deps.stderr.write(`Revoking the ${id} token…\n`);
      }
      const result = await storage.logout(id, { signal });
      const revocation = result.revocation === "revoked"
        ? " (token revoked)"
        : result.revocation === "failed"
        ? `; revoking the token failed (${result.revokeError}), the local credential was removed anyway`
        : "";
      deps.stdout.write(`Logged out of ${labelOf(id)}${revocation}\n`);
    }
    const envName = PROVIDER_ENV_KEYS[id];
    if (envName && deps.env(envName)) {
      deps.stderr.write(
        `Note: ${envName} is still set, so ${id} still has a key from the environment\n`,
      );
    }
  }
  // Logging out of the default ChatGPT account leaves the others: say so.
  if (targets.includes(ACCOUNT_PROVIDER) && !args.options.all) {
    const left = storage.accounts().map((a) => a.name);
    if (left.length > 0) {
      deps.stderr.write(
        `Other ChatGPT accounts stay logged in: ${
          left.join(", ")
        } (pi logout ${ACCOUNT_PROVIDER} --all removes them)\n`,
      );
    }
  }
  return 0;
}
