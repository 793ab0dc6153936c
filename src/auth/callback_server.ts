/**
 * The local callback server of a browser login: `Deno.serve` on `127.0.0.1`, answering
 * `/auth/callback` (state checked: wrong or missing → 400 and keep waiting) and
 * `/cancel` (ends the waiting login and frees the port); anything else is 404.
 * {@link handleCallbackRequest} is the pure part; {@link startCallbackServer} and
 * {@link bindCallbackServer} do the I/O, including the port choice of CONTRACT.md
 * (1455 → `/cancel` handshake → retry ~2 s → 1457 → give up).
 * @module
 */

import { PiError } from "../errors.ts";
import { abortableSleep as sleep } from "../sleep.ts";

/** The path the issuer redirects to. */
export const CALLBACK_PATH = "/auth/callback";
/** The registered callback port, and the fallback tried when it stays busy. */
export const DEFAULT_CALLBACK_PORTS = [1455, 1457] as const;

/** How a request to the callback server ends the wait, if it does. */
export type CallbackOutcome =
  | { type: "code"; code: string }
  | { type: "error"; error: string; description?: string }
  | { type: "cancel" };

/** The reply to one request, and whether it ends the wait. */
export interface CallbackReply {
  /** HTTP status. */
  status: number;
  /** Page title (the body is a small HTML page built from title and text). */
  title: string;
  /** One sentence for the page. */
  text: string;
  /** Set when this request ends the login (success, issuer error, or `/cancel`). */
  outcome?: CallbackOutcome;
}

/**
 * What the callback server answers to a request: pure, so every case is a plain-value
 * test. A wrong or missing `state` is a 400 that does not end the wait (a stale tab or a
 * forged request must not break the real login).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { handleCallbackRequest } from "./callback_server.ts";
 * const url = new URL("http://localhost:1455/auth/callback?code=abc&state=s1");
 * assert.deepEqual(handleCallbackRequest({ method: "GET", url }, "s1").outcome, { type: "code", code: "abc" });
 * assert.equal(handleCallbackRequest({ method: "GET", url }, "other").status, 400);
 * ```
 */
export function handleCallbackRequest(
  request: { method: string; url: URL },
  expectedState: string,
): CallbackReply {
  const { method, url } = request;
  if (url.pathname === "/cancel") {
    return {
      status: 200,
      title: "Login cancelled",
      text: "The waiting login was cancelled.",
      outcome: { type: "cancel" },
    };
  }
  if (url.pathname !== CALLBACK_PATH) {
    return { status: 404, title: "Not found", text: "Nothing here." };
  }
  if (method !== "GET" && method !== "HEAD") {
    return { status: 405, title: "Method not allowed", text: "Use GET." };
  }
  const query = url.searchParams;
  const state = query.get("state");
  if (state === null || state !== expectedState) {
    return {
      status: 400,
      title: "State mismatch",
      text: state === null
        ? "This request has no state parameter; it is not from the login that is waiting."
        : "This request is not from the login that is waiting (state mismatch). Use the newest login tab.",
    };
  }
  const error = query.get("error");
  if (error) {
    const description = query.get("error_description") ?? undefined;
    return {
      status: 400,
      title: "Login failed",
      text: `The sign-in was refused: ${error}. Return to the terminal for details.`,
      outcome: description === undefined
        ? { type: "error", error }
        : { type: "error", error, description },
    };
  }
  const code = query.get("code");
  if (!code) {
    return { status: 400, title: "Missing code", text: "This request has no authorization code." };
  }
  return {
    status: 200,
    title: "Login complete",
    text: "You are logged in to pi. You can close this tab and return to the terminal.",
    outcome: { type: "code", code },
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The HTML page of a reply. */
export function replyPage(reply: CallbackReply): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>pi: ${
    escapeHtml(reply.title)
  }</title></head><body style="font-family:system-ui,sans-serif;margin:4em auto;max-width:36em"><h1>${
    escapeHtml(reply.title)
  }</h1><p>${escapeHtml(reply.text)}</p></body></html>\n`;
}

/** The error a non-code outcome turns into. */
export function outcomeError(outcome: Exclude<CallbackOutcome, { type: "code" }>): PiError {
  if (outcome.type === "cancel") {
    return new PiError("auth.login_cancelled", "Login cancelled", {
      hint: "another login took over the callback port (GET /cancel); run pi login again",
    });
  }
  return new PiError("auth.login_failed", `The issuer refused the login: ${outcome.error}`, {
    hint: outcome.description ?? "run pi login again",
  });
}

/** A running callback server. */
export interface CallbackServer {
  /** The port it listens on (127.0.0.1). */
  readonly port: number;
  /** The redirect URI to send to the issuer: `http://localhost:<port>/auth/callback`. */
  readonly redirectUri: string;
  /**
   * Resolves with the authorization code; rejects with `auth.login_cancelled` on
   * `GET /cancel` or `auth.login_failed` when the issuer redirected with `error=`.
   */
  readonly code: Promise<string>;
  /** Stops listening (idempotent); waits for in-flight replies. */
  close(): Promise<void>;
}

/** Options of {@link startCallbackServer}. */
export interface StartCallbackServerOptions {
  /** Port to bind on 127.0.0.1 (0: any free port). */
  port: number;
  /** The `state` the callback must carry. */
  state: string;
  /** Called once for every request, e.g. for timing (`path`, `status`). */
  onRequest?(info: { path: string; status: number }): void;
}

/**
 * Binds `127.0.0.1:<port>` and waits for the redirect. Throws `Deno.errors.AddrInUse`
 * synchronously when the port is taken. The server shuts itself down after the request
 * that ends the wait has been answered.
 *
 * @example
 * ```ts ignore
 * import { startCallbackServer } from "./callback_server.ts";
 * const server = startCallbackServer({ port: 0, state: "s1" });
 * try {
 *   console.log(server.redirectUri); // http://localhost:<port>/auth/callback
 *   const code = await server.code;
 * } finally {
 *   await server.close();
 * }
 * ```
 */
export function startCallbackServer(options: StartCallbackServerOptions): CallbackServer {
  let settle!: { resolve(code: string): void; reject(err: unknown): void };
  const code = new Promise<string>((resolve, reject) => settle = { resolve, reject });
  code.catch(() => {}); // a cancelled wait nobody awaits is not an unhandled rejection
  let done = false;
  let closing: Promise<void> | undefined;
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: options.port,
    onListen() {},
    onError() {
      return new Response("Internal error", { status: 500 });
    },
  }, (request) => {
    const url = new URL(request.url);
    const reply = done
      ? { status: 410, title: "Login already finished", text: "Return to the terminal." }
      : handleCallbackRequest({ method: request.method, url }, options.state);
    options.onRequest?.({ path: url.pathname, status: reply.status });
    const outcome = (reply as CallbackReply).outcome;
    if (outcome && !done) {
      done = true;
      if (outcome.type === "code") settle.resolve(outcome.code);
      else settle.reject(outcomeError(outcome));
      // Shut down once this reply is out (shutdown waits for in-flight responses).
      queueMicrotask(() => void close());
    }
    return new Response(request.method === "HEAD" ? null : replyPage(reply), {
      status: reply.status,
      headers: {
        "content-type": "text/html; charset=utf-8",
        "cache-control": "no-store",
        "connection": "close",
      },
    });
  });
  const close = (): Promise<void> => {
    closing ??= server.shutdown().catch(() => {});
    return closing;
  };
  const port = server.addr.port;
  return {
    port,
    redirectUri: `http://localhost:${port}${CALLBACK_PATH}`,
    code,
    close,
  };
}

/** Options of {@link bindCallbackServer}. */
export interface BindCallbackServerOptions {
  /** The `state` the callback must carry. */
  state: string;
  /** A pinned port (`PI_OAUTH_CALLBACK_PORT`): no `/cancel`, no fallback. */
  pinnedPort?: number;
  /** Ports to try, first the registered one (default 1455, 1457). */
  ports?: readonly number[];
  /** How long to keep retrying the first port after `/cancel` (default 2000 ms). */
  retryMs?: number;
  /** Pause between retries (default 100 ms). */
  retryIntervalMs?: number;
  /** Cancels the retries. */
  signal?: AbortSignal;
  /** Progress messages. */
  onProgress?(message: string): void;
  /** Passed to {@link startCallbackServer}. */
  onRequest?(info: { path: string; status: number }): void;
}

/** The result of {@link bindCallbackServer}: a server, or the port that was busy. */
export type BindResult = { server: CallbackServer } | { busyPort: number };

function tryStart(port: number, options: BindCallbackServerOptions): CallbackServer | undefined {
  try {
    return startCallbackServer({ port, state: options.state, onRequest: options.onRequest });
  } catch (err) {
    if (err instanceof Deno.errors.AddrInUse) return undefined;
    throw err;
  }
}

/**
 * Asks a login server waiting on `127.0.0.1:<port>` to give it up (`GET /cancel`); never
 * throws. Plain HTTP/1.1 over TCP, so no proxy setting (`HTTP_PROXY`) can reroute it.
 */
export async function sendCancel(port: number, timeoutMs = 1000): Promise<void> {
  let conn: Deno.TcpConn | undefined;
  const timer = setTimeout(() => {
    try {
      conn?.close();
    } catch {
      // already closed
    }
  }, timeoutMs);
  try {
    conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await conn.write(
      new TextEncoder().encode(
        `GET /cancel HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`,
      ),
    );
    // Wait for the answer (or the close), so the old server has begun shutting down.
    const buffer = new Uint8Array(1024);
    while ((await conn.read(buffer)) !== null) { /* drain */ }
  } catch {
    // Whatever holds the port may not speak HTTP; the retries decide.
  } finally {
    clearTimeout(timer);
    try {
      conn?.close();
    } catch {
      // closed by the timer
    }
  }
}

/**
 * Binds the callback server as CONTRACT.md says: with a pinned port, that port or
 * nothing; else 1455, and if busy `GET http://127.0.0.1:1455/cancel` and retry for
 * ~2 s, then 1457; if every port is busy, returns the first one as `busyPort` (the
 * caller says `Port 1455 already in use` and falls back to manual entry).
 *
 * @example
 * ```ts ignore
 * import { bindCallbackServer } from "./callback_server.ts";
 * const bound = await bindCallbackServer({ state: "s1" });
 * if ("busyPort" in bound) console.log(`Port ${bound.busyPort} already in use`);
 * else await bound.server.close();
 * ```
 */
export async function bindCallbackServer(options: BindCallbackServerOptions): Promise<BindResult> {
  if (options.pinnedPort !== undefined) {
    const server = tryStart(options.pinnedPort, options);
    return server ? { server } : { busyPort: options.pinnedPort };
  }
  const [first, ...fallbacks] = options.ports ?? DEFAULT_CALLBACK_PORTS;
  let server = tryStart(first, options);
  if (server) return { server };
  options.onProgress?.(`Port ${first} is busy; asking a waiting login there to stop`);
  await sendCancel(first);
  const retryMs = options.retryMs ?? 2000;
  const interval = options.retryIntervalMs ?? 100;
  for (let waited = 0; waited < retryMs; waited += interval) {
    server = tryStart(first, options);
    if (server) return { server };
    await sleep(interval, options.signal);
  }
  server = tryStart(first, options);
  if (server) return { server };
  for (const port of fallbacks) {
    server = tryStart(port, options);
    if (server) return { server };
  }
  return { busyPort: first };
}
