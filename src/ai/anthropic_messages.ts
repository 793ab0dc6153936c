/**
 * The `anthropic` client: the streaming Messages API (`ANTHROPIC_BASE_URL`, default
 * https://api.anthropic.com) with tool use and extended thinking.
 * @module
 */

import type { Model } from "../models/types.ts";
import { baseUrl, type EventParser, type ProviderClient } from "./client.ts";
import { parseToolArguments } from "./reduce.ts";
import { clampEffort } from "./responses_shared.ts";
import {
  ApiFailure,
  contextOverflowFailure,
  incompleteStreamFailure,
  isContextOverflow,
} from "./retry.ts";
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
import { makeUsage, type TokenCounts } from "./usage.ts";

/** The default Anthropic API base URL. */
export const ANTHROPIC_DEFAULT_BASE_URL = "https://api.anthropic.com";
/** The `anthropic-version` header pi speaks. */
export const ANTHROPIC_VERSION = "2023-06-01";

const BUDGETS: Record<string, number> = {
  minimal: 1024,
  low: 2048,
  medium: 8192,
  high: 16384,
  xhigh: 32000,
};

type Json = Record<string, unknown>;
type Block = Json;

function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

function userBlocks(content: string | (TextContent | ImageContent)[], images: boolean): Block[] {
  if (typeof content === "string") return content === "" ? [] : [{ type: "text", text: content }];
  const out: Block[] = [];
  for (const part of content) {
    if (part.type === "text") {
      if (part.text !== "") out.push({ type: "text", text: part.text });
    } else if (images) {
      out.push({
        type: "image",
        source: { type: "base64", media_type: part.mimeType, data: part.data },
      });
    }
  }
  return out;
}

function toolUseId(id: string): string {
  return id.replace(/[^a-zA-Z0-9_-]/g, "_");
}

/** The conversation as Messages API `messages` (consecutive same-role turns merged). */
export function anthropicMessages(
  model: Pick<Model, "api" | "inputs">,
  messages: Message[],
): { role: "user" | "assistant"; content: Block[] }[] {
  const images = model.inputs.includes("image");
  const out: { role: "user" | "assistant"; content: Block[] }[] = [];
  const push = (role: "user" | "assistant", blocks: Block[]) => {
    if (blocks.length === 0) return;
    const last = out[out.length - 1];
    if (last && last.role === role) last.content.push(...blocks);
    else out.push({ role, content: blocks });
  };
  for (const msg of messages) {
    if (msg.role === "user") {
      push("user", userBlocks(msg.content, images));
    } else if (msg.role === "assistant") {
      const sameApi = msg.api === model.api;
      const blocks: Block[] = [];
      for (const b of msg.content) {
        if (b.type === "thinking") {
          if (!sameApi || !b.signature) continue;
          if (b.redacted) blocks.push({ type: "redacted_thinking", data: b.signature });
          else blocks.push({ type: "thinking", thinking: b.thinking, signature: b.signature });
        } else if (b.type === "text") {
          if (b.text !== "") blocks.push({ type: "text", text: b.text });
        } else {
          blocks.push({
            type: "tool_use",
            id: toolUseId(b.callId),
            name: b.name,
            input: b.arguments,
          });
        }
      }
      push("assistant", blocks);
    } else {
      const content = userBlocks(msg.content, images);
      push("user", [{
        type: "tool_result",
        tool_use_id: toolUseId(msg.callId),
        content: content.length > 0 ? content : [{ type: "text", text: "(no output)" }],
        is_error: msg.isError,
      }]);
    }
  }
  return out;
}

function anthropicTools(tools: Tool[]): Json[] {
  return tools.map((t) => ({
    name: t.name,
    description: t.description,
    input_schema: t.parameters,
  }));
}

/** The Messages API request body. */
export function anthropicBody(
  model: Model,
  context: Context,
  options: { reasoning?: Model["reasoning"][number]; maxOutputTokens?: number },
): Json {
  let maxTokens = options.maxOutputTokens ?? model.maxOutput;
  const body: Json = { model: model.id, max_tokens: maxTokens };
  if (context.systemPrompt.trim() !== "") body.system = context.systemPrompt;
  body.messages = anthropicMessages(model, context.messages);
  if (context.tools && context.tools.length > 0) body.tools = anthropicTools(context.tools);
  const effort = clampEffort(model, options.reasoning);
  if (effort !== undefined && effort !== "none") {
    let budget = BUDGETS[effort] ?? BUDGETS.medium;
    if (maxTokens <= budget) maxTokens = Math.min(model.maxOutput, budget + 4096);
    if (maxTokens <= budget) budget = Math.max(1024, maxTokens - 1024);
    body.max_tokens = maxTokens;
    body.thinking = { type: "enabled", budget_tokens: budget };
  }
  body.stream = true;
  return body;
}

function stopReason(reason: string, sawToolUse: boolean): StopReason {
  if (reason === "max_tokens") return "length";
  if (reason === "tool_use" || (sawToolUse && reason !== "refusal")) return "tool_use";
  return "stop";
}

function failure(error: Json | undefined): ApiFailure {
  const type = str(error?.type);
  const message = str(error?.message) || "the stream reported an error";
  if (error && isContextOverflow(error)) return contextOverflowFailure("anthropic", message);
  return new ApiFailure(
    "api.http",
    `anthropic reported an error${type ? ` (${type})` : ""}: ${message}`,
    {
      retryable: type === "overloaded_error" || type === "api_error" || type === "rate_limit_error",
    },
  );
}

/** A parser of one Messages API reply (SSE → neutral events). */
export function anthropicParser(
  model: Pick<Model, "provider" | "cost" | "billed">,
  onResponseId?: (id: string) => void,
): EventParser {
  interface Open {
    index: number;
    kind: "text" | "thinking" | "redacted" | "tool";
    text: string;
    signature: string;
    id: string;
    name: string;
  }
  const open = new Map<number, Open>();
  const tokens: TokenCounts = { input: 0, cacheRead: 0, cacheWrite: 0, output: 0, reasoning: 0 };
  let next = 0;
  let reason = "";
  let sawToolUse = false;
  const readUsage = (u: Json | undefined) => {
    if (!u) return;
    if (typeof u.input_tokens === "number") tokens.input = u.input_tokens;
    if (typeof u.cache_read_input_tokens === "number") tokens.cacheRead = u.cache_read_input_tokens;
    if (typeof u.cache_creation_input_tokens === "number") {
      tokens.cacheWrite = u.cache_creation_input_tokens;
    }
    if (typeof u.output_tokens === "number") tokens.output = u.output_tokens;
  };
  const push = (sse: SSEEvent, out: StreamEvent[]): StopReason | undefined => {
    let ev: Json;
    try {
      ev = JSON.parse(sse.data);
    } catch (cause) {
      throw new ApiFailure("api.stream", "anthropic sent an unreadable event", {
        cause,
        retryable: true,
        broken: true,
      });
    }
    const type = str(ev.type) || sse.event;
    switch (type) {
      case "message_start": {
        const message = ev.message as Json | undefined;
        const id = str(message?.id);
        if (id && onResponseId) onResponseId(id);
        readUsage(message?.usage as Json | undefined);
        break;
      }
      case "content_block_start": {
        const block = (ev.content_block ?? {}) as Json;
        const at = ev.index as number;
        const kind = str(block.type);
        const o: Open = { index: next, kind: "text", text: "", signature: "", id: "", name: "" };
        if (kind === "text") {
          open.set(at, o);
          next++;
          out.push({ type: "text_start", index: o.index });
          const text = str(block.text);
          if (text) {
            o.text = text;
            out.push({ type: "text_delta", index: o.index, delta: text });
          }
        } else if (kind === "thinking" || kind === "redacted_thinking") {
          o.kind = kind === "thinking" ? "thinking" : "redacted";
          if (kind === "redacted_thinking") o.signature = str(block.data);
          open.set(at, o);
          next++;
          out.push({ type: "thinking_start", index: o.index });
        } else if (kind === "tool_use") {
          o.kind = "tool";
          o.id = str(block.id);
          o.name = str(block.name);
          open.set(at, o);
          next++;
          sawToolUse = true;
          out.push({
            type: "tool_call_start",
            index: o.index,
            id: o.id,
            callId: o.id,
            name: o.name,
          });
        }
        break;
      }
      case "content_block_delta": {
        const o = open.get(ev.index as number);
        const delta = (ev.delta ?? {}) as Json;
        if (!o) break;
        switch (str(delta.type)) {
          case "text_delta": {
            const text = str(delta.text);
            o.text += text;
            if (text) out.push({ type: "text_delta", index: o.index, delta: text });
            break;
          }
          case "thinking_delta": {
            const text = str(delta.thinking);
            o.text += text;
            if (text) out.push({ type: "thinking_delta", index: o.index, delta: text });
            break;
          }
          case "signature_delta":
            o.signature += str(delta.signature);
            break;
          case "input_json_delta": {
            const json = str(delta.partial_json);
            o.text += json;
            if (json) out.push({ type: "tool_call_delta", index: o.index, delta: json });
            break;
          }
          default:
            break;
        }
        break;
      }
      case "content_block_stop": {
        const at = ev.index as number;
        const o = open.get(at);
        if (!o) break;
        open.delete(at);
        if (o.kind === "text") out.push({ type: "text_end", index: o.index, text: o.text });
        else if (o.kind === "thinking" || o.kind === "redacted") {
          const end: StreamEvent = { type: "thinking_end", index: o.index, thinking: o.text };
          if (o.signature) end.signature = o.signature;
          if (o.kind === "redacted") end.redacted = true;
          out.push(end);
        } else {
          const parsed = parseToolArguments(o.text);
          const call: ToolCall = {
            type: "tool_call",
            id: o.id,
            callId: o.id,
            name: o.name,
            arguments: parsed.arguments,
          };
          if (parsed.rawArguments !== undefined) call.rawArguments = parsed.rawArguments;
          out.push({ type: "tool_call_end", index: o.index, toolCall: call });
        }
        break;
      }
      case "message_delta": {
        const delta = (ev.delta ?? {}) as Json;
        if (typeof delta.stop_reason === "string") reason = delta.stop_reason;
        readUsage(ev.usage as Json | undefined);
        break;
      }
      case "message_stop":
        out.push({ type: "usage", usage: makeUsage(tokens, model) });
        return stopReason(reason, sawToolUse);
      case "error":
        throw failure(ev.error as Json | undefined);
      default:
        break;
    }
    return undefined;
  };
  const incomplete = () => incompleteStreamFailure("anthropic");
  return { push, incomplete };
}

/** The Anthropic Messages client. */
export const anthropicMessagesClient: ProviderClient = {
  refreshOnUnauthorized: false,
  codexRateLimits: false,
  request(model, context, input) {
    const base = baseUrl(model, input.env, "ANTHROPIC_BASE_URL", ANTHROPIC_DEFAULT_BASE_URL);
    return {
      url: `${base}/v1/messages`,
      headers: {
        "x-api-key": input.key,
        "anthropic-version": ANTHROPIC_VERSION,
        "accept": "text/event-stream",
        "content-type": "application/json",
      },
      body: JSON.stringify(anthropicBody(model, context, input)),
    };
  },
  parser(model, onResponseId) {
    return anthropicParser(model, onResponseId);
  },
};
