/**
 * What the two Responses APIs (Codex subscription and OpenAI platform) share:
 * conversation → `input` items, tools, reasoning effort, and the reply's SSE
 * events → provider-neutral {@link StreamEvent}s.
 * @module
 */

import type { Model, ReasoningLevel } from "../models/types.ts";
import { effortOfLevel, resolveThinking } from "../models/thinking.ts";
import type { PiError } from "../errors.ts";
import { type EventParser, parseEvents } from "./client.ts";
import {
  ApiFailure,
  contextOverflowFailure,
  incompleteStreamFailure,
  isContextOverflow,
  usageLimitOf,
} from "./retry.ts";
import { argumentsText, parseToolArguments, TextBuffer } from "./reduce.ts";
import type { SSEEvent } from "./sse.ts";
import type {
  Context,
  ImageContent,
  Message,
  StopReason,
  StreamEvent,
  TextContent,
  Tool,
  ToolCall,
  Usage,
} from "./types.ts";
import { makeUsage } from "./usage.ts";

type Json = Record<string, unknown>;

/** A Responses API input item (message, reasoning, function_call, function_call_output). */
export type ResponsesInputItem = Record<string, unknown>;

/**
 * The `reasoning.effort` to send: the requested level (default `medium`) clamped to
 * what the model supports by the one rule of src/models/thinking.ts (nearest supported
 * level, ties go up); `none` for `off` only when the model lists `off`; undefined for a
 * model that does not reason.
 */
export function clampEffort(
  model: Pick<Model, "reasoning">,
  requested: ReasoningLevel | undefined,
): string | undefined {
  if (!model.reasoning.some((l) => l !== "off")) return undefined;
  const level = resolveThinking(model, requested);
  return effortOfLevel(level);
}

/** A function tool in the Responses shape. */
export function functionTool(
  name: string,
  description: string,
  parameters: unknown,
  strict = false,
): Record<string, unknown> {
  return { type: "function", name, description, parameters, strict };
}

/** Tools in the Responses shape. */
export function responsesTools(tools: Tool[] | undefined): Record<string, unknown>[] {
  return (tools ?? []).map((t) => functionTool(t.name, t.description, t.parameters));
}

/** A `message` input item: `user`, `developer` or `assistant`, with its content parts. */
export function messageInput(role: string, content: unknown[]): ResponsesInputItem {
  return { type: "message", role, content };
}

/** An `input_text` part (user and developer messages). */
export function inputTextPart(text: string): Record<string, unknown> {
  return { type: "input_text", text };
}

/** An `output_text` part (assistant messages). */
export function outputTextPart(text: string): Record<string, unknown> {
  return { type: "output_text", text, annotations: [] };
}

/** A `function_call` input item (`args`: the arguments as JSON text). */
export function functionCallInput(callId: string, name: string, args: string): ResponsesInputItem {
  return { type: "function_call", call_id: callId, name, arguments: args };
}

/** A `function_call_output` input item. */
export function functionCallOutput(callId: string, output: unknown): ResponsesInputItem {
  return { type: "function_call_output", call_id: callId, output };
}

/**
 * The backend's own reasoning item that a thinking block's `signature` keeps (with its
 * `encrypted_content`), or undefined when the signature is not one.
 */
export function reasoningItemOf(signature: string | undefined): Json | undefined {
  if (!signature) return undefined;
  try {
    const item = JSON.parse(signature);
    return item !== null && typeof item === "object" && item.type === "reasoning"
      ? item
      : undefined;
  } catch {
    return undefined;
  }
}

function userContent(
  content: string | (TextContent | ImageContent)[],
  images: boolean,
): Record<string, unknown>[] {
  if (typeof content === "string") return [inputTextPart(content)];
  const out: Record<string, unknown>[] = [];
  for (const part of content) {
    if (part.type === "text") out.push(inputTextPart(part.text));
    else if (images) {
      out.push({
        type: "input_image",
        detail: "auto",
        image_url: `data:${part.mimeType};base64,${part.data}`,
      });
    }
  }
  return out;
}

/**
 * The conversation as `input` items. With `store: false` the server keeps nothing,
 * so items are sent without ids; reasoning items are replayed with their
 * `encrypted_content` when they came from the same API.
 */
export function responsesInput(
  model: Pick<Model, "api" | "inputs">,
  messages: Message[],
): ResponsesInputItem[] {
  const images = model.inputs.includes("image");
  const items: ResponsesInputItem[] = [];
  for (const msg of messages) {
    if (msg.role === "user") {
      const content = userContent(msg.content, images);
      if (content.length > 0) items.push(messageInput("user", content));
    } else if (msg.role === "assistant") {
      const sameApi = msg.api === model.api;
      for (const block of msg.content) {
        if (block.type === "thinking") {
          const item = sameApi ? reasoningItemOf(block.signature) : undefined;
          if (item === undefined) continue;
          const { id: _id, status: _status, ...rest } = item;
          items.push(rest);
        } else if (block.type === "text") {
          if (block.text === "") continue;
          items.push(messageInput("assistant", [outputTextPart(block.text)]));
        } else {
          items.push(functionCallInput(block.callId, block.name, argumentsText(block)));
        }
      }
    } else {
      const text = msg.content.filter((c) => c.type === "text").map((c) => (c as TextContent).text)
        .join("\n");
      const imgs = msg.content.filter((c) => c.type === "image") as ImageContent[];
      items.push(
        functionCallOutput(
          msg.callId,
          text !== "" ? text : imgs.length > 0 ? "(see the attached image)" : "",
        ),
      );
      if (imgs.length > 0 && images) {
        items.push(messageInput("user", [
          inputTextPart(`Image(s) returned by ${msg.toolName}:`),
          ...userContent(imgs, true),
        ]));
      }
    }
  }
  return items;
}

/**
 * Fields of a client's own Responses request, sent as they are in place of the ones built
 * from the {@link Context} (pi serve forwards what its clients send). The rest of the body
 * (`model`, `instructions`, `reasoning`, `store`, `stream`, `include`, `prompt_cache_key`)
 * is still pi's.
 */
export interface ResponsesFields {
  /** `input` items, in place of the context's messages. */
  input?: ResponsesInputItem[];
  /** `tools`, in place of the context's tools. */
  tools?: Record<string, unknown>[];
  /** `tool_choice` (default `auto`). */
  tool_choice?: unknown;
  /** `parallel_tool_calls` (default true). */
  parallel_tool_calls?: boolean;
  /** `text` (output format, verbosity); not sent by default. */
  text?: Record<string, unknown>;
}

/** Options the Responses request bodies share. */
export interface ResponsesBodyOptions {
  /** Requested reasoning level. */
  reasoning?: ReasoningLevel;
  /** `prompt_cache_key` (the session id). */
  sessionId: string;
  /** A client's own fields, forwarded (see {@link ResponsesFields}). */
  responses?: ResponsesFields;
}

/** The request body both Responses APIs accept (CONTRACT.md: Responses request). */
export function responsesBody(
  model: Pick<Model, "id" | "api" | "inputs" | "reasoning">,
  context: Context,
  options: ResponsesBodyOptions,
): Record<string, unknown> {
  const effort = clampEffort(model, options.reasoning);
  const given = options.responses ?? {};
  const body: Record<string, unknown> = {
    model: model.id,
    instructions: context.systemPrompt.trim() !== ""
      ? context.systemPrompt
      : "You are a helpful assistant.",
    input: given.input ?? responsesInput(model, context.messages),
    tools: given.tools ?? responsesTools(context.tools),
    tool_choice: given.tool_choice ?? "auto",
    parallel_tool_calls: given.parallel_tool_calls ?? true,
  };
  if (given.text !== undefined) body.text = given.text;
  if (effort !== undefined) body.reasoning = { effort, summary: "auto" };
  body.store = false;
  body.stream = true;
  body.include = effort !== undefined ? ["reasoning.encrypted_content"] : [];
  body.prompt_cache_key = options.sessionId;
  return body;
}

function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

/** The failure for a `response.failed` / `error` event whose error object is `source`. */
export function failureFrom(
  provider: string,
  source: Json | undefined,
  fallback: string,
  now: number,
): ApiFailure | PiError {
  const code = str(source?.code) || str(source?.type);
  // The usage limit can also arrive inside the stream: same error as the HTTP 429, no retry.
  const limit = usageLimitOf(source, now);
  if (limit) return limit;
  const message = str(source?.message) || fallback;
  if (source && isContextOverflow(source)) return contextOverflowFailure(provider, message);
  const retryable = code === "server_error" || code === "rate_limit_exceeded" ||
    code === "overloaded" || code === "server_is_overloaded" || code === "slow_down";
  return new ApiFailure(
    "api.http",
    `${provider} reported an error${code ? ` (${code})` : ""}: ${message}`,
    { retryable },
  );
}

type BlockKind = "text" | "thinking" | "tool";

/** One output item of the reply, as a block of the message. */
interface Block {
  /** Its position in the message's content. */
  index: number;
  kind: BlockKind;
  /** The Responses `output_index`, once known. */
  outputIndex: number | undefined;
  /** The item id, once known. */
  itemId: string;
  /** The delta text so far (text, thinking, or argument JSON): what consumers have seen. */
  seen: TextBuffer;
  /** Reasoning summary parts begun. */
  parts: number;
  /** The function call's ids and name, as far as known. */
  callId: string;
  name: string;
  /** Its finished item (or the end of the reply) has been applied. */
  ended: boolean;
}

function kindOf(type: unknown): BlockKind | undefined {
  return type === "message"
    ? "text"
    : type === "reasoning"
    ? "thinking"
    : type === "function_call"
    ? "tool"
    : undefined;
}

/** The text of a finished message item; undefined when it carries no text parts. */
function messageText(item: Json): string | undefined {
  if (!Array.isArray(item.content)) return undefined;
  let text: string | undefined;
  for (const part of item.content as Json[]) {
    const t = typeof part?.text === "string"
      ? part.text
      : typeof part?.refusal === "string"
      ? part.refusal
      : undefined;
    if (t !== undefined) text = (text ?? "") + t;
  }
  return text;
}

/**
 * The readable thinking of a finished reasoning item: its summary parts (joined by a blank
 * line, as the deltas are), else its reasoning text; undefined when it has neither.
 */
function reasoningText(item: Json): string | undefined {
  for (const key of ["summary", "content"]) {
    const parts = item[key];
    if (!Array.isArray(parts) || parts.length === 0) continue;
    const texts = (parts as Json[]).map((p) => p?.text).filter((t) => typeof t === "string");
    if (texts.length > 0) return texts.join("\n\n");
  }
  return undefined;
}

/**
 * The Responses reply → neutral events. The finished item (`response.output_item.done`,
 * or an item of `response.completed`'s `output`) is the source of truth: it is reconciled
 * with whatever deltas came before it — with or without `output_item.added`, with
 * `output_index`, `item_id` or neither. Text it adds beyond the deltas is sent as one more
 * delta (so consumers of deltas see a whole-item answer), and its text wins where the two
 * differ. Blocks still open when the reply completes are ended with what their deltas said.
 */
export class ResponsesParser implements EventParser {
  readonly #model: Pick<Model, "provider" | "cost" | "billed">;
  readonly #onResponseId: ((id: string) => void) | undefined;
  readonly #now: number;
  readonly #blocks: Block[] = [];
  readonly #byOutput = new Map<number, Block>();
  readonly #byItem = new Map<string, Block>();

  /** A parser for one reply of `model`; `now` dates a usage-limit reset. */
  constructor(
    model: Pick<Model, "provider" | "cost" | "billed">,
    options: { onResponseId?: (id: string) => void; now?: number } = {},
  ) {
    this.#model = model;
    this.#onResponseId = options.onResponseId;
    this.#now = options.now ?? 0;
  }

  /** See {@link EventParser.push}. */
  push(sse: SSEEvent, out: StreamEvent[]): StopReason | undefined {
    if (sse.data === "[DONE]") return undefined;
    let ev: Json;
    try {
      ev = JSON.parse(sse.data);
    } catch (cause) {
      throw new ApiFailure("api.stream", `${this.#model.provider} sent an unreadable event`, {
        cause,
        retryable: true,
        broken: true,
      });
    }
    if (ev === null || typeof ev !== "object") return undefined;
    const type = str(ev.type) || sse.event;
    switch (type) {
      case "response.output_text.delta":
      case "response.refusal.delta":
        this.#delta("text", ev, out);
        break;
      case "response.reasoning_summary_text.delta":
      case "response.reasoning_text.delta":
        this.#delta("thinking", ev, out);
        break;
      case "response.function_call_arguments.delta":
        this.#delta("tool", ev, out);
        break;
      case "response.created": {
        const id = str((ev.response as Json | undefined)?.id);
        if (id && this.#onResponseId) this.#onResponseId(id);
        break;
      }
      case "response.output_item.added": {
        const item = ev.item as Json | undefined;
        const kind = kindOf(item?.type);
        if (item && kind) this.#block(kind, ev.output_index, str(item.id), out, item);
        break;
      }
      case "response.reasoning_summary_part.added": {
        const b = this.#block("thinking", ev.output_index, str(ev.item_id), out);
        if (b.parts++ > 0) this.#append(b, "\n\n", out);
        break;
      }
      case "response.output_item.done": {
        const item = ev.item as Json | undefined;
        if (item && typeof item === "object") this.#done(item, ev.output_index, out);
        break;
      }
      case "response.completed":
      case "response.done":
      case "response.incomplete":
        return this.#complete(type, (ev.response ?? {}) as Json, out);
      case "response.failed": {
        const response = (ev.response ?? {}) as Json;
        throw failureFrom(
          this.#model.provider,
          response.error as Json | undefined,
          "the response failed",
          this.#now,
        );
      }
      case "error":
        throw failureFrom(
          this.#model.provider,
          (ev.error as Json | undefined) ?? ev,
          "the stream reported an error",
          this.#now,
        );
      default:
        break;
    }
    return undefined;
  }

  /** See {@link EventParser.incomplete}. */
  incomplete(): PiError {
    return incompleteStreamFailure(this.#model.provider);
  }

  #delta(kind: BlockKind, ev: Json, out: StreamEvent[]): void {
    const delta = ev.delta;
    if (typeof delta !== "string" || delta === "") return;
    this.#append(this.#block(kind, ev.output_index, str(ev.item_id), out), delta, out);
  }

  #append(b: Block, delta: string, out: StreamEvent[]): void {
    if (b.ended) return;
    b.seen.append(delta);
    const type = b.kind === "text"
      ? "text_delta"
      : b.kind === "thinking"
      ? "thinking_delta"
      : "tool_call_delta";
    out.push({ type, index: b.index, delta });
  }

  /**
   * The block an event is about: by `output_index`, else by item id, else the last open
   * block of that kind whose identity does not contradict the event's.
   */
  #find(kind: BlockKind, at: number | undefined, itemId: string): Block | undefined {
    let b = at !== undefined ? this.#byOutput.get(at) : undefined;
    if (b?.kind === kind) return b;
    b = itemId !== "" ? this.#byItem.get(itemId) : undefined;
    if (b?.kind === kind) return b;
    for (let i = this.#blocks.length - 1; i >= 0; i--) {
      const o = this.#blocks[i];
      if (
        o.kind === kind && !o.ended &&
        (at === undefined || o.outputIndex === undefined || o.outputIndex === at) &&
        (itemId === "" || o.itemId === "" || o.itemId === itemId)
      ) {
        return o;
      }
    }
    return undefined;
  }

  /** {@link ResponsesParser.#find}, or a new block (and its start event); learns its ids. */
  #block(
    kind: BlockKind,
    outputIndex: unknown,
    itemId: string,
    out: StreamEvent[],
    item?: Json,
  ): Block {
    const at = typeof outputIndex === "number" ? outputIndex : undefined;
    let b = this.#find(kind, at, itemId);
    if (b === undefined) {
      b = {
        index: this.#blocks.length,
        kind,
        outputIndex: undefined,
        itemId: "",
        seen: new TextBuffer(),
        parts: 0,
        callId: str(item?.call_id),
        name: str(item?.name),
        ended: false,
      };
      this.#blocks.push(b);
      if (kind === "text") out.push({ type: "text_start", index: b.index });
      else if (kind === "thinking") out.push({ type: "thinking_start", index: b.index });
      else {
        out.push({
          type: "tool_call_start",
          index: b.index,
          id: itemId,
          callId: b.callId,
          name: b.name,
        });
      }
    }
    if (at !== undefined && b.outputIndex === undefined) {
      b.outputIndex = at;
      this.#byOutput.set(at, b);
    }
    if (itemId !== "" && b.itemId === "") {
      b.itemId = itemId;
      this.#byItem.set(itemId, b);
    }
    return b;
  }

  /** A finished item: reconciled with its block's deltas, then the block ends. */
  #done(item: Json, outputIndex: unknown, out: StreamEvent[]): void {
    const kind = kindOf(item.type);
    if (kind === undefined) return;
    const b = this.#block(kind, outputIndex, str(item.id), out, item);
    if (b.ended) return;
    if (kind === "text") {
      const text = this.#catchUp(b, messageText(item), out);
      out.push({ type: "text_end", index: b.index, text });
    } else if (kind === "thinking") {
      const thinking = this.#catchUp(b, reasoningText(item), out);
      out.push({ type: "thinking_end", index: b.index, thinking, signature: JSON.stringify(item) });
    } else {
      const args = typeof item.arguments === "string" ? item.arguments : b.seen.toString();
      out.push({
        type: "tool_call_end",
        index: b.index,
        toolCall: toolCall(str(item.id) || b.itemId, str(item.call_id) || b.callId, {
          name: str(item.name) || b.name,
          args,
        }),
      });
    }
    b.ended = true;
    b.seen = new TextBuffer();
  }

  /**
   * The block's final text: the item's when it has one (sending what it adds beyond the
   * deltas as one more delta), else the deltas'.
   */
  #catchUp(b: Block, full: string | undefined, out: StreamEvent[]): string {
    const seen = b.seen.toString();
    if (full === undefined) return seen;
    if (full.length > seen.length && full.startsWith(seen)) {
      this.#append(b, full.slice(seen.length), out);
    }
    return full;
  }

  /** `response.completed` (or `done`, `incomplete`): its items, open blocks, usage, stop. */
  #complete(type: string, response: Json, out: StreamEvent[]): StopReason {
    // Items only in the final output: reconciled with blocks already seen; new blocks
    // from it only when the stream itself sent none (a reply of nothing but this event).
    if (Array.isArray(response.output)) {
      const seenAny = this.#blocks.length > 0;
      (response.output as Json[]).forEach((item, k) => {
        if (!item || typeof item !== "object") return;
        const kind = kindOf(item.type);
        if (kind === undefined) return;
        if (seenAny && this.#find(kind, k, str(item.id)) === undefined) return;
        this.#done(item, k, out);
      });
    }
    for (const b of this.#blocks) {
      if (b.ended) continue;
      const seen = b.seen.toString();
      if (b.kind === "text") out.push({ type: "text_end", index: b.index, text: seen });
      else if (b.kind === "thinking") {
        out.push({ type: "thinking_end", index: b.index, thinking: seen });
      } else {
        out.push({
          type: "tool_call_end",
          index: b.index,
          toolCall: toolCall(b.itemId, b.callId, { name: b.name, args: seen }),
        });
      }
      b.ended = true;
      b.seen = new TextBuffer();
    }
    const usage = response.usage as Json | undefined;
    if (usage) out.push({ type: "usage", usage: usageFromResponses(usage, this.#model) });
    if (type === "response.incomplete" || str(response.status) === "incomplete") {
      const reason = str((response.incomplete_details as Json | undefined)?.reason);
      if (reason === "max_output_tokens") return "length";
    }
    return this.#blocks.some((b) => b.kind === "tool") ? "tool_use" : "stop";
  }
}

/** A Responses `usage` object as pi's {@link Usage} (`input` without the cached part). */
function usageFromResponses(usage: Json, model: Pick<Model, "cost" | "billed">): Usage {
  const inputTotal = Number(usage.input_tokens) || 0;
  const cached = Number((usage.input_tokens_details as Json | undefined)?.cached_tokens) || 0;
  return makeUsage({
    input: Math.max(0, inputTotal - cached),
    cacheRead: cached,
    cacheWrite: 0,
    output: Number(usage.output_tokens) || 0,
    reasoning: Number((usage.output_tokens_details as Json | undefined)?.reasoning_tokens) || 0,
  }, model);
}

/** pi's {@link Usage} in the Responses `usage` shape (the other way; pi serve answers with it). */
export function responsesUsage(usage: Usage): Json {
  const input = usage.input + usage.cacheRead + usage.cacheWrite;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: usage.cacheRead },
    output_tokens: usage.output,
    output_tokens_details: { reasoning_tokens: usage.reasoning },
    total_tokens: input + usage.output,
  };
}

function toolCall(id: string, callId: string, call: { name: string; args: string }): ToolCall {
  const parsed = parseToolArguments(call.args);
  const out: ToolCall = {
    type: "tool_call",
    id,
    callId,
    name: call.name,
    arguments: parsed.arguments,
  };
  if (parsed.rawArguments !== undefined) out.rawArguments = parsed.rawArguments;
  return out;
}

/**
 * Turns a Responses SSE stream into neutral events; returns the stop reason.
 * Throws an {@link ApiFailure} on `response.failed` / `error`, and a broken-stream
 * failure when the stream ends before `response.completed`. (The stream client feeds a
 * {@link ResponsesParser} directly; this is the same as an async generator.)
 */
export function parseResponsesStream(
  events: AsyncIterable<SSEEvent>,
  model: Pick<Model, "provider" | "cost" | "billed">,
  options: { onResponseId?: (id: string) => void; now?: number } = {},
): AsyncGenerator<StreamEvent, StopReason> {
  return parseEvents(new ResponsesParser(model, options), events);
}
