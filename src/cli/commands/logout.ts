/**
 * `pi logout [provider] [--all]`: `AuthStorage.logout` removes the local entry, then revokes
 * the removed OAuth token at the issuer (best effort, 5 s): a file that cannot be written
 * fails before anything is revoked. Other entries (other providers', other tools') stay.
 * @module
 */

import type { Deps } from "../../deps.ts";
import { PiError } from "../../errors.ts";
import { PROVIDER_ENV_KEYS } from "../../auth/auth_storage.ts";
import { openAuthStorage } from "../open_auth.ts";
import { getOAuthProvider, listOAuthProviders } from "../../auth/oauth_providers.ts";
import type { ParsedArgs } from "../args.ts";

function knownProviders(stored: readonly string[]): string[] {
  return [
    ...new Set([
      ...listOAuthProviders().map((p) => p.id),
      ...Object.keys(PROVIDER_ENV_KEYS),
      ...stored,
    ]),
  ];
}

async function chooseTargets(
  args: ParsedArgs,
  deps: Deps,
  stored: string[],
  signal: AbortSignal,
): Promise<string[]> {
  if (args.positionals.length > 1) {
    throw new PiError("usage", `Too many arguments: ${args.positionals.join(" ")}`, {
      hint: "pi logout [provider] [--all]",
    });
  }
  const named = args.positionals[0];
  if (args.options.all) {
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
    choices: stored.map((p) => ({ value: p, name: getOAuthProvider(p)?.name ?? p })),
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
  const stored = storage.list();
  const targets = await chooseTargets(args, deps, stored, signal);
  if (targets.length === 0) {
    deps.stdout.write("Not logged in: no saved credentials\n");
    return 0;
  }
  for (const id of targets) {
    const entry = storage.get(id);
    if (entry === undefined) {
      deps.stdout.write(`Not logged in to ${id}: nothing to remove\n`);
    } else {
      const provider = getOAuthProvider(id);
      if (entry.type === "oauth" && provider?.revoke) {
        deps.stderr.write(`Revoking the ${id} token…\n`);
      }
      const result = await storage.logout(id, { signal });
      const revocation = result.revocation === "revoked"
        ? " (token revoked)"
        : result.revocation === "failed"
        ? `; revoking the token failed (${result.revokeError}), the local credential was removed anyway`
        : "";
      deps.stdout.write(`Logged out of ${provider?.name ?? id}${revocation}\n`);
    }
    const envName = PROVIDER_ENV_KEYS[id];
    if (envName && deps.env(envName)) {
      deps.stderr.write(
        `Note: ${envName} is still set, so ${id} still has a key from the environment\n`,
      );
    }
  }
  return 0;
}
