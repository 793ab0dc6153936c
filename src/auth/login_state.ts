/**
 * What pi remembers about logins outside auth.json: that the issuer refused an entry's
 * refresh token (`invalid_grant`: reused, expired, revoked), so that `pi auth status` can
 * say the login is no longer valid. auth.json itself stays byte for byte as it was after a
 * failed refresh (CONTRACT.md), so the record lives beside it, in `auth-state.json` (0600):
 *
 * ```json
 * { "openai-codex:work": { "refreshRejected": { "at": 1767225600000, "reason": "refresh_token_reused", "token": "<sha-256 prefix>" } } }
 * ```
 *
 * `token` is a prefix of the SHA-256 of the refused refresh token (never the token): a
 * record counts only while the entry still holds that token, so a new login, an import or
 * another tool's refresh makes it void without anyone clearing it. Best effort: a record
 * that cannot be written only means status cannot tell.
 * @module
 */

import { dirname, readTextFileIfPresent, writeFileAtomicSync } from "../atomic_file.ts";

/** A refused refresh of one entry. */
export interface RefreshRejection {
  /** When the issuer refused it, epoch ms. */
  at: number;
  /** The issuer's error code (`refresh_token_reused`, `invalid_grant`, …) or `HTTP <status>`. */
  reason: string;
}

interface StoredRejection extends RefreshRejection {
  token: string;
}

type State = Record<string, Record<string, unknown>>;

/** The state file of an auth.json: `auth-state.json` beside `auth.json`. */
function loginStatePath(authPath: string): string {
  const dir = dirname(authPath);
  const base = authPath.slice(dir.length + 1).replace(/\.json$/, "");
  return `${dir}/${base}-state.json`;
}

/** A short, one-way fingerprint of a refresh token. */
async function tokenFingerprint(token: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token));
  return new Uint8Array(digest).toHex().slice(0, 24);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function readState(path: string): State {
  let json: unknown;
  try {
    // Not a regular file (a FIFO would block pi forever), missing or corrupt: no state.
    json = JSON.parse(readTextFileIfPresent(path) ?? "{}");
  } catch {
    return {};
  }
  if (!isRecord(json)) return {};
  const out: State = {};
  for (const [entry, value] of Object.entries(json)) if (isRecord(value)) out[entry] = value;
  return out;
}

function stored(value: unknown): StoredRejection | undefined {
  if (!isRecord(value)) return undefined;
  const { at, reason, token } = value;
  if (typeof at !== "number" || typeof reason !== "string" || typeof token !== "string") {
    return undefined;
  }
  return { at, reason, token };
}

/** Remembers that the issuer refused `refresh`, the refresh token of `entry`. */
export async function recordRefreshRejection(
  authPath: string,
  entry: string,
  refresh: string,
  rejection: RefreshRejection,
): Promise<void> {
  const token = await tokenFingerprint(refresh);
  const path = loginStatePath(authPath);
  try {
    const state = readState(path);
    state[entry] = { ...state[entry], refreshRejected: { ...rejection, token } };
    Deno.mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileAtomicSync(path, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  } catch {
    // Best effort: only `pi auth status` is less precise without it.
  }
}

/**
 * The refused refresh of `entry` whose refresh token is still `refresh`, or undefined
 * (never refused, or the entry has changed since).
 */
export async function refreshRejection(
  authPath: string,
  entry: string,
  refresh: string,
): Promise<RefreshRejection | undefined> {
  return await refreshRejections(authPath)(entry, refresh);
}

/**
 * {@link refreshRejection} for several entries with the state file read once, now: the
 * returned function looks an entry and its refresh token up.
 */
export function refreshRejections(
  authPath: string,
): (entry: string, refresh: string) => Promise<RefreshRejection | undefined> {
  const state = readState(loginStatePath(authPath));
  return async (entry, refresh) => {
    const record = stored(state[entry]?.refreshRejected);
    if (!record || record.token !== await tokenFingerprint(refresh)) return undefined;
    return { at: record.at, reason: record.reason };
  };
}
