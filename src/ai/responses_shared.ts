/**
 * What the two Responses APIs (Codex subscription and OpenAI platform) share:
 * conversation → `input` items, tools, reasoning effort, and the reply's SSE
 * events → provider-neutral {@link StreamEvent}s.
 * @module
 */

import type { Model, ReasoningLevel } from "../models/types.ts";
import { resolveThinking } from "../models/thinking.ts";
import type { PiError } from "../errors.ts";
import { ApiFailure, contextOverflowFailure, isContextOverflow, usageLimitError } from "./retry.ts";
import { parseToolArguments } from "./reduce.ts";
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
} from "./types.ts";
import { makeUsage } from "./usage.ts";

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
  return level === "off" ? "none" : level;
}

/** Tools in the Responses shape. */
export function responsesTools(tools: Tool[] | undefined): Record<string, unknown>[] {
  return (tools ?? []).map((t) => ({
    type: "function",
    name: t.name,
    description: t.description,
    parameters: t.parameters,
    strict: false,
  }));
}

function userContent(
  content: string | (TextContent | ImageContent)[],
  images: boolean,
): Record<string, unknown>[] {
  if (typeof content === "string") return [{ type: "input_text", text: content }];
  const out: Record<string, unknown>[] = [];
  for (const part of content) {
    if (part.type === "text") out.push({ type: "input_text", text: part.text });
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
      if (content.length > 0) items.push({ type: "message", role: "user", content });
    } else if (msg.role === "assistant") {
      const sameApi = msg.api === model.api;
      for (const block of msg.content) {
        if (block.type === "thinking") {
          if (!sameApi || !block.signature) continue;
          try {
            const item = JSON.parse(block.signature) as Record<string, unknown>;
            if (item.type !== "reasoning") continue;
            const { id: _id, status: _status, ...rest } = item;
            items.push(rest);
          } catch {
            // not a reasoning item: skip
          }
        } else if (block.type === "text") {
          if (block.text === "") continue;
          items.push({
            type: "message",
            role: "assistant",
            content: [{ type: "output_text", text: block.text, annotations: [] }],
          });
        } else {
          items.push({
            type: "function_call",
            call_id: block.callId,
            name: block.name,
            arguments: block.rawArguments ?? JSON.stringify(block.arguments),
          });
        }
      }
    } else {
      const text = msg.content.filter((c) => c.type === "text").map((c) => (c as TextContent).text)
        .join("\n");
      const imgs = msg.content.filter((c) => c.type === "image") as ImageContent[];
      items.push({
        type: "function_call_output",
        call_id: msg.callId,
        output: text !== "" ? text : imgs.length > 0 ? "(see the attached image)" : "",
      });
      if (imgs.length > 0 && images) {
        items.push({
          type: "message",
          role: "user",
          content: [
            { type: "input_text", text: `Image(s) returned by ${msg.toolName}:` },
            ...userContent(imgs, true),
          ],
        });
      }
    }
  }
  return items;
}

/** Options the Responses request bodies share. */
export interface ResponsesBodyOptions {
  /** Requested reasoning level. */
  reasoning?: ReasoningLevel;
  /** `prompt_cache_key` (the session id). */
  sessionId: string;
}

/** The request body both Responses APIs accept (CONTRACT.md: Responses request). */
export function responsesBody(
  model: Pick<Model, "id" | "api" | "inputs" | "reasoning">,
  context: Context,
  options: ResponsesBodyOptions,
): Record<string, unknown> {
  const effort = clampEffort(model, options.reasoning);
  const body: Record<string, unknown> = {
    model: model.id,
    instructions: context.systemPrompt.trim() !== ""
      ? context.systemPrompt
      : "You are a helpful assistant.",
    input: responsesInput(model, context.messages),
    tools: responsesTools(context.tools),
    tool_choice: "auto",
    parallel_tool_calls: true,
  };
  if (effort !== undefined) body.reasoning = { effort, summary: "auto" };
  body.store = false;
  body.stream = true;
  body.include = effort !== undefined ? ["reasoning.encrypted_content"] : [];
  body.prompt_cache_key = options.sessionId;
  return body;
}

type Json = Record<string, unknown>;

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
  const limit = usageLimitError(JSON.stringify({ error: source ?? {} }), now);
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

/**
 * Turns a Responses SSE stream into neutral events; returns the stop reason.
 * Throws an {@link ApiFailure} on `response.failed` / `error`, and a broken-stream
 * failure when the stream ends before `response.completed`.
 */
export async function* parseResponsesStream(
  events: AsyncIterable<SSEEvent>,
  model: Pick<Model, "provider" | "cost" | "billed">,
  options: { onResponseId?: (id: string) => void; now?: number } = {},
): AsyncGenerator<StreamEvent, StopReason> {
  const { onResponseId, now = 0 } = options;
  // Our block index for each Responses output_index.
  const indexOf = new Map<number, number>();
  const summaryParts = new Map<number, number>();
  let next = 0;
  let sawToolCall = false;
  for await (const sse of events) {
    if (sse.data === "[DONE]") continue;
    let ev: Json;
    try {
      ev = JSON.parse(sse.data);
    } catch (cause) {
      throw new ApiFailure("api.stream", `${model.provider} sent an unreadable event`, {
        cause,
        retryable: true,
        broken: true,
      });
    }
    const type = str(ev.type) || sse.event;
    switch (type) {
      case "response.created": {
        const id = str((ev.response as Json | undefined)?.id);
        if (id && onResponseId) onResponseId(id);
        break;
      }
      case "response.output_item.added": {
        const item = ev.item as Json;
        const out = ev.output_index as number;
        const kind = str(item?.type);
        if (kind === "reasoning") {
          indexOf.set(out, next);
          yield { type: "thinking_start", index: next++ };
        } else if (kind === "message") {
          indexOf.set(out, next);
          yield { type: "text_start", index: next++ };
        } else if (kind === "function_call") {
          indexOf.set(out, next);
          sawToolCall = true;
          yield {
            type: "tool_call_start",
            index: next++,
            id: str(item.id),
            callId: str(item.call_id),
            name: str(item.name),
          };
        }
        break;
      }
      case "response.reasoning_summary_part.added": {
        const index = indexOf.get(ev.output_index as number);
        if (index === undefined) break;
        const parts = summaryParts.get(index) ?? 0;
        summaryParts.set(index, parts + 1);
        if (parts > 0) yield { type: "thinking_delta", index, delta: "\n\n" };
        break;
      }
      case "response.reasoning_summary_text.delta":
      case "response.reasoning_text.delta": {
        const index = indexOf.get(ev.output_index as number);
        const delta = str(ev.delta);
        if (index !== undefined && delta) yield { type: "thinking_delta", index, delta };
        break;
      }
      case "response.output_text.delta":
      case "response.refusal.delta": {
        const index = indexOf.get(ev.output_index as number);
        const delta = str(ev.delta);
        if (index !== undefined && delta) yield { type: "text_delta", index, delta };
        break;
      }
      case "response.function_call_arguments.delta": {
        const index = indexOf.get(ev.output_index as number);
        const delta = str(ev.delta);
        if (index !== undefined && delta) yield { type: "tool_call_delta", index, delta };
        break;
      }
      case "response.output_item.done": {
        const item = ev.item as Json;
        const index = indexOf.get(ev.output_index as number);
        if (index === undefined || !item) break;
        const kind = str(item.type);
        if (kind === "reasoning") {
          const summary = Array.isArray(item.summary) ? item.summary as Json[] : [];
          yield {
            type: "thinking_end",
            index,
            thinking: summary.map((s) => str(s.text)).join("\n\n"),
            signature: JSON.stringify(item),
          };
        } else if (kind === "message") {
          const content = Array.isArray(item.content) ? item.content as Json[] : [];
          const text = content.map((c) => str(c.text) || str(c.refusal)).join("");
          yield { type: "text_end", index, text };
        } else if (kind === "function_call") {
          const parsed = parseToolArguments(str(item.arguments));
          const call: ToolCall = {
            type: "tool_call",
            id: str(item.id),
            callId: str(item.call_id),
            name: str(item.name),
            arguments: parsed.arguments,
          };
          if (parsed.rawArguments !== undefined) call.rawArguments = parsed.rawArguments;
          yield { type: "tool_call_end", index, toolCall: call };
        }
        break;
      }
      case "response.completed":
      case "response.done":
      case "response.incomplete": {
        const response = (ev.response ?? {}) as Json;
        const usage = response.usage as Json | undefined;
        if (usage) {
          const inputTotal = Number(usage.input_tokens) || 0;
          const cached = Number((usage.input_tokens_details as Json | undefined)?.cached_tokens) ||
            0;
          yield {
            type: "usage",
            usage: makeUsage({
              input: Math.max(0, inputTotal - cached),
              cacheRead: cached,
              cacheWrite: 0,
              output: Number(usage.output_tokens) || 0,
              reasoning:
                Number((usage.output_tokens_details as Json | undefined)?.reasoning_tokens) || 0,
            }, model),
          };
        }
        const status = str(response.status);
        if (type === "response.incomplete" || status === "incomplete") {
          const reason = str((response.incomplete_details as Json | undefined)?.reason);
          if (reason === "max_output_tokens") return "length";
        }
        return sawToolCall ? "tool_use" : "stop";
      }
      case "response.failed": {
        const response = (ev.response ?? {}) as Json;
        throw failureFrom(
          model.provider,
          response.error as Json | undefined,
          "the response failed",
          now,
        );
      }
      case "error":
        throw failureFrom(
          model.provider,
          (ev.error as Json | undefined) ?? ev,
          "the stream reported an error",
          now,
        );
      default:
        break;
    }
  }
  throw new ApiFailure(
    "api.stream",
    `The ${model.provider} stream ended before the answer was complete`,
    { retryable: true, broken: true },
  );
}
