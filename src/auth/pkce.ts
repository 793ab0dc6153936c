/**
 * PKCE (RFC 7636), `state`, and the authorize URL: pure functions over bytes the
 * caller supplies (`deps.randomBytes`), so they are tested with plain values.
 * @module
 */

/**
 * A PKCE verifier and its S256 challenge.
 */
export interface Pkce {
  /** The secret sent with the token request (base64url of 32 random bytes: 43 chars). */
  verifier: string;
  /** `base64url(SHA-256(verifier))`, sent in the authorize URL. */
  challenge: string;
}

/** How many random bytes back a verifier and a state (RFC 7636 asks for at least 32). */
export const PKCE_RANDOM_BYTES = 32;

function base64Url(bytes: Uint8Array): string {
  return bytes.toBase64({ alphabet: "base64url", omitPadding: true });
}

/**
 * The S256 challenge of a verifier: `base64url(SHA-256(ascii(verifier)))`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pkceChallenge } from "./pkce.ts";
 * // The example of RFC 7636, appendix B:
 * const c = await pkceChallenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
 * assert.equal(c, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
 * ```
 */
export async function pkceChallenge(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64Url(new Uint8Array(digest));
}

/**
 * A fresh verifier (43 chars from 32 random bytes) and its S256 challenge.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generatePkce, pkceChallenge } from "./pkce.ts";
 * const { verifier, challenge } = await generatePkce((n) => crypto.getRandomValues(new Uint8Array(n)));
 * assert.equal(verifier.length, 43);
 * assert.equal(challenge, await pkceChallenge(verifier));
 * ```
 */
export async function generatePkce(randomBytes: (n: number) => Uint8Array): Promise<Pkce> {
  const bytes = randomBytes(PKCE_RANDOM_BYTES);
  if (bytes.length < PKCE_RANDOM_BYTES) throw new RangeError("randomBytes returned too few bytes");
  const verifier = base64Url(bytes);
  return { verifier, challenge: await pkceChallenge(verifier) };
}

/**
 * A fresh OAuth `state`: base64url of 32 random bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateState } from "./pkce.ts";
 * const state = generateState((n) => crypto.getRandomValues(new Uint8Array(n)));
 * assert.equal(state.length, 43);
 * ```
 */
export function generateState(randomBytes: (n: number) => Uint8Array): string {
  const bytes = randomBytes(PKCE_RANDOM_BYTES);
  if (bytes.length < PKCE_RANDOM_BYTES) throw new RangeError("randomBytes returned too few bytes");
  return base64Url(bytes);
}

/**
 * What goes into an authorize URL (see {@link buildAuthorizeUrl}).
 */
export interface AuthorizeUrlParams {
  /** The full authorize endpoint, e.g. `https://auth.openai.com/oauth/authorize`. */
  authorizeEndpoint: string;
  /** OAuth client id. */
  clientId: string;
  /** Where the issuer sends the browser back, e.g. `http://localhost:1455/auth/callback`. */
  redirectUri: string;
  /** Space-separated scopes. */
  scope: string;
  /** The S256 PKCE challenge. */
  codeChallenge: string;
  /** The `state` to expect back. */
  state: string;
  /** Further parameters, appended in order (e.g. `originator=pi`). */
  extraParams?: Record<string, string>;
}

/**
 * The authorize URL: `response_type=code`, `client_id`, `redirect_uri`, `scope`,
 * `code_challenge`, `code_challenge_method=S256`, `state`, then `extraParams`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildAuthorizeUrl } from "./pkce.ts";
 * const url = buildAuthorizeUrl({
 *   authorizeEndpoint: "https://auth.example.com/oauth/authorize",
 *   clientId: "my-client",
 *   redirectUri: "http://localhost:1455/auth/callback",
 *   scope: "openid offline_access",
 *   codeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
 *   state: "xyz",
 * });
 * assert.equal(url.searchParams.get("code_challenge_method"), "S256");
 * ```
 */
export function buildAuthorizeUrl(params: AuthorizeUrlParams): URL {
  const url = new URL(params.authorizeEndpoint);
  const query = url.searchParams;
  query.set("response_type", "code");
  query.set("client_id", params.clientId);
  query.set("redirect_uri", params.redirectUri);
  query.set("scope", params.scope);
  query.set("code_challenge", params.codeChallenge);
  query.set("code_challenge_method", "S256");
  query.set("state", params.state);
  for (const [name, value] of Object.entries(params.extraParams ?? {})) query.set(name, value);
  return url;
}
