/**
 * The reducer: provider-neutral {@link StreamEvent}s → the final
 * {@link AssistantMessage}. Pure; the streaming clients run every event they
 * yield through one {@link MessageBuilder}, so `done.message` is exactly what
 * the events say.
 * @module
 */

import type { Model } from "../models/types.ts";
import type {
  AssistantMessage,
  StopReason,
  StreamEvent,
  TextContent,
  ThinkingContent,
  ToolCall,
} from "./types.ts";
import { emptyUsage } from "./usage.ts";

/** Parses tool-call argument JSON; an object, else `{}` with the raw text kept. */
export function parseToolArguments(
  text: string,
): { arguments: Record<string, unknown>; rawArguments?: string } {
  const trimmed = text.trim();
  if (trimmed === "") return { arguments: {} };
  try {
    const value = JSON.parse(trimmed);
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      return { arguments: value as Record<string, unknown> };
    }
  } catch {
    // fall through
  }
  return { arguments: {}, rawArguments: text };
}

/**
 * A tool call's arguments as JSON text: the parsed object, or the model's own text where it
 * was not one (`rawArguments`; the other way from {@link parseToolArguments}).
 */
export function argumentsText(call: { arguments: unknown; rawArguments?: string }): string {
  return call.rawArguments ?? JSON.stringify(call.arguments);
}

/** Pieces waiting to be joined; joining every 512 copies each character about once more. */
const JOIN_EVERY = 512;

/**
 * Text put together from many small pieces (the deltas of a long answer), kept compact.
 * `text += delta` keeps every delta alive as its own string plus a rope node per delta
 * (~45 bytes a delta: 4 MB for the 86k deltas of a 20 MiB stream, about ten times the
 * text itself); a TextBuffer joins the pieces into one flat string every few hundred.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TextBuffer } from "./reduce.ts";
 * const b = new TextBuffer();
 * for (const piece of ["Hel", "lo"]) b.append(piece);
 * assert.equal(b.toString(), "Hello");
 * assert.equal(b.length, 5);
 * ```
 */
export class TextBuffer {
  #joined = "";
  #pieces: string[] = [];
  #length = 0;

  /** Adds `text` at the end. */
  append(text: string): void {
    this.#pieces.push(text);
    this.#length += text.length;
    if (this.#pieces.length >= JOIN_EVERY) this.#join();
  }

  /** The length so far, in UTF-16 code units. */
  get length(): number {
    return this.#length;
  }

  /** The whole text. */
  toString(): string {
    if (this.#pieces.length > 0) this.#join();
    return this.#joined;
  }

  #join(): void {
    this.#joined += this.#pieces.join("");
    this.#pieces = [];
  }
}

type Block = TextContent | ThinkingContent | (ToolCall & { partialJson?: string });

/** Where the deltas of a block that is still streaming go (text, thinking or JSON). */
function deltaText(b: Block): string {
  return b.type === "text" ? b.text : b.type === "thinking" ? b.thinking : b.partialJson ?? "";
}

/**
 * Builds an {@link AssistantMessage} from events, one at a time.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MessageBuilder } from "./reduce.ts";
 * const model = {
 *   id: "m", name: "M", provider: "openai", api: "openai-responses" as const,
 *   contextWindow: 1000, maxOutput: 100, reasoning: [], billed: true, inputs: ["text" as const],
 *   cost: { input: 1, output: 2, cacheRead: 0, cacheWrite: 0 },
 * };
 * const b = new MessageBuilder(model);
 * b.apply({ type: "text_start", index: 0 });
 * b.apply({ type: "text_delta", index: 0, delta: "Hi" });
 * assert.deepEqual(b.finish("stop").content, [{ type: "text", text: "Hi" }]);
 * ```
 */
export class MessageBuilder {
  readonly #message: AssistantMessage;
  #blocks: Block[] = [];
  /** The deltas of each block since its start or end event, kept compact. */
  #deltas: (TextBuffer | undefined)[] = [];

  /** Starts an empty message for `model`. */
  constructor(model: Pick<Model, "id" | "provider" | "api" | "cost" | "billed">) {
    this.#message = {
      role: "assistant",
      content: [],
      api: model.api,
      provider: model.provider,
      model: model.id,
      usage: emptyUsage(model),
      stopReason: "stop",
    };
  }

  /** Whether any content block was started. */
  get hasContent(): boolean {
    return this.#blocks.length > 0;
  }

  /** Sets the provider's response id. */
  setResponseId(id: string): void {
    this.#message.responseId = id;
  }

  /** Applies one event. `done`, `error` and `retry` do not change content. */
  apply(event: StreamEvent): void {
    switch (event.type) {
      case "text_start":
        this.#blocks[event.index] = { type: "text", text: "" };
        this.#deltas[event.index] = undefined;
        break;
      case "text_delta":
        this.#delta(event.index, "text", event.delta);
        break;
      case "text_end": {
        const b = this.#at(event.index, "text") as TextContent;
        b.text = event.text;
        this.#deltas[event.index] = undefined;
        break;
      }
      case "thinking_start":
        this.#blocks[event.index] = { type: "thinking", thinking: "" };
        this.#deltas[event.index] = undefined;
        break;
      case "thinking_delta":
        this.#delta(event.index, "thinking", event.delta);
        break;
      case "thinking_end": {
        const b = this.#at(event.index, "thinking") as ThinkingContent;
        b.thinking = event.thinking;
        this.#deltas[event.index] = undefined;
        if (event.signature !== undefined) b.signature = event.signature;
        if (event.redacted) b.redacted = true;
        break;
      }
      case "tool_call_start":
        this.#blocks[event.index] = {
          type: "tool_call",
          id: event.id,
          callId: event.callId,
          name: event.name,
          arguments: {},
          partialJson: "",
        };
        this.#deltas[event.index] = undefined;
        break;
      case "tool_call_delta":
        this.#delta(event.index, "tool_call", event.delta);
        break;
      case "tool_call_end":
        this.#blocks[event.index] = { ...event.toolCall };
        this.#deltas[event.index] = undefined;
        break;
      case "usage":
        this.#message.usage = event.usage;
        break;
      default:
        break;
    }
  }

  #delta(index: number, type: Block["type"], delta: string): void {
    const b = this.#at(index, type);
    let buffer = this.#deltas[index];
    if (buffer === undefined) {
      buffer = this.#deltas[index] = new TextBuffer();
      buffer.append(deltaText(b));
    }
    buffer.append(delta);
  }

  #at(index: number, type: Block["type"]): Block {
    let b = this.#blocks[index];
    if (!b || b.type !== type) {
      this.#deltas[index] = undefined;
      b = type === "text"
        ? { type: "text", text: "" }
        : type === "thinking"
        ? { type: "thinking", thinking: "" }
        : { type: "tool_call", id: "", callId: "", name: "", arguments: {}, partialJson: "" };
      this.#blocks[index] = b;
    }
    return b;
  }

  /** The message so far (blocks copied; unfinished tool calls with arguments parsed so far). */
  snapshot(stopReason: StopReason, errorMessage?: string): AssistantMessage {
    this.#settle();
    const content: AssistantMessage["content"] = [];
    for (const b of this.#blocks) {
      if (!b) continue;
      if (b.type === "tool_call") {
        const { partialJson, ...call } = b;
        if (partialJson !== undefined) {
          const parsed = parseToolArguments(partialJson);
          call.arguments = parsed.arguments;
          if (parsed.rawArguments !== undefined) call.rawArguments = parsed.rawArguments;
        }
        content.push(call);
      } else {
        content.push({ ...b });
      }
    }
    const message: AssistantMessage = { ...this.#message, content, stopReason };
    if (errorMessage !== undefined) message.errorMessage = errorMessage;
    return message;
  }

  /** Writes the buffered deltas into their blocks. */
  #settle(): void {
    this.#deltas.forEach((buffer, i) => {
      if (buffer === undefined) return;
      const b = this.#blocks[i];
      const text = buffer.toString();
      if (b.type === "text") b.text = text;
      else if (b.type === "thinking") b.thinking = text;
      else b.partialJson = text;
    });
  }

  /** The final message. */
  finish(stopReason: StopReason): AssistantMessage {
    return this.snapshot(stopReason);
  }
}

/**
 * Reduces a whole event list to the final message (the stop reason of a `done`
 * event, else `stop`; `error`/`aborted` after an `error` event).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { reduceEvents } from "./reduce.ts";
 * const model = {
 *   id: "m", provider: "openai", api: "openai-responses" as const, billed: true,
 *   cost: { input: 1, output: 2, cacheRead: 0, cacheWrite: 0 },
 * };
 * const msg = reduceEvents(model, [
 *   { type: "text_start", index: 0 },
 *   { type: "text_delta", index: 0, delta: "Hi" },
 * ]);
 * assert.deepEqual(msg.content, [{ type: "text", text: "Hi" }]);
 * ```
 */
export function reduceEvents(
  model: Pick<Model, "id" | "provider" | "api" | "cost" | "billed">,
  events: Iterable<StreamEvent>,
): AssistantMessage {
  const b = new MessageBuilder(model);
  let stop: StopReason = "stop";
  let error: string | undefined;
  for (const e of events) {
    b.apply(e);
    if (e.type === "done") stop = e.stopReason;
    if (e.type === "error") {
      stop = e.error.code === "api.aborted" ? "aborted" : "error";
      error = e.error.message;
    }
  }
  return b.snapshot(stop, error);
}
