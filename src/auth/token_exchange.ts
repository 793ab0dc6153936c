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
 * import assert from "node:assert/strict";
 * import { buildCodeExchangeRequest } from "./token_exchange.ts";
 * const request = buildCodeExchangeRequest({
 *   tokenEndpoint: "https://auth.example.com/oauth/token",
 *   code: "abc",
 *   redirectUri: "http://localhost:1455/auth/callback",
 *   clientId: "my-client",
 *   codeVerifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
 * });
 * assert.equal(request.method, "POST");
 * assert.equal(new URLSearchParams(await request.text()).get("grant_type"), "authorization_code");
 * ```
 */
export function buildCodeExchangeRequest(params: CodeExchangeParams): Request {
  return buildTokenRequest(params.tokenEndpoint, {
    grant_type: "authorization_code",
    code: params.code,
    redirect_uri: params.redirectUri,
    client_id: params.clientId,
    code_verifier: params.codeVerifier,
  });
}

/**
 * A form POST of `fields` to a token endpoint (the pure half of every token request:
 * code exchange, refresh; send it with `deps.fetch`).
 */
export function buildTokenRequest(
  endpoint: string,
  fields: Record<string, string>,
  options: { signal?: AbortSignal } = {},
): Request {
  return new Request(endpoint, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      accept: "application/json",
    },
    body: new URLSearchParams(fields).toString(),
    signal: options.signal,
  });
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

/** Reads the error of a token endpoint's body text (OAuth or OpenAI shape). Never throws. */
function parseTokenEndpointError(
  status: number,
  text: string,
  secrets: readonly string[],
): TokenEndpointError {
  const out: TokenEndpointError = { status };
  let body: unknown;
  try {
    body = JSON.parse(text);
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

/**
 * Reads an error reply of a token endpoint (OAuth or OpenAI shape). Server text is
 * redacted, and any of `secrets` (the tokens just sent) is cut out. Never throws.
 */
export async function readTokenEndpointError(
  response: Response,
  secrets: readonly string[] = [],
): Promise<TokenEndpointError> {
  let text = "";
  try {
    text = await response.text();
  } catch {
    // an unreadable body says nothing more than its status
  }
  return parseTokenEndpointError(response.status, text, secrets);
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

/**
 * The cause of an `auth.refresh_failed` whose refresh token the issuer refused (a 4xx
 * answer: `invalid_grant`, `refresh_token_reused`, `refresh_token_expired`, …), as opposed
 * to a reply pi could not read.
 */
export class TokenRefusal extends Error {
  /** The issuer's answer (redacted). */
  readonly detail: TokenEndpointError;
  /** Wraps the token endpoint's refusal. */
  constructor(detail: TokenEndpointError) {
    super(describeTokenEndpointError(detail));
    this.name = "TokenRefusal";
    this.detail = detail;
  }

  /** The error code (`refresh_token_reused`, …), else `HTTP <status>`. */
  get reason(): string {
    return this.detail.error ?? `HTTP ${this.detail.status}`;
  }
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

/**
 * Validates a token response: 2xx, JSON, with `access_token` and `refresh_token`
 * strings. Throws `PiError("auth.login_failed")` naming the HTTP status and the
 * server's `error` (redacted) otherwise.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { processTokenResponse } from "./token_exchange.ts";
 * const tokens = await processTokenResponse(
 *   Response.json({ access_token: "a", refresh_token: "r", expires_in: 3600 }),
 * );
 * assert.equal(tokens.expires_in, 3600);
 * ```
 */
export async function processTokenResponse(response: Response): Promise<TokenResponse> {
  const text = await response.text();
  if (!response.ok) {
    const detail = parseTokenEndpointError(response.status, text, []);
    const reason = describeTokenEndpointError(detail);
    throw new PiError(
      "auth.login_failed",
      `Token exchange failed: HTTP ${response.status}${detail.error ? ` (${reason})` : ""}`,
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
