/**
 * Device-code login (CONTRACT.md): POST `usercode` `{client_id}` → show the code and the
 * verification page → poll `token` `{device_auth_id, user_code}` (403/404 = not yet) →
 * `{authorization_code, code_verifier}`, exchanged like a browser code. Pure request
 * builders and response processors, and one polling loop.
 * @module
 */

import { PiError } from "../errors.ts";
import { redact } from "../redact.ts";
import { abortableSleep as sleep } from "../sleep.ts";

/** What the `usercode` endpoint returned. */
export interface DeviceCode {
  /** Opaque id to poll with. */
  deviceAuthId: string;
  /** The code the user types on the verification page. */
  userCode: string;
  /** Polling interval in milliseconds. */
  intervalMs: number;
}

/** The device login's authorization, ready for the code exchange. */
export interface DeviceAuthorization {
  /** The authorization code. */
  authorizationCode: string;
  /** The PKCE verifier the issuer generated for this device login. */
  codeVerifier: string;
}

/** Default polling interval when the server gives none. */
export const DEVICE_DEFAULT_INTERVAL_MS = 5000;
/** The device login gives up after 15 minutes. */
export const DEVICE_TIMEOUT_MS = 15 * 60 * 1000;

/**
 * The `usercode` request: JSON POST `{client_id}`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildDeviceCodeRequest } from "./device_login.ts";
 * const r = buildDeviceCodeRequest("https://auth.example.com/api/accounts/deviceauth/usercode", "my-client");
 * assert.deepEqual(await r.json(), { client_id: "my-client" });
 * ```
 */
export function buildDeviceCodeRequest(endpoint: string, clientId: string): Request {
  return new Request(endpoint, {
    method: "POST",
    headers: { "content-type": "application/json", "accept": "application/json" },
    body: JSON.stringify({ client_id: clientId }),
  });
}

function intervalMs(value: unknown): number {
  const seconds = typeof value === "number" ? value : Number(value);
  if (value === undefined || value === null || value === "" || !Number.isFinite(seconds)) {
    return DEVICE_DEFAULT_INTERVAL_MS;
  }
  return Math.max(1000, Math.min(60_000, seconds * 1000));
}

/** The JSON object of a 2xx reply; a clear `auth.login_failed` for anything else. */
async function replyJson(response: Response): Promise<Record<string, unknown>> {
  if (!response.ok) {
    const text = redact(await response.text().catch(() => "")).slice(0, 200).replace(/\s+/g, " ");
    const hint = response.status === 404
      ? "device login may not be enabled for this account or issuer; use pi login without --device"
      : "run pi login --device again";
    throw new PiError(
      "auth.login_failed",
      `Device login failed: HTTP ${response.status}${text ? ` (${text.trim()})` : ""}`,
      { hint },
    );
  }
  try {
    return await response.json();
  } catch {
    throw new PiError("auth.login_failed", "Device login failed: the reply is not JSON");
  }
}

/** Validates the `usercode` reply `{device_auth_id, user_code, interval}`. */
export async function processDeviceCodeResponse(response: Response): Promise<DeviceCode> {
  const json = await replyJson(response);
  const deviceAuthId = json?.device_auth_id;
  const userCode = json?.user_code ?? json?.usercode;
  if (typeof deviceAuthId !== "string" || typeof userCode !== "string" || userCode === "") {
    throw new PiError(
      "auth.login_failed",
      "Device login failed: the reply has no device_auth_id or user_code",
    );
  }
  return { deviceAuthId, userCode, intervalMs: intervalMs(json.interval) };
}

/** The polling request: JSON POST `{device_auth_id, user_code}`. */
export function buildDeviceTokenRequest(endpoint: string, code: DeviceCode): Request {
  return new Request(endpoint, {
    method: "POST",
    headers: { "content-type": "application/json", "accept": "application/json" },
    body: JSON.stringify({ device_auth_id: code.deviceAuthId, user_code: code.userCode }),
  });
}

/** One poll's result: not yet (403/404), or the authorization. */
export type DevicePollResult = { pending: true } | ({ pending: false } & DeviceAuthorization);

/** Validates a polling reply: 403/404 → pending; 2xx → `{authorization_code, code_verifier}`. */
export async function processDeviceTokenResponse(response: Response): Promise<DevicePollResult> {
  if (response.status === 403 || response.status === 404) {
    await response.body?.cancel();
    return { pending: true };
  }
  const json = await replyJson(response);
  const authorizationCode = json?.authorization_code;
  const codeVerifier = json?.code_verifier;
  if (typeof authorizationCode !== "string" || typeof codeVerifier !== "string") {
    throw new PiError(
      "auth.login_failed",
      "Device login failed: the reply has no authorization_code or code_verifier",
    );
  }
  return { pending: false, authorizationCode, codeVerifier };
}

/** Options of {@link pollDeviceAuthorization}. */
export interface PollDeviceOptions {
  /** The `token` polling endpoint. */
  endpoint: string;
  /** HTTP client. */
  fetch: typeof fetch;
  /** Clock (epoch ms). */
  now(): number;
  /** Give up after this long (default 15 minutes). */
  timeoutMs?: number;
  /** Cancels polling (Ctrl+C). */
  signal?: AbortSignal;
}

/** Polls until the user has entered the code, the limit passes, or the signal aborts. */
export async function pollDeviceAuthorization(
  code: DeviceCode,
  options: PollDeviceOptions,
): Promise<DeviceAuthorization> {
  const deadline = options.now() + (options.timeoutMs ?? DEVICE_TIMEOUT_MS);
  while (true) {
    let response: Response;
    try {
      response = await options.fetch(buildDeviceTokenRequest(options.endpoint, code), {
        signal: options.signal,
      });
    } catch (err) {
      if (options.signal?.aborted) throw options.signal.reason;
      throw new PiError("auth.login_failed", "Device login failed: cannot reach the issuer", {
        hint: "check the network (HTTPS_PROXY) and run pi login --device again",
        cause: err,
      });
    }
    const result = await processDeviceTokenResponse(response);
    if (!result.pending) {
      return { authorizationCode: result.authorizationCode, codeVerifier: result.codeVerifier };
    }
    const left = deadline - options.now();
    if (left <= 0) {
      throw new PiError("auth.login_timeout", "Device login timed out after 15 minutes", {
        hint: "run pi login --device again and enter the code sooner",
      });
    }
    await sleep(Math.min(code.intervalMs, left), options.signal);
  }
}
