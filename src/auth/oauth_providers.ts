/**
 * The registry of OAuth providers. Adding a provider is one file plus one line here.
 * @module
 */

import { openaiCodexProvider } from "./openai_codex.ts";
import type { OAuthProvider } from "./types.ts";

const providers = new Map<string, OAuthProvider>([[openaiCodexProvider.id, openaiCodexProvider]]);

/** The OAuth provider with this id, or undefined. */
export function getOAuthProvider(id: string): OAuthProvider | undefined {
  return providers.get(id);
}

/** All OAuth providers, in menu order ("ChatGPT Plus/Pro (Codex Subscription)" first). */
export function listOAuthProviders(): OAuthProvider[] {
  return [...providers.values()];
}

/** Adds (or replaces) an OAuth provider, e.g. for tests or plugins. */
export function registerOAuthProvider(provider: OAuthProvider): void {
  providers.set(provider.id, provider);
}
