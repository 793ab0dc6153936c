/**
 * Token revocation (RFC 7009) at `{issuer}/oauth/revoke`, used by logout: best effort,
 * with a 5-second limit. A pure request builder and one sender.
 * @module
 */

import type { Deps } from "../deps.ts";
import { PiError } from "../errors.ts";
import { codexIssuer, OPENAI_CODEX_CLIENT_ID } from "./openai_codex.ts";
import type { OAuthCredential } from "./types.ts";
import { trimTrailingSlashes } from "../atomic_file.ts";

/** How long logout waits for the issuer. */
export const REVOKE_TIMEOUT_MS = 5000;

/**
 * The revocation request: form POST `token`, `token_type_hint`, `client_id`.
 *
 * @example
 * ```ts
 * import { buildRevokeRequest } from "./revoke.ts";
 * const r = buildRevokeRequest("https://auth.example.com/oauth/revoke", {
 *   token: "rt-example",
 *   tokenTypeHint: "refresh_token",
 *   clientId: "my-client",
 * });
 * console.log(r.method); // "POST"
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
  /** Cancels the request. */
  signal?: AbortSignal;
  /** Issuer base URL (default `$PI_OPENAI_CODEX_ISSUER` or auth.openai.com). */
  issuer?: string;
  /** OAuth client id (default the Codex CLI's). */
  clientId?: string;
  /** Path below the issuer (default `/oauth/revoke`). */
  path?: string;
  /** Time limit (default 5 s). */
  timeoutMs?: number;
}

/**
 * Revokes the refresh token of an openai-codex credential (which ends its grant).
 * Throws `PiError("auth.revoke_failed")` when the issuer refuses, is unreachable, or
 * does not answer within 5 s; the message never holds the token.
 */
export async function revokeOpenAICodex(
  credential: OAuthCredential,
  deps: Pick<Deps, "fetch" | "env">,
  options: RevokeOptions = {},
): Promise<void> {
  const signal = options.signal;
  const issuer = trimTrailingSlashes(options.issuer ?? codexIssuer(deps));
  const endpoint = issuer + (options.path ?? "/oauth/revoke");
  const timeout = AbortSignal.timeout(options.timeoutMs ?? REVOKE_TIMEOUT_MS);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  let response: Response;
  try {
    response = await deps.fetch(
      buildRevokeRequest(endpoint, {
        token: credential.refresh,
        tokenTypeHint: "refresh_token",
        clientId: options.clientId ?? OPENAI_CODEX_CLIENT_ID,
      }),
      { signal: combined },
    );
  } catch (err) {
    const timedOut = timeout.aborted;
    throw new PiError(
      "auth.revoke_failed",
      timedOut
        ? `${new URL(endpoint).host} did not answer the revocation within ${
          (options.timeoutMs ?? REVOKE_TIMEOUT_MS) / 1000
        } s`
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
