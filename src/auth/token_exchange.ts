/**
 * The authorization-code grant (RFC 6749 §4.1.3 with PKCE): a pure request builder and
 * a validating response processor, after panva/oauth4webapi. The token never appears in
 * an error; server text is redacted.
 * @module
 */

import { PiError } from "../errors.ts";
import { redact } from "../redact.ts";

/** What the code exchange sends. */
export interface CodeExchangeParams {
  /** The full token endpoint, e.g. `https://auth.openai.com/oauth/token`. */
  tokenEndpoint: string;
  /** The authorization code. */
  code: string;
  /** The redirect URI used in the authorize request (or the device callback). */
  redirectUri: string;
  /** OAuth client id. */
  clientId: string;
  /** The PKCE verifier. */
  codeVerifier: string;
}

/**
 * The token request: form POST with `grant_type=authorization_code`, `code`,
 * `redirect_uri`, `client_id`, `code_verifier`.
 *
 * @example
 * ```ts
 * import { buildCodeExchangeRequest } from "./token_exchange.ts";
 * const request = buildCodeExchangeRequest({
 *   tokenEndpoint: "https://auth.example.com/oauth/token",
 *   code: "abc",
 *   redirectUri: "http://localhost:1455/auth/callback",
 *   clientId: "my-client",
 *   codeVerifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
 * });
 * console.log(request.method, new URLSearchParams(await request.text()).get("grant_type"));
 * // POST authorization_code
 * ```
 */
export function buildCodeExchangeRequest(params: CodeExchangeParams): Request {
  const body = new URLSearchParams({
    grant_type: "authorization_code",
    code: params.code,
    redirect_uri: params.redirectUri,
    client_id: params.clientId,
    code_verifier: params.codeVerifier,
  });
  return new Request(params.tokenEndpoint, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "accept": "application/json",
    },
    body,
  });
}

/** A successful token response (fields pi reads; the rest are kept). */
export interface TokenResponse {
  /** The access token. */
  access_token: string;
  /** The refresh token. */
  refresh_token: string;
  /** Lifetime of the access token in seconds, if given. */
  expires_in?: number;
  /** The id token, if given. */
  id_token?: string;
  /** Anything else the server sent. */
  [field: string]: unknown;
}

function serverReason(body: string): string {
  try {
    const json = JSON.parse(body);
    if (json && typeof json === "object") {
      const error = typeof json.error === "string"
        ? json.error
        : typeof json.error?.message === "string"
        ? json.error.message
        : undefined;
      const description = typeof json.error_description === "string"
        ? json.error_description
        : undefined;
      const parts = [error, description].filter((p) => p !== undefined);
      if (parts.length > 0) return redact(parts.join(": ")).slice(0, 200);
    }
  } catch {
    // not JSON
  }
  return "";
}

/**
 * Validates a token response: 2xx, JSON, with `access_token` and `refresh_token`
 * strings. Throws `PiError("auth.login_failed")` naming the HTTP status and the
 * server's `error` (redacted) otherwise.
 *
 * @example
 * ```ts
 * import { processTokenResponse } from "./token_exchange.ts";
 * const tokens = await processTokenResponse(
 *   Response.json({ access_token: "a", refresh_token: "r", expires_in: 3600 }),
 * );
 * console.log(tokens.expires_in); // 3600
 * ```
 */
export async function processTokenResponse(response: Response): Promise<TokenResponse> {
  const text = await response.text();
  if (!response.ok) {
    const reason = serverReason(text);
    throw new PiError(
      "auth.login_failed",
      `Token exchange failed: HTTP ${response.status}${reason ? ` (${reason})` : ""}`,
      { hint: "run pi login again" },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new PiError("auth.login_failed", "Token exchange failed: the reply is not JSON", {
      hint: "check PI_OPENAI_CODEX_ISSUER, then run pi login again",
    });
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new PiError("auth.login_failed", "Token exchange failed: the reply is not an object");
  }
  const tokens = json as Record<string, unknown>;
  if (typeof tokens.access_token !== "string" || tokens.access_token === "") {
    throw new PiError("auth.login_failed", "Token exchange failed: no access_token in the reply");
  }
  if (typeof tokens.refresh_token !== "string" || tokens.refresh_token === "") {
    throw new PiError("auth.login_failed", "Token exchange failed: no refresh_token in the reply", {
      hint: "the offline_access scope may have been refused; run pi login again",
    });
  }
  if (tokens.expires_in !== undefined && typeof tokens.expires_in !== "number") {
    const n = Number(tokens.expires_in);
    if (Number.isFinite(n)) tokens.expires_in = n;
    else delete tokens.expires_in;
  }
  return tokens as TokenResponse;
}

/** Sends the code exchange and validates the reply. Network failures are `auth.login_failed`. */
export async function exchangeCode(
  params: CodeExchangeParams,
  options: { fetch: typeof fetch; signal?: AbortSignal },
): Promise<TokenResponse> {
  const { fetch: fetchFn, signal } = options;
  let response: Response;
  try {
    response = await fetchFn(buildCodeExchangeRequest(params), { signal });
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    throw new PiError(
      "auth.login_failed",
      `Token exchange failed: cannot reach ${new URL(params.tokenEndpoint).origin}`,
      { hint: "check the network (HTTPS_PROXY) and run pi login again", cause: err },
    );
  }
  return await processTokenResponse(response);
}
