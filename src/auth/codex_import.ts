/**
 * Importing the Codex CLI's login (`$CODEX_HOME/auth.json`, default `~/.codex/auth.json`,
 * read only) into pi's credential format, so a user already logged in to Codex needs no
 * browser. {@link credentialFromCodexAuth} is pure; {@link importCodexAuth} reads the file.
 * @module
 */

import type { Deps } from "../deps.ts";
import { checkRegularFile } from "../atomic_file.ts";
import { fsErrorReason, PiError } from "../errors.ts";
import { getAccountId, getJwtExpiry, isJwt } from "./jwt.ts";
import type { OAuthCredential } from "./types.ts";

/** The path of the Codex CLI's auth.json: `$CODEX_HOME/auth.json`, default `~/.codex/auth.json`. */
export function codexAuthPath(deps: Pick<Deps, "env" | "homeDir">): string {
  const home = deps.env("CODEX_HOME");
  const dir = home && home.trim() !== ""
    ? (home === "~" || home.startsWith("~/") ? deps.homeDir + home.slice(1) : home)
    : `${deps.homeDir}/.codex`;
  return `${dir.replace(/[/\\]+$/, "")}/auth.json`;
}

function nonEmpty(value: unknown): value is string {
  return typeof value === "string" && value.trim() !== "";
}

/**
 * The pi credential for the contents of a Codex CLI auth.json
 * (`tokens.{access_token, refresh_token, account_id}`). `expires` is the access token's
 * `exp` (or now, so that pi refreshes it before first use). Throws
 * `PiError("auth.invalid_file")` naming `path` when there is no ChatGPT login in it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { credentialFromCodexAuth } from "./codex_import.ts";
 * const credential = credentialFromCodexAuth({
 *   tokens: { access_token: "not-a-jwt", refresh_token: "rt-example", account_id: "acct-1" },
 * }, { path: "/home/me/.codex/auth.json", now: 1767225600000 });
 * assert.equal(credential.accountId, "acct-1");
 * assert.equal(credential.expires, 1767225600000); // not a JWT: refreshed before first use
 * ```
 */
export function credentialFromCodexAuth(
  json: unknown,
  options: { path: string; now: number },
): OAuthCredential {
  const { path, now } = options;
  const tokens = json !== null && typeof json === "object" && !Array.isArray(json)
    ? (json as Record<string, unknown>).tokens
    : undefined;
  if (tokens === null || typeof tokens !== "object" || Array.isArray(tokens)) {
    throw new PiError("auth.invalid_file", `No ChatGPT login in ${path} (no "tokens" object)`, {
      hint: "run codex login first, or pi login openai-codex",
    });
  }
  const t = tokens as Record<string, unknown>;
  for (const field of ["access_token", "refresh_token"]) {
    if (!nonEmpty(t[field])) {
      throw new PiError(
        "auth.invalid_file",
        `No ChatGPT login in ${path} (tokens.${field} is missing)`,
        {
          hint: "run codex login first, or pi login openai-codex",
        },
      );
    }
  }
  const access = (t.access_token as string).trim();
  const jwt = isJwt(access);
  const credential: OAuthCredential = {
    type: "oauth",
    access,
    refresh: (t.refresh_token as string).trim(),
    expires: (jwt ? getJwtExpiry(access) : undefined) ?? now,
  };
  const accountId = nonEmpty(t.account_id)
    ? t.account_id.trim()
    : jwt
    ? getAccountId(access)
    : nonEmpty(t.id_token) && isJwt(t.id_token)
    ? getAccountId(t.id_token)
    : undefined;
  if (accountId !== undefined) credential.accountId = accountId;
  return credential;
}

/**
 * Reads `$CODEX_HOME/auth.json` and returns the pi credential (nothing is written).
 * A missing file is `auth.not_logged_in`; bad JSON or no tokens is `auth.invalid_file`.
 *
 * @example
 * ```ts ignore
 * import { AuthStorage, createDeps, importCodexAuth } from "./mod.ts";
 * const deps = createDeps();
 * const { credential, path } = await importCodexAuth(deps);
 * await new AuthStorage(undefined, { deps }).set("openai-codex", credential);
 * console.log(`Imported ${path}`);
 * ```
 */
export async function importCodexAuth(
  deps: Pick<Deps, "env" | "homeDir" | "now">,
): Promise<{ credential: OAuthCredential; path: string }> {
  const path = codexAuthPath(deps);
  let text: string;
  try {
    checkRegularFile(path); // a FIFO would never end the read
    text = await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new PiError("auth.not_logged_in", `No Codex CLI login found at ${path}`, {
        hint: "run codex login first, set CODEX_HOME, or use pi login openai-codex",
        cause: err,
      });
    }
    throw new PiError("io", `Cannot read ${path}: ${fsErrorReason(err)}`, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new PiError("auth.invalid_file", `${path} is not valid JSON`, {
      hint: "run codex login again, or use pi login openai-codex",
      cause: err,
    });
  }
  return { credential: credentialFromCodexAuth(json, { path, now: deps.now() }), path };
}
