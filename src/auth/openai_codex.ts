/**
 * The `openai-codex` OAuth provider: ChatGPT Plus/Pro (Codex Subscription).
 * Token requests live here; the interactive login flows live in openai_codex_login.ts,
 * loaded only when a login runs.
 * @module
 */

import type { Deps } from "../deps.ts";
import { PiError, type PiErrorCode } from "../errors.ts";
import { redact } from "../redact.ts";
import { getAccountId, getJwtExpiry } from "./jwt.ts";
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

/** How long a token request may take before it counts as a network failure. */
export const TOKEN_REQUEST_TIMEOUT_MS = 20_000;

/** The token endpoint `{issuer}/oauth/token`. */
export function codexTokenUrl(deps: Pick<Deps, "env">): string {
  return `${codexIssuer(deps)}/oauth/token`;
}

/**
 * A form POST to `{issuer}/oauth/token` with the given fields (the pure half of a token
 * request; send it with `deps.fetch`).
 */
export function buildTokenRequest(
  fields: Record<string, string>,
  deps: Pick<Deps, "env">,
  options: { signal?: AbortSignal } = {},
): Request {
  return new Request(codexTokenUrl(deps), {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      accept: "application/json",
    },
    body: new URLSearchParams(fields).toString(),
    signal: options.signal,
  });
}

/** The refresh request: `grant_type=refresh_token`, `refresh_token`, `client_id`. */
export function buildRefreshRequest(
  refreshToken: string,
  deps: Pick<Deps, "env">,
  options: { signal?: AbortSignal } = {},
): Request {
  return buildTokenRequest(
    {
      grant_type: "refresh_token",
      refresh_token: refreshToken,
      client_id: OPENAI_CODEX_CLIENT_ID,
    },
    deps,
    options,
  );
}

/** The code exchange: `grant_type=authorization_code`, `code`, `redirect_uri`, `client_id`, `code_verifier`. */
export function buildAuthorizationCodeRequest(
  params: { code: string; redirectUri: string; codeVerifier: string },
  deps: Pick<Deps, "env">,
  options: { signal?: AbortSignal } = {},
): Request {
  return buildTokenRequest(
    {
      grant_type: "authorization_code",
      code: params.code,
      redirect_uri: params.redirectUri,
      client_id: OPENAI_CODEX_CLIENT_ID,
      code_verifier: params.codeVerifier,
    },
    deps,
    options,
  );
}

/** What a token endpoint said when it refused: `error` code and description, redacted. */
export interface TokenEndpointError {
  /** HTTP status. */
  status: number;
  /** OAuth `error` (or OpenAI's `error.code`), e.g. `refresh_token_reused`. */
  error?: string;
  /** `error_description` (or OpenAI's `error.message`), redacted and shortened. */
  description?: string;
}

function shortText(value: unknown, secrets: readonly string[] = []): string | undefined {
  if (typeof value !== "string" || value.trim() === "") return undefined;
  let text = value.trim().replace(/\s+/g, " ");
  for (const secret of secrets) {
    if (secret.length >= 4) text = text.replaceAll(secret, "[redacted]");
  }
  text = redact(text);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/**
 * Reads an error reply of the token endpoint (OAuth or OpenAI shape). Server text is
 * redacted, and any of `secrets` (the tokens just sent) is cut out. Never throws.
 */
export async function readTokenEndpointError(
  response: Response,
  secrets: readonly string[] = [],
): Promise<TokenEndpointError> {
  const out: TokenEndpointError = { status: response.status };
  let body: unknown;
  try {
    body = JSON.parse(await response.text());
  } catch {
    return out;
  }
  if (body === null || typeof body !== "object") return out;
  const record = body as Record<string, unknown>;
  const nested = record.error;
  if (nested !== null && typeof nested === "object") {
    const err = nested as Record<string, unknown>;
    out.error = shortText(err.code, secrets) ?? shortText(err.type, secrets);
    out.description = shortText(err.message, secrets);
  } else {
    out.error = shortText(nested, secrets);
    out.description = shortText(record.error_description, secrets) ??
      shortText(record.message, secrets);
  }
  if (out.error === undefined) delete out.error;
  if (out.description === undefined) delete out.description;
  return out;
}

/** `refresh_token_reused (description)`, or `HTTP 401` when the server said nothing useful. */
export function describeTokenEndpointError(err: TokenEndpointError): string {
  const parts: string[] = [];
  if (err.error) parts.push(err.error);
  if (err.description && err.description !== err.error) {
    parts.push(parts.length > 0 ? `(${err.description})` : err.description);
  }
  if (parts.length === 0) parts.push(`HTTP ${err.status}`);
  return parts.join(" ");
}

/** The JSON a token endpoint returns on success. */
export interface TokenResponse {
  /** The access token (a JWT for OpenAI). */
  access_token: string;
  /** The new refresh token. */
  refresh_token?: string;
  /** The id token (a JWT). */
  id_token?: string;
  /** Seconds until `access_token` expires. */
  expires_in?: number;
  /** Anything else the server sent. */
  [field: string]: unknown;
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
  const hint = "run /login (or pi login openai-codex)";
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
): Promise<OAuthCredential> {
  const what = "Failed to refresh OAuth token for openai-codex";
  const loginHint = "run /login (or pi login openai-codex)";
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
      { hint: "check the network (and HTTPS_PROXY), then try again", cause: err },
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
    throw new PiError("auth.refresh_failed", `${what}: ${describeTokenEndpointError(detail)}`, {
      hint: loginHint,
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
  refresh(credential: OAuthCredential, deps: Deps): Promise<OAuthCredential> {
    return refreshOpenAICodexToken(credential, deps);
  },
  getApiKey(credential: OAuthCredential): string {
    return credential.access;
  },
  async revoke(credential: OAuthCredential, deps: Deps, signal?: AbortSignal): Promise<void> {
    const { revokeOpenAICodex } = await import("./revoke.ts");
    await revokeOpenAICodex(credential, deps, { signal });
  },
};
