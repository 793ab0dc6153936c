/**
 * The `openai` client: the OpenAI platform Responses API with an API key
 * (`OPENAI_BASE_URL`, default https://api.openai.com/v1).
 * @module
 */

import { baseUrl, type ProviderClient } from "./client.ts";
import { responsesBody, ResponsesParser } from "./responses_shared.ts";

/** The default OpenAI API base URL. */
export const OPENAI_DEFAULT_BASE_URL = "https://api.openai.com/v1";

/** The OpenAI Responses client. */
export const openaiResponses: ProviderClient = {
  refreshOnUnauthorized: false,
  codexRateLimits: false,
  request(model, context, input) {
    const base = baseUrl(model, input.env, "OPENAI_BASE_URL", OPENAI_DEFAULT_BASE_URL);
    const body = responsesBody(model, context, input);
    if (input.maxOutputTokens !== undefined) body.max_output_tokens = input.maxOutputTokens;
    return {
      url: `${base}/responses`,
      headers: {
        "authorization": `Bearer ${input.key}`,
        "accept": "text/event-stream",
        "content-type": "application/json",
      },
      body: JSON.stringify(body),
    };
  },
  parser(model, onResponseId, now) {
    return new ResponsesParser(model, { onResponseId, now });
  },
};
