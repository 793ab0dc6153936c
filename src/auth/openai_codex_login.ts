/**
 * The interactive login flows of openai-codex: browser + PKCE with the local callback
 * server (racing a manual paste), and device code. Issuer, client id and endpoint paths
 * are options, so the same code logs in against any standard OAuth server.
 * @module
 */

import type { Deps } from "../deps.ts";
import { isPiError, PiError } from "../errors.ts";
import { bindCallbackServer, CALLBACK_PATH } from "./callback_server.ts";
import {
  buildDeviceCodeRequest,
  DEVICE_TIMEOUT_MS,
  type DeviceAuthorization,
  pollDeviceAuthorization,
  processDeviceCodeResponse,
} from "./device_login.ts";
import { checkManualInput } from "./manual_input.ts";
import {
  codexIssuer,
  credentialFromTokenResponse,
  OPENAI_CODEX_CLIENT_ID,
  OPENAI_CODEX_SCOPE,
} from "./openai_codex.ts";
import { buildAuthorizeUrl, generatePkce, generateState } from "./pkce.ts";
import { exchangeCode } from "./token_exchange.ts";
import type { LoginCallbacks, LoginOptions, OAuthCredential } from "./types.ts";
import { trimTrailingSlashes } from "../atomic_file.ts";
import { oneLine } from "../one_line.ts";

/** The browser login gives up after 5 minutes. */
export const LOGIN_TIMEOUT_MS = 5 * 60 * 1000;

/**
 * Endpoint paths below the issuer; each can be overridden for another OAuth server.
 */
export interface OpenAICodexPaths {
  /** Authorize endpoint (default `/oauth/authorize`). */
  authorize: string;
  /** Token endpoint (default `/oauth/token`). */
  token: string;
  /** Device login: user code endpoint (default `/api/accounts/deviceauth/usercode`). */
  deviceUserCode: string;
  /** Device login: polling endpoint (default `/api/accounts/deviceauth/token`). */
  deviceToken: string;
  /** Device login: the page shown to the user (default `/codex/device`). */
  deviceVerification: string;
  /** Device login: redirect URI of the code exchange (default `/deviceauth/callback`). */
  deviceCallback: string;
}

/** Endpoint paths below the issuer (CONTRACT.md). */
export const OPENAI_CODEX_PATHS: Readonly<OpenAICodexPaths> = {
  authorize: "/oauth/authorize",
  token: "/oauth/token",
  deviceUserCode: "/api/accounts/deviceauth/usercode",
  deviceToken: "/api/accounts/deviceauth/token",
  deviceVerification: "/codex/device",
  deviceCallback: "/deviceauth/callback",
};

/** The authorize parameters only OpenAI's issuer knows, beyond standard OAuth + PKCE. */
export const OPENAI_CODEX_AUTHORIZE_EXTRAS: Readonly<Record<string, string>> = {
  id_token_add_organizations: "true",
  codex_cli_simplified_flow: "true",
  originator: "pi",
};

/**
 * Options of {@link loginOpenAICodex}; every default follows CONTRACT.md. Issuer, client
 * id and paths make the same flow work against any standard OAuth server.
 */
export interface OpenAICodexLoginOptions extends LoginOptions {
  /** Issuer base URL (default `$PI_OPENAI_CODEX_ISSUER` or `https://auth.openai.com`). */
  issuer?: string;
  /** OAuth client id (default the Codex CLI's, `app_EMoamEEZ73f0CkXaXp7hrann`). */
  clientId?: string;
  /** Scopes (default `openid profile email offline_access`). */
  scope?: string;
  /** Endpoint paths below the issuer (default {@link OPENAI_CODEX_PATHS}). */
  paths?: Partial<OpenAICodexPaths>;
  /** Extra authorize parameters (default {@link OPENAI_CODEX_AUTHORIZE_EXTRAS}). */
  authorizeExtras?: Record<string, string>;
  /** Pins the callback port (default `$PI_OAUTH_CALLBACK_PORT`; else 1455, then 1457). */
  callbackPort?: number;
  /** Browser login limit (default 5 minutes). */
  timeoutMs?: number;
  /** Device login limit (default 15 minutes). */
  deviceTimeoutMs?: number;
}

interface Config {
  issuer: string;
  clientId: string;
  scope: string;
  paths: OpenAICodexPaths;
  extras: Record<string, string>;
  pinnedPort: number | undefined;
  timeoutMs: number;
  deviceTimeoutMs: number;
}

/** Reads `PI_OAUTH_CALLBACK_PORT`; throws a usage error when it is not a port number. */
export function parseCallbackPort(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const port = Number(value.trim());
  if (!/^\d+$/.test(value.trim()) || port < 1 || port > 65535) {
    throw new PiError("usage", `PI_OAUTH_CALLBACK_PORT is not a port number: ${value}`, {
      hint: "use a number from 1 to 65535 (the issuer accepts 1455 and 1457), or unset it",
    });
  }
  return port;
}

function config(deps: Deps, options: OpenAICodexLoginOptions): Config {
  return {
    issuer: trimTrailingSlashes(options.issuer ?? codexIssuer(deps)),
    clientId: options.clientId ?? OPENAI_CODEX_CLIENT_ID,
    scope: options.scope ?? OPENAI_CODEX_SCOPE,
    paths: { ...OPENAI_CODEX_PATHS, ...options.paths },
    extras: options.authorizeExtras ?? { ...OPENAI_CODEX_AUTHORIZE_EXTRAS },
    pinnedPort: options.callbackPort ?? parseCallbackPort(deps.env("PI_OAUTH_CALLBACK_PORT")),
    timeoutMs: options.timeoutMs ?? LOGIN_TIMEOUT_MS,
    deviceTimeoutMs: options.deviceTimeoutMs ?? DEVICE_TIMEOUT_MS,
  };
}

function interrupted(signal: AbortSignal): unknown {
  return isPiError(signal.reason)
    ? signal.reason
    : new PiError("interrupted", "Login interrupted", { cause: signal.reason });
}

function minutes(ms: number): string {
  const m = Math.round(ms / 60_000);
  return m >= 1 ? `${m} minute${m === 1 ? "" : "s"}` : `${Math.round(ms / 1000)} seconds`;
}

const never = new Promise<never>(() => {});

/**
 * How many answers in a row may bring no code before the paste prompt gives up: far more
 * than anyone types, but an `onPrompt` that answers at once without asking anyone (a
 * closed stdin read as `""`) must not spin until the time limit.
 */
export const MAX_PASTE_ATTEMPTS = 50;

/** What the paste prompt needs of the login it belongs to. */
interface PasteContext {
  callbacks: LoginCallbacks;
  state: string;
  redirectUri: string;
  /** Whether a callback server is listening too (the browser can still finish the login). */
  racing: boolean;
  /** Aborts when the login is over (callback won, time limit, Ctrl+C). */
  signal: AbortSignal;
  /** Exchanges a code for the credential. */
  exchange(code: string, signal: AbortSignal): Promise<OAuthCredential>;
}

/** `error` as the one line a user reads: message and hint, no escape sequences. */
function problemLine(err: unknown): string {
  if (isPiError(err)) return oneLine(err.hint ? `${err.message}; ${err.hint}` : err.message);
  return oneLine(err instanceof Error ? err.message : String(err));
}

/**
 * Asks for the redirect URL (or code) until a pasted one logs in. An empty answer is asked
 * again; a text without a code, a `state` from another login or a code the issuer does not
 * take is reported in one line (`onProgress`, else in front of the next question) and asked
 * again, while the callback server (if any) keeps waiting. A prompt that fails (stdin
 * closed) stops the pasting when a callback server can still finish the login, and ends the
 * login when nothing else can. An interruption always ends the login.
 */
async function pasteLogin(ctx: PasteContext): Promise<OAuthCredential> {
  const { callbacks, signal } = ctx;
  const question = ctx.racing
    ? "Or paste the redirect URL (or code) here"
    : "Paste the URL the browser ends on (or the code)";
  let problem: string | undefined;
  for (let attempt = 1;; attempt++) {
    let text: string;
    try {
      text = await callbacks.onPrompt({
        message: problem !== undefined && !callbacks.onProgress
          ? `${problem}. ${question}`
          : question,
        placeholder: `${ctx.redirectUri}?code=…&state=…`,
        signal,
      });
    } catch (err) {
      if (signal.aborted) return never;
      if (!ctx.racing || isPiError(err, "interrupted")) throw err;
      // The prompt cannot ask any more (stdin ended), but the browser can still finish.
      const why = oneLine(err instanceof Error ? err.message : String(err));
      callbacks.onProgress?.(`${why}: still waiting for the browser (Ctrl+C cancels)`);
      return never;
    }
    if (signal.aborted) return never;
    let error: PiError | undefined; // undefined: an empty answer, simply asked again
    if (text.trim() !== "") {
      const checked = checkManualInput(text, ctx.state);
      if (!checked.ok && !checked.retry) throw checked.error;
      if (checked.ok) {
        callbacks.onProgress?.("Exchanging the authorization code for tokens…");
        try {
          return await ctx.exchange(checked.code, signal);
        } catch (err) {
          if (signal.aborted) return never;
          error = new PiError(
            "auth.login_failed",
            `The pasted code did not log in: ${
              oneLine(err instanceof Error ? err.message : String(err))
            }`,
            { hint: "check it, or paste the whole redirect URL again", cause: err },
          );
        }
      } else {
        error = checked.error;
      }
    }
    if (attempt >= MAX_PASTE_ATTEMPTS) {
      if (ctx.racing) return never; // stop asking; the browser can still finish
      throw error ?? new PiError("auth.login_failed", "No code was entered", {
        hint: "paste the redirect URL the browser ends on, or run pi login --device",
      });
    }
    if (error !== undefined) {
      problem = problemLine(error);
      callbacks.onProgress?.(problem);
    }
  }
}

async function browserLogin(
  callbacks: LoginCallbacks,
  deps: Deps,
  cfg: Config,
  noBrowser: boolean,
): Promise<OAuthCredential> {
  const outer = callbacks.signal;
  if (outer?.aborted) throw interrupted(outer);
  const pkce = await generatePkce(deps.randomBytes);
  const state = generateState(deps.randomBytes);
  const bound = await bindCallbackServer({
    state,
    pinnedPort: cfg.pinnedPort,
    signal: outer,
    onProgress: callbacks.onProgress,
  });
  const server = "server" in bound ? bound.server : undefined;
  const inner = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const onOuterAbort = () => inner.abort(interrupted(outer!));
  outer?.addEventListener("abort", onOuterAbort, { once: true });
  try {
    const port = server ? server.port : (bound as { busyPort: number }).busyPort;
    const redirectUri = server?.redirectUri ?? `http://localhost:${port}${CALLBACK_PATH}`;
    if (!server) {
      callbacks.onProgress?.(
        `Port ${port} already in use${
          cfg.pinnedPort === undefined ? " (and 1457)" : " (PI_OAUTH_CALLBACK_PORT)"
        }: finish the login by pasting the URL the browser ends on`,
      );
    }
    const url = buildAuthorizeUrl({
      authorizeEndpoint: cfg.issuer + cfg.paths.authorize,
      clientId: cfg.clientId,
      redirectUri,
      scope: cfg.scope,
      codeChallenge: pkce.challenge,
      state,
      extraParams: cfg.extras,
    }).href;
    const exchange = async (code: string, signal?: AbortSignal) =>
      credentialFromTokenResponse(
        await exchangeCode(
          {
            tokenEndpoint: cfg.issuer + cfg.paths.token,
            code,
            redirectUri,
            clientId: cfg.clientId,
            codeVerifier: pkce.verifier,
          },
          { fetch: deps.fetch, signal },
        ),
        deps,
      );

    const stopped = new Promise<never>((_, reject) => {
      inner.signal.addEventListener("abort", () => reject(inner.signal.reason), { once: true });
      timer = setTimeout(() => {
        inner.abort(
          new PiError("auth.login_timeout", `Login timed out after ${minutes(cfg.timeoutMs)}`, {
            hint: "run pi login again (or pi login --device)",
          }),
        );
      }, cfg.timeoutMs);
    });
    stopped.catch(() => {});
    const contenders: Promise<{ code: string } | { credential: OAuthCredential }>[] = [stopped];
    if (server) {
      const called = server.code.then((code) => ({ code }));
      called.catch(() => {}); // a /cancel while the browser starts: the race reports it
      contenders.push(called);
    }

    callbacks.onAuth({
      url,
      instructions: server
        ? `Sign in in the browser; pi is waiting on ${redirectUri}`
        : "Sign in in the browser, then paste the URL it ends on (the page will not load)",
    });
    // The paste prompt races the callback; whichever brings a working code first wins. It is
    // open before the browser is started: what is pasted as soon as the instructions show
    // goes to it (the browser may take a while to start, and finish the sign-in at once).
    const pasted = pasteLogin({
      callbacks,
      state,
      redirectUri,
      racing: !!server,
      signal: inner.signal,
      exchange,
    }).then((credential) => ({ credential }));
    // Its failure (stdin ended) may come while the browser is being started: the race below
    // reports it; until then it must not count as unhandled.
    pasted.catch(() => {});
    contenders.push(pasted);
    if (!noBrowser) {
      const opened = await deps.openUrl(url);
      if (!opened && !inner.signal.aborted) {
        callbacks.onProgress?.(
          "Could not open a browser: open the URL above yourself (or use pi login --device)",
        );
      }
    }
    const won = await Promise.race(contenders);
    inner.abort(new PiError("auth.login_cancelled", "Login finished"));
    if ("credential" in won) return won.credential;
    callbacks.onProgress?.("Exchanging the authorization code for tokens…");
    return await exchange(won.code, outer);
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener("abort", onOuterAbort);
    if (!inner.signal.aborted) inner.abort(new PiError("auth.login_cancelled", "Login finished"));
    await server?.close();
  }
}

async function deviceLogin(
  callbacks: LoginCallbacks,
  deps: Deps,
  cfg: Config,
): Promise<OAuthCredential> {
  const signal = callbacks.signal;
  if (signal?.aborted) throw interrupted(signal);
  let response: Response;
  try {
    response = await deps.fetch(
      buildDeviceCodeRequest(cfg.issuer + cfg.paths.deviceUserCode, cfg.clientId),
      { signal },
    );
  } catch (err) {
    if (signal?.aborted) throw interrupted(signal);
    throw new PiError("auth.login_failed", `Device login failed: cannot reach ${cfg.issuer}`, {
      hint: "check the network (HTTPS_PROXY) and PI_OPENAI_CODEX_ISSUER",
      cause: err,
    });
  }
  const code = await processDeviceCodeResponse(response);
  const verificationUrl = cfg.issuer + cfg.paths.deviceVerification;
  if (callbacks.onDeviceCode) {
    callbacks.onDeviceCode({ userCode: code.userCode, verificationUrl });
  } else {
    callbacks.onAuth({
      url: verificationUrl,
      instructions: `Open the URL and enter the code ${code.userCode}`,
    });
  }
  let authorization: DeviceAuthorization;
  try {
    authorization = await pollDeviceAuthorization(code, {
      endpoint: cfg.issuer + cfg.paths.deviceToken,
      fetch: deps.fetch,
      now: deps.now,
      timeoutMs: cfg.deviceTimeoutMs,
      signal,
    });
  } catch (err) {
    if (signal?.aborted) throw interrupted(signal);
    throw err;
  }
  callbacks.onProgress?.("Exchanging the authorization code for tokens…");
  const tokens = await exchangeCode(
    {
      tokenEndpoint: cfg.issuer + cfg.paths.token,
      code: authorization.authorizationCode,
      redirectUri: cfg.issuer + cfg.paths.deviceCallback,
      clientId: cfg.clientId,
      codeVerifier: authorization.codeVerifier,
    },
    { fetch: deps.fetch, signal },
  );
  return credentialFromTokenResponse(tokens, deps);
}

/**
 * Runs the openai-codex login and returns the credential to store: the browser flow
 * (callback server on 1455/1457 racing a manual paste), or with `device: true` the
 * device-code flow. Throws `PiError` (`auth.login_cancelled`, `auth.login_timeout`,
 * `auth.state_mismatch`, `auth.login_failed`, `interrupted`).
 *
 * @example
 * ```ts ignore
 * import { createDeps, loginOpenAICodex } from "./mod.ts";
 * const credential = await loginOpenAICodex({
 *   onAuth: ({ url }) => console.log(`Open ${url}`),
 *   onPrompt: async ({ message }) => prompt(message) ?? "",
 * }, createDeps());
 * console.log(credential.accountId);
 * ```
 */
export async function loginOpenAICodex(
  callbacks: LoginCallbacks,
  deps: Deps,
  options: OpenAICodexLoginOptions = {},
): Promise<OAuthCredential> {
  const cfg = config(deps, options);
  try {
    return options.device
      ? await deviceLogin(callbacks, deps, cfg)
      : await browserLogin(callbacks, deps, cfg, options.noBrowser === true);
  } catch (err) {
    if (callbacks.signal?.aborted) throw interrupted(callbacks.signal);
    throw err;
  }
}
