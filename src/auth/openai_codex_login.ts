/**
 * The interactive login flows of openai-codex: browser + PKCE with the local callback
 * server, manual paste, and device code.
 * @module
 */

import type { Deps } from "../deps.ts";
import { PiError } from "../errors.ts";
import type { LoginCallbacks, LoginOptions, OAuthCredential } from "./types.ts";

/** Runs the openai-codex login and returns the credential to store. */
export function loginOpenAICodex(
  _callbacks: LoginCallbacks,
  _deps: Deps,
  _options?: LoginOptions,
): Promise<OAuthCredential> {
  return Promise.reject(new PiError("not_implemented", "Login is not implemented yet"));
}
