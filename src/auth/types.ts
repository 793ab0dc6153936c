/**
 * Credential shapes and the interfaces that connect AuthStorage, the OAuth providers,
 * the streaming clients and the model registry.
 * @module
 */

import type { Deps } from "../deps.ts";

/** An OAuth credential as stored in auth.json. Unknown fields are kept. */
export interface OAuthCredential {
  /** Always `oauth`. */
  type: "oauth";
  /** Access token (for openai-codex a JWT). */
  access: string;
  /** Refresh token; rotates on every refresh. */
  refresh: string;
  /** Expiry of `access`, epoch milliseconds. */
  expires: number;
  /** ChatGPT account id (openai-codex). */
  accountId?: string;
  /** When this login was made (epoch ms): set by a login or import, kept by refreshes. */
  loggedInAt?: number;
  /** Where the login came from when not a login of pi's own: `codex-cli` (`--from-codex`). */
  source?: string;
  /** Fields pi does not know are kept as they are. */
  [field: string]: unknown;
}

/** An API key as stored in auth.json. Unknown fields are kept. */
export interface ApiKeyCredential {
  /** Always `api_key`. */
  type: "api_key";
  /** The API key. */
  key: string;
  /** Fields pi does not know are kept as they are. */
  [field: string]: unknown;
}

/** What auth.json holds for one provider. */
export type Credential = OAuthCredential | ApiKeyCredential;

/** What a login shows and asks (CONTRACT.md: Library). */
export interface LoginCallbacks {
  /** The URL to open, and what to tell the user. */
  onAuth(info: { url: string; instructions?: string }): void;
  /**
   * Asks the user for text (the pasted redirect URL or code). `signal` aborts when the
   * browser callback won the race and the answer is no longer needed.
   */
  onPrompt(
    prompt: { message: string; placeholder?: string; signal?: AbortSignal },
  ): Promise<string>;
  /** Progress messages ("Waiting for the browser…"). */
  onProgress?(message: string): void;
  /** Device-code login: the code and where to enter it. */
  onDeviceCode?(info: { userCode: string; verificationUrl: string }): void;
  /** Cancels the login. */
  signal?: AbortSignal;
}

/** Options of a login, beyond the callbacks. */
export interface LoginOptions {
  /** Use the device-code flow instead of the browser. */
  device?: boolean;
  /** Do not try to open a browser; show the URL only. */
  noBrowser?: boolean;
}

/** Options of an OAuth refresh, beyond the credential. */
export interface OAuthRefreshOptions {
  /**
   * How to log in again, for the hint of a failed refresh (e.g. `run pi login openai-codex
   * --account work` for a named account); default: the provider's own login.
   */
  reloginHint?: string;
}

/** An OAuth provider: a second one is one more file (see oauth_providers.ts). */
export interface OAuthProvider {
  /** Provider id, e.g. `openai-codex`. */
  readonly id: string;
  /** Display name, e.g. "ChatGPT Plus/Pro (Codex Subscription)". */
  readonly name: string;
  /** Runs the login and returns the credential to store. */
  login(callbacks: LoginCallbacks, deps: Deps, options?: LoginOptions): Promise<OAuthCredential>;
  /** Exchanges the refresh token; throws PiError auth.refresh_failed / auth.refresh_network. */
  refresh(
    credential: OAuthCredential,
    deps: Deps,
    options?: OAuthRefreshOptions,
  ): Promise<OAuthCredential>;
  /** The bearer key to send for a credential (usually `access`). */
  getApiKey(credential: OAuthCredential): string;
  /** Best-effort revocation at logout. */
  revoke?(credential: OAuthCredential, deps: Deps, signal?: AbortSignal): Promise<void>;
}

/** One stored account of a provider with accounts (openai-codex). */
export interface AccountRef {
  /** The account name: `default`, or the `<name>` of `openai-codex:<name>`. */
  name: string;
  /** Its auth.json entry: `openai-codex` or `openai-codex:<name>`. */
  entry: string;
  /** Its ChatGPT account id, when known. */
  accountId?: string;
}

/** A move to another account after a usage limit (see {@link KeySource.nextAccount}). */
export interface AccountSwitch {
  /** The key of the account moved to. */
  key: string;
  /** The account that hit its limit. */
  from: string;
  /** The account moved to (now the active one). */
  to: string;
}

/** What the streaming clients and the model registry need from AuthStorage. */
export interface KeySource {
  /** The key for a provider, following the resolution chain; undefined if none. */
  getApiKey(provider: string, options?: { signal?: AbortSignal }): Promise<string | undefined>;
  /**
   * Forces a refresh after a 401; returns the new key. `key` is the key that was refused:
   * the credential it belongs to is the one refreshed (the active account may have changed
   * since it was handed out). When that credential was refreshed after `key` was handed out
   * (another request's 401), its current key is the answer, without a second refresh.
   */
  refresh(
    provider: string,
    options?: { force?: boolean; signal?: AbortSignal; key?: string },
  ): Promise<string | undefined>;
  /** Whether a key for the provider exists anywhere in the chain (no network). */
  hasKey?(provider: string): boolean;
  /** Whether a usage limit moves a request to the next account (`--rotate-accounts`). */
  readonly accountRotation?: boolean;
  /** The stored account whose key `key` is, for a provider with accounts; else undefined. */

  accountOf?(provider: string, key: string): AccountRef | undefined;
  /** The names of the logged-in accounts other than the one `key` belongs to. */
  otherAccounts?(provider: string, key?: string): string[];
  /**
   * After `key` hit its usage limit (`reason`, e.g. `usage_limit_reached`): the key of the
   * next account whose latest usage is below its limits, which becomes the active one; or
   * undefined when rotation is off or no account is left. `exclude` names accounts already
   * tried for this request.
   */
  nextAccount?(provider: string, options: NextAccountOptions): Promise<AccountSwitch | undefined>;
}

/** What {@link KeySource.nextAccount} is asked with. */
export interface NextAccountOptions {
  /** Why the account is left (e.g. `usage_limit_reached`). */
  reason: string;
  /** The key that hit the limit (its account is the one left). */
  key?: string;
  /** Accounts already tried for this request. */
  exclude?: ReadonlySet<string>;
  /** Aborts a refresh of the next account's key. */
  signal?: AbortSignal;
}
