/**
 * The shape of one streaming client: a pure request builder and a parser from SSE
 * events to provider-neutral events. The shared driver (stream.ts) does the
 * fetching, retries, timeouts and aborts around them.
 * @module
 */

import { baseUrlFromEnv, type Deps } from "../deps.ts";
import type { PiError } from "../errors.ts";
import type { Model, ReasoningLevel } from "../models/types.ts";
import type { ResponsesFields } from "./responses_shared.ts";
import type { SSEEvent } from "./sse.ts";
import type { Context, StopReason, StreamEvent } from "./types.ts";
import { trimTrailingSlashes } from "../atomic_file.ts";

/** An HTTP request, ready to send. */
export interface ClientRequest {
  /** Full URL. */
  url: string;
  /** Headers (the key among them). */
  headers: Record<string, string>;
  /** JSON body. */
  body: string;
}

/** What a request builder gets besides the model and the context. */
export interface RequestInput {
  /** The key from the KeySource. */
  key: string;
  /** Session id (Codex `session_id` header and `prompt_cache_key`). */
  sessionId: string;
  /** Requested reasoning level. */
  reasoning?: ReasoningLevel;
  /** Output token limit. */
  maxOutputTokens?: number;
  /** Environment (base URL variables). */
  env: Deps["env"];
  /** The Responses APIs: a client's own request fields, forwarded (pi serve). */
  responses?: ResponsesFields;
}

/**
 * One answer's SSE events → neutral events, one event at a time and synchronously: the
 * driver feeds it every event of a network read in one go.
 */
export interface EventParser {
  /**
   * Takes one SSE event and appends the neutral events it means to `out`. Returns the
   * stop reason once the answer is complete (the driver then stops reading). Throws an
   * ApiFailure for a failure the server reports or an event it cannot read.
   */
  push(event: SSEEvent, out: StreamEvent[]): StopReason | undefined;
  /** The failure to throw when the stream ends before the answer is complete. */
  incomplete(): PiError;
}

/** One wire API. */
export interface ProviderClient {
  /** Builds the request; throws PiError when the key cannot be used. */
  request(model: Model, context: Context, input: RequestInput): ClientRequest;
  /** A parser for one reply. */
  parser(model: Model, onResponseId: (id: string) => void, now: number): EventParser;
  /** Whether a 401 should force a token refresh and one retry. */
  refreshOnUnauthorized: boolean;
  /** Whether the reply carries `x-codex-*` rate-limit headers. */
  codexRateLimits: boolean;
}

/** The default ChatGPT backend base URL (openai-codex requests and its live model list). */
export const CODEX_DEFAULT_BASE_URL = "https://chatgpt.com/backend-api";

/**
 * The base URL: `$<envName>` when set (CONTRACT.md: endpoints are built from these
 * bases), else the model's own `baseUrl`, else `fallback`; no trailing slash. A variable
 * that is not an http(s) URL is `PiError("config")` naming it.
 */
export function baseUrl(
  model: Pick<Model, "baseUrl">,
  env: Deps["env"],
  envName: string,
  fallback: string,
): string {
  const fromEnv = env(envName);
  if (fromEnv) return baseUrlFromEnv(fromEnv, envName, fallback);
  return trimTrailingSlashes(model.baseUrl || fallback);
}

/**
 * Runs `parser` over `events` as an async generator of neutral events that returns the
 * stop reason (for tests and benches; the driver feeds the parser itself).
 */
export async function* parseEvents(
  parser: EventParser,
  events: AsyncIterable<SSEEvent>,
): AsyncGenerator<StreamEvent, StopReason> {
  const out: StreamEvent[] = [];
  for await (const event of events) {
    const stop = parser.push(event, out);
    for (let i = 0; i < out.length; i++) yield out[i];
    out.length = 0;
    if (stop !== undefined) return stop;
  }
  throw parser.incomplete();
}
