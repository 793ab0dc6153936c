/**
 * Chat Completions ⇄ Responses, done once, as pure functions (pi serve's
 * `/v1/chat/completions`). Request: `messages` → `instructions` and `input` items
 * (system/developer at the start → instructions, later ones → developer messages; user
 * text and images → `input_text`/`input_image`; assistant text → `output_text`, its
 * `tool_calls` → `function_call` items; `tool` messages → `function_call_output`), `tools`,
 * `tool_choice`, `parallel_tool_calls`, `response_format` → `text.format`,
 * `reasoning_effort`. Reply: pi's neutral stream events → `chat.completion.chunk` objects
 * (text, `reasoning_content`, `tool_calls` deltas, the finish reason `stop`/`tool_calls`/
 * `length`, then the usage chunk with `stream_options.include_usage`), or the final
 * message → one `chat.completion` with `usage`.
 *
 * Not sent upstream (the Codex backend decides them): `temperature`, `top_p`,
 * `max_tokens`, `stop`, `seed`, `logprobs`, … . Refused with a 400: `n` other than 1,
 * audio input, non-function tools.
 * @module
 */

import { argumentsText } from "../ai/reduce.ts";
import {
  functionCallInput,
  functionCallOutput,
  functionTool,
  inputTextPart,
  messageInput,
  outputTextPart,
  type ResponsesFields,
  type ResponsesInputItem,
} from "../ai/responses_shared.ts";
import type { AssistantMessage, StopReason, StreamEvent, Usage } from "../ai/types.ts";
import { badRequest } from "./errors.ts";
import {
  isObject,
  optionalBoolean,
  optionalString,
  parseEffort,
  requestObject,
  requiredModel,
  type UpstreamRequest,
} from "./responses.ts";

type Json = Record<string, unknown>;

/** A Chat Completions request, ready for the upstream call. */
export interface ChatRequest extends UpstreamRequest {
  /** `stream_options.include_usage`: a last chunk with `usage`. */
  includeUsage: boolean;
}

/** The text of a system, developer or tool message (a string or text parts). */
function plainText(content: unknown, field: string): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) {
    throw badRequest(field, "must be a string or an array of text parts", "invalid_type");
  }
  return content.map((part, k) => {
    if (!isObject(part) || part.type !== "text" || typeof part.text !== "string") {
      throw badRequest(`${field}[${k}]`, "must be a text part ({type: text, text})");
    }
    return part.text;
  }).join("\n");
}

/** A user message's content as Responses input parts. */
function userParts(content: unknown, field: string): Json[] {
  if (typeof content === "string") return [inputTextPart(content)];
  if (!Array.isArray(content)) {
    throw badRequest(field, "must be a string or an array of content parts", "invalid_type");
  }
  return content.map((part, k) => {
    const at = `${field}[${k}]`;
    if (!isObject(part)) throw badRequest(at, "must be an object", "invalid_type");
    if (part.type === "text") {
      if (typeof part.text !== "string") throw badRequest(`${at}.text`, "must be a string");
      return inputTextPart(part.text);
    }
    if (part.type === "image_url") {
      const image = part.image_url;
      const url = typeof image === "string" ? image : isObject(image) ? image.url : undefined;
      if (typeof url !== "string" || url === "") {
        throw badRequest(`${at}.image_url.url`, "is required", "missing_required_parameter");
      }
      const detail = isObject(image) && typeof image.detail === "string" ? image.detail : "auto";
      return { type: "input_image", image_url: url, detail };
    }
    if (part.type === "file" && isObject(part.file) && typeof part.file.file_data === "string") {
      const file: Json = { type: "input_file", file_data: part.file.file_data };
      if (typeof part.file.filename === "string") file.filename = part.file.filename;
      return file;
    }
    throw badRequest(
      `${at}.type`,
      `${JSON.stringify(part.type)} is not supported (text, image_url and file with file_data are)`,
      "unsupported_value",
    );
  });
}

/** An assistant message's text (a string, null, or text/refusal parts). */
function assistantText(message: Json, field: string): string {
  const content = message.content;
  if (content === undefined || content === null) {
    return typeof message.refusal === "string" ? message.refusal : "";
  }
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) {
    throw badRequest(field, "must be a string, null or an array of parts", "invalid_type");
  }
  return content.map((part, k) => {
    if (isObject(part) && part.type === "text" && typeof part.text === "string") return part.text;
    if (isObject(part) && part.type === "refusal" && typeof part.refusal === "string") {
      return part.refusal;
    }
    throw badRequest(`${field}[${k}]`, "must be a text or refusal part");
  }).join("");
}

/** An assistant message's `tool_calls` as `function_call` items. */
function functionCalls(calls: unknown, field: string): { item: Json; id: string }[] {
  if (calls === undefined || calls === null) return [];
  if (!Array.isArray(calls)) throw badRequest(field, "must be an array", "invalid_type");
  return calls.map((call, k) => {
    const at = `${field}[${k}]`;
    if (!isObject(call)) throw badRequest(at, "must be an object", "invalid_type");
    if (typeof call.id !== "string" || call.id === "") throw badRequest(`${at}.id`, "is required");
    const fn = call.function;
    if (!isObject(fn) || typeof fn.name !== "string" || fn.name === "") {
      throw badRequest(`${at}.function.name`, "is required", "missing_required_parameter");
    }
    const args = fn.arguments === undefined || fn.arguments === null
      ? "{}"
      : typeof fn.arguments === "string"
      ? fn.arguments
      : JSON.stringify(fn.arguments);
    return { id: call.id, item: functionCallInput(call.id, fn.name, args) };
  });
}

/**
 * `messages` → `instructions` and `input` items. System and developer messages before the
 * first other message are the instructions (joined by a blank line); later ones stay where
 * they are, as developer messages. Every `tool` message must answer a call of an earlier
 * assistant message, and every call must be answered (the backend refuses either), else
 * a 400 naming the message.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { chatMessagesToInput } from "./chat_completions.ts";
 * const { instructions, input } = chatMessagesToInput([
 *   { role: "system", content: "Be brief." },
 *   { role: "user", content: "Weather?" },
 *   { role: "assistant", content: null, tool_calls: [
 *     { id: "call_1", type: "function", function: { name: "weather", arguments: "{}" } },
 *   ] },
 *   { role: "tool", tool_call_id: "call_1", content: "Sunny" },
 * ]);
 * assert.equal(instructions, "Be brief.");
 * assert.deepEqual(input.map((i) => i.type), ["message", "function_call", "function_call_output"]);
 * ```
 */
export function chatMessagesToInput(
  messages: unknown,
): { instructions: string; input: ResponsesInputItem[] } {
  if (messages === undefined || messages === null) {
    throw badRequest("messages", "is required", "missing_required_parameter");
  }
  if (!Array.isArray(messages) || messages.length === 0) {
    throw badRequest("messages", "must be a non-empty array", "invalid_type");
  }
  const instructions: string[] = [];
  const input: ResponsesInputItem[] = [];
  /** Calls not answered yet: call id → where it was made. */
  const open = new Map<string, string>();
  let leading = true;
  messages.forEach((message, i) => {
    const field = `messages[${i}]`;
    if (!isObject(message)) throw badRequest(field, "must be an object", "invalid_type");
    const role = message.role;
    switch (role) {
      case "system":
      case "developer": {
        const text = plainText(message.content, `${field}.content`);
        if (leading) instructions.push(text);
        else input.push(messageInput("developer", [inputTextPart(text)]));
        return;
      }
      case "user":
        input.push(messageInput("user", userParts(message.content, `${field}.content`)));
        break;
      case "assistant": {
        const text = assistantText(message, `${field}.content`);
        if (text !== "") input.push(messageInput("assistant", [outputTextPart(text)]));
        for (const { id, item } of functionCalls(message.tool_calls, `${field}.tool_calls`)) {
          input.push(item);
          open.set(id, `${field}.tool_calls`);
        }
        break;
      }
      case "tool": {
        const id = message.tool_call_id;
        if (typeof id !== "string" || id === "") {
          throw badRequest(`${field}.tool_call_id`, "is required", "missing_required_parameter");
        }
        if (!open.has(id)) {
          throw badRequest(
            `${field}.tool_call_id`,
            `${JSON.stringify(id)} answers no tool call of an earlier assistant message`,
            "invalid_value",
          );
        }
        open.delete(id);
        input.push(functionCallOutput(id, plainText(message.content, `${field}.content`)));
        break;
      }
      default:
        throw badRequest(
          `${field}.role`,
          "must be one of system, developer, user, assistant, tool",
          "invalid_value",
        );
    }
    leading = false;
  });
  for (const [id, where] of open) {
    throw badRequest(
      where,
      `tool call ${JSON.stringify(id)} has no tool message answering it`,
      "invalid_value",
    );
  }
  return { instructions: instructions.join("\n\n"), input };
}

/** Chat `tools` → Responses function tools. Only `function` tools. */
export function chatToolsToResponses(tools: unknown): Json[] | undefined {
  if (tools === undefined || tools === null) return undefined;
  if (!Array.isArray(tools)) throw badRequest("tools", "must be an array", "invalid_type");
  return tools.map((tool, i) => {
    const field = `tools[${i}]`;
    if (!isObject(tool) || tool.type !== "function") {
      throw badRequest(`${field}.type`, "must be function", "invalid_value");
    }
    const fn = tool.function;
    if (!isObject(fn) || typeof fn.name !== "string" || fn.name === "") {
      throw badRequest(`${field}.function.name`, "is required", "missing_required_parameter");
    }
    if (fn.parameters !== undefined && !isObject(fn.parameters)) {
      throw badRequest(`${field}.function.parameters`, "must be a JSON Schema object");
    }
    return functionTool(
      fn.name,
      typeof fn.description === "string" ? fn.description : "",
      fn.parameters ?? { type: "object", properties: {} },
      fn.strict === true,
    );
  });
}

/** Chat `tool_choice` → Responses `tool_choice`. */
export function chatToolChoice(choice: unknown): unknown {
  if (choice === undefined || choice === null) return undefined;
  if (choice === "none" || choice === "auto" || choice === "required") return choice;
  if (isObject(choice) && choice.type === "function" && isObject(choice.function)) {
    const name = choice.function.name;
    if (typeof name === "string" && name !== "") return { type: "function", name };
  }
  throw badRequest(
    "tool_choice",
    'must be "none", "auto", "required" or {"type":"function","function":{"name":…}}',
    "invalid_value",
  );
}

/** Chat `response_format` → Responses `text` (undefined for plain text). */
export function chatResponseFormat(format: unknown): Json | undefined {
  if (format === undefined || format === null) return undefined;
  if (!isObject(format)) throw badRequest("response_format", "must be an object", "invalid_type");
  if (format.type === "text") return undefined;
  if (format.type === "json_object") return { format: { type: "json_object" } };
  if (format.type === "json_schema") {
    const spec = format.json_schema;
    if (!isObject(spec) || typeof spec.name !== "string" || spec.name === "") {
      throw badRequest("response_format.json_schema.name", "is required");
    }
    const out: Json = { type: "json_schema", name: spec.name, schema: spec.schema ?? {} };
    if (typeof spec.strict === "boolean") out.strict = spec.strict;
    if (typeof spec.description === "string") out.description = spec.description;
    return { format: out };
  }
  throw badRequest("response_format.type", "must be text, json_object or json_schema");
}

/**
 * A `/v1/chat/completions` body → the upstream request; a 400 naming the field when it is
 * wrong.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseChatRequest } from "./chat_completions.ts";
 * const r = parseChatRequest({
 *   model: "gpt-5.2-codex",
 *   messages: [{ role: "user", content: "Hi" }],
 *   stream: true,
 *   stream_options: { include_usage: true },
 * });
 * assert.equal(r.stream, true);
 * assert.equal(r.includeUsage, true);
 * ```
 */
export function parseChatRequest(raw: unknown): ChatRequest {
  const body = requestObject(raw);
  const model = requiredModel(body);
  const { instructions, input } = chatMessagesToInput(body.messages);
  if (body.n !== undefined && body.n !== null && body.n !== 1) {
    throw badRequest("n", "only 1 is supported", "unsupported_value");
  }
  const fields: ResponsesFields = { input };
  const tools = chatToolsToResponses(body.tools);
  if (tools !== undefined) fields.tools = tools;
  const choice = chatToolChoice(body.tool_choice);
  if (choice !== undefined) fields.tool_choice = choice;
  const parallel = optionalBoolean(body, "parallel_tool_calls");
  if (parallel !== undefined) fields.parallel_tool_calls = parallel;
  const text = chatResponseFormat(body.response_format);
  if (text !== undefined) fields.text = text;
  const stream = optionalBoolean(body, "stream") ?? false;
  let includeUsage = false;
  const options = body.stream_options;
  if (options !== undefined && options !== null) {
    if (!isObject(options)) {
      throw badRequest("stream_options", "must be an object", "invalid_type");
    }
    const include = options.include_usage;
    if (include !== undefined && include !== null && typeof include !== "boolean") {
      throw badRequest("stream_options.include_usage", "must be a boolean", "invalid_type");
    }
    includeUsage = include === true;
  }
  const request: ChatRequest = { model, stream, instructions, fields, includeUsage };
  const reasoning = parseEffort(body.reasoning_effort, "reasoning_effort");
  if (reasoning !== undefined) request.reasoning = reasoning;
  const cacheKey = optionalString(body, "prompt_cache_key");
  if (cacheKey) request.promptCacheKey = cacheKey;
  return request;
}

/** Token counts in the Chat Completions shape. */
export function chatUsage(usage: Usage): Json {
  const prompt = usage.input + usage.cacheRead + usage.cacheWrite;
  return {
    prompt_tokens: prompt,
    completion_tokens: usage.output,
    total_tokens: prompt + usage.output,
    prompt_tokens_details: { cached_tokens: usage.cacheRead },
    completion_tokens_details: { reasoning_tokens: usage.reasoning },
  };
}

/** pi's stop reason → `finish_reason`. */
export function finishReason(stopReason: StopReason): "stop" | "tool_calls" | "length" {
  return stopReason === "tool_use" ? "tool_calls" : stopReason === "length" ? "length" : "stop";
}

/** What every chunk and completion of one answer shares. */
export interface ChatMeta {
  /** `chatcmpl-…`, made by pi serve. */
  id: string;
  /** Creation time, epoch seconds. */
  created: number;
  /** The model id as the client gave it. */
  model: string;
}

/**
 * The final message → one `chat.completion`: its text (or null with only tool calls),
 * `tool_calls`, the thinking as `reasoning_content`, the finish reason and `usage`.
 */
export function chatCompletion(meta: ChatMeta, message: AssistantMessage): Json {
  let text = "";
  let thinking = "";
  const calls: Json[] = [];
  for (const block of message.content) {
    if (block.type === "text") text += block.text;
    else if (block.type === "thinking") {
      thinking += (thinking && block.thinking ? "\n\n" : "") + block.thinking;
    } else {
      calls.push({
        id: block.callId,
        type: "function",
        function: { name: block.name, arguments: argumentsText(block) },
      });
    }
  }
  const reply: Json = {
    role: "assistant",
    content: text === "" && calls.length > 0 ? null : text,
    refusal: null,
  };
  if (calls.length > 0) reply.tool_calls = calls;
  if (thinking !== "") reply.reasoning_content = thinking;
  return {
    id: meta.id,
    object: "chat.completion",
    created: meta.created,
    model: meta.model,
    choices: [{
      index: 0,
      message: reply,
      logprobs: null,
      finish_reason: finishReason(message.stopReason),
    }],
    usage: chatUsage(message.usage),
  };
}

/** A tool call being streamed: only ids and counts, never its whole arguments. */
interface OpenCall {
  /** Its position among the answer's tool calls (the chunk's `index`). */
  ordinal: number;
  /** Whether its first chunk (id, name) went out. */
  announced: boolean;
  callId: string;
  name: string;
  /** Argument characters sent. */
  sent: number;
  /** Argument deltas that came before its id and name (rare; sent with the first chunk). */
  pending: string;
}

/**
 * pi's neutral stream events → `chat.completion.chunk` objects. It keeps ids and counts
 * only, never the answer's text, so memory stays flat however long the answer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ChatChunkStream } from "./chat_completions.ts";
 * const s = new ChatChunkStream({ id: "chatcmpl-1", created: 0, model: "m" }, { includeUsage: false });
 * const out = s.start();
 * s.push({ type: "text_delta", index: 0, delta: "Hi" }, out);
 * assert.deepEqual(out.map((c) => (c.choices as { delta: unknown }[])[0].delta), [
 *   { role: "assistant", content: "" },
 *   { content: "Hi" },
 * ]);
 * ```
 */
export class ChatChunkStream {
  readonly #meta: ChatMeta;
  readonly #includeUsage: boolean;
  readonly #calls = new Map<number, OpenCall>();
  #ordinal = 0;

  /** Chunks of the answer `meta` describes. */
  constructor(meta: ChatMeta, options: { includeUsage: boolean }) {
    this.#meta = meta;
    this.#includeUsage = options.includeUsage;
  }

  #chunk(delta: Json, finish: string | null = null): Json {
    const chunk: Json = {
      id: this.#meta.id,
      object: "chat.completion.chunk",
      created: this.#meta.created,
      model: this.#meta.model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    };
    if (this.#includeUsage) chunk.usage = null;
    return chunk;
  }

  #call(call: OpenCall, args: string): Json {
    const entry: Json = { index: call.ordinal };
    if (!call.announced) {
      call.announced = true;
      entry.id = call.callId;
      entry.type = "function";
      entry.function = { name: call.name, arguments: args };
    } else entry.function = { arguments: args };
    call.sent += args.length;
    return this.#chunk({ tool_calls: [entry] });
  }

  /** The first chunk: the assistant role. */
  start(): Json[] {
    return [this.#chunk({ role: "assistant", content: "" })];
  }

  /** Appends the chunks `event` means to `out`. */
  push(event: StreamEvent, out: Json[]): void {
    switch (event.type) {
      case "text_delta":
        out.push(this.#chunk({ content: event.delta }));
        break;
      case "thinking_delta":
        out.push(this.#chunk({ reasoning_content: event.delta }));
        break;
      case "tool_call_start": {
        const call: OpenCall = {
          ordinal: this.#ordinal++,
          announced: false,
          callId: event.callId,
          name: event.name,
          sent: 0,
          pending: "",
        };
        this.#calls.set(event.index, call);
        if (call.callId !== "" && call.name !== "") out.push(this.#call(call, ""));
        break;
      }
      case "tool_call_delta": {
        const call = this.#calls.get(event.index);
        if (!call) break;
        if (call.announced) out.push(this.#call(call, event.delta));
        else call.pending += event.delta;
        break;
      }
      case "tool_call_end": {
        const call = this.#calls.get(event.index);
        if (!call) break;
        const args = argumentsText(event.toolCall);
        if (!call.announced) {
          call.callId = event.toolCall.callId || call.callId;
          call.name = event.toolCall.name || call.name;
          out.push(this.#call(call, call.pending !== "" ? call.pending : args));
        } else if (call.sent === 0 && args !== "") {
          // A call that came whole: its arguments in one chunk.
          out.push(this.#call(call, args));
        }
        this.#calls.delete(event.index);
        break;
      }
      case "done":
        out.push(this.#chunk({}, finishReason(event.stopReason)));
        if (this.#includeUsage) {
          out.push({
            id: this.#meta.id,
            object: "chat.completion.chunk",
            created: this.#meta.created,
            model: this.#meta.model,
            choices: [],
            usage: chatUsage(event.message.usage),
          });
        }
        break;
      default:
        break;
    }
  }
}
