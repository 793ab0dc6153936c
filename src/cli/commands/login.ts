/**
 * `pi login [provider] [--device] [--no-browser] [--from-codex] [--account <name>]`: runs an
 * OAuth login (or imports Codex CLI's) and saves the credential, as the `default` ChatGPT
 * account or the named one; `pi login anthropic|openai` saves an API key (hidden input in a
 * terminal, else stdin). With no provider in a terminal, a menu offers every provider.
 * Progress goes to stderr; the result line to stdout.
 * @module
 */

import type { Deps } from "../../deps.ts";
import { PiError } from "../../errors.ts";
import { openAuthStorage } from "../open_auth.ts";
import { oneLine } from "../../one_line.ts";
import { tryJwtClaims } from "../../auth/jwt.ts";
import { getOAuthProvider, listOAuthProviders } from "../../auth/oauth_providers.ts";
import type { LoginCallbacks, OAuthCredential, OAuthProvider } from "../../auth/types.ts";
import type { ParsedArgs } from "../args.ts";
import { PROVIDER_ENV_KEYS } from "../../auth/auth_storage.ts";
import { accountFlag, accountOfEntry, DEFAULT_ACCOUNT, loginEntry } from "../../auth/accounts.ts";

/**
 * Who a credential belongs to: `ada@example.com (plan pro)`, as far as the token says; one
 * line without escape sequences, whatever the token holds.
 */
export function describeAccount(credential: OAuthCredential): string {
  // An opaque access token has no claims: only the stored account id is known.
  const claims = tryJwtClaims(credential.access);
  const who = claims.email ??
    (credential.accountId ?? claims.accountId
      ? `account ${credential.accountId ?? claims.accountId}`
      : "an unknown account");
  // Claims come from the issuer: one line, no escape sequences.
  return oneLine(claims.planType ? `${who} (plan ${claims.planType})` : who);
}

/**
 * Whether this looks like a machine where no browser can open: an SSH session, or a
 * Unix without a display, and no `$BROWSER`.
 */
export function looksHeadless(env: (name: string) => string | undefined, os: string): boolean {
  if (env("BROWSER")) return false;
  if (env("SSH_CONNECTION") || env("SSH_TTY")) return true;
  if (os === "darwin" || os === "windows" || env("WSL_DISTRO_NAME")) return false;
  return !env("DISPLAY") && !env("WAYLAND_DISPLAY");
}

/** Providers whose login is an API key, with their display names (CONTRACT.md order). */
export const API_KEY_PROVIDERS: Readonly<Record<string, string>> = {
  anthropic: "Anthropic API",
  openai: "OpenAI API",
};

/**
 * The providers `pi status` lists and `pi logout` asks about: the OAuth ones, those with a key
 * variable, and any other stored entry (`stored`, auth.json's; ChatGPT account entries are
 * their provider's).
 */
export function knownProviders(stored: readonly string[]): string[] {
  return [
    ...new Set([
      ...listOAuthProviders().map((p) => p.id),
      ...Object.keys(PROVIDER_ENV_KEYS),
      ...stored.filter((entry) => accountOfEntry(entry) === undefined),
    ]),
  ];
}

/** What `pi login <provider>` logs in to: an OAuth provider, or an API key to store. */
export type LoginTarget =
  | { kind: "oauth"; provider: OAuthProvider }
  | { kind: "api_key"; id: string; name: string };

/** Every provider `pi login` knows: OAuth ones first (the subscription), then API keys. */
export function loginProviderIds(): string[] {
  return [...listOAuthProviders().map((p) => p.id), ...Object.keys(API_KEY_PROVIDERS)];
}

/** What a login is for; unknown names are a usage error (exit 2) listing the known ones. */
export function resolveLoginTarget(id: string): LoginTarget {
  const provider = getOAuthProvider(id);
  if (provider) return { kind: "oauth", provider };
  const name = API_KEY_PROVIDERS[id];
  if (name !== undefined) return { kind: "api_key", id, name };
  throw new PiError(
    "auth.unknown_provider",
    `Unknown provider: ${id} (known: ${loginProviderIds().join(", ")})`,
    { hint: "see pi login --help" },
  );
}

/** The OAuth provider a login is for; any other name is a usage error listing the known ones. */
export function resolveLoginProvider(id: string): OAuthProvider {
  const target = resolveLoginTarget(id);
  if (target.kind === "oauth") return target.provider;
  throw new PiError("usage", `${id} has no browser login: it takes an API key`, {
    hint: `pi login ${id}`,
  });
}

/** The OAuth-only options given, as `--flag` words. */
function oauthOnlyOptions(args: ParsedArgs): string[] {
  return ["device", "no-browser", "from-codex", "account"]
    .filter((name) => args.options[name] !== undefined)
    .map((name) => `--${name}`);
}

async function chooseTarget(
  args: ParsedArgs,
  deps: Deps,
  signal: AbortSignal,
): Promise<LoginTarget> {
  if (args.positionals.length > 1) {
    throw new PiError("usage", `Too many arguments: ${args.positionals.join(" ")}`, {
      hint: "pi login [provider]; see pi login --help",
    });
  }
  const named = args.positionals[0];
  if (named !== undefined) return resolveLoginTarget(named);
  if (!deps.stdin.isTerminal() || oauthOnlyOptions(args).length > 0) {
    return resolveLoginTarget("openai-codex");
  }
  const { promptSelect } = await import("../prompts.ts");
  const id = await promptSelect({
    message: "Log in to",
    choices: [
      ...listOAuthProviders().map((p) => ({ value: p.id, name: `${p.name} (${p.id})` })),
      ...Object.entries(API_KEY_PROVIDERS).map(([value, name]) => ({
        value,
        name: `${name}: save an API key (${value})`,
      })),
    ],
    signal,
  });
  return resolveLoginTarget(id);
}

/**
 * `pi login anthropic|openai`: the key is asked with hidden input in a terminal, else read
 * from stdin (all of it, trimmed). An empty key, or one with spaces or line breaks inside,
 * is an error that writes nothing. The key is never printed.
 */
async function loginWithApiKey(
  target: { id: string; name: string },
  args: ParsedArgs,
  deps: Deps,
  signal: AbortSignal,
): Promise<number> {
  const extra = oauthOnlyOptions(args);
  if (extra.length > 0) {
    throw new PiError("usage", `${extra.join(", ")}: only for pi login openai-codex`, {
      hint: `pi login ${target.id} asks for an API key`,
    });
  }
  let key: string;
  if (deps.stdin.isTerminal()) {
    const { promptSecret } = await import("../prompts.ts");
    key = await promptSecret({ message: `Paste your ${target.name} key (hidden)`, signal });
  } else {
    const { readAllText } = await import("../run.ts");
    key = (await readAllText(deps.stdin.readable)).trim();
  }
  if (key === "") {
    throw new PiError("auth.login_failed", `No API key given for ${target.id}: nothing was saved`, {
      hint: deps.stdin.isTerminal()
        ? `run pi login ${target.id} again and paste the key`
        : `pipe the key into pi login ${target.id} (e.g. pi login ${target.id} < key.txt)`,
    });
  }
  if (/\s/.test(key)) {
    throw new PiError(
      "auth.login_failed",
      `The ${target.id} key has spaces or line breaks in it: nothing was saved`,
      { hint: `give the key alone, on one line` },
    );
  }
  const storage = openAuthStorage(deps);
  await storage.set(target.id, { type: "api_key", key });
  deps.stdout.write(`Saved the ${target.name} key for ${target.id}\n`);
  deps.stderr.write(`Saved to ${storage.path}\n`);
  const envName = PROVIDER_ENV_KEYS[target.id];
  if (envName && deps.env(envName)) {
    deps.stderr.write(`Note: the saved key is used before ${envName}, which is also set\n`);
  }
  return 0;
}

async function callbacksFor(
  deps: Deps,
  signal: AbortSignal,
  noBrowser: boolean,
): Promise<LoginCallbacks> {
  const err = deps.stderr;
  const terminal = deps.stdin.isTerminal();
  const prompts = await import("../prompts.ts");
  const lines = terminal ? undefined : new prompts.StdinLines(deps.stdin.readable);
  let asked = false;
  // Everything shown comes from the issuer or the flow (URLs, the device code, its error
  // texts): printed as one line each, without escape sequences. URLs stay on a line of
  // their own, never wrapped by pi (the terminal wraps them, so they stay clickable).
  return {
    signal,
    onAuth({ url, instructions }) {
      err.write(
        `\n${noBrowser ? "Open this URL in a browser" : "Opening the browser at"}:\n\n  ${
          oneLine(url)
        }\n\n`,
      );
      if (instructions) err.write(`${oneLine(instructions)}\n`);
    },
    onProgress(message) {
      if (!prompts.printAbovePrompt(oneLine(message))) err.write(`${oneLine(message)}\n`);
    },
    onDeviceCode({ userCode, verificationUrl }) {
      err.write(
        `\nOn any device, open\n\n  ${oneLine(verificationUrl)}\n\nand enter the code\n\n    ${
          oneLine(userCode)
        }\n\n` +
          "Waiting for you to finish (up to 15 minutes; Ctrl+C cancels)…\n",
      );
    },
    async onPrompt({ message, signal: promptSignal }) {
      const both = promptSignal ? AbortSignal.any([signal, promptSignal]) : signal;
      if (lines === undefined) {
        return await prompts.promptText({ message: oneLine(message), signal: both });
      }
      if (!asked) {
        err.write(`${oneLine(message)} (reading stdin):\n`);
        asked = true;
      }
      const line = await lines.nextNonEmpty(both);
      if (line === null) {
        throw new PiError(
          "auth.login_failed",
          "stdin ended without a redirect URL or code that logs in",
          {
            hint:
              "pipe the redirect URL into pi login, run it in a terminal, or use pi login --device",
          },
        );
      }
      return line;
    },
  };
}

/** ` (account work)` after a login saved as a named account. */
function accountSuffix(account: string | undefined): string {
  return account === undefined || account === DEFAULT_ACCOUNT ? "" : ` (account ${account})`;
}

/** Runs `pi login`; returns the exit code. */
export async function runLogin(args: ParsedArgs, deps: Deps, signal: AbortSignal): Promise<number> {
  const target = await chooseTarget(args, deps, signal);
  if (target.kind === "api_key") return await loginWithApiKey(target, args, deps, signal);
  const provider = target.provider;
  const accountOption = args.options.account;
  const account = typeof accountOption === "string" ? accountOption.trim() : undefined;
  loginEntry(provider.id, account); // --account is checked before the browser opens
  const storage = openAuthStorage(deps);
  if (args.options["from-codex"]) {
    if (provider.id !== "openai-codex") {
      throw new PiError(
        "usage",
        "--from-codex imports a ChatGPT login: it works with openai-codex only",
        {
          hint: "pi login openai-codex --from-codex",
        },
      );
    }
    const { importCodexAuth } = await import("../../auth/codex_import.ts");
    const { credential, path } = await importCodexAuth(deps);
    // Marked as Codex's: when Codex refreshes it later, a refused refresh offers the import.
    const saved = await storage.storeLogin(provider.id, credential, {
      account,
      source: "codex-cli",
    });
    deps.stderr.write(
      `Imported the Codex CLI login from ${path}.\n` +
        "pi and Codex now share one refresh token: when one of them refreshes it, the other " +
        `must log in again (pi login openai-codex${accountFlag(account ?? DEFAULT_ACCOUNT)}).\n`,
    );
    deps.stdout.write(
      `Logged in to ${provider.name} as ${describeAccount(saved)}${accountSuffix(account)}\n`,
    );
    return 0;
  }
  const noBrowser = args.options["no-browser"] === true;
  let device = args.options.device === true;
  if (
    !device && !noBrowser && deps.stdin.isTerminal() && looksHeadless(deps.env, Deno.build.os)
  ) {
    // No browser can open here: offer the device code (what works over SSH).
    const { promptSelect } = await import("../prompts.ts");
    device = await promptSelect({
      message: "No display here. How do you want to log in?",
      choices: [
        { value: "device", name: "With a code, in a browser on any other device (--device)" },
        { value: "browser", name: "Open a URL elsewhere, then paste the redirect URL here" },
      ],
      signal,
    }) === "device";
  }
  const callbacks = await callbacksFor(deps, signal, noBrowser);
  const credential = await storage.login(provider.id, callbacks, { device, noBrowser, account });
  deps.stdout.write(
    `Logged in to ${provider.name} as ${describeAccount(credential)}${accountSuffix(account)}\n`,
  );
  deps.stderr.write(`Saved to ${storage.path}\n`);
  return 0;
}
