/**
 * `/v1/responses` of pi serve, as pure functions: a client's Responses request → what pi
 * sends upstream (its `input` items and tools forwarded nearly as they are), and pi's
 * neutral stream events → the Responses SSE events and the final `response` object.
 *
 * Forwarded: `input` (a string, or items: messages, `function_call`,
 * `function_call_output`, `reasoning`, …, each without its `id`, since nothing is stored
 * upstream), `instructions`, `tools`, `tool_choice`, `parallel_tool_calls`, `text`,
 * `reasoning.effort`, `prompt_cache_key`. Refused with a 400: `previous_response_id` and
 * `item_reference` items (the backend keeps nothing: send the whole conversation). Other
 * fields (`temperature`, `max_output_tokens`, `store`, `include`, …) are not sent: the Codex
 * backend decides them.
 * @module
 */

import { argumentsText } from "../ai/reduce.ts";
import {
  inputTextPart,
  messageInput,
  outputTextPart,
  reasoningItemOf,
  type ResponsesFields,
  type ResponsesInputItem,
  responsesUsage,
} from "../ai/responses_shared.ts";
import type { AssistantMessage, StreamEvent } from "../ai/types.ts";
import { EFFORT_NAMES, levelOfEffort } from "../models/thinking.ts";
import type { ReasoningLevel } from "../models/types.ts";
import { badRequest } from "./errors.ts";

type Json = Record<string, unknown>;

/** A request for the upstream Responses call, from either route. */
export interface UpstreamRequest {
  /** The model id the client asked for. */
  model: string;
  /** Whether the client wants Server-Sent Events. */
  stream: boolean;
  /** The `instructions` (system prompt); empty for pi's default. */
  instructions: string;
  /** `input`, `tools`, `tool_choice`, `parallel_tool_calls`, `text`, forwarded. */
  fields: ResponsesFields;
  /** The reasoning effort asked for, if any. */
  reasoning?: ReasoningLevel;
  /** The client's `prompt_cache_key`, if any. */
  promptCacheKey?: string;
}

/** Whether `value` is a plain JSON object. */
export function isObject(value: unknown): value is Json {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** A reasoning effort (`reasoning_effort`, `reasoning.effort`) as pi's level; 400 if unknown. */
export function parseEffort(value: unknown, field: string): ReasoningLevel | undefined {
  if (value === undefined || value === null) return undefined;
  const level = typeof value === "string" ? levelOfEffort(value) : undefined;
  if (level !== undefined) return level;
  throw badRequest(field, `must be one of ${EFFORT_NAMES.join(", ")}`, "invalid_value");
}

/** An optional boolean field; 400 if it is something else. */
export function optionalBoolean(body: Json, name: string): boolean | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "boolean") throw badRequest(name, "must be a boolean", "invalid_type");
  return value;
}

/** An optional string field; 400 if it is something else. */
export function optionalString(body: Json, name: string, field = name): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw badRequest(field, "must be a string", "invalid_type");
  return value;
}

/** The `model` field: a non-empty string; 400 otherwise. */
export function requiredModel(body: Json): string {
  const model = body.model;
  if (model === undefined || model === null) {
    throw badRequest("model", "is required", "missing_required_parameter");
  }
  if (typeof model !== "string" || model.trim() === "") {
    throw badRequest("model", "must be a non-empty string", "invalid_type");
  }
  return model;
}

/** The request body as a JSON object; 400 otherwise. */
export function requestObject(body: unknown): Json {
  if (!isObject(body)) throw badRequest("body", "must be a JSON object", "invalid_json");
  return body;
}

/** A message's string content as parts of the kind its role takes. */
function contentParts(role: string, content: unknown, field: string): unknown[] {
  if (typeof content === "string") {
    return [role === "assistant" ? outputTextPart(content) : inputTextPart(content)];
  }
  if (!Array.isArray(content)) {
    throw badRequest(field, "must be a string or an array of content parts", "invalid_type");
  }
  content.forEach((part, k) => {
    if (!isObject(part) || typeof part.type !== "string") {
      throw badRequest(`${field}[${k}]`, "must be an object with a type", "invalid_type");
    }
  });
  return content;
}

/**
 * The client's `input` as items to forward: a string is one user message; messages
 * without `type` get it; string content becomes parts; `system` messages go as
 * `developer` (the same in the Responses API); every item loses its `id` (and a
 * reasoning item its `status`), since nothing is stored upstream.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { responsesInputItems } from "./responses.ts";
 * assert.deepEqual(responsesInputItems("Hi"), [
 *   { type: "message", role: "user", content: [{ type: "input_text", text: "Hi" }] },
 * ]);
 * ```
 */
export function responsesInputItems(input: unknown): ResponsesInputItem[] {
  if (typeof input === "string") {
    return [messageInput("user", [inputTextPart(input)])];
  }
  if (!Array.isArray(input)) {
    throw badRequest("input", "must be a string or an array of items", "invalid_type");
  }
  return input.map((raw, i) => {
    const field = `input[${i}]`;
    if (!isObject(raw)) throw badRequest(field, "must be an object", "invalid_type");
    const { id: _id, ...item } = raw;
    const type = item.type ?? (typeof item.role === "string" ? "message" : undefined);
    if (typeof type !== "string") throw badRequest(`${field}.type`, "is required");
    item.type = type;
    switch (type) {
      case "message": {
        const role = item.role;
        if (!["user", "assistant", "system", "developer"].includes(role as string)) {
          throw badRequest(
            `${field}.role`,
            "must be one of user, assistant, system, developer",
            "invalid_value",
          );
        }
        if (role === "system") item.role = "developer";
        item.content = contentParts(role as string, item.content, `${field}.content`);
        break;
      }
      case "function_call":
        if (typeof item.call_id !== "string" || item.call_id === "") {
          throw badRequest(`${field}.call_id`, "is required");
        }
        if (typeof item.name !== "string" || item.name === "") {
          throw badRequest(`${field}.name`, "is required");
        }
        if (typeof item.arguments !== "string") {
          throw badRequest(`${field}.arguments`, "must be a string (JSON)", "invalid_type");
        }
        break;
      case "function_call_output":
        if (typeof item.call_id !== "string" || item.call_id === "") {
          throw badRequest(`${field}.call_id`, "is required");
        }
        if (typeof item.output !== "string" && !Array.isArray(item.output)) {
          throw badRequest(`${field}.output`, "must be a string or content parts", "invalid_type");
        }
        break;
      case "reasoning":
        delete item.status;
        break;
      case "item_reference":
        throw badRequest(
          field,
          "item_reference is not supported (pi serve stores nothing): send the items themselves",
          "unsupported_value",
        );
    }
    return item;
  });
}

/** The client's `tools`: objects with a `type`, function tools with a `name`. */
function responsesToolsField(tools: unknown): Json[] | undefined {
  if (tools === undefined || tools === null) return undefined;
  if (!Array.isArray(tools)) throw badRequest("tools", "must be an array", "invalid_type");
  return tools.map((tool, i) => {
    if (!isObject(tool) || typeof tool.type !== "string") {
      throw badRequest(`tools[${i}].type`, "is required", "missing_required_parameter");
    }
    if (tool.type === "function" && (typeof tool.name !== "string" || tool.name === "")) {
      throw badRequest(`tools[${i}].name`, "is required", "missing_required_parameter");
    }
    return tool;
  });
}

/**
 * A `/v1/responses` body → the upstream request; a 400 naming the field when it is wrong.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseResponsesRequest } from "./responses.ts";
 * const r = parseResponsesRequest({ model: "gpt-5.2-codex", input: "Hi", reasoning: { effort: "low" } });
 * assert.equal(r.reasoning, "low");
 * assert.equal(r.stream, false);
 * ```
 */
export function parseResponsesRequest(raw: unknown): UpstreamRequest {
  const body = requestObject(raw);
  const model = requiredModel(body);
  if (body.previous_response_id !== undefined && body.previous_response_id !== null) {
    throw badRequest(
      "previous_response_id",
      "is not supported (pi serve stores nothing): send the whole conversation in input",
      "unsupported_parameter",
    );
  }
  if (body.input === undefined || body.input === null) {
    throw badRequest("input", "is required", "missing_required_parameter");
  }
  const fields: ResponsesFields = { input: responsesInputItems(body.input) };
  const tools = responsesToolsField(body.tools);
  if (tools !== undefined) fields.tools = tools;
  if (body.tool_choice !== undefined && body.tool_choice !== null) {
    if (typeof body.tool_choice !== "string" && !isObject(body.tool_choice)) {
      throw badRequest("tool_choice", "must be a string or an object", "invalid_type");
    }
    fields.tool_choice = body.tool_choice;
  }
  const parallel = optionalBoolean(body, "parallel_tool_calls");
  if (parallel !== undefined) fields.parallel_tool_calls = parallel;
  if (body.text !== undefined && body.text !== null) {
    if (!isObject(body.text)) throw badRequest("text", "must be an object", "invalid_type");
    fields.text = body.text;
  }
  let reasoning: ReasoningLevel | undefined;
  if (body.reasoning !== undefined && body.reasoning !== null) {
    if (!isObject(body.reasoning)) {
      throw badRequest("reasoning", "must be an object", "invalid_type");
    }
    reasoning = parseEffort(body.reasoning.effort, "reasoning.effort");
  }
  const request: UpstreamRequest = {
    model,
    stream: optionalBoolean(body, "stream") ?? false,
    instructions: optionalString(body, "instructions") ?? "",
    fields,
  };
  if (reasoning !== undefined) request.reasoning = reasoning;
  const cacheKey = optionalString(body, "prompt_cache_key");
  if (cacheKey) request.promptCacheKey = cacheKey;
  return request;
}

/** What every event and object of one response shares. */
export interface ResponseMeta {
  /** The response id (`resp_…`), made by pi serve. */
  id: string;
  /** Creation time, epoch seconds. */
  createdAt: number;
  /** The model id as the client gave it. */
  model: string;
}

/** The id of the output item at content position `index`. */
function itemId(meta: ResponseMeta, prefix: string, index: number): string {
  return `${prefix}_${meta.id.replace(/^resp_/, "")}_${index}`;
}

function messageItem(id: string, text: string, status: string): Json {
  return {
    id,
    type: "message",
    status,
    role: "assistant",
    content: [outputTextPart(text)],
  };
}

/** A reasoning item: the backend's own (with `encrypted_content`) when pi has it. */
function reasoningItem(id: string, thinking: string, signature: string | undefined): Json {
  const item = reasoningItemOf(signature);
  if (item !== undefined) return { ...item, id };
  return {
    id,
    type: "reasoning",
    summary: thinking === "" ? [] : [{ type: "summary_text", text: thinking }],
  };
}

function functionCallItem(
  id: string,
  call: { callId: string; name: string; arguments: string },
  status: string,
): Json {
  return {
    id,
    type: "function_call",
    status,
    call_id: call.callId,
    name: call.name,
    arguments: call.arguments,
  };
}

/** The output items of an answer. */
export function outputItems(meta: ResponseMeta, message: AssistantMessage): Json[] {
  return message.content.map((block, index) => {
    if (block.type === "text") {
      return messageItem(itemId(meta, "msg", index), block.text, "completed");
    }
    if (block.type === "thinking") {
      return reasoningItem(itemId(meta, "rs", index), block.thinking, block.signature);
    }
    return functionCallItem(
      block.id || itemId(meta, "fc", index),
      { callId: block.callId, name: block.name, arguments: argumentsText(block) },
      "completed",
    );
  });
}

/** The `response` object: `in_progress` (no message yet), or complete with its output. */
export function responseObject(
  meta: ResponseMeta,
  state:
    | { status: "in_progress" }
    | { status: "completed"; message: AssistantMessage }
    | { status: "failed"; code: string; message: string },
): Json {
  const response: Json = {
    id: meta.id,
    object: "response",
    created_at: meta.createdAt,
    status: state.status,
    model: meta.model,
    output: [],
    error: null,
    incomplete_details: null,
    usage: null,
  };
  if (state.status === "completed") {
    response.output = outputItems(meta, state.message);
    response.usage = responsesUsage(state.message.usage);
    if (state.message.stopReason === "length") {
      response.status = "incomplete";
      response.incomplete_details = { reason: "max_output_tokens" };
    }
  } else if (state.status === "failed") {
    response.error = { code: state.code, message: state.message };
  }
  return response;
}

/** One Server-Sent Event of the Responses stream. */
export interface ResponsesEvent {
  /** The event type (`response.output_text.delta`, …), also its `event:` line. */
  type: string;
  /** The data, with `type` and `sequence_number`. */
  data: Json;
}

/** One block of the answer being streamed: only ids and counts, never its text. */
interface OpenBlock {
  kind: "text" | "thinking" | "tool";
  id: string;
  callId: string;
  name: string;
  /** Argument characters sent as deltas. */
  sent: number;
}

/**
 * pi's neutral stream events → the Responses SSE events, in the order the OpenAI API
 * sends them (`response.created`, `response.in_progress`, `output_item.added`,
 * `content_part.added`, `output_text.delta`, …, `output_item.done`, `response.completed`).
 * It keeps ids and counts only: the whole texts come from the `*_end` events and the final
 * message, so memory does not grow with the answer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ResponsesEventStream } from "./responses.ts";
 * const s = new ResponsesEventStream({ id: "resp_1", createdAt: 0, model: "m" });
 * const out = [...s.start()];
 * s.push({ type: "text_start", index: 0 }, out);
 * s.push({ type: "text_delta", index: 0, delta: "Hi" }, out);
 * assert.deepEqual(out.map((e) => e.type), [
 *   "response.created", "response.in_progress", "response.output_item.added",
 *   "response.content_part.added", "response.output_text.delta",
 * ]);
 * ```
 */
export class ResponsesEventStream {
  readonly #meta: ResponseMeta;
  #sequence = 0;
  readonly #blocks = new Map<number, OpenBlock>();

  /** A stream of the response `meta` describes. */
  constructor(meta: ResponseMeta) {
    this.#meta = meta;
  }

  #event(type: string, data: Json): ResponsesEvent {
    return { type, data: { type, sequence_number: this.#sequence++, ...data } };
  }

  /** The first events: `response.created`, `response.in_progress`. */
  start(): ResponsesEvent[] {
    const response = responseObject(this.#meta, { status: "in_progress" });
    return [
      this.#event("response.created", { response }),
      this.#event("response.in_progress", { response }),
    ];
  }

  /** Appends the events `event` means to `out`. */
  push(event: StreamEvent, out: ResponsesEvent[]): void {
    const meta = this.#meta;
    switch (event.type) {
      case "text_start": {
        const id = itemId(meta, "msg", event.index);
        this.#blocks.set(event.index, { kind: "text", id, callId: "", name: "", sent: 0 });
        out.push(this.#event("response.output_item.added", {
          output_index: event.index,
          item: { id, type: "message", status: "in_progress", role: "assistant", content: [] },
        }));
        out.push(this.#event("response.content_part.added", {
          item_id: id,
          output_index: event.index,
          content_index: 0,
          part: outputTextPart(""),
        }));
        break;
      }
      case "text_delta": {
        const b = this.#blocks.get(event.index);
        if (!b) break;
        out.push(this.#event("response.output_text.delta", {
          item_id: b.id,
          output_index: event.index,
          content_index: 0,
          delta: event.delta,
          logprobs: [],
        }));
        break;
      }
      case "text_end": {
        const b = this.#blocks.get(event.index);
        if (!b) break;
        const part = outputTextPart(event.text);
        const at = { item_id: b.id, output_index: event.index, content_index: 0 };
        out.push(
          this.#event("response.output_text.done", { ...at, text: event.text, logprobs: [] }),
        );
        out.push(this.#event("response.content_part.done", { ...at, part }));
        out.push(this.#event("response.output_item.done", {
          output_index: event.index,
          item: messageItem(b.id, event.text, "completed"),
        }));
        this.#blocks.delete(event.index);
        break;
      }
      case "thinking_start": {
        const id = itemId(meta, "rs", event.index);
        this.#blocks.set(event.index, { kind: "thinking", id, callId: "", name: "", sent: 0 });
        out.push(this.#event("response.output_item.added", {
          output_index: event.index,
          item: { id, type: "reasoning", summary: [] },
        }));
        out.push(this.#event("response.reasoning_summary_part.added", {
          item_id: id,
          output_index: event.index,
          summary_index: 0,
          part: { type: "summary_text", text: "" },
        }));
        break;
      }
      case "thinking_delta": {
        const b = this.#blocks.get(event.index);
        if (!b) break;
        out.push(this.#event("response.reasoning_summary_text.delta", {
          item_id: b.id,
          output_index: event.index,
          summary_index: 0,
          delta: event.delta,
        }));
        break;
      }
      case "thinking_end": {
        const b = this.#blocks.get(event.index);
        if (!b) break;
        const at = { item_id: b.id, output_index: event.index, summary_index: 0 };
        out.push(
          this.#event("response.reasoning_summary_text.done", { ...at, text: event.thinking }),
        );
        out.push(this.#event("response.reasoning_summary_part.done", {
          ...at,
          part: { type: "summary_text", text: event.thinking },
        }));
        out.push(this.#event("response.output_item.done", {
          output_index: event.index,
          item: reasoningItem(b.id, event.thinking, event.signature),
        }));
        this.#blocks.delete(event.index);
        break;
      }
      case "tool_call_start": {
        const id = event.id || itemId(meta, "fc", event.index);
        const b: OpenBlock = {
          kind: "tool",
          id,
          callId: event.callId,
          name: event.name,
          sent: 0,
        };
        this.#blocks.set(event.index, b);
        out.push(this.#event("response.output_item.added", {
          output_index: event.index,
          item: functionCallItem(id, { ...b, arguments: "" }, "in_progress"),
        }));
        break;
      }
      case "tool_call_delta": {
        const b = this.#blocks.get(event.index);
        if (!b) break;
        b.sent += event.delta.length;
        out.push(this.#event("response.function_call_arguments.delta", {
          item_id: b.id,
          output_index: event.index,
          delta: event.delta,
        }));
        break;
      }
      case "tool_call_end": {
        const b = this.#blocks.get(event.index);
        if (!b) break;
        const call = event.toolCall;
        const args = argumentsText(call);
        // A call that came whole (no deltas): its arguments as one delta, as the API sends.
        if (b.sent === 0 && args !== "") {
          out.push(this.#event("response.function_call_arguments.delta", {
            item_id: b.id,
            output_index: event.index,
            delta: args,
          }));
        }
        out.push(this.#event("response.function_call_arguments.done", {
          item_id: b.id,
          output_index: event.index,
          arguments: args,
        }));
        out.push(this.#event("response.output_item.done", {
          output_index: event.index,
          item: functionCallItem(
            b.id,
            { callId: call.callId || b.callId, name: call.name || b.name, arguments: args },
            "completed",
          ),
        }));
        this.#blocks.delete(event.index);
        break;
      }
      case "done":
        out.push(this.#event("response.completed", {
          response: responseObject(meta, { status: "completed", message: event.message }),
        }));
        break;
      default:
        break;
    }
  }

  /** The last event of a stream that failed after it began. */
  fail(code: string, message: string): ResponsesEvent {
    return this.#event("response.failed", {
      response: responseObject(this.#meta, { status: "failed", code, message }),
    });
  }
}

/** One SSE event on the wire: `event:` and `data:` lines and a blank line. */
export function sseText(event: ResponsesEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`;
}
