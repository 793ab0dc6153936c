/**
 * `pi login [provider] [--device] [--no-browser] [--from-codex]`: runs an OAuth login
 * and saves the credential. Progress goes to stderr; the result line to stdout.
 * @module
 */

import type { Deps } from "../../deps.ts";
import { PiError } from "../../errors.ts";
import { openAuthStorage } from "../open_auth.ts";
import { oneLine } from "../../one_line.ts";
import { getJwtClaims } from "../../auth/jwt.ts";
import { getOAuthProvider, listOAuthProviders } from "../../auth/oauth_providers.ts";
import type { LoginCallbacks, OAuthCredential, OAuthProvider } from "../../auth/types.ts";
import type { ParsedArgs } from "../args.ts";

/**
 * Who a credential belongs to: `ada@example.com (plan pro)`, as far as the token says; one
 * line without escape sequences, whatever the token holds.
 */
export function describeAccount(credential: OAuthCredential): string {
  let claims: { email?: string; planType?: string; accountId?: string } = {};
  try {
    claims = getJwtClaims(credential.access);
  } catch {
    // An opaque access token: only the stored account id is known.
  }
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

/** The provider a login is for; unknown names are a usage error listing the known ones. */
export function resolveLoginProvider(id: string): OAuthProvider {
  const provider = getOAuthProvider(id);
  if (!provider) {
    const known = listOAuthProviders().map((p) => p.id).join(", ");
    throw new PiError("auth.unknown_provider", `Unknown OAuth provider: ${id} (known: ${known})`, {
      hint: "see pi login --help",
    });
  }
  return provider;
}

async function chooseProvider(
  args: ParsedArgs,
  deps: Deps,
  signal: AbortSignal,
): Promise<OAuthProvider> {
  if (args.positionals.length > 1) {
    throw new PiError("usage", `Too many arguments: ${args.positionals.join(" ")}`, {
      hint: "pi login [provider]; see pi login --help",
    });
  }
  const named = args.positionals[0];
  if (named !== undefined) return resolveLoginProvider(named);
  const providers = listOAuthProviders();
  if (!deps.stdin.isTerminal() || args.options["from-codex"]) {
    return resolveLoginProvider("openai-codex");
  }
  const { promptSelect } = await import("../prompts.ts");
  const id = await promptSelect({
    message: "Log in to",
    choices: providers.map((p) => ({ value: p.id, name: `${p.name} (${p.id})` })),
    signal,
  });
  return resolveLoginProvider(id);
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
      err.write(`${oneLine(message)}\n`);
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

/** Runs `pi login`; returns the exit code. */
export async function runLogin(args: ParsedArgs, deps: Deps, signal: AbortSignal): Promise<number> {
  const provider = await chooseProvider(args, deps, signal);
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
    await storage.set(provider.id, credential);
    deps.stderr.write(
      `Imported the Codex CLI login from ${path}.\n` +
        "pi and Codex now share one refresh token: when one of them refreshes it, the other " +
        "must log in again (pi login openai-codex).\n",
    );
    deps.stdout.write(`Logged in to ${provider.name} as ${describeAccount(credential)}\n`);
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
  const credential = await storage.login(provider.id, callbacks, { device, noBrowser });
  deps.stdout.write(`Logged in to ${provider.name} as ${describeAccount(credential)}\n`);
  deps.stderr.write(`Saved to ${storage.path}\n`);
  return 0;
}
