/**
 * The `openai-codex` OAuth provider: ChatGPT Plus/Pro (Codex Subscription).
 * Token requests live here; the interactive login flows live in openai_codex_login.ts,
 * loaded only when a login runs.
 * @module
 */

import type { Deps } from "../deps.ts";
import { PiError } from "../errors.ts";
import type { LoginCallbacks, LoginOptions, OAuthCredential, OAuthProvider } from "./types.ts";

/** The OAuth client id of the Codex CLI, which pi uses too. */
export const OPENAI_CODEX_CLIENT_ID = "app_EMoamEEZ73f0CkXaXp7hrann";
/** The default issuer. */
export const OPENAI_CODEX_DEFAULT_ISSUER = "https://auth.openai.com";
/** The scopes pi asks for. */
export const OPENAI_CODEX_SCOPE = "openid profile email offline_access";

/** The issuer base URL: `$PI_OPENAI_CODEX_ISSUER` or auth.openai.com, without a trailing slash. */
export function codexIssuer(deps: Pick<Deps, "env">): string {
  return (deps.env("PI_OPENAI_CODEX_ISSUER") || OPENAI_CODEX_DEFAULT_ISSUER).replace(/\/+$/, "");
}

/** The `openai-codex` provider. */
export const openaiCodexProvider: OAuthProvider = {
  id: "openai-codex",
  name: "ChatGPT Plus/Pro (Codex Subscription)",
  async login(
    callbacks: LoginCallbacks,
    deps: Deps,
    options?: LoginOptions,
  ): Promise<OAuthCredential> {
    const { loginOpenAICodex } = await import("./openai_codex_login.ts");
    return await loginOpenAICodex(callbacks, deps, options);
  },
  refresh(_credential: OAuthCredential, _deps: Deps): Promise<OAuthCredential> {
    return Promise.reject(new PiError("not_implemented", "OAuth refresh is not implemented yet"));
  },
  getApiKey(credential: OAuthCredential): string {
    return credential.access;
  },
};
