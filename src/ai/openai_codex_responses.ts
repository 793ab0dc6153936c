/**
 * The `openai-codex` client: the ChatGPT subscription's Responses endpoint
 * (CONTRACT.md: Responses request).
 * @module
 */

import { getAccountId } from "../auth/jwt.ts";
import { PiError } from "../errors.ts";
import { baseUrl, CODEX_DEFAULT_BASE_URL, type ProviderClient } from "./client.ts";
import { responsesBody, ResponsesParser } from "./responses_shared.ts";

/** The Codex Responses client. */
export const openaiCodexResponses: ProviderClient = {
  refreshOnUnauthorized: true,
  codexRateLimits: true,
  request(model, context, input) {
    let accountId: string | undefined;
    try {
      accountId = getAccountId(input.key);
    } catch (cause) {
      throw new PiError(
        "auth.invalid_token",
        "The openai-codex key is not a ChatGPT access token (not a JWT)",
        { cause, hint: "run pi login openai-codex, or pass an access token with --api-key" },
      );
    }
    if (!accountId) {
      throw new PiError(
        "auth.invalid_token",
        "The openai-codex access token has no ChatGPT account id",
        { hint: "run pi login openai-codex" },
      );
    }
    const base = baseUrl(model, input.env, "PI_OPENAI_CODEX_BASE_URL", CODEX_DEFAULT_BASE_URL);
    return {
      url: `${base}/codex/responses`,
      headers: {
        "authorization": `Bearer ${input.key}`,
        "chatgpt-account-id": accountId,
        "openai-beta": "responses=experimental",
        "originator": "pi",
        "session_id": input.sessionId,
        "accept": "text/event-stream",
        "content-type": "application/json",
      },
      body: JSON.stringify(responsesBody(model, context, input)),
    };
  },
  parser(model, onResponseId, now) {
    return new ResponsesParser(model, { onResponseId, now });
  },
};
