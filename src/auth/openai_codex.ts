/**
 * The `openai-codex` OAuth provider: ChatGPT Plus/Pro (Codex Subscription).
 * Token requests live here; the interactive login flows live in openai_codex_login.ts,
 * loaded only when a login runs.
 * @module
 */

import { baseUrlFromEnv, type Deps } from "../deps.ts";
import { PiError, type PiErrorCode } from "../errors.ts";
import { getAccountId, getJwtExpiry } from "./jwt.ts";
import { ACCOUNT_PROVIDER, reloginHint } from "./accounts.ts";
import {
  buildTokenRequest,
  describeTokenEndpointError,
  readTokenEndpointError,
  TokenRefusal,
} from "./token_exchange.ts";
import type {
  LoginCallbacks,
  LoginOptions,
  OAuthCredential,
  OAuthProvider,
  OAuthRefreshOptions,
} from "./types.ts";

/** The OAuth client id of the Codex CLI, which pi uses too. */
export const OPENAI_CODEX_CLIENT_ID = "app_EMoamEEZ73f0CkXaXp7hrann";
/** The default issuer. */
export const OPENAI_CODEX_DEFAULT_ISSUER = "https://auth.openai.com";
/** The scopes pi asks for. */
export const OPENAI_CODEX_SCOPE = "openid profile email offline_access";

/**
 * The issuer base URL: `$PI_OPENAI_CODEX_ISSUER` or auth.openai.com, without a trailing
 * slash. A value that is not an http(s) URL is `PiError("config")` naming the variable.
 */
export function codexIssuer(deps: Pick<Deps, "env">): string {
  const fromEnv = deps.env("PI_OPENAI_CODEX_ISSUER");
  if (!fromEnv) return OPENAI_CODEX_DEFAULT_ISSUER;
  return baseUrlFromEnv(fromEnv, "PI_OPENAI_CODEX_ISSUER", OPENAI_CODEX_DEFAULT_ISSUER);
}

/** How long a token request may take before it counts as a network failure. */
export const TOKEN_REQUEST_TIMEOUT_MS = 20_000;

/** The token endpoint `{issuer}/oauth/token`. */
export function codexTokenUrl(deps: Pick<Deps, "env">): string {
  return `${codexIssuer(deps)}/oauth/token`;
}

/** The refresh request: `grant_type=refresh_token`, `refresh_token`, `client_id`. */
export function buildRefreshRequest(
  refreshToken: string,
  deps: Pick<Deps, "env">,
  options: { signal?: AbortSignal } = {},
): Request {
  return buildTokenRequest(
    codexTokenUrl(deps),
    { grant_type: "refresh_token", refresh_token: refreshToken, client_id: OPENAI_CODEX_CLIENT_ID },
    options,
  );
}

/** Options of {@link credentialFromTokenResponse}. */
export interface CredentialFromTokenOptions {
  /** The credential being refreshed: its refresh token, account id and unknown fields are kept when the reply lacks them. */
  previous?: OAuthCredential;
  /** The error code for a malformed reply (default `auth.login_failed`). */
  errorCode?: PiErrorCode;
}

function accountIdOf(token: unknown): string | undefined {
  if (typeof token !== "string") return undefined;
  try {
    return getAccountId(token);
  } catch {
    return undefined;
  }
}

function expiryOf(token: string): number | undefined {
  try {
    return getJwtExpiry(token);
  } catch {
    return undefined;
  }
}

/** When neither `expires_in` nor a JWT `exp` says otherwise, an access token is taken to last an hour. */
export const DEFAULT_TOKEN_LIFETIME_MS = 3_600_000;

/**
 * Turns a token-endpoint reply `{access_token, refresh_token, id_token?, expires_in?}`
 * into the credential stored in auth.json: `expires` = now + `expires_in` (else the JWT
 * `exp`), `accountId` = the `chatgpt_account_id` claim of the access token (else the id
 * token, else the previous credential). Throws a PiError (no token text) on a malformed reply.
 */
export function credentialFromTokenResponse(
  json: unknown,
  deps: Pick<Deps, "now">,
  options: CredentialFromTokenOptions = {},
): OAuthCredential {
  const code = options.errorCode ?? "auth.login_failed";
  const what = code === "auth.refresh_failed"
    ? "Failed to refresh OAuth token for openai-codex"
    : "Login failed";
  const hint = reloginHint(ACCOUNT_PROVIDER);
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new PiError(code, `${what}: the token endpoint did not answer with a JSON object`, {
      hint,
    });
  }
  const reply = json as Record<string, unknown>;
  const access = reply.access_token;
  if (typeof access !== "string" || access === "") {
    throw new PiError(code, `${what}: the token endpoint's answer has no access_token`, { hint });
  }
  const refresh = typeof reply.refresh_token === "string" && reply.refresh_token !== ""
    ? reply.refresh_token
    : options.previous?.refresh;
  if (refresh === undefined) {
    throw new PiError(code, `${what}: the token endpoint's answer has no refresh_token`, { hint });
  }
  const expiresIn = typeof reply.expires_in === "number"
    ? reply.expires_in
    : typeof reply.expires_in === "string" && /^\d+$/.test(reply.expires_in)
    ? Number(reply.expires_in)
    : undefined;
  const now = deps.now();
  const expires = expiresIn !== undefined && Number.isFinite(expiresIn)
    ? now + expiresIn * 1000
    : expiryOf(access) ?? now + DEFAULT_TOKEN_LIFETIME_MS;
  const accountId = accountIdOf(access) ?? accountIdOf(reply.id_token) ??
    options.previous?.accountId;
  const credential: OAuthCredential = {
    ...(options.previous ?? {}),
    type: "oauth",
    access,
    refresh,
    expires,
  };
  if (accountId !== undefined) credential.accountId = accountId;
  else delete credential.accountId;
  return credential;
}

/**
 * Refreshes an openai-codex credential at `{issuer}/oauth/token`. A refused refresh token
 * is `auth.refresh_failed` (with the server's error code, e.g. `refresh_token_reused`);
 * no answer, a timeout or a 5xx is `auth.refresh_network`.
 */
export async function refreshOpenAICodexToken(
  credential: OAuthCredential,
  deps: Pick<Deps, "env" | "fetch" | "now">,
  options: OAuthRefreshOptions = {},
): Promise<OAuthCredential> {
  const what = "Failed to refresh OAuth token for openai-codex";
  // AuthStorage passes the hint of the account refreshed (see reloginHint).
  const loginHint = options.reloginHint ?? reloginHint(ACCOUNT_PROVIDER);
  const request = buildRefreshRequest(credential.refresh, deps, {
    signal: AbortSignal.timeout(TOKEN_REQUEST_TIMEOUT_MS),
  });
  let response: Response;
  try {
    response = await deps.fetch(request);
  } catch (err) {
    const timedOut = err instanceof DOMException && err.name === "TimeoutError";
    const host = new URL(request.url).host;
    throw new PiError(
      "auth.refresh_network",
      timedOut
        ? `${what}: ${host} did not answer within ${TOKEN_REQUEST_TIMEOUT_MS / 1000} s`
        : `${what}: could not reach ${host}`,
      {
        hint:
          `check the network (and HTTPS_PROXY), then try again; if it keeps failing, ${loginHint}`,
        cause: err,
      },
    );
  }
  if (!response.ok) {
    const detail = await readTokenEndpointError(response, [
      credential.refresh,
      credential.access,
    ]);
    if (response.status >= 500) {
      throw new PiError(
        "auth.refresh_network",
        `${what}: the token endpoint failed (${describeTokenEndpointError(detail)})`,
        { hint: `try again in a moment; if it keeps failing, ${loginHint}` },
      );
    }
    // The cause says what the issuer refused with (AuthStorage's refresh failure reads it).
    throw new PiError("auth.refresh_failed", `${what}: ${describeTokenEndpointError(detail)}`, {
      hint: loginHint,
      cause: new TokenRefusal(detail),
    });
  }
  let json: unknown;
  try {
    json = await response.json();
  } catch (err) {
    throw new PiError("auth.refresh_failed", `${what}: the token endpoint's answer is not JSON`, {
      hint: loginHint,
      cause: err,
    });
  }
  return credentialFromTokenResponse(json, deps, {
    previous: credential,
    errorCode: "auth.refresh_failed",
  });
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
  refresh(
    credential: OAuthCredential,
    deps: Deps,
    options?: OAuthRefreshOptions,
  ): Promise<OAuthCredential> {
    return refreshOpenAICodexToken(credential, deps, options);
  },
  getApiKey(credential: OAuthCredential): string {
    return credential.access;
  },
  async revoke(credential: OAuthCredential, deps: Deps, signal?: AbortSignal): Promise<void> {
    const { revokeOpenAICodex } = await import("./revoke.ts");
    await revokeOpenAICodex(credential, deps, { signal });
  },
};
