/**
 * The user's own secrets — the tokens and keys in auth.json as it is on disk now (another
 * pi may have rotated them since this process first read it), Codex CLI's tokens
 * (`$CODEX_HOME/auth.json`), the provider keys in the environment, `--api-key` — hidden
 * from tool output, so that a model that reads a credentials file or prints `env` never
 * gets them (nor the output, nor the session), and from error messages.
 * @module
 */

import { type AuthStorage, PROVIDER_ENV_KEYS } from "../auth/auth_storage.ts";
import { codexAuthPath } from "../auth/codex_import.ts";
import type { Deps } from "../deps.ts";

/** The fields of pi's own entries that hold secrets. */
const SECRET_FIELDS = ["access", "refresh", "key"];
/**
 * Fields of any entry (another tool's too) whose name says they hold a secret: `access`,
 * `refresh`, `key`, `token`, `apiKey`, `access_token`, `refreshToken`, `clientSecret`, ….
 */
const SECRET_FIELD_NAME =
  /^(?:access|refresh|key|token|secret|password|(?:api|access|refresh|id|session|auth|bearer)_?(?:key|token)|client_?secret)$/i;
/** Shorter values are not treated as secrets (they would hide ordinary text). */
const MIN_SECRET_LENGTH = 8;

/** What a hidden secret becomes. */
export const REDACTED = "[redacted]";

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function isSecret(value: unknown): value is string {
  return typeof value === "string" && value.length >= MIN_SECRET_LENGTH;
}

/**
 * The secrets in the contents of pi's auth.json: every string field of every entry (of
 * any provider, another tool's too) whose name says it is a token, key or password.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { authFileSecrets } from "./secrets.ts";
 * assert.deepEqual(
 *   authFileSecrets({ openai: { type: "api_key", key: "sk-0123456789" }, x: { note: "hi there" } }),
 *   ["sk-0123456789"],
 * );
 * ```
 */
export function authFileSecrets(json: unknown): string[] {
  const out: string[] = [];
  if (!isRecord(json)) return out;
  for (const entry of Object.values(json)) {
    if (!isRecord(entry)) continue;
    for (const [field, value] of Object.entries(entry)) {
      if (SECRET_FIELD_NAME.test(field) && isSecret(value)) out.push(value);
    }
  }
  return out;
}

/**
 * The secrets in the contents of Codex CLI's auth.json: `tokens.access_token`,
 * `tokens.refresh_token`, `tokens.id_token` and `OPENAI_API_KEY`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { codexAuthSecrets } from "./secrets.ts";
 * assert.deepEqual(
 *   codexAuthSecrets({ OPENAI_API_KEY: null, tokens: { refresh_token: "rt_0123456789" } }),
 *   ["rt_0123456789"],
 * );
 * ```
 */
export function codexAuthSecrets(json: unknown): string[] {
  const out: string[] = [];
  if (!isRecord(json)) return out;
  if (isSecret(json.OPENAI_API_KEY)) out.push(json.OPENAI_API_KEY);
  if (isRecord(json.tokens)) {
    for (const field of ["access_token", "refresh_token", "id_token"]) {
      const value = json.tokens[field];
      if (isSecret(value)) out.push(value);
    }
  }
  return out;
}

/**
 * A JSON file of secrets, read again only when it changed: each {@link WatchedSecrets.poll}
 * looks at its size, mtime and inode (a `stat`, microseconds) and parses it only when one of
 * them differs from the last look. A missing, unreadable or malformed file, or one that is
 * not a regular file (a FIFO is never opened), has no secrets.
 */
export class WatchedSecrets {
  readonly #path: string;
  readonly #extract: (json: unknown) => string[];
  #signature: string | undefined;

  /** Watches `path`; `extract` picks the secrets out of its parsed JSON. */
  constructor(path: string, extract: (json: unknown) => string[]) {
    this.#path = path;
    this.#extract = extract;
  }

  /** The file's secrets if it changed since the last poll (the first poll reads it), else []. */
  poll(): string[] {
    let info: Deno.FileInfo;
    try {
      info = Deno.statSync(this.#path);
    } catch {
      this.#signature = "absent";
      return [];
    }
    const signature = `${info.ino}:${info.size}:${info.mtime?.getTime()}:${info.isFile}`;
    if (signature === this.#signature) return [];
    this.#signature = signature;
    if (!info.isFile) return [];
    try {
      return this.#extract(JSON.parse(Deno.readTextFileSync(this.#path)));
    } catch {
      return [];
    }
  }
}

/** A growing set of secrets, replaced longest first. */
class SecretSet {
  #known = new Set<string>();
  #ordered: string[] = [];
  #dirty = false;

  add(value: unknown): void {
    if (!isSecret(value) || this.#known.has(value)) return;
    this.#known.add(value);
    this.#dirty = true;
  }

  redact(text: string): string {
    if (this.#dirty) {
      this.#ordered = [...this.#known].sort((a, b) => b.length - a.length);
      this.#dirty = false;
    }
    let out = text;
    for (const secret of this.#ordered) {
      if (out.includes(secret)) out = out.replaceAll(secret, REDACTED);
    }
    return out;
  }
}

/**
 * A redactor for tool output. Secrets are gathered on each call: auth.json and Codex CLI's
 * auth.json are looked at (a `stat`) and read again when they changed, and this process's
 * own credentials are added; a secret once seen stays hidden (a rotated token is still one).
 */
export function secretRedactor(
  auth: Pick<AuthStorage, "list" | "get" | "path">,
  deps: Pick<Deps, "env" | "homeDir">,
  extra: readonly (string | undefined)[] = [],
): (text: string) => string {
  const secrets = new SecretSet();
  const files = [
    new WatchedSecrets(auth.path, authFileSecrets),
    new WatchedSecrets(codexAuthPath(deps), codexAuthSecrets),
  ];
  for (const name of new Set(Object.values(PROVIDER_ENV_KEYS))) secrets.add(deps.env(name));
  for (const value of extra) secrets.add(value);
  return (text) => {
    if (text === "") return text;
    for (const file of files) for (const value of file.poll()) secrets.add(value);
    try {
      for (const provider of auth.list()) {
        const entry = auth.get(provider) as Record<string, unknown> | undefined;
        for (const field of SECRET_FIELDS) secrets.add(entry?.[field]);
      }
    } catch {
      // A store that cannot be read has nothing more to add than the file watch found.
    }
    return secrets.redact(text);
  };
}

/**
 * A redactor for error messages, built when an error is printed: the secrets in auth.json
 * of `deps.agentDir`, in Codex CLI's auth.json and in the environment. Never throws.
 */
export function errorRedactor(
  deps: Pick<Deps, "env" | "homeDir" | "agentDir">,
): (text: string) => string {
  const secrets = new SecretSet();
  for (
    const file of [
      new WatchedSecrets(`${deps.agentDir}/auth.json`, authFileSecrets),
      new WatchedSecrets(codexAuthPath(deps), codexAuthSecrets),
    ]
  ) {
    for (const value of file.poll()) secrets.add(value);
  }
  for (const name of new Set(Object.values(PROVIDER_ENV_KEYS))) secrets.add(deps.env(name));
  return (text) => secrets.redact(text);
}
