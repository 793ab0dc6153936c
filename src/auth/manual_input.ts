/**
 * Manual entry of the authorization result, for when the browser cannot reach the local
 * callback server (SSH, containers, a busy port): the user pastes the redirect URL,
 * `code=…&state=…`, `code#state`, or a bare code. Pure functions.
 * @module
 */

import { PiError } from "../errors.ts";
import { oneLine } from "../one_line.ts";
import { redact } from "../redact.ts";

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

/** How much of a pasted text an error quotes back. */
const QUOTE_LIMIT = 60;

/** A pasted text quoted in one line: no escape sequences or controls, tokens redacted, cut short. */
function quote(input: string): string {
  const text = redact(oneLine(input));
  return JSON.stringify(text.length > QUOTE_LIMIT ? `${text.slice(0, QUOTE_LIMIT - 1)}…` : text);
}

/**
 * What a pasted text is worth to the login waiting for it (see {@link checkManualInput}):
 * its code; or an error, with `retry` when the user can simply paste again (no code in
 * the text, or a `state` from another login) rather than the issuer having refused.
 */
export type ManualInputCheck =
  | { ok: true; code: string }
  | { ok: false; retry: boolean; error: PiError };

/**
 * Checks a pasted text against the state this login sent. A present state that differs
 * is `auth.state_mismatch` and a text without a code `auth.login_failed`, both with
 * `retry: true` (ask again); an `error=` from the issuer is `auth.login_failed` with
 * `retry: false`. Error messages are one line; the pasted text they quote is cleaned
 * with `oneLine`, redacted and cut short. Never throws.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkManualInput } from "./manual_input.ts";
 * assert.deepEqual(checkManualInput("abc#xyz", "xyz"), { ok: true, code: "abc" });
 * const typo = checkManualInput("hello world", "xyz");
 * assert.ok(!typo.ok && typo.retry);
 * ```
 */
export function checkManualInput(input: string, expectedState: string): ManualInputCheck {
  const parsed = parseManualInput(input);
  if (parsed.state !== undefined && parsed.state !== expectedState) {
    return {
      ok: false,
      retry: true,
      error: new PiError(
        "auth.state_mismatch",
        "State mismatch: the pasted URL is not from this login",
        { hint: "paste the redirect URL of the login you just started (the newest browser tab)" },
      ),
    };
  }
  if (parsed.error) {
    return {
      ok: false,
      retry: false,
      error: new PiError("auth.login_failed", `The issuer refused the login: ${parsed.error}`, {
        hint: parsed.errorDescription ?? "run pi login again",
      }),
    };
  }
  if (!parsed.code) {
    return {
      ok: false,
      retry: true,
      error: new PiError(
        "auth.login_failed",
        `No authorization code in the pasted text ${quote(input)}`,
        {
          hint:
            "paste the whole URL the browser ends on (http://localhost:…/auth/callback?code=…&state=…)",
        },
      ),
    };
  }
  return { ok: true, code: parsed.code };
}

/**
 * The code from a pasted text, checked against the state this login sent. Throws
 * `PiError("auth.state_mismatch")` when a state is present and differs, and
 * `PiError("auth.login_failed")` when there is no code or the issuer reported an error
 * (see {@link checkManualInput}, which says which of these to ask again for).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { codeFromManualInput } from "./manual_input.ts";
 * assert.equal(codeFromManualInput("abc#xyz", "xyz"), "abc");
 * ```
 */
export function codeFromManualInput(input: string, expectedState: string): string {
  const checked = checkManualInput(input, expectedState);
  if (!checked.ok) throw checked.error;
  return checked.code;
}
