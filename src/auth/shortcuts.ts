/**
 * One-call shortcuts over the default credential store (`<agent dir>/auth.json`), for
 * scripts that need a key or a login and nothing else.
 * @module
 */

import type { Deps } from "../deps.ts";
import { AuthStorage } from "./auth_storage.ts";
import type { OpenAICodexLoginOptions } from "./openai_codex_login.ts";
import type { LoginCallbacks, LoginOptions, OAuthCredential } from "./types.ts";

/**
 * Logs in to an OAuth provider and saves the credential in the default auth.json
 * (`$PI_CODING_AGENT_DIR/auth.json`, default `~/.pi/agent/auth.json`). Same as
 * `new AuthStorage().login(provider, callbacks, options)`.
 *
 * @example
 * ```ts ignore
 * import { login } from "./shortcuts.ts";
 * await login("openai-codex", {
 *   onAuth: ({ url }) => console.log(`Open ${url}`),
 *   onPrompt: ({ message }) => Promise.resolve(prompt(message) ?? ""),
 * });
 * ```
 */
export function login(
  provider: string,
  callbacks: LoginCallbacks,
  options?: LoginOptions,
): Promise<OAuthCredential> {
  return new AuthStorage().login(provider, callbacks, options);
}

/**
 * The key for a provider from the default auth.json, following the resolution chain
 * (stored OAuth credential, refreshed under the lock when due → stored API key →
 * environment variable); undefined when there is none. Same as
 * `new AuthStorage().getApiKey(provider)`.
 *
 * @example
 * ```ts ignore
 * import { getApiKey } from "./shortcuts.ts";
 * const key = await getApiKey("openai-codex");
 * if (key === undefined) console.log("run pi login openai-codex");
 * ```
 */
export function getApiKey(provider: string): Promise<string | undefined> {
  return new AuthStorage().getApiKey(provider);
}

/**
 * Runs the openai-codex login and returns the credential, without saving it: the
 * browser flow (callback server on 1455/1457 racing a manual paste), or with
 * `device: true` the device-code flow. The login code (callback server, device flow)
 * is loaded on the first call, so importing the library does not load it.
 *
 * @example
 * ```ts ignore
 * import { createDeps } from "../deps.ts";
 * import { loginOpenAICodex } from "./shortcuts.ts";
 * const credential = await loginOpenAICodex({
 *   onAuth: ({ url }) => console.log(`Open ${url}`),
 *   onPrompt: async ({ message }) => prompt(message) ?? "",
 * }, createDeps());
 * console.log(credential.accountId);
 * ```
 */
export async function loginOpenAICodex(
  callbacks: LoginCallbacks,
  deps: Deps,
  options: OpenAICodexLoginOptions = {},
): Promise<OAuthCredential> {
  const flows = await import("./openai_codex_login.ts");
  return await flows.loginOpenAICodex(callbacks, deps, options);
}
