/**
 * The shape of one streaming client: a pure request builder and a parser from SSE
 * events to provider-neutral events. The shared driver (stream.ts) does the
 * fetching, retries, timeouts and aborts around them.
 * @module
 */

import { baseUrlFromEnv, type Deps } from "../deps.ts";
import type { Model, ReasoningLevel } from "../models/types.ts";
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
}

/** One wire API. */
export interface ProviderClient {
  /** Builds the request; throws PiError when the key cannot be used. */
  request(model: Model, context: Context, input: RequestInput): ClientRequest;
  /** SSE events → neutral events; returns the stop reason; throws ApiFailure. */
  parse(
    events: AsyncIterable<SSEEvent>,
    model: Model,
    onResponseId: (id: string) => void,
    now: number,
  ): AsyncGenerator<StreamEvent, StopReason>;
  /** Whether a 401 should force a token refresh and one retry. */
  refreshOnUnauthorized: boolean;
  /** Whether the reply carries `x-codex-*` rate-limit headers. */
  codexRateLimits: boolean;
}

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
