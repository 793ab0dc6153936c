/**
 * pi serve's HTTP server (CONTRACT.md: pi serve): `Deno.serve`, the bearer key on every
 * `/v1` route, the routes, one log line per request, and a graceful stop. Upstream every
 * answer is pi's own Responses request — `stream()` with the KeySource, so the refresh
 * under the lock, the one refresh shared by concurrent requests, the 401 → refresh and
 * retry, and the retries before any output are the ones every pi command has.
 *
 * A streamed answer is read from upstream only as fast as the client takes it, and is
 * turned into SSE text event by event (chat_completions.ts, responses.ts): nothing of it is
 * kept here. A client that goes away cancels the upstream request at once.
 * @module
 */

import type { KeySource } from "../auth/types.ts";
import type { Deps } from "../deps.ts";
import { PiError } from "../errors.ts";
import type { RetryOptions } from "../ai/retry.ts";
import { stream } from "../ai/stream.ts";
import type { StreamEvent } from "../ai/types.ts";
import type { UsageSnapshotStore } from "../ai/usage.ts";
import type { Model } from "../models/types.ts";
import { oneLine } from "../one_line.ts";
import { redact } from "../redact.ts";
import { ChatChunkStream, chatCompletion, parseChatRequest } from "./chat_completions.ts";
import {
  badRequest,
  errorBody,
  errorResponse,
  HttpError,
  modelNotFound,
  unauthorized,
  unknownUrl,
  upstreamError,
} from "./errors.ts";
import {
  parseResponsesRequest,
  responseObject,
  ResponsesEventStream,
  sseText,
  type UpstreamRequest,
} from "./responses.ts";
import { checkBearer } from "./serve_key.ts";

/** The models pi serve offers (the `openai-codex` ones). */
export interface ServedModels {
  /** Every model, for `/v1/models`. */
  list(): Model[] | Promise<Model[]>;
  /** The model with this id, or undefined (may look at the live list once more). */
  find(id: string): Model | undefined | Promise<Model | undefined>;
}

/** Options of {@link startServer}. */
export interface ServeOptions {
  /** Address to bind (default 127.0.0.1). */
  hostname?: string;
  /** Port (0: any free one). */
  port: number;
  /** The bearer key clients must send. */
  key: string;
  /**
   * Where upstream keys come from: an AuthStorage, whose refresh is shared by every request
   * that needs it (a request that goes away only stops its own wait).
   */
  keys: KeySource;
  /** The models served. */
  models: ServedModels;
  /** fetch, env and the clock for the upstream requests; stderr for the log. */
  deps: Pick<Deps, "fetch" | "env" | "now" | "stderr">;
  /** Receives the backend's rate-limit snapshots. */
  usageStore?: UsageSnapshotStore;
  /** Retry tuning of the upstream requests. */
  retry?: RetryOptions;
  /** How long a stop waits for requests in flight (ms, default 10 000). */
  graceMs?: number;
}

/** A running server. */
export interface ServeHandle {
  /** The bound address. */
  hostname: string;
  /** The bound port. */
  port: number;
  /** `http://<host>:<port>` (IPv6 in brackets). */
  url: string;
  /**
   * Stops accepting, lets requests in flight finish for at most `graceMs`, then ends the
   * rest; resolves once the server is closed.
   */
  stop(): Promise<void>;
  /** Requests in flight (a streamed answer until its body ends). */
  readonly active: number;
}

/** The stop's wait for requests in flight (CONTRACT.md: at most 10 s). */
export const DEFAULT_GRACE_MS = 10_000;

/** The largest request body read (images come inline, base64). */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

/** `http://host:port`, with an IPv6 address in brackets. */
function serverUrl(hostname: string, port: number): string {
  return `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}`;
}

/**
 * A session id for a request: the client's `prompt_cache_key`, else one derived from the
 * model, the instructions and the first input item, so that the turns of one conversation
 * share the backend's prompt cache. A UUID in form.
 */
export async function sessionIdFor(request: UpstreamRequest): Promise<string> {
  if (request.promptCacheKey) return request.promptCacheKey;
  const seed = JSON.stringify([request.model, request.instructions, request.fields.input?.[0]]);
  const hash = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(seed)),
  );
  const hex = hash.slice(0, 16).toHex();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${
    hex.slice(20, 32)
  }`;
}

/** One request's log line, written once: time, method, path, model, status, ms. */
class RequestLog {
  model: string | undefined;
  /** A streamed answer logs when its body ends, not when the response begins. */
  deferred = false;
  #written = false;
  readonly #started = performance.now();

  constructor(
    readonly method: string,
    readonly path: string,
    readonly write: (line: string) => void,
    readonly now: () => number,
    readonly onDone: () => void,
  ) {}

  done(status: number, note?: string): void {
    if (this.#written) return;
    this.#written = true;
    const ms = Math.round(performance.now() - this.#started);
    const model = this.model === undefined ? "-" : redact(oneLine(this.model)).slice(0, 100);
    const path = oneLine(this.path).slice(0, 200);
    this.write(
      `${new Date(this.now()).toISOString()} ${this.method} ${path} ${
        model || "-"
      } ${status} ${ms}ms${note ? ` (${note})` : ""}\n`,
    );
    this.onDone();
  }
}

/** How one route turns neutral events into SSE text. */
interface SseWriter {
  /** Text before the first event. */
  start(): string;
  /** Text for one event (may be empty). */
  push(event: StreamEvent): string;
  /** Text after `done`. */
  end: string;
  /** Text after a failure once the stream has begun. */
  fail(error: HttpError): string;
}

function chatWriter(meta: ConstructorParameters<typeof ChatChunkStream>[0], usage: boolean) {
  const chunks = new ChatChunkStream(meta, { includeUsage: usage });
  const out: Record<string, unknown>[] = [];
  const text = (list: Record<string, unknown>[]) => {
    let s = "";
    for (const chunk of list) s += `data: ${JSON.stringify(chunk)}\n\n`;
    return s;
  };
  return {
    start: () => text(chunks.start()),
    push(event: StreamEvent) {
      chunks.push(event, out);
      const s = text(out);
      out.length = 0;
      return s;
    },
    end: "data: [DONE]\n\n",
    fail: (error: HttpError) => `data: ${JSON.stringify(errorBody(error))}\n\n`,
  } satisfies SseWriter;
}

function responsesWriter(meta: ConstructorParameters<typeof ResponsesEventStream>[0]) {
  const events = new ResponsesEventStream(meta);
  const out: ReturnType<ResponsesEventStream["start"]> = [];
  return {
    start: () => events.start().map(sseText).join(""),
    push(event: StreamEvent) {
      events.push(event, out);
      const s = out.map(sseText).join("");
      out.length = 0;
      return s;
    },
    end: "",
    fail: (error: HttpError) => sseText(events.fail(error.code, error.message)),
  } satisfies SseWriter;
}

function randomId(prefix: string): string {
  return `${prefix}${crypto.getRandomValues(new Uint8Array(12)).toHex()}`;
}

/** The 413 for a body beyond {@link MAX_BODY_BYTES}. */
function tooLarge(): HttpError {
  return new HttpError(
    413,
    "invalid_request_error",
    "request_too_large",
    `body: larger than ${MAX_BODY_BYTES / 1024 / 1024} MiB`,
  );
}

/** The 500 for a failure of pi serve itself (its cause goes to the log, not the client). */
function internalError(err: unknown, stderr: Deps["stderr"]): HttpError {
  stderr.write(
    `pi serve: internal error: ${
      redact(oneLine(err instanceof Error ? err.message : String(err)))
    }\n`,
  );
  return new HttpError(500, "server_error", "internal_error", "pi serve failed on this request");
}

/** The request body as JSON; 400 naming `body` when it is not, 413 when too large. */
async function readJson(req: Request): Promise<unknown> {
  const length = Number(req.headers.get("content-length") ?? "0");
  if (length > MAX_BODY_BYTES) throw tooLarge();
  // A chunked body has no length: its bytes are counted as they come, and the read stops at
  // the limit instead of holding all of it first.
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (req.body) {
    for await (const chunk of req.body) {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) throw tooLarge(); // leaving the loop cancels the body
      chunks.push(chunk);
    }
  }
  const body = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.length;
  }
  try {
    return JSON.parse(new TextDecoder().decode(body));
  } catch {
    throw badRequest("body", "is not valid JSON", "invalid_json");
  }
}

/**
 * Starts pi serve on `hostname:port`. Throws `Deno.errors.AddrInUse` (and the like) when
 * it cannot bind.
 */
export function startServer(options: ServeOptions): ServeHandle {
  const { deps } = options;
  const graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
  /** Aborted when the stop's wait is over: what is still running ends. */
  const deadline = new AbortController();
  let active = 0;
  let stopping: Promise<void> | undefined;

  const upstream = async (model: Model, request: UpstreamRequest, signal: AbortSignal) =>
    stream(model, { systemPrompt: request.instructions, messages: [] }, {
      keys: options.keys,
      deps,
      signal,
      sessionId: await sessionIdFor(request),
      reasoning: request.reasoning,
      responses: request.fields,
      usageStore: options.usageStore,
      retry: options.retry,
    });

  const stoppedError = () =>
    new HttpError(
      503,
      "server_error",
      "server_stopping",
      `pi serve stopped before the answer was complete (it waits ${graceMs / 1000} s)`,
    );

  /** The upstream failure as an HttpError (a stop's deadline is its own). */
  const failure = (err: unknown) =>
    deadline.signal.aborted && err instanceof PiError && err.code === "api.aborted"
      ? stoppedError()
      : upstreamError(err, deps.now());

  async function answer(
    req: Request,
    log: RequestLog,
    route: "chat" | "responses",
  ): Promise<Response> {
    const request = route === "chat"
      ? parseChatRequest(await readJson(req))
      : parseResponsesRequest(await readJson(req));
    log.model = request.model;
    const id = request.model.startsWith("openai-codex/")
      ? request.model.slice("openai-codex/".length)
      : request.model;
    const model = await options.models.find(id);
    if (!model) throw modelNotFound(request.model);
    return await reply(request, model, req.signal, route, log);
  }

  async function reply(
    request: UpstreamRequest,
    model: Model,
    clientSignal: AbortSignal,
    route: "chat" | "responses",
    log: RequestLog,
  ): Promise<Response> {
    // The upstream request ends when the client goes away: `req.signal` says so (pi runs
    // with Deno's no-legacy-abort, deno.json; without it the signal also fires once the
    // response is complete, which is harmless here), and a streamed body that is
    // cancelled says so too.
    const gone = new AbortController();
    const signal = AbortSignal.any([clientSignal, gone.signal, deadline.signal]);
    const answer = await upstream(model, request, signal);
    const created = Math.floor(deps.now() / 1000);

    if (!request.stream) {
      let message;
      try {
        message = await answer.result();
      } catch (err) {
        throw failure(err);
      }
      return Response.json(
        route === "chat"
          ? chatCompletion({ id: randomId("chatcmpl-"), created, model: request.model }, message)
          : responseObject({ id: randomId("resp_"), createdAt: created, model: request.model }, {
            status: "completed",
            message,
          }),
      );
    }

    // The status is decided by the first event: a failure before any output (a usage limit,
    // refused credentials, the backend down after pi's retries) is an HTTP error, not a
    // stream that fails at once.
    const events = answer[Symbol.asyncIterator]();
    let first: IteratorResult<StreamEvent>;
    do first = await events.next(); while (!first.done && first.value.type === "retry");
    if (first.done) throw upstreamError(new PiError("api.stream", "The stream ended early"), 0);
    if (first.value.type === "error") throw failure(first.value.error);

    const writer: SseWriter = route === "chat"
      ? chatWriter(
        { id: randomId("chatcmpl-"), created, model: request.model },
        "includeUsage" in request && request.includeUsage === true,
      )
      : responsesWriter({ id: randomId("resp_"), createdAt: created, model: request.model });
    const encoder = new TextEncoder();
    let cancelled = false;
    let finished = false;
    const finish = (note?: string) => {
      if (finished) return;
      finished = true;
      log.done(200, note);
    };
    /** The text for one event, and whether the stream is over. */
    const step = (event: StreamEvent): [string, boolean] => {
      if (event.type === "error") {
        const error = failure(event.error);
        finish(
          signal.aborted && !deadline.signal.aborted ? "client closed" : `failed: ${error.code}`,
        );
        return [writer.fail(error), true];
      }
      if (event.type === "done") {
        finish();
        return [writer.push(event) + writer.end, true];
      }
      return [writer.push(event), false];
    };
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        const head = writer.start();
        const [text, over] = step(first.value as StreamEvent);
        controller.enqueue(encoder.encode(head + text));
        if (over) controller.close();
      },
      async pull(controller) {
        // A pull must enqueue or close: a pull that does neither is not called again.
        while (true) {
          const next = await events.next();
          if (cancelled) return;
          if (next.done) {
            finish("ended early");
            controller.close();
            return;
          }
          const [text, over] = step(next.value);
          if (text !== "") controller.enqueue(encoder.encode(text));
          if (over) controller.close();
          if (over || text !== "") return;
        }
      },
      cancel() {
        // The client went away: stop the upstream request now.
        cancelled = true;
        gone.abort(new PiError("api.aborted", "The client went away"));
        void events.return?.();
        finish("client closed");
      },
    });
    log.deferred = true;
    return new Response(body, {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache",
        "x-accel-buffering": "no",
      },
    });
  }

  async function listModels(): Promise<Response> {
    const data = (await options.models.list()).map((m) => ({
      id: m.id,
      object: "model",
      owned_by: "openai",
    }));
    return Response.json({ object: "list", data });
  }

  async function route(req: Request, url: URL, log: RequestLog): Promise<Response> {
    const path = url.pathname.replace(/\/+$/, "") || "/";
    const method = req.method;
    if (path === "/health") {
      if (method !== "GET" && method !== "HEAD") throw methodNotAllowed(method, path, "GET");
      return Response.json({ status: "ok" });
    }
    if (path !== "/v1" && !path.startsWith("/v1/")) throw unknownUrl(method, url.pathname);
    const check = checkBearer(req.headers.get("authorization"), options.key);
    if (check !== "ok") throw unauthorized(check === "missing");
    if (path === "/v1/models") {
      if (method !== "GET") throw methodNotAllowed(method, path, "GET");
      return await listModels();
    }
    if (path.startsWith("/v1/models/")) {
      if (method !== "GET") throw methodNotAllowed(method, path, "GET");
      let id = path.slice("/v1/models/".length);
      try {
        id = decodeURIComponent(id);
      } catch {
        // not percent-encoded text: looked up as it is (and not found)
      }
      log.model = id;
      const model = await options.models.find(id);
      if (!model) throw modelNotFound(id);
      return Response.json({ id: model.id, object: "model", owned_by: "openai" });
    }
    if (path === "/v1/chat/completions" || path === "/v1/responses") {
      if (method !== "POST") throw methodNotAllowed(method, path, "POST");
      return await answer(req, log, path === "/v1/responses" ? "responses" : "chat");
    }
    throw unknownUrl(method, url.pathname);
  }

  const server = Deno.serve({
    hostname: options.hostname ?? "127.0.0.1",
    port: options.port,
    onListen() {},
    onError: (err) => errorResponse(internalError(err, deps.stderr)),
  }, async (req) => {
    active++;
    const url = new URL(req.url);
    const log = new RequestLog(
      req.method,
      url.pathname,
      (line) => deps.stderr.write(line),
      () => deps.now(),
      () => active--,
    );
    let response: Response;
    try {
      response = await route(req, url, log);
    } catch (err) {
      if (req.signal.aborted) {
        // Nobody is listening any more (nginx's 499: the client closed the request).
        log.done(499, "client closed");
        return new Response(null, { status: 499 });
      }
      let error: HttpError;
      if (err instanceof HttpError) error = err;
      else if (err instanceof PiError) error = failure(err);
      else error = internalError(err, deps.stderr);
      response = errorResponse(error);
    }
    if (!log.deferred) log.done(response.status);
    return response;
  });

  const addr = server.addr as Deno.NetAddr;
  const hostname = addr.hostname;
  return {
    hostname,
    port: addr.port,
    url: serverUrl(hostname, addr.port),
    stop() {
      stopping ??= (async () => {
        const closed = server.shutdown();
        const timer = setTimeout(() => deadline.abort(), graceMs);
        try {
          // After the deadline, what still runs is aborted and ends with an error event;
          // a client that does not read even that is not waited for long.
          await Promise.race([
            closed,
            new Promise<void>((resolve) => {
              deadline.signal.addEventListener("abort", () => setTimeout(resolve, 2000), {
                once: true,
              });
            }),
          ]);
        } finally {
          clearTimeout(timer);
        }
      })();
      return stopping;
    },
    get active() {
      return active;
    },
  } as ServeHandle;
}

function methodNotAllowed(method: string, path: string, allowed: string): HttpError {
  return new HttpError(
    405,
    "invalid_request_error",
    "method_not_allowed",
    `${method} is not allowed on ${path} (use ${allowed})`,
    { allow: allowed },
  );
}
