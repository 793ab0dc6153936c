/**
 * The one redaction helper: every message pi prints passes through it, so a token
 * that slipped into an error (a server echoing a request, a stack trace) is never shown.
 * @module
 */

const PATTERNS: RegExp[] = [
  // JWTs: three base64url segments, the first two starting like a JSON object.
  /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g,
  // "Bearer <anything>" in headers or messages.
  /\b(Bearer)\s+[A-Za-z0-9._~+/=-]{8,}/gi,
  // Refresh / API keys: OpenAI and Anthropic prefixes, and OpenAI-style refresh tokens.
  /\b(?:sk|rt|sess|sk-ant|sk-proj)-[A-Za-z0-9._-]{8,}/g,
  // key=value or "key": "value" pairs whose key names a secret.
  /((?:access|refresh|id)_?token|api_?key|code_verifier|client_secret|password|authorization)(["']?\s*[:=]\s*["']?)(?!Bearer\b|\[redacted)[^"'&\s,}]{6,}/gi,
];

/** Replaces anything that looks like a bearer token, JWT, API key or refresh token. */
export function redact(text: string): string {
  let out = text;
  out = out.replace(PATTERNS[0], "[redacted]");
  out = out.replace(PATTERNS[1], "$1 [redacted]");
  out = out.replace(PATTERNS[2], "[redacted]");
  out = out.replace(PATTERNS[3], "$1$2[redacted]");
  return out;
}
