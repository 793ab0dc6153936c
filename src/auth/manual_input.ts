/**
 * Manual entry of the authorization result, for when the browser cannot reach the local
 * callback server (SSH, containers, a busy port): the user pastes the redirect URL,
 * `code=…&state=…`, `code#state`, or a bare code. Pure functions.
 * @module
 */

import { PiError } from "../errors.ts";

/**
 * What a pasted text holds (see {@link parseManualInput}).
 */
export interface ManualInput {
  /** The authorization code, if one was found. */
  code?: string;
  /** The state, if the text carried one. */
  state?: string;
  /** An `error` the issuer put in the redirect URL (e.g. `access_denied`). */
  error?: string;
  /** The issuer's `error_description`, if any. */
  errorDescription?: string;
}

function fromParams(params: URLSearchParams): ManualInput {
  const out: ManualInput = {};
  const code = params.get("code");
  const state = params.get("state");
  const error = params.get("error");
  const description = params.get("error_description");
  if (code) out.code = code;
  if (state) out.state = state;
  if (error) out.error = error;
  if (description) out.errorDescription = description;
  return out;
}

/**
 * Reads a pasted text: the full redirect URL, `code=…&state=…`, `code#state`, or a bare
 * code. Surrounding whitespace and quotes are ignored. Never throws.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseManualInput } from "./manual_input.ts";
 * const both = { code: "abc", state: "xyz" };
 * assert.deepEqual(parseManualInput("http://localhost:1455/auth/callback?code=abc&state=xyz"), both);
 * assert.deepEqual(parseManualInput("code=abc&state=xyz"), both);
 * assert.deepEqual(parseManualInput("abc#xyz"), both);
 * assert.deepEqual(parseManualInput("abc"), { code: "abc" });
 * ```
 */
export function parseManualInput(input: string): ManualInput {
  const text = input.trim().replace(/^(["'<])(.*)([>"'])$/s, "$2").trim();
  if (text === "") return {};
  if (/^https?:\/\//i.test(text)) {
    try {
      const url = new URL(text);
      const fromQuery = fromParams(url.searchParams);
      if (fromQuery.code || fromQuery.error) return fromQuery;
      // Some browsers or copy tools keep the parameters after '#'.
      return fromParams(new URLSearchParams(url.hash.replace(/^#/, "")));
    } catch {
      return {};
    }
  }
  if (/(^|[?&])(code|error)=/.test(text)) {
    return fromParams(new URLSearchParams(text.replace(/^\?/, "")));
  }
  const hash = text.indexOf("#");
  if (hash !== -1) {
    const out: ManualInput = {};
    const code = text.slice(0, hash).trim();
    const state = text.slice(hash + 1).trim();
    if (code) out.code = code;
    if (state) out.state = state;
    return out;
  }
  if (/\s/.test(text)) return {};
  return { code: text };
}

/**
 * The code from a pasted text, checked against the state this login sent. Throws
 * `PiError("auth.state_mismatch")` when a state is present and differs, and
 * `PiError("auth.login_failed")` when there is no code or the issuer reported an error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { codeFromManualInput } from "./manual_input.ts";
 * assert.equal(codeFromManualInput("abc#xyz", "xyz"), "abc");
 * ```
 */
export function codeFromManualInput(input: string, expectedState: string): string {
  const parsed = parseManualInput(input);
  if (parsed.state !== undefined && parsed.state !== expectedState) {
    throw new PiError(
      "auth.state_mismatch",
      "State mismatch: the pasted URL is not from this login",
      {
        hint: "paste the redirect URL of the login you just started, or run pi login again",
      },
    );
  }
  if (parsed.error) {
    throw new PiError("auth.login_failed", `The issuer refused the login: ${parsed.error}`, {
      hint: parsed.errorDescription ?? "run pi login again",
    });
  }
  if (!parsed.code) {
    throw new PiError("auth.login_failed", "No authorization code in the pasted text", {
      hint: "paste the full URL the browser was sent to (http://localhost:…/auth/callback?code=…)",
    });
  }
  return parsed.code;
}
