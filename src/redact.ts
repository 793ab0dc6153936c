/**
 * The one redaction helper for token shapes: every message pi prints passes through it, so
 * a token that slipped into an error (a server echoing a request, a stack trace) is never
 * shown. It hides what looks like a token — JWTs, `Bearer …`, OpenAI and Anthropic keys
 * (`sk-…`), OpenAI refresh tokens (`rt_…`, `rt-…`), `sess-…`, `…_token=…` pairs — and
 * leaves paths and words alone (`/tmp/cart-rt-1/…`, `sk-learn-examples`): a prefixed token
 * is hidden only when the prefix starts a word and what follows it is long and not made of
 * words. The user's own known secrets are hidden by value as well (src/cli/secrets.ts).
 * @module
 */

/** JWTs: three base64url segments, the first two starting like a JSON object. */
const JWT = /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;
/** `Bearer <credential>` in headers or messages. */
const BEARER = /\b(Bearer)(\s+)([A-Za-z0-9._~+/=-]{8,})/gi;
/**
 * A key or token with a known prefix: `sk-` (with `sk-ant-`, `sk-proj-`, … after it), `rt_`,
 * `rt-`, `sess-`. Inside a longer word or path segment (`cart-rt-…`) it must look random
 * beyond doubt.
 */
const PREFIXED = /(?:sk|rt|sess)[-_][A-Za-z0-9_.-]{16,}/g;
const WORD_CHAR = /[A-Za-z0-9_.-]/;
/** `key=value` or `"key": "value"` pairs whose key names a secret. */
const SECRET_PAIR =
  /((?:access|refresh|id)_?token|api_?key|code_verifier|client_secret|password|authorization)(["']?\s*[:=]\s*["']?)(?!Bearer\b|\[redacted)[^"'&\s,}]{6,}/gi;

const REDACTED = "[redacted]";

/**
 * Whether `body` (what follows a token prefix) looks like token text rather than words:
 * at least 16 characters that are not all short words and numbers joined by `-`, `_` or
 * `.` (`learn-examples`, `2024-report` are words; `aB3x…`, `api03-…`, a 16-letter run are
 * not). `inWord` (the prefix is inside a longer word or path segment, `cart-rt-…`): at
 * least 32 characters mixing lower case, upper case and digits.
 */
function looksLikeToken(body: string, inWord: boolean): boolean {
  const core = body.replace(/[._-]+$/, "");
  if (inWord) {
    return core.length >= 32 && /[0-9]/.test(core) && /[a-z]/.test(core) && /[A-Z]/.test(core);
  }
  if (core.length < 16) return false;
  return !core.split(/[._-]+/).every((part) => WORDISH.test(part));
}

/** A part of a name made by people: a short word (maybe capitalised) or a short number. */
const WORDISH = /^(?:[A-Za-z][a-z]{0,11}|[A-Z]{1,12}|[0-9]{1,8})$/;

/** Words that follow "Bearer" in prose ("expects Bearer authentication"), not credentials. */
const BEARER_WORDS = /^(?:authentication|authorization|credentials?|required|header)\b/i;

/**
 * Replaces anything that looks like a bearer token, JWT, API key or refresh token.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { redact } from "./redact.ts";
 * assert.equal(redact("Bearer 9f8A7b6C5d4E3f2G1h0J"), "Bearer [redacted]");
 * assert.equal(redact("/tmp/cart-rt-1/auth.json"), "/tmp/cart-rt-1/auth.json");
 * ```
 */
export function redact(text: string): string {
  let out = text.replace(JWT, REDACTED);
  out = out.replace(
    BEARER,
    (all, word: string, space: string, credential: string) =>
      BEARER_WORDS.test(credential) ? all : `${word}${space}${REDACTED}`,
  );
  out = out.replace(PREFIXED, (token: string, at: number, whole: string) => {
    const body = token.replace(/^(?:sk|rt|sess)[-_]/, "");
    const inWord = at > 0 && WORD_CHAR.test(whole[at - 1]);
    return looksLikeToken(body, inWord) ? REDACTED : token;
  });
  out = out.replace(SECRET_PAIR, `$1$2${REDACTED}`);
  return out;
}
