/**
 * Token revocation (RFC 7009) at `{issuer}/oauth/revoke`, used by logout: best effort,
 * within the time limit the caller's signal sets (AuthStorage.logout: 5 s). A pure
 * request builder and one sender.
 * @module
 */

import type { Deps } from "../deps.ts";
import { PiError } from "../errors.ts";
import { codexIssuer, OPENAI_CODEX_CLIENT_ID } from "./openai_codex.ts";
import type { OAuthCredential } from "./types.ts";
import { trimTrailingSlashes } from "../atomic_file.ts";

/**
 * The revocation request: form POST `token`, `token_type_hint`, `client_id`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildRevokeRequest } from "./revoke.ts";
 * const r = buildRevokeRequest("https://auth.example.com/oauth/revoke", {
 *   token: "rt-example",
 *   tokenTypeHint: "refresh_token",
 *   clientId: "my-client",
 * });
 * assert.equal(r.method, "POST");
 * ```
 */
export function buildRevokeRequest(
  endpoint: string,
  params: { token: string; tokenTypeHint: "refresh_token" | "access_token"; clientId: string },
): Request {
  return new Request(endpoint, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", "accept": "application/json" },
    body: new URLSearchParams({
      token: params.token,
      token_type_hint: params.tokenTypeHint,
      client_id: params.clientId,
    }),
  });
}

/** Options of {@link revokeOpenAICodex}. */
export interface RevokeOptions {
  /** Cancels the request; its time limit (an `AbortSignal.timeout`) is the revocation's. */
  signal?: AbortSignal;
  /** Issuer base URL (default `$PI_OPENAI_CODEX_ISSUER` or auth.openai.com). */
  issuer?: string;
  /** OAuth client id (default the Codex CLI's). */
  clientId?: string;
  /** Path below the issuer (default `/oauth/revoke`). */
  path?: string;
}

/**
 * Revokes the refresh token of an openai-codex credential (which ends its grant).
 * Throws `PiError("auth.revoke_failed")` when the issuer refuses, is unreachable, or
 * does not answer before the signal's time limit; the message never holds the token.
 */
export async function revokeOpenAICodex(
  credential: OAuthCredential,
  deps: Pick<Deps, "fetch" | "env">,
  options: RevokeOptions = {},
): Promise<void> {
  const signal = options.signal;
  const issuer = trimTrailingSlashes(options.issuer ?? codexIssuer(deps));
  const endpoint = issuer + (options.path ?? "/oauth/revoke");
  let response: Response;
  try {
    response = await deps.fetch(
      buildRevokeRequest(endpoint, {
        token: credential.refresh,
        tokenTypeHint: "refresh_token",
        clientId: options.clientId ?? OPENAI_CODEX_CLIENT_ID,
      }),
      { signal },
    );
  } catch (err) {
    const timedOut = (signal?.reason as Error | undefined)?.name === "TimeoutError";
    throw new PiError(
      "auth.revoke_failed",
      timedOut
        ? `${new URL(endpoint).host} did not answer the revocation in time`
        : `could not reach ${new URL(endpoint).host} to revoke the token`,
      { cause: err },
    );
  }
  await response.body?.cancel();
  if (!response.ok) {
    throw new PiError(
      "auth.revoke_failed",
      `the issuer refused the revocation: HTTP ${response.status}`,
    );
  }
}
