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
import { isJwt } from "./jwt.ts";
import type {
  Credential,
  KeySource,
  LoginCallbacks,
  LoginOptions,
  OAuthCredential,
  OAuthProvider,
} from "./types.ts";

/** The fields of an OAuth entry pi writes; any other field is someone else's and is kept. */
const OAUTH_FIELDS = new Set(["type", "access", "refresh", "expires", "accountId", "key"]);

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

/** The name of an account entry `openai-codex:<name>` (CONTRACT.md: Accounts). */
const ACCOUNT_NAME = /^[a-z0-9][a-z0-9._-]{0,31}$/;
const ACCOUNT_PREFIX = "openai-codex:";

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
  return name.startsWith(ACCOUNT_PREFIX) && ACCOUNT_NAME.test(name.slice(ACCOUNT_PREFIX.length));
}

/** The command that logs in again: `pi login openai-codex [--account <name>]`. */
function loginCommand(provider: string): string {
  if (provider.startsWith(ACCOUNT_PREFIX)) {
    return `pi login openai-codex --account ${provider.slice(ACCOUNT_PREFIX.length)}`;
  }
  return `pi login ${provider}`;
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
  #refreshing = new Map<string, Promise<OAuthCredential>>();

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
   * `signal` (Ctrl+C) stops a wait for the refresh lock; a refresh request already sent
   * is let finish, so that a rotated refresh token is never lost.
   */
  async getApiKey(
    provider: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<string | undefined> {
    const runtime = this.#runtime.get(provider);
    if (runtime !== undefined) return this.#checkKey(provider, runtime, "--api-key");
    const entry = credentialIn(this.#load(), provider);
    if (isOAuth(entry)) {
      const oauth = await oauthProvider(provider);
      if (!oauth) return entry.access;
      if (!this.#isStale(entry)) return oauth.getApiKey(entry);
      return oauth.getApiKey(await this.#refreshShared(provider, false, options.signal));
    }
    if (entry?.type === "api_key") return entry.key;
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
    const entry = credentialIn(this.#load(), provider);
    if (isOAuth(entry)) return "oauth";
    if (entry?.type === "api_key") return "api_key";
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
   * returned as they are. `signal` stops a wait for the refresh lock (as in getApiKey).
   */
  async refresh(
    provider: string,
    options: { force?: boolean; signal?: AbortSignal } = {},
  ): Promise<string | undefined> {
    const entry = credentialIn(this.#load(), provider);
    const oauth = await oauthProvider(provider);
    if (!isOAuth(entry) || !oauth || this.#runtime.has(provider)) {
      return await this.getApiKey(provider, { signal: options.signal });
    }
    return oauth.getApiKey(
      await this.#refreshShared(provider, options.force === true, options.signal),
    );
  }

  // ---- login / logout ----

  /** Runs the provider's OAuth login and stores the credential. */
  async login(
    provider: string,
    callbacks: LoginCallbacks,
    options?: LoginOptions,
  ): Promise<OAuthCredential> {
    const oauth = await oauthProvider(provider);
    if (!oauth) throw await unknownProvider(provider);
    // A corrupt auth.json fails now, not after the user signed in and the code was spent.
    this.reload();
    const credential = await oauth.login(callbacks, this.#deps, options);
    const problem = entryProblem(provider, credential);
    if (problem) throw new PiError("auth.invalid_token", `Cannot store credential: ${problem}`);
    await this.#mutate((data) => {
      // Fields pi does not know (written by another tool) survive a new login.
      data[provider] = withKeptFields(data[provider], credential);
    });
    return credential;
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
    const oauth = await oauthProvider(provider);
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

  /** One refresh per provider at a time in this process; callers share the promise. */
  #refreshShared(
    provider: string,
    force: boolean,
    signal: AbortSignal | undefined,
  ): Promise<OAuthCredential> {
    const running = this.#refreshing.get(provider);
    if (running) return running;
    const seen = credentialIn(this.#load(), provider);
    const seenAccess = isOAuth(seen) ? seen.access : undefined;
    // Tracked until settled: a process ending on a signal waits for it (see refreshesSettled).
    const promise = trackRefresh(this.#refreshLocked(provider, force, seenAccess, signal))
      .finally(() => {
        this.#refreshing.delete(provider);
      });
    this.#refreshing.set(provider, promise);
    return promise;
  }

  async #refreshLocked(
    provider: string,
    force: boolean,
    seenAccess: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<OAuthCredential> {
    const oauth = await oauthProvider(provider);
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
          hint: `run /login (or pi login ${provider})`,
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
          refreshed = await oauth.refresh(current, this.#deps);
        } catch (err) {
          // Refused (invalid_grant: reused, expired, …): another tool may have rotated
          // the token outside pi's lock. Only an entry that did not change fails.
          if (!isPiError(err, "auth.refresh_failed") || attempt >= MAX_REFRESH_ATTEMPTS) {
            throw err;
          }
          const changed = this.#changedSince(provider, current);
          if (changed === undefined) throw err;
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
      writeFileAtomicSync(this.path, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
    } catch (err) {
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
