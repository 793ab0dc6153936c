/**
 * The user's own secrets — stored tokens and keys, the provider keys in the environment,
 * `--api-key` — hidden from tool output, so that a model that reads a credentials file
 * or prints `env` never gets them (nor the output, nor the session).
 * @module
 */

import { type AuthStorage, PROVIDER_ENV_KEYS } from "../auth/auth_storage.ts";
import type { Deps } from "../deps.ts";

const SECRET_FIELDS = ["access", "refresh", "key"];
/** Shorter values are not treated as secrets (they would hide ordinary text). */
const MIN_SECRET_LENGTH = 8;

/** What a hidden secret becomes. */
export const REDACTED = "[redacted]";

/** A redactor for tool output; secrets are looked up on each call (a refresh adds new ones). */
export function secretRedactor(
  auth: Pick<AuthStorage, "list" | "get">,
  deps: Pick<Deps, "env">,
  extra: readonly (string | undefined)[] = [],
): (text: string) => string {
  return (text) => {
    if (text === "") return text;
    const secrets = new Set<string>();
    const add = (value: unknown) => {
      if (typeof value === "string" && value.length >= MIN_SECRET_LENGTH) secrets.add(value);
    };
    for (const provider of auth.list()) {
      const entry = auth.get(provider) as Record<string, unknown> | undefined;
      for (const field of SECRET_FIELDS) add(entry?.[field]);
    }
    for (const name of new Set(Object.values(PROVIDER_ENV_KEYS))) add(deps.env(name));
    for (const value of extra) add(value);
    let out = text;
    for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
      if (out.includes(secret)) out = out.replaceAll(secret, REDACTED);
    }
    return out;
  };
}
