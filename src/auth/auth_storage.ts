/**
 * AuthStorage: the credential store behind every provider (`<agent dir>/auth.json`).
 *
 * - Every write is a read-modify-write under the exclusive lock on the sibling
 *   `auth.json.lck`: temp file `0600` in the same directory → write → fsync → rename.
 *   Unknown providers and fields are kept.
 * - An OAuth token within 60 s of `expires` is refreshed under the lock after re-reading
 *   the file, so any number of processes make one refresh request; callers in one
 *   process share one promise per provider. Processes that find the lock taken wait for
 *   it together (a shared lock) and re-read, rather than taking it one after another.
 * - A failed read or refresh never writes: auth.json stays byte for byte as it was.
 *   A refresh refused with `invalid_grant` re-reads the file under the lock first: a token
 *   that another tool rotated meanwhile (outside pi's lock) is used, not reported.
 * - Before a refresh request is sent, a temp file is created (and removed) beside auth.json:
 *   a directory that cannot be written fails while the refresh token is still unspent.
 * - The entries pi reads (`openai-codex`, `openai-codex:<name>`, `anthropic`, `openai`) must
 *   be valid; every other entry (another tool's, any shape) is kept as it is and ignored.
 * @module
 */

import {
  checkWritableSync,
  dirname,
  readTextFileIfPresent,
  trimTrailingSlashes,
  writeFileAtomicSync,
} from "../atomic_file.ts";
import { createDeps, type Deps } from "../deps.ts";
import { fsErrorReason, isPiError, PiError } from "../errors.ts";
import { deadlineSignal } from "../sleep.ts";
import type { FileLock, FileLockOptions } from "./file_lock.ts";
import { isJwt, tryJwtClaims } from "./jwt.ts";
import {
  ACCOUNT_ENTRY_PREFIX,
  ACCOUNT_PROVIDER,
  accountEntry,
  accountFlag,
  accountOfEntry,
  compareAccountNames,
  DEFAULT_ACCOUNT,
  isAccountName,
  isBelowLimits,
  loginCommand,
  loginEntry,
  providerOfEntry,
  reloginHint,
  rotationOrder,
  snapshotOfAccount,
  sortAccountNames,
  unknownAccountError,
} from "./accounts.ts";
import {
  recordRefreshRejection,
  type RefreshRejection,
  refreshRejection,
  refreshRejections,
} from "./login_state.ts";
import type { UsageSnapshot } from "../ai/types.ts";
import type {
  AccountRef,
  AccountSwitch,
  Credential,
  KeySource,
  LoginCallbacks,
  LoginOptions,
  NextAccountOptions,
  OAuthCredential,
  OAuthProvider,
} from "./types.ts";

/**
 * The fields of an OAuth entry pi writes; any other field is someone else's and is kept
 * across a new login. (`loggedInAt` and `source` describe one login: a new one replaces them.)
 */
const OAUTH_FIELDS = new Set([
  "type",
  "access",
  "refresh",
  "expires",
  "accountId",
  "key",
  "loggedInAt",
  "source",
]);

/**
 * How many refresh requests one refresh may make: a refused one is tried again only with
 * a token that another tool rotated meanwhile (see the module doc).
 */
const MAX_REFRESH_ATTEMPTS = 3;

/** An OAuth token this close to `expires` (ms) is refreshed before use. */
export const REFRESH_MARGIN_MS = 60_000;

/**
 * The environment variable that holds the key of a provider, last in the chain; in the
 * contract's provider order (`pi auth status` and `pi logout` list them so).
 */
export const PROVIDER_ENV_KEYS: Readonly<Record<string, string>> = {
  "openai-codex": "OPENAI_API_KEY",
  anthropic: "ANTHROPIC_API_KEY",
  openai: "OPENAI_API_KEY",
};

/** Providers whose key (from the environment or `--api-key`) must be an access token (JWT). */
const JWT_KEY_PROVIDERS = new Set(["openai-codex"]);

/**
 * Refreshes in flight in this process. A refresh request that was sent has spent the old
 * refresh token: the process must not end before the new one is saved.
 */
const inFlight = new Set<Promise<unknown>>();

/**
 * Resolves once no refresh of any AuthStorage in this process is in flight (including ones
 * started while waiting). Never rejects. main.ts waits for it before it exits on a signal.
 */
export async function refreshesSettled(): Promise<void> {
  while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
}

/** A refresh shared by the callers in one AuthStorage that need it (see #refreshShared). */
interface SharedRefresh {
  /** The refresh under the lock. */
  readonly work: Promise<OAuthCredential>;
  /** Stops its waits for the lock, once no caller waits for it. */
  readonly stop: AbortController;
  /** The callers still waiting for it. */
  waiting: number;
}

function trackRefresh<T>(work: Promise<T>): Promise<T> {
  inFlight.add(work);
  const done = () => inFlight.delete(work);
  work.then(done, done);
  return work;
}

/**
 * Where a provider's key comes from (see {@link AuthStorage.keySource}).
 */
export type KeySourceKind = "runtime" | "oauth" | "api_key" | "env";

/** How long logout waits for the issuer to revoke a token. */
export const REVOKE_TIMEOUT_MS = 5_000;

/** One ChatGPT account stored in auth.json (see {@link AuthStorage.accounts}). */
export interface StoredAccount extends AccountRef {
  /** Its credential (a copy). */
  credential: OAuthCredential;
}

/** A change of the active account (see {@link AuthStorage.onAccountChange}). */
export interface AccountChange {
  /** The account active before. */
  from: string;
  /** The account active now. */
  to: string;
  /** `selected` (useAccount), or the limit that made a rotation move on (`usage_limit_reached`). */
  reason: string;
}

/** Options of {@link AuthStorage.login} beyond the provider's own. */
export interface AuthLoginOptions extends LoginOptions {
  /** openai-codex: store the login as this account (`openai-codex:<name>`); default `default`. */
  account?: string;
}

/** Options of {@link AuthStorage.storeLogin}. */
export interface StoreLoginOptions {
  /** openai-codex: the account to store it as (default `default`, the `openai-codex` entry). */
  account?: string;
  /** Where the login came from, when not pi's own login (`codex-cli`). */
  source?: string;
}

/** What {@link AuthStorage.logout} did. */
export interface LogoutResult {
  /** Whether a stored credential was removed. */
  removed: boolean;
  /** Revocation at the issuer: done, failed (the entry is removed anyway), or not applicable. */
  revocation: "revoked" | "failed" | "none";
  /** Why revocation failed (redacted one-line message). */
  revokeError?: string;
}

/**
 * Options of {@link AuthStorage}.
 */
export interface AuthStorageOptions {
  /** The outside world (env, clock, fetch, agent dir). Default: {@link createDeps}. */
  deps?: Deps;
  /** How long to wait for the lock file before failing (default 30 s). */
  lockTimeoutMs?: number;
  /** Told once per notice, e.g. "Tightened permissions of … to 0600 (were 0644)". */
  onWarning?: (message: string) => void;
}

type Data = Record<string, unknown>;

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function octal(mode: number): string {
  return `0${(mode & 0o777).toString(8).padStart(3, "0")}`;
}

function invalidFile(path: string, detail: string): PiError {
  return new PiError("auth.invalid_file", `Invalid credentials file ${path}: ${detail}`, {
    hint: "fix the file or move it away, then run pi login",
  });
}

/**
 * Whether `name` is a top-level entry of auth.json that pi reads: `openai-codex`,
 * `openai-codex:<account>`, `anthropic`, `openai`. Such an entry must be a valid credential;
 * every other entry is someone else's (another tool's, a newer pi's): kept, never an error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isPiEntry } from "./auth_storage.ts";
 * assert.equal(isPiEntry("openai-codex:work"), true);
 * assert.equal(isPiEntry("x-custom"), false);
 * ```
 */
export function isPiEntry(name: string): boolean {
  if (name === "openai-codex" || name === "anthropic" || name === "openai") return true;
  return name.startsWith(ACCOUNT_ENTRY_PREFIX) &&
    isAccountName(name.slice(ACCOUNT_ENTRY_PREFIX.length));
}

/** Checks the shape of one entry; returns a problem description or undefined. */
function entryProblem(provider: string, entry: unknown): string | undefined {
  const at = JSON.stringify(provider);
  if (!isObject(entry)) return `${at} must be an object`;
  if (typeof entry.type !== "string") return `${at}.type must be a string`;
  if (entry.type !== "oauth" && entry.type !== "api_key") {
    // Shown only when it is a short plain word: the file's text may hold anything.
    const shown = /^[\w.:-]{1,32}$/.test(entry.type) ? ` (it is "${entry.type}")` : "";
    return `${at}.type must be "oauth" or "api_key"${shown}`;
  }
  if (entry.type === "oauth") {
    for (const field of ["access", "refresh"]) {
      if (typeof entry[field] !== "string" || entry[field] === "") {
        return `${at}.${field} must be a non-empty string`;
      }
    }
    if (typeof entry.expires !== "number" || !Number.isFinite(entry.expires)) {
      return `${at}.expires must be a number (epoch milliseconds)`;
    }
    if (entry.accountId !== undefined && typeof entry.accountId !== "string") {
      return `${at}.accountId must be a string`;
    }
  } else if (entry.type === "api_key") {
    if (typeof entry.key !== "string" || entry.key === "") {
      return `${at}.key must be a non-empty string`;
    }
  }
  return undefined;
}

/** Parses the text of auth.json; throws `auth.invalid_file` naming the path. */
export function parseAuthFile(text: string, path: string): Data {
  // A byte order mark (Windows editors add one) is not part of the JSON.
  const body = text.startsWith("\uFEFF") ? text.slice(1) : text;
  if (body.trim() === "") return {};
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    // The parser's message quotes the file's text, which holds tokens: never show it.
    throw invalidFile(path, "not valid JSON");
  }
  if (!isObject(json)) throw invalidFile(path, "the top level must be a JSON object");
  for (const [provider, entry] of Object.entries(json)) {
    if (!isPiEntry(provider)) continue; // someone else's: kept as it is, never checked
    const problem = entryProblem(provider, entry);
    if (problem) throw invalidFile(path, problem);
  }
  return json;
}

/**
 * The credential stored under `provider`, or undefined. An entry pi reads was checked when
 * the file was read; any other counts only when it is a valid credential (a library user's
 * own provider), else it is someone else's data and invisible here.
 */
function credentialIn(data: Data, provider: string): Credential | undefined {
  if (!Object.hasOwn(data, provider)) return undefined;
  const entry = data[provider];
  if (!isPiEntry(provider) && entryProblem(provider, entry) !== undefined) return undefined;
  return entry as Credential;
}

/** `credential` with the fields of `previous` that pi does not know (another tool's) kept. */
function withKeptFields(previous: unknown, credential: Credential): Credential {
  const kept = isObject(previous)
    ? Object.fromEntries(Object.entries(previous).filter(([k]) => !OAUTH_FIELDS.has(k)))
    : {};
  return { ...kept, ...structuredClone(credential) } as Credential;
}

function isOAuth(entry: unknown): entry is OAuthCredential {
  return isObject(entry) && entry.type === "oauth";
}

/** The reference to a stored account (its ChatGPT account id when known). */
function accountRef(name: string, entry: string, credential: OAuthCredential): AccountRef {
  const ref: AccountRef = { name, entry };
  const accountId = accountIdOf(credential);
  if (accountId !== undefined) ref.accountId = accountId;
  return ref;
}

/** The ChatGPT account id of a credential: its `accountId`, else its access token's claim. */
function accountIdOf(credential: OAuthCredential): string | undefined {
  if (typeof credential.accountId === "string" && credential.accountId !== "") {
    return credential.accountId;
  }
  return tryJwtClaims(credential.access).accountId;
}

/** The other account (by name) stored with ChatGPT account id `accountId`, if any. */
function duplicateAccount(
  data: Data,
  entry: string,
  accountId: string | undefined,
): string | undefined {
  if (accountId === undefined) return undefined;
  for (const [other, value] of Object.entries(data)) {
    const name = accountOfEntry(other);
    if (name === undefined || other === entry || !isOAuth(value)) continue;
    if (accountIdOf(value) === accountId) return name;
  }
  return undefined;
}

function duplicateAccountNotice(login: OAuthCredential, other: string, entry: string): string {
  const email = tryJwtClaims(login.access).email; // an opaque token: the account id says it
  const who = email === undefined ? `account ${accountIdOf(login)}` : email;
  const wanted = accountOfEntry(entry) ?? DEFAULT_ACCOUNT;
  return `This ChatGPT account (${who}) is also logged in as "${other}" (left as it was); saved as "${wanted}" too. To add a different ChatGPT account, log out of chatgpt.com in the browser (or use a private window) and log in again`;
}

/** The lock module, loaded on first write or refresh (reading keys never locks). */
let lockModule: Promise<typeof import("./file_lock.ts")> | undefined;
function fileLock(): Promise<typeof import("./file_lock.ts")> {
  return lockModule ??= import("./file_lock.ts");
}

async function acquireLock(path: string, options: FileLockOptions): Promise<FileLock> {
  return await (await fileLock()).acquireFileLock(path, options);
}

/**
 * The OAuth provider registry, loaded on first use: checking what is stored (`pi models`,
 * startup) does not load the providers' token and login code.
 */
let registry: Promise<typeof import("./oauth_providers.ts")> | undefined;
function oauthRegistry(): Promise<typeof import("./oauth_providers.ts")> {
  return registry ??= import("./oauth_providers.ts");
}

async function oauthProvider(provider: string): Promise<OAuthProvider | undefined> {
  return (await oauthRegistry()).getOAuthProvider(provider);
}

async function unknownProvider(provider: string): Promise<PiError> {
  const { listOAuthProviders } = await oauthRegistry();
  return new PiError(
    "auth.unknown_provider",
    `Unknown OAuth provider: ${provider} (known: ${
      listOAuthProviders().map((p) => p.id).join(", ")
    })`,
  );
}

/**
 * The credential store. Reads are lazy and cached (see {@link AuthStorage.reload});
 * every write and every refresh re-reads the file under the lock first. Errors are
 * `PiError`s (`auth.invalid_file`, `auth.refresh_failed`, `auth.refresh_network`,
 * `auth.lock_timeout`, …) whose messages never contain a token.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AuthStorage } from "./auth_storage.ts";
 * const dir = await Deno.makeTempDir();
 * const storage = new AuthStorage(`${dir}/auth.json`); // default: <agent dir>/auth.json
 * await storage.set("anthropic", { type: "api_key", key: "sk-ant-example" });
 * assert.deepEqual(storage.list(), ["anthropic"]);
 * assert.equal(await storage.getApiKey("anthropic"), "sk-ant-example");
 * // OAuth: await storage.login("openai-codex", { onAuth: ({ url }) => …, onPrompt: … });
 * ```
 */
export class AuthStorage implements KeySource {
  /** The path of auth.json. */
  readonly path: string;
  /** The lock file, a sibling of auth.json (`auth.json.lck`). */
  readonly lockPath: string;
  /** Notices given so far (permission tightening), each once. */
  readonly warnings: string[] = [];

  #deps: Deps;
  #lockTimeoutMs: number | undefined;
  #onWarning: ((message: string) => void) | undefined;
  #data: Data | undefined;
  #runtime = new Map<string, string>();
  #refreshing = new Map<string, SharedRefresh>();
  /**
   * The access token each entry had before its latest refresh in this process: a request
   * sent with it (and refused after the refresh) still belongs to that entry.
   */
  #replaced = new Map<string, string>();
  /** The openai-codex account keys come from (`default`: the `openai-codex` entry). */
  #account = DEFAULT_ACCOUNT;
  #rotate = false;
  #usage: ((entry: string) => UsageSnapshot | undefined) | undefined;
  #accountListeners = new Set<(change: AccountChange) => void>();

  /** A store on `path` (default `<agent dir>/auth.json`). Does no I/O. */
  constructor(path?: string, options: AuthStorageOptions = {}) {
    this.#deps = options.deps ?? createDeps();
    this.path = path ?? `${this.#deps.agentDir}/auth.json`;
    this.lockPath = `${this.path}.lck`;
    this.#lockTimeoutMs = options.lockTimeoutMs;
    this.#onWarning = options.onWarning;
  }

  // ---- reading ----

  /** The stored credential of a provider (a copy), or undefined. */
  get(provider: string): Credential | undefined {
    const entry = credentialIn(this.#load(), provider);
    return entry === undefined ? undefined : structuredClone(entry);
  }

  /** Whether auth.json holds a credential for the provider. */
  has(provider: string): boolean {
    return credentialIn(this.#load(), provider) !== undefined;
  }

  /**
   * The providers with a credential in auth.json, in file order. Entries that are not
   * credentials (another tool's data) are kept in the file but not listed.
   */
  list(): string[] {
    const data = this.#load();
    return Object.keys(data).filter((provider) => credentialIn(data, provider) !== undefined);
  }

  /** Drops the cached contents; the next read goes to the file. Throws on a corrupt file. */
  reload(): void {
    this.#data = undefined;
    this.#load();
  }

  // ---- writing ----

  /**
   * Stores a credential for a provider. Other entries are kept, and so are the fields of
   * the provider's old entry that pi does not know (written by another tool).
   */
  async set(provider: string, credential: Credential): Promise<void> {
    const problem = entryProblem(provider, credential);
    if (problem) throw new PiError("auth.invalid_token", `Cannot store credential: ${problem}`);
    await this.#mutate((data) => {
      data[provider] = withKeptFields(data[provider], credential);
    });
  }

  /** Removes a provider's credential; true if there was one. */
  async remove(provider: string): Promise<boolean> {
    return (await this.#take(provider)) !== undefined;
  }

  /** Sets a key that wins over everything stored (`--api-key`); kept in memory only. */
  setRuntimeApiKey(provider: string, key: string): void {
    this.#runtime.set(provider, key);
  }

  /** Removes a runtime key set with {@link AuthStorage.setRuntimeApiKey}. */
  removeRuntimeApiKey(provider: string): void {
    this.#runtime.delete(provider);
  }

  // ---- keys ----

  /**
   * The key for a provider: runtime key → stored OAuth credential (refreshed under the
   * lock when within 60 s of expiry) → stored API key → environment variable → undefined.
   * For openai-codex a runtime or environment key must be an access token (JWT).
   * `signal` (Ctrl+C, a client gone) stops this caller's wait for a refresh; the refresh,
   * shared with every caller in this process, stops waiting for the lock only once all of
   * them have stopped. A refresh request already sent is let finish and saved, so that a
   * rotated refresh token is never lost.
   */
  async getApiKey(
    provider: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<string | undefined> {
    const runtime = this.#runtime.get(provider);
    if (runtime !== undefined) return this.#checkKey(provider, runtime, "--api-key");
    const entryName = this.#entryFor(provider);
    const stored = await this.#storedKey(entryName, options.signal);
    if (stored !== undefined) return stored;
    if (entryName !== provider) throw this.#accountGone(entryName);
    const envName = PROVIDER_ENV_KEYS[provider];
    const fromEnv = envName ? this.#deps.env(envName) : undefined;
    if (fromEnv) return this.#checkKey(provider, fromEnv, envName);
    return undefined;
  }

  /**
   * Whether a usable key exists for the provider anywhere in the chain. Synchronous, no
   * network. An environment key that openai-codex would refuse (not a JWT) does not count;
   * a runtime key always does (using it gives the clear refusal).
   */
  hasKey(provider: string): boolean {
    return this.keySource(provider) !== undefined;
  }

  /** Where the provider's key would come from (`runtime`, `oauth`, `api_key`, `env`), or undefined. */
  keySource(provider: string): KeySourceKind | undefined {
    if (this.#runtime.has(provider)) return "runtime";
    const entryName = this.#entryFor(provider);
    const entry = credentialIn(this.#load(), entryName);
    if (isOAuth(entry)) return "oauth";
    if (entry?.type === "api_key") return "api_key";
    if (entryName !== provider) return undefined; // a named account has no fallback
    const envName = PROVIDER_ENV_KEYS[provider];
    const fromEnv = envName ? this.#deps.env(envName) : undefined;
    if (!fromEnv) return undefined;
    if (JWT_KEY_PROVIDERS.has(provider) && !isJwt(fromEnv)) return undefined;
    return "env";
  }

  /**
   * Refreshes a provider's OAuth token and returns the new key. Without `force` only a
   * stale token is refreshed; with `force` (after a 401) the token is refreshed unless
   * another process already replaced it. Keys that are not stored OAuth credentials are
   * returned as they are. `signal` stops this caller's wait (as in getApiKey).
   * `key`, the key that was refused, picks the account to refresh (the one it belongs to,
   * even when another account has become the active one since); default the active one.
   * When that account's token was refreshed after `key` was handed out, the new token is
   * returned without another refresh.
   */
  async refresh(
    provider: string,
    options: { force?: boolean; signal?: AbortSignal; key?: string } = {},
  ): Promise<string | undefined> {
    const entryName =
      (options.key === undefined ? undefined : this.#entryOfKey(provider, options.key)) ??
        this.#entryFor(provider);
    const entry = credentialIn(this.#load(), entryName);
    const oauth = await oauthProvider(providerOfEntry(entryName));
    if (!isOAuth(entry) || !oauth || this.#runtime.has(provider)) {
      return await this.getApiKey(provider, { signal: options.signal });
    }
    // The refused key, not the stored token: when they differ the entry was refreshed since
    // the key was handed out, and its current token is the answer (no second refresh).
    const seen = options.key ?? entry.access;
    return oauth.getApiKey(
      await this.#refreshShared(entryName, options.force === true, options.signal, seen),
    );
  }

  /** The entry `key` is (or, before its latest refresh here, was) the access token of. */
  #entryOfKey(provider: string, key: string): string | undefined {
    const owner = this.accountOf(provider, key)?.entry;
    if (owner !== undefined) return owner;
    for (const [entry, access] of this.#replaced) {
      if (access === key && providerOfEntry(entry) === provider) return entry;
    }
    return undefined;
  }

  // ---- accounts (openai-codex) ----

  /**
   * The ChatGPT accounts stored in auth.json: `default` (the `openai-codex` entry) first,
   * then the `openai-codex:<name>` entries by name. OAuth entries only.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AuthStorage } from "./auth_storage.ts";
   * const dir = await Deno.makeTempDir();
   * const storage = new AuthStorage(`${dir}/auth.json`);
   * const login = { type: "oauth" as const, access: "a", refresh: "r", expires: 0 };
   * await storage.set("openai-codex:work", login);
   * await storage.set("openai-codex", login);
   * assert.deepEqual(storage.accounts().map((a) => a.name), ["default", "work"]);
   * ```
   */
  accounts(): StoredAccount[] {
    return this.#accountEntries().sort((a, b) => compareAccountNames(a.name, b.name)).map(
      ({ name, entry, credential }) => ({
        ...accountRef(name, entry, credential),
        credential: structuredClone(credential),
      }),
    );
  }

  /** The stored accounts (unsorted), their credentials not copied: read them, never change them. */
  #accountEntries(): { name: string; entry: string; credential: OAuthCredential }[] {
    const data = this.#load();
    const found = [];
    for (const entry of Object.keys(data)) {
      const name = accountOfEntry(entry);
      const credential = name === undefined ? undefined : credentialIn(data, entry);
      if (name !== undefined && isOAuth(credential)) found.push({ name, entry, credential });
    }
    return found;
  }

  /**
   * The stored account whose access token is `key`, first in {@link AuthStorage.accounts}
   * order (one login saved under two names shares its token), with its credential.
   */
  #accountWithKey(
    key: string,
  ): { name: string; entry: string; credential: OAuthCredential } | undefined {
    let found: { name: string; entry: string; credential: OAuthCredential } | undefined;
    for (const account of this.#accountEntries()) {
      if (account.credential.access !== key) continue;
      if (found === undefined || compareAccountNames(account.name, found.name) < 0) {
        found = account;
      }
    }
    return found;
  }

  /** The account openai-codex keys come from now: `default` unless switched. */
  activeAccount(): string {
    return this.#account;
  }

  /**
   * Makes `name` the account openai-codex keys come from, from the next request on
   * (`--account`, `PI_ACCOUNT`, `/account`). A request already sent keeps its account. A
   * name that is not logged in is a usage error listing the known ones; `default` is always
   * accepted (without a stored login it falls back to `OPENAI_API_KEY`).
   */
  useAccount(name: string): void {
    this.#data = undefined; // an account logged in meanwhile (another pi) counts
    if (name !== DEFAULT_ACCOUNT) {
      const known = this.accounts();
      if (!known.some((a) => a.name === name)) {
        throw unknownAccountError(name, known.map((a) => a.name));
      }
    }
    this.#switchTo(name, "selected");
  }

  /** Turns `--rotate-accounts` on or off (see {@link AuthStorage.nextAccount}). */
  setAccountRotation(enabled: boolean): void {
    this.#rotate = enabled;
  }

  /** Whether a usage limit moves requests to the next account. */
  get accountRotation(): boolean {
    return this.#rotate;
  }

  /**
   * Where the latest usage snapshot of an account comes from (by auth.json entry), for the
   * choice of the next account; without one every account counts as below its limits.
   */
  setUsageSource(source: ((entry: string) => UsageSnapshot | undefined) | undefined): void {
    this.#usage = source;
  }

  /** Calls `listener` whenever the active account changes; returns a function that unsubscribes. */
  onAccountChange(listener: (change: AccountChange) => void): () => void {
    this.#accountListeners.add(listener);
    return () => this.#accountListeners.delete(listener);
  }

  /** The stored account whose access token `key` is (openai-codex only). */
  accountOf(provider: string, key: string): AccountRef | undefined {
    if (provider !== ACCOUNT_PROVIDER || this.#runtime.has(provider)) return undefined;
    // Every answer asks this (its usage snapshot): no copies, one token decoded at most.
    const found = this.#accountWithKey(key);
    return found && accountRef(found.name, found.entry, found.credential);
  }

  /** The logged-in accounts other than the one of `key` (default: the active one). */
  otherAccounts(provider: string, key?: string): string[] {
    if (provider !== ACCOUNT_PROVIDER) return [];
    const current =
      (key === undefined || this.#runtime.has(provider)
        ? undefined
        : this.#accountWithKey(key)?.name) ?? this.#account;
    return sortAccountNames(this.#accountEntries().map((a) => a.name)).filter((name) =>
      name !== current
    );
  }

  /**
   * After the account of `key` hit its usage limit: with rotation on, the next account
   * (after it, in {@link AuthStorage.accounts} order) whose latest usage snapshot is below
   * its limits, whose login was not refused, and that is not the same ChatGPT account,
   * becomes the active one and its key is returned (refreshed under the lock if stale).
   * Undefined when rotation is off, a runtime key is set, or no account is left.
   */
  async nextAccount(
    provider: string,
    options: NextAccountOptions,
  ): Promise<AccountSwitch | undefined> {
    if (provider !== ACCOUNT_PROVIDER || !this.#rotate || this.#runtime.has(provider)) {
      return undefined;
    }
    const from = (options.key === undefined ? undefined : this.accountOf(provider, options.key))
      ?.name ?? this.#account;
    try {
      this.reload(); // accounts logged in since, and tokens refreshed by other processes
    } catch {
      // the cached contents still serve
    }
    const now = this.#deps.now();
    const rejection = refreshRejections(this.path); // auth-state.json, read once for all
    for (const candidate of rotationOrder(this.accounts(), from, options.exclude)) {
      const usage = snapshotOfAccount(this.#usage?.(candidate.entry), candidate.accountId);
      if (!isBelowLimits(usage, now)) continue;
      if (await rejection(candidate.entry, candidate.credential.refresh) !== undefined) continue;
      let key: string | undefined;
      try {
        key = await this.#storedKey(candidate.entry, options.signal);
      } catch (err) {
        if (options.signal?.aborted) throw err;
        continue; // this one cannot be used now (refresh refused, network): try the next
      }
      if (key === undefined) continue;
      this.#switchTo(candidate.name, options.reason);
      return { key, from, to: candidate.name };
    }
    return undefined;
  }

  /**
   * The refused refresh of an entry that still holds the refused refresh token (its login
   * is no longer valid), or undefined. Remembered beside auth.json (login_state.ts).
   */
  async refreshRejection(entry: string): Promise<RefreshRejection | undefined> {
    const credential = credentialIn(this.#load(), entry);
    if (!isOAuth(credential)) return undefined;
    return await refreshRejection(this.path, entry, credential.refresh);
  }

  // ---- login / logout ----

  /**
   * Runs the provider's OAuth login and stores the credential (see
   * {@link AuthStorage.storeLogin}); `options.account` stores an openai-codex login as that
   * account.
   */
  async login(
    provider: string,
    callbacks: LoginCallbacks,
    options?: AuthLoginOptions,
  ): Promise<OAuthCredential> {
    const oauth = await oauthProvider(provider);
    if (!oauth) throw await unknownProvider(provider);
    const entry = loginEntry(provider, options?.account);
    // A corrupt auth.json fails now, not after the user signed in and the code was spent.
    this.reload();
    const credential = await oauth.login(callbacks, this.#deps, options);
    return await this.storeLogin(provider, credential, { account: accountOfEntry(entry) });
  }

  /**
   * Stores a new login (`loggedInAt` now, `source` as given), keeping the fields of the old
   * entry that pi does not know. For openai-codex, a ChatGPT account already stored under
   * another account name is said (a warning) and that other entry is left as it was.
   */
  async storeLogin(
    provider: string,
    credential: OAuthCredential,
    options: StoreLoginOptions = {},
  ): Promise<OAuthCredential> {
    const entry = loginEntry(provider, options.account);
    const login: OAuthCredential = { ...structuredClone(credential), loggedInAt: this.#deps.now() };
    if (options.source !== undefined) login.source = options.source;
    else delete login.source;
    const problem = entryProblem(entry, login);
    if (problem) throw new PiError("auth.invalid_token", `Cannot store credential: ${problem}`);
    let other: string | undefined;
    await this.#mutate((data) => {
      other = accountOfEntry(entry) === undefined
        ? undefined
        : duplicateAccount(data, entry, accountIdOf(login));
      // Fields pi does not know (written by another tool) survive a new login.
      data[entry] = withKeptFields(data[entry], login);
    });
    // CONTRACT.md: the same ChatGPT account under another name is said, and nothing else
    // (that other entry included) is replaced.
    if (other !== undefined) this.#warn(duplicateAccountNotice(login, other, entry));
    return login;
  }

  /**
   * Logs out: removes the stored credential (under the lock), then revokes the removed
   * OAuth token at the issuer (best effort, at most `revokeTimeoutMs`, default 5 s). A file
   * that cannot be written fails before anything is revoked, so auth.json never keeps a
   * revoked token. A provider that is neither stored nor an OAuth provider is
   * `auth.unknown_provider`.
   */
  async logout(
    provider: string,
    options: { signal?: AbortSignal; revokeTimeoutMs?: number } = {},
  ): Promise<LogoutResult> {
    const stored = credentialIn(this.#readFile(), provider);
    const oauth = await oauthProvider(providerOfEntry(provider));
    if (stored === undefined && !oauth) throw await unknownProvider(provider);
    const entry = stored === undefined ? undefined : await this.#take(provider);
    const result: LogoutResult = { removed: entry !== undefined, revocation: "none" };
    if (isOAuth(entry) && oauth?.revoke) {
      const timeout = deadlineSignal(options.revokeTimeoutMs ?? REVOKE_TIMEOUT_MS);
      const signals = [options.signal, timeout].filter((s) => s !== undefined);
      const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
      try {
        await oauth.revoke(entry, this.#deps, signal);
        result.revocation = "revoked";
      } catch (err) {
        if (options.signal?.aborted) throw options.signal.reason;
        result.revocation = "failed";
        result.revokeError = err instanceof Error ? err.message : String(err);
      }
    }
    return result;
  }

  // ---- internals ----

  /** The entry a provider's key comes from: the active account's for openai-codex. */
  #entryFor(provider: string): string {
    return provider === ACCOUNT_PROVIDER ? accountEntry(this.#account) : provider;
  }

  /** The key stored under `entryName` (refreshed under the lock when stale), or undefined. */
  async #storedKey(entryName: string, signal?: AbortSignal): Promise<string | undefined> {
    const entry = credentialIn(this.#load(), entryName);
    if (isOAuth(entry)) {
      const oauth = await oauthProvider(providerOfEntry(entryName));
      if (!oauth) return entry.access;
      if (!this.#isStale(entry)) return oauth.getApiKey(entry);
      return oauth.getApiKey(await this.#refreshShared(entryName, false, signal));
    }
    if (entry?.type === "api_key") return entry.key;
    return undefined;
  }

  /** The active named account has no entry any more (logged out by another pi). */
  #accountGone(entryName: string): PiError {
    const name = accountOfEntry(entryName) ?? entryName;
    return new PiError(
      "auth.not_logged_in",
      `Not logged in to ${ACCOUNT_PROVIDER} account ${name}`,
      {
        hint: `run ${loginCommand(entryName)}, or pick another account (pi auth status lists them)`,
      },
    );
  }

  #switchTo(name: string, reason: string): void {
    const from = this.#account;
    this.#account = name;
    if (from === name) return;
    for (const listener of this.#accountListeners) listener({ from, to: name, reason });
  }

  #checkKey(provider: string, key: string, from: string): string {
    if (JWT_KEY_PROVIDERS.has(provider) && !isJwt(key)) {
      throw new PiError(
        "auth.invalid_token",
        `The ${provider} key from ${from} is not an access token (JWT)`,
        {
          hint:
            `${provider} needs a ChatGPT access token: run pi login ${provider}, or use --provider openai for an API key`,
        },
      );
    }
    return key;
  }

  #isStale(credential: OAuthCredential): boolean {
    return credential.expires - REFRESH_MARGIN_MS <= this.#deps.now();
  }

  #warn(message: string): void {
    if (this.warnings.includes(message)) return;
    this.warnings.push(message);
    this.#onWarning?.(message);
  }

  /** Tightens a file (0600) or directory (0700) that others can read. */
  #tighten(path: string, wanted: number): void {
    if (Deno.build.os === "windows") return;
    let mode: number | null;
    try {
      mode = Deno.statSync(path).mode;
    } catch {
      return;
    }
    if (mode === null || (mode & 0o077) === 0) return;
    try {
      Deno.chmodSync(path, wanted);
    } catch {
      this.#warn(`${path} is accessible to others (${octal(mode)}) and could not be tightened`);
      return;
    }
    this.#warn(`Tightened permissions of ${path} to ${octal(wanted)} (were ${octal(mode)})`);
  }

  /**
   * The directory of auth.json is tightened only when it is the agent directory: a store
   * kept elsewhere (`new AuthStorage("/tmp/x.json")`) must not change /tmp or $HOME.
   */
  #tightenDir(): void {
    const dir = dirname(this.path);
    if (trimTrailingSlashes(dir) === trimTrailingSlashes(this.#deps.agentDir)) {
      this.#tighten(dir, 0o700);
    }
  }

  #ensureDir(): void {
    const dir = dirname(this.path);
    try {
      Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (err) {
      throw new PiError("io", `Cannot create the directory ${dir}: ${fsErrorReason(err)}`, {
        cause: err,
      });
    }
    this.#tightenDir();
  }

  /** Reads and parses the file now (missing or empty = empty store). */
  #readFile(): Data {
    let text: string | undefined;
    try {
      text = readTextFileIfPresent(this.path);
    } catch (err) {
      throw new PiError("io", `Cannot read ${this.path}: ${fsErrorReason(err)}`, { cause: err });
    }
    if (text === undefined) return {};
    const data = parseAuthFile(text, this.path);
    this.#tightenDir();
    this.#tighten(this.path, 0o600);
    return data;
  }

  #load(): Data {
    if (this.#data === undefined) this.#data = this.#readFile();
    return this.#data;
  }

  /**
   * Writes `data` atomically: temp 0600 in the same dir → write → fsync → rename.
   * Synchronous on purpose: it runs under the lock, and with many processes starting
   * at once every hop through the I/O thread pool lengthens everyone's wait.
   */
  #write(data: Data): void {
    try {
      writeFileAtomicSync(this.path, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
    } catch (err) {
      throw new PiError("io", `Cannot write ${this.path}: ${fsErrorReason(err)}`, { cause: err });
    }
  }

  /** Removes a provider's credential under the lock; returns the removed entry. */
  async #take(provider: string): Promise<Credential | undefined> {
    let removed: Credential | undefined;
    await this.#mutate((data) => {
      removed = credentialIn(data, provider);
      if (removed === undefined) return false;
      delete data[provider];
      return true;
    });
    return removed;
  }

  /** Read-modify-write under the lock. `change` returning false skips the write. */
  async #mutate(change: (data: Data) => boolean | void): Promise<void> {
    this.#ensureDir();
    const lock = await acquireLock(this.lockPath, { timeoutMs: this.#lockTimeoutMs });
    try {
      const data = this.#readFile();
      if (change(data) !== false) this.#write(data);
      this.#data = data;
    } finally {
      lock.release();
    }
  }

  /**
   * One refresh per entry (provider or account) at a time in this process; callers share
   * it. `seenAccess` (with `force`): the token that was refused; default the one read last.
   * The shared refresh runs with no caller's signal: a caller whose `signal` aborts stops
   * waiting for it, and only when every caller has stopped does it stop waiting for the
   * lock (Ctrl+C aborts them all). A refresh request already sent is let finish and saved.
   */
  #refreshShared(
    provider: string,
    force: boolean,
    signal: AbortSignal | undefined,
    seenAccess?: string,
  ): Promise<OAuthCredential> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    let shared = this.#refreshing.get(provider);
    if (!shared) {
      if (seenAccess === undefined) {
        const seen = credentialIn(this.#load(), provider);
        seenAccess = isOAuth(seen) ? seen.access : undefined;
      }
      const stop = new AbortController();
      const seen = seenAccess;
      // Tracked until settled: a process ending on a signal waits for it (see refreshesSettled).
      const work = trackRefresh(
        this.#refreshLocked(provider, force, seen, stop.signal).then((credential) => {
          // A request still holding the replaced token keeps this entry (see refresh).
          if (seen !== undefined && credential.access !== seen) this.#replaced.set(provider, seen);
          return credential;
        }),
      );
      const started: SharedRefresh = { work, stop, waiting: 0 };
      const forget = () => {
        if (this.#refreshing.get(provider) === started) this.#refreshing.delete(provider);
      };
      work.then(forget, forget);
      this.#refreshing.set(provider, started);
      shared = started;
    }
    return this.#waitForRefresh(provider, shared, signal);
  }

  /** Waits for a shared refresh until it settles or `signal` aborts (see #refreshShared). */
  #waitForRefresh(
    provider: string,
    shared: SharedRefresh,
    signal: AbortSignal | undefined,
  ): Promise<OAuthCredential> {
    shared.waiting++;
    return new Promise<OAuthCredential>((resolve, reject) => {
      const onAbort = () => {
        reject(signal!.reason);
        if (--shared.waiting > 0) return;
        // No one waits any more: a caller that comes later starts a refresh of its own.
        if (this.#refreshing.get(provider) === shared) this.#refreshing.delete(provider);
        shared.stop.abort(signal!.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      shared.work.then(resolve, reject).finally(() => {
        signal?.removeEventListener("abort", onAbort);
      });
    });
  }

  /**
   * Refreshes the entry under the lock unless it is done already. `signal` stops the waits
   * for the lock only: the refresh request, once sent, is never abandoned (the old refresh
   * token is spent by then) and its answer is saved.
   */
  async #refreshLocked(
    provider: string,
    force: boolean,
    seenAccess: string | undefined,
    signal: AbortSignal,
  ): Promise<OAuthCredential> {
    const oauth = await oauthProvider(providerOfEntry(provider));
    if (!oauth) throw await unknownProvider(provider);
    const alreadyDone = (entry: OAuthCredential) =>
      force ? entry.access !== seenAccess : !this.#isStale(entry);
    // Writes are atomic renames, so a token another process already refreshed can be
    // taken without the lock. The decision to refresh is only ever made under it.
    const peek = this.#readFile();
    const peeked = credentialIn(peek, provider);
    if (isOAuth(peeked) && alreadyDone(peeked)) {
      this.#data = peek;
      return peeked;
    }
    this.#ensureDir();
    const locks = await fileLock();
    let lock = await locks.tryAcquireFileLock(this.lockPath);
    if (!lock) {
      // Someone holds the lock, most likely refreshing this very token. Wait for them to
      // finish together with every other waiter (a shared wait, not one by one), then
      // look again; only if it is still stale take the lock and refresh here.
      const timeoutMs = this.#lockTimeoutMs ?? locks.DEFAULT_LOCK_TIMEOUT_MS;
      const started = performance.now();
      await locks.waitForFileLock(this.lockPath, { timeoutMs, signal });
      const after = this.#readFile();
      const entry = credentialIn(after, provider);
      if (isOAuth(entry) && alreadyDone(entry)) {
        this.#data = after;
        return entry;
      }
      const remaining = Math.max(0, timeoutMs - (performance.now() - started));
      lock = await locks.acquireFileLock(this.lockPath, { timeoutMs: remaining, signal });
    }
    try {
      let data = this.#readFile();
      const stored = credentialIn(data, provider);
      if (!isOAuth(stored)) {
        this.#data = data;
        throw new PiError("auth.not_logged_in", `Not logged in to ${provider}`, {
          hint: reloginHint(provider),
        });
      }
      let current: OAuthCredential = stored;
      if (alreadyDone(current)) {
        this.#data = data;
        return current;
      }
      this.#checkWritable(provider);
      for (let attempt = 1;; attempt++) {
        let refreshed: OAuthCredential;
        try {
          // A failure here throws before anything is written: the file stays as it was.
          // Its hint names this entry's login (`--account <name>` for a named account).
          refreshed = await oauth.refresh(current, this.#deps, {
            reloginHint: reloginHint(provider),
          });
        } catch (err) {
          // Refused (invalid_grant: reused, expired, …): another tool may have rotated
          // the token outside pi's lock. Only an entry that did not change fails.
          if (!isPiError(err, "auth.refresh_failed") || attempt >= MAX_REFRESH_ATTEMPTS) {
            throw await this.#refreshFailure(provider, current, err);
          }
          const changed = this.#changedSince(provider, current);
          if (changed === undefined) throw await this.#refreshFailure(provider, current, err);
          data = changed.data;
          current = changed.entry;
          if (alreadyDone(current)) {
            this.#data = data;
            return current;
          }
          continue; // stale still: refresh the new token
        }
        this.#commitRefresh(provider, refreshed);
        return refreshed;
      }
    } finally {
      lock.release();
    }
  }

  /**
   * The error for a refresh that failed for good. A refusal by the issuer is remembered
   * (login_state.ts: `pi auth status` then says the login is no longer valid), and the hint
   * names the account to log in again; for a login imported from Codex CLI whose auth.json
   * now holds a newer token of the same account, it offers `pi login --from-codex`.
   */
  async #refreshFailure(entry: string, sent: OAuthCredential, err: unknown): Promise<unknown> {
    if (!isPiError(err)) return err;
    const { TokenRefusal } = await import("./token_exchange.ts");
    if (!isPiError(err, "auth.refresh_failed") || !(err.cause instanceof TokenRefusal)) {
      return err; // its hint names the entry's login already (passed to the provider)
    }
    await recordRefreshRejection(this.path, entry, sent.refresh, {
      at: this.#deps.now(),
      reason: err.cause.reason,
    });
    let hint = reloginHint(entry);
    if (sent.source === "codex-cli") {
      const codex = await this.#newerCodexLogin(sent);
      if (codex !== undefined) {
        const flag = accountFlag(accountOfEntry(entry) ?? DEFAULT_ACCOUNT);
        hint =
          `Codex CLI has a newer login of this account in ${codex}: run pi login --from-codex${flag} to use it, or ${hint}`;
      }
    }
    return new PiError(err.code, err.message, { hint, cause: err.cause });
  }

  /**
   * The path of Codex CLI's auth.json when it holds a login of the same ChatGPT account as
   * `sent` with another refresh token (Codex refreshed it since pi imported it). Read only.
   */
  async #newerCodexLogin(sent: OAuthCredential): Promise<string | undefined> {
    try {
      const { importCodexAuth } = await import("./codex_import.ts");
      const { credential, path } = await importCodexAuth(this.#deps);
      const sameAccount = credential.accountId !== undefined &&
        credential.accountId === accountIdOf(sent);
      return sameAccount && credential.refresh !== sent.refresh ? path : undefined;
    } catch {
      return undefined; // no Codex login (or an unreadable one): nothing to offer
    }
  }

  /**
   * Checks, before a refresh request is sent, that a temp file can be created beside
   * auth.json: a directory that cannot take it fails now, while the login is still valid.
   */
  #checkWritable(provider: string): void {
    try {
      checkWritableSync(this.path);
    } catch (err) {
      throw new PiError(
        "io",
        `Cannot refresh the ${provider} login: cannot write ${this.path} (${fsErrorReason(err)})`,
        {
          hint:
            "make its directory writable, then try again (nothing was sent: the login is still valid)",
          cause: err,
        },
      );
    }
  }

  /**
   * Saves a refreshed credential. The file is read again first (a tool that does not take
   * pi's lock may have changed another entry). The old refresh token is spent by now, so a
   * failure says plainly that the login is lost.
   */
  #commitRefresh(provider: string, refreshed: OAuthCredential): void {
    let data: Data;
    try {
      data = this.#readFile();
      data[provider] = refreshed;
      this.#write(data);
    } catch (err) {
      // #readFile's and #write's errors: fsErrorReason reads the file system's error in them.
      throw new PiError(
        "auth.refresh_failed",
        `Refreshed the ${provider} login but could not save it to ${this.path} (${
          fsErrorReason(err)
        }); the old login is no longer valid: run ${loginCommand(provider)}`,
        { cause: err },
      );
    }
    this.#data = data;
  }

  /** The entry on disk now, if its refresh token is no longer `sent.refresh`. Never throws. */
  #changedSince(
    provider: string,
    sent: OAuthCredential,
  ): { data: Data; entry: OAuthCredential } | undefined {
    let data: Data;
    try {
      data = this.#readFile();
    } catch {
      return undefined;
    }
    const entry = credentialIn(data, provider);
    if (!isOAuth(entry) || entry.refresh === sent.refresh) return undefined;
    return { data, entry };
  }
}
