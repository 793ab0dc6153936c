/**
 * Reading the payload of a JWT (no signature check: pi only reads its own access token
 * to learn the account id and the expiry). Pure functions; the token never appears in
 * an error message.
 * @module
 */

import { PiError } from "../errors.ts";

/** The claim under which OpenAI puts the ChatGPT account and plan. */
export const OPENAI_AUTH_CLAIM = "https://api.openai.com/auth";
/** The claim under which OpenAI puts the profile (email). */
export const OPENAI_PROFILE_CLAIM = "https://api.openai.com/profile";

/**
 * What pi reads from an OpenAI access or id token.
 */
export interface JwtClaims {
  /** `chatgpt_account_id` under {@link OPENAI_AUTH_CLAIM}. */
  accountId?: string;
  /** `chatgpt_plan_type` under {@link OPENAI_AUTH_CLAIM} (e.g. `plus`, `pro`). */
  planType?: string;
  /** The `email` claim (top level, or under {@link OPENAI_PROFILE_CLAIM}). */
  email?: string;
}

function invalid(reason: string): PiError {
  return new PiError("auth.invalid_token", `The token is not a JWT (${reason})`, {
    hint: "use an OpenAI access token (a JWT), or run pi login openai-codex",
  });
}

function decodeBase64Url(segment: string): Uint8Array {
  // Tolerate standard base64 and padding: normalise to base64url without padding.
  const normalized = segment.replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  if (!/^[A-Za-z0-9_-]*$/.test(normalized)) throw invalid("its payload is not base64url");
  try {
    return Uint8Array.fromBase64(normalized, { alphabet: "base64url" });
  } catch {
    throw invalid("its payload is not base64url");
  }
}

/**
 * The payload of a JWT as an object (base64url, padding tolerated; the signature is not
 * checked). Throws `PiError("auth.invalid_token")`, whose message never contains the
 * token, when the input is not three dot-separated parts with a JSON object in the middle.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeJwtPayload } from "./jwt.ts";
 * const payload = btoa(JSON.stringify({ sub: "user-1", exp: 1767225600 }));
 * assert.equal(decodeJwtPayload(`e30.${payload}.sig`).sub, "user-1");
 * ```
 */
export function decodeJwtPayload(token: string): Record<string, unknown> {
  if (typeof token !== "string") throw invalid("not a string");
  const parts = token.trim().split(".");
  if (parts.length !== 3) throw invalid("it does not have three dot-separated parts");
  if (parts[1] === "") throw invalid("its payload is empty");
  const bytes = decodeBase64Url(parts[1]);
  let payload: unknown;
  try {
    payload = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw invalid("its payload is not JSON");
  }
  if (payload === null || typeof payload !== "object" || Array.isArray(payload)) {
    throw invalid("its payload is not a JSON object");
  }
  return payload as Record<string, unknown>;
}

function objectAt(payload: Record<string, unknown>, key: string): Record<string, unknown> {
  const value = payload[key];
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? value as Record<string, unknown>
    : {};
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** The claims pi uses from a decoded payload (see {@link getJwtClaims}). */
export function claimsFromPayload(payload: Record<string, unknown>): JwtClaims {
  const auth = objectAt(payload, OPENAI_AUTH_CLAIM);
  const profile = objectAt(payload, OPENAI_PROFILE_CLAIM);
  const claims: JwtClaims = {};
  const accountId = nonEmptyString(auth.chatgpt_account_id);
  if (accountId !== undefined) claims.accountId = accountId;
  const planType = nonEmptyString(auth.chatgpt_plan_type);
  if (planType !== undefined) claims.planType = planType;
  const email = nonEmptyString(payload.email) ?? nonEmptyString(profile.email);
  if (email !== undefined) claims.email = email;
  return claims;
}

/**
 * Account id (`chatgpt_account_id`), plan type (`chatgpt_plan_type`) and email of a JWT.
 * Throws like {@link decodeJwtPayload}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getJwtClaims } from "./jwt.ts";
 * const payload = btoa(JSON.stringify({
 *   "https://api.openai.com/auth": { chatgpt_account_id: "acc-1", chatgpt_plan_type: "pro" },
 * }));
 * assert.deepEqual(getJwtClaims(`e30.${payload}.sig`), { accountId: "acc-1", planType: "pro" });
 * ```
 */
export function getJwtClaims(token: string): JwtClaims {
  return claimsFromPayload(decodeJwtPayload(token));
}

/**
 * {@link getJwtClaims}, or no claims when `token` is missing or not a JWT (an opaque access
 * token). Never throws.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tryJwtClaims } from "./jwt.ts";
 * assert.deepEqual(tryJwtClaims("opaque-token"), {});
 * ```
 */
export function tryJwtClaims(token: string | undefined): JwtClaims {
  if (!token) return {};
  try {
    return getJwtClaims(token);
  } catch {
    return {};
  }
}

/**
 * The ChatGPT account id of a JWT (the `chatgpt_account_id` claim under
 * `"https://api.openai.com/auth"`), or undefined. Throws like {@link decodeJwtPayload}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getAccountId } from "./jwt.ts";
 * const payload = btoa(JSON.stringify({
 *   "https://api.openai.com/auth": { chatgpt_account_id: "acc-1" },
 * }));
 * assert.equal(getAccountId(`e30.${payload}.sig`), "acc-1");
 * ```
 */
export function getAccountId(token: string): string | undefined {
  return getJwtClaims(token).accountId;
}

/**
 * The `exp` claim in epoch milliseconds, or undefined. Throws like {@link decodeJwtPayload}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getJwtExpiry } from "./jwt.ts";
 * const payload = btoa(JSON.stringify({ exp: 1767225600 }));
 * assert.equal(getJwtExpiry(`e30.${payload}.sig`), 1767225600000);
 * ```
 */
export function getJwtExpiry(token: string): number | undefined {
  const exp = decodeJwtPayload(token).exp;
  return typeof exp === "number" && Number.isFinite(exp) ? exp * 1000 : undefined;
}

/** Whether `token` looks like a JWT whose payload decodes. Never throws. */
export function isJwt(token: string): boolean {
  try {
    decodeJwtPayload(token);
    return true;
  } catch {
    return false;
  }
}
