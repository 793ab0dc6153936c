/**
 * The agent loop: send the conversation, stream one model turn, run the tool calls it made
 * (in order; consecutive read-only calls in parallel), send the results back, and repeat
 * until a turn makes no tool calls. A turn limit ends runaway loops. An abort stops the
 * stream and the running tools promptly, and every tool call still gets a result, so the
 * conversation stays valid for `--continue`.
 *
 * The loop yields {@link AgentEvent}s; `--mode json` prints them one per line.
 * @module
 */

import type {
  AssistantMessage,
  Context,
  Message,
  StreamEvent,
  Tool as ModelTool,
  ToolCall,
  ToolResultMessage,
  Usage,
  UserMessage,
} from "../ai/types.ts";
import { PiError } from "../errors.ts";
import { ApprovalGate, type Approver } from "./approval.ts";
import { overflowAfterCompaction } from "./compaction.ts";
import type { Tool, ToolResult } from "./tools/types.ts";

/** Turns per prompt when none is configured. */
export const DEFAULT_MAX_TURNS = 50;

/** One model turn: the conversation in, provider-neutral events out (ends with done/error). */
export type StreamFunction = (
  context: Context,
  options: { signal?: AbortSignal },
) => AsyncIterable<StreamEvent>;

/** Why a run ended. */
export type AgentEndReason = "stop" | "max_turns" | "aborted" | "error";

/** Token totals of a run. */
export interface AgentUsageTotals {
  /** Input tokens (uncached). */
  input: number;
  /** Cached input tokens read. */
  cacheRead: number;
  /** Input tokens written to the cache. */
  cacheWrite: number;
  /** Output tokens (reasoning included). */
  output: number;
  /** Reasoning tokens. */
  reasoning: number;
  /** What the run cost the user, USD. */
  cost: number;
}

/** What the loop reports, in order. The JSON output format (README "JSON output"). */
export type AgentEvent =
  | {
    /** A model turn begins (1-based). */
    type: "turn_start";
    /** Turn number. */
    turn: number;
  }
  | {
    /** Visible answer text. */
    type: "text_delta";
    /** Turn number. */
    turn: number;
    /** The new text. */
    delta: string;
  }
  | {
    /** The model's thinking (reasoning summary). */
    type: "thinking_delta";
    /** Turn number. */
    turn: number;
    /** The new thinking text. */
    delta: string;
  }
  | {
    /** The model calls a tool (arguments complete). */
    type: "tool_call";
    /** Turn number. */
    turn: number;
    /** Call id; the matching tool_result has the same. */
    callId: string;
    /** Tool name. */
    name: string;
    /** Parsed arguments. */
    arguments: Record<string, unknown>;
  }
  | {
    /** Partial output of a running tool (bash). */
    type: "tool_output";
    /** Turn number. */
    turn: number;
    /** Call id. */
    callId: string;
    /** Tool name. */
    name: string;
    /** The new output. */
    delta: string;
  }
  | {
    /** A tool call was not run: `--ask` and no terminal, or the user said no. */
    type: "tool_declined";
    /** Turn number. */
    turn: number;
    /** Call id; a tool_result with the decline follows. */
    callId: string;
    /** Tool name. */
    name: string;
    /** Why, one line. */
    reason: string;
  }
  | {
    /** A tool finished; this is what the model receives. */
    type: "tool_result";
    /** Turn number. */
    turn: number;
    /** Call id. */
    callId: string;
    /** Tool name. */
    name: string;
    /** Whether it failed (the text says how). */
    isError: boolean;
    /** The text sent to the model (images as `[image …]`). */
    output: string;
  }
  | {
    /** Token usage of one turn. */
    type: "usage";
    /** Turn number. */
    turn: number;
    /** The usage as the provider reported it. */
    usage: Usage;
  }
  | {
    /** A failed request is being retried. */
    type: "retry";
    /** Turn number. */
    turn: number;
    /** The attempt that failed, from 1. */
    attempt: number;
    /** Milliseconds until the next attempt. */
    delayMs: number;
    /** Why. */
    reason: string;
  }
  | {
    /** The request hit an account's usage limit and goes on another (`--rotate-accounts`). */
    type: "account_switch";
    /** The account that hit its limit. */
    from: string;
    /** The account used from now on. */
    to: string;
    /** Why, e.g. `usage_limit_reached`. */
    reason: string;
  }
  | {
    /** A message joined the conversation (user, assistant or tool result). */
    type: "message";
    /** The message, as stored in the session. */
    message: Message;
  }
  | {
    /**
     * The context was compacted before a request (CONTRACT.md: Context and compaction):
     * emitted by the {@link AgentLoopOptions.beforeRequest} seam.
     */
    type: "compaction";
    /** Turn number. */
    turn: number;
    /** Estimated context tokens before. */
    tokensBefore: number;
    /** Estimated context tokens after. */
    tokensAfter: number;
  }
  | {
    /** The run ended. Always the last event. */
    type: "end";
    /** Why. */
    reason: AgentEndReason;
    /** Model turns taken. */
    turns: number;
    /** The text of the last assistant message. */
    text: string;
    /** Token totals of the run. */
    usage: AgentUsageTotals;
    /** For `max_turns`, `aborted` and `error`: one line saying what happened. */
    error?: string;
    /** For `error`: the PiError code. */
    errorCode?: string;
    /** For `error`: what the user can do next, when known. */
    hint?: string;
  };

/** What the loop needs. */
export interface AgentLoopOptions {
  /** Streams one model turn. */
  stream: StreamFunction;
  /** The system prompt. */
  systemPrompt: string;
  /** The tools the model may call. */
  tools: readonly Tool[];
  /** The working directory of the tools. */
  cwd: string;
  /** Stops the stream and running tools. */
  signal?: AbortSignal;
  /** Most model turns for this prompt (default {@link DEFAULT_MAX_TURNS}). */
  maxTurns?: number;
  /** Whether the model accepts images from tools. */
  supportsImages?: boolean;
  /**
   * Hides secrets (the user's own tokens and keys) in tool output before the model, the
   * events or the session see it: a tool can `cat` a credentials file or print `env`.
   * Streamed output is passed through it a whole line at a time.
   */
  redact?: (text: string) => string;
  /**
   * The one seam where the context is transformed before each request (compaction plugs in
   * here). It gets the conversation as the next request would send it and returns the one to
   * send; what it returns is also what later turns of this run build on. Events it `emit`s
   * (a `compaction`) are yielded before the request's `turn_start`. A throw ends the run
   * with an `error` end (the request is not sent).
   */
  beforeRequest?: (messages: readonly Message[], info: BeforeRequestInfo) => Promise<Message[]>;
  /**
   * Whether a failed request failed because the context is too long. Such a failure is
   * answered once per turn by calling {@link beforeRequest} again (with `overflow`) and
   * sending the request once more; a second failure ends the run as usual.
   */
  isContextOverflow?: (error: Error) => boolean;
  /** Asked before each tool call runs (src/agent/approval.ts); without it every call runs. */
  approve?: Approver;
}

/** What {@link AgentLoopOptions.beforeRequest} is told about the request. */
export interface BeforeRequestInfo {
  /** The turn the request is for (1-based). */
  turn: number;
  /** The run's abort signal. */
  signal?: AbortSignal;
  /** Adds an event to the run's events (yielded while the transform runs). */
  emit(event: AgentEvent): void;
  /** Set when the request was just refused as too long (the second try of the turn). */
  overflow?: Error;
}

/** A tool result with `redact` applied to its text. */
function redactResult(result: ToolResult, redact: (text: string) => string): ToolResult {
  return {
    ...result,
    content: result.content.map((c) => c.type === "text" ? { ...c, text: redact(c.text) } : c),
  };
}

/** A small push/pull queue joining tool output callbacks to the generator. */
class EventQueue<T> {
  #items: T[] = [];
  #wake: (() => void) | undefined;

  push(item: T): void {
    this.#items.push(item);
    this.#wake?.();
  }

  drain(): T[] {
    const items = this.#items;
    this.#items = [];
    return items;
  }

  /** Resolves when an item arrives or `other` settles. */
  wait(other: Promise<unknown>): Promise<void> {
    if (this.#items.length > 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.#wake = () => {
        this.#wake = undefined;
        resolve();
      };
      other.then(this.#wake, this.#wake);
    });
  }
}

function emptyTotals(): AgentUsageTotals {
  return { input: 0, cacheRead: 0, cacheWrite: 0, output: 0, reasoning: 0, cost: 0 };
}

function addUsage(totals: AgentUsageTotals, usage: Usage): void {
  totals.input += usage.input;
  totals.cacheRead += usage.cacheRead;
  totals.cacheWrite += usage.cacheWrite;
  totals.output += usage.output;
  totals.reasoning += usage.reasoning;
  totals.cost += usage.cost.total;
}

/** The visible text of an assistant message. */
export function messageText(message: AssistantMessage): string {
  return message.content.filter((c) => c.type === "text").map((c) => c.text).join("");
}

/** The tools as the model sees them: name, description and the JSON schema of the arguments. */
export function toModelTools(tools: readonly Tool[]): ModelTool[] {
  return tools.map((t) => ({ name: t.name, description: t.description, parameters: t.parameters }));
}

function resultMessage(call: ToolCall, result: ToolResult): ToolResultMessage {
  return {
    role: "tool_result",
    callId: call.callId,
    toolName: call.name,
    content: result.content.map((c) =>
      c.type === "text"
        ? { type: "text", text: c.text }
        : { type: "image", mimeType: c.mimeType, data: c.data }
    ),
    isError: result.isError,
  };
}

function resultOutput(result: ToolResult): string {
  return result.content.map((c) => c.type === "text" ? c.text : `[image ${c.mimeType}]`).join(
    "\n",
  );
}

function isAbort(err: unknown, signal?: AbortSignal): boolean {
  return signal?.aborted === true ||
    (err instanceof PiError && (err.code === "api.aborted" || err.code === "interrupted")) ||
    (err instanceof DOMException && err.name === "AbortError");
}

/** Keeps what can be replayed of a message cut short: text and thinking, no tool calls. */
function withoutToolCalls(message: AssistantMessage): AssistantMessage {
  return { ...message, content: message.content.filter((c) => c.type !== "tool_call") };
}

async function runTool(
  tools: readonly Tool[],
  call: ToolCall,
  context: {
    cwd: string;
    signal?: AbortSignal;
    supportsImages?: boolean;
    onUpdate: (delta: string) => void;
    gate?: ApprovalGate;
  },
): Promise<ToolResult> {
  const tool = tools.find((t) => t.name === call.name);
  if (!tool) {
    return {
      content: [{
        type: "text",
        text: `Unknown tool "${call.name}"; the tools are: ${tools.map((t) => t.name).join(", ")}`,
      }],
      isError: true,
    };
  }
  if (call.rawArguments !== undefined) {
    return {
      content: [{
        type: "text",
        text: `The arguments of this ${call.name} call were not a valid JSON object: ${
          call.rawArguments.slice(0, 200)
        }`,
      }],
      isError: true,
    };
  }
  const refused = await context.gate?.check(call);
  if (refused) return refused;
  if (context.signal?.aborted) {
    return { content: [{ type: "text", text: "Not run: aborted by the user" }], isError: true };
  }
  try {
    return await tool.execute(call.arguments, {
      cwd: context.cwd,
      signal: context.signal,
      supportsImages: context.supportsImages,
      onUpdate: context.onUpdate,
    });
  } catch (err) {
    // Tools return expected failures; this is a bug or an odd system error. Tell the model.
    const text = err instanceof Error ? err.message : String(err);
    return { content: [{ type: "text", text: `${call.name} failed: ${text}` }], isError: true };
  }
}

/**
 * The conversation with every tool call answered: a call without a result (the process was
 * killed while the tool ran) gets one saying so, right after its assistant message, and
 * results without a call are dropped. Providers refuse a conversation with either.
 */
export function closeDanglingToolCalls(messages: readonly Message[]): Message[] {
  const out: Message[] = [];
  const calls = new Set<string>();
  for (const m of messages) {
    if (m.role === "assistant") {
      for (const c of m.content) if (c.type === "tool_call") calls.add(c.callId);
    }
  }
  const answered = new Set<string>();
  for (const m of messages) {
    if (m.role === "tool_result") {
      if (calls.has(m.callId)) answered.add(m.callId);
    }
  }
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    if (m.role === "tool_result" && !calls.has(m.callId)) continue;
    out.push(m);
    if (m.role !== "assistant") continue;
    // Results come right after their assistant message; add the missing ones after those.
    while (i + 1 < messages.length && messages[i + 1].role === "tool_result") {
      const next = messages[++i];
      if (next.role === "tool_result" && calls.has(next.callId)) out.push(next);
    }
    for (const c of m.content) {
      if (c.type !== "tool_call" || answered.has(c.callId)) continue;
      out.push({
        role: "tool_result",
        callId: c.callId,
        toolName: c.name,
        content: [{ type: "text", text: "No result: pi stopped before this tool call finished" }],
        isError: true,
      });
      answered.add(c.callId);
    }
  }
  return out;
}

/** Splits calls into batches: consecutive read-only calls together, others alone. */
export function batchCalls(calls: readonly ToolCall[], tools: readonly Tool[]): ToolCall[][] {
  const batches: ToolCall[][] = [];
  for (const call of calls) {
    const readOnly = tools.find((t) => t.name === call.name)?.readOnly === true;
    const last = batches.at(-1);
    const lastReadOnly = last !== undefined &&
      last.every((c) => tools.find((t) => t.name === c.name)?.readOnly === true);
    if (readOnly && last && lastReadOnly) last.push(call);
    else batches.push([call]);
  }
  return batches;
}

/** What the loop knows while a prompt runs. */
interface RunState {
  /** The conversation as the next request sends it. */
  messages: Message[];
  /** Model turns taken. */
  turn: number;
  /** The text of the last assistant message. */
  lastText: string;
  /** Token totals so far. */
  totals: AgentUsageTotals;
}

type EndEvent = Extract<AgentEvent, { type: "end" }>;

/** The last event of a run. */
function endEvent(
  state: RunState,
  reason: AgentEndReason,
  failure: { error?: string; errorCode?: string; hint?: string } = {},
): EndEvent {
  return {
    type: "end",
    reason,
    turns: state.turn,
    text: state.lastText,
    usage: state.totals,
    ...(failure.error !== undefined ? { error: failure.error } : {}),
    ...(failure.errorCode !== undefined ? { errorCode: failure.errorCode } : {}),
    ...(failure.hint !== undefined ? { hint: failure.hint } : {}),
  };
}

/**
 * Runs `work` while yielding the events it emits as they come (the tools' live output, a
 * context transform's events); returns what `work` returned.
 */
async function* withEmitter<T>(
  work: (emit: (event: AgentEvent) => void) => Promise<T>,
): AsyncGenerator<AgentEvent, T, undefined> {
  const queue = new EventQueue<AgentEvent>();
  const running = work((event) => queue.push(event));
  let done = false;
  running.then(() => done = true, () => done = true);
  while (!done) {
    await queue.wait(running);
    yield* queue.drain();
  }
  yield* queue.drain();
  return await running;
}

/**
 * The seam before each request: the context as {@link AgentLoopOptions.beforeRequest}
 * transforms it (unchanged without one). Its events are yielded as they come.
 */
async function* transformContext(
  state: RunState,
  options: AgentLoopOptions,
  overflow?: Error,
): AsyncGenerator<AgentEvent, void, undefined> {
  const before = options.beforeRequest;
  if (!before) return;
  const messages = yield* withEmitter((emit) =>
    before(state.messages, {
      turn: state.turn,
      signal: options.signal,
      emit,
      ...(overflow ? { overflow } : {}),
    })
  );
  state.messages = [...messages];
}

/** How one streamed model turn ended: the message (when one arrived) and the failure. */
interface TurnOutcome {
  final?: AssistantMessage;
  failure?: Error;
}

/** Streams one model turn: its deltas and tool calls as events; returns how it ended. */
async function* streamTurn(
  state: RunState,
  options: AgentLoopOptions,
): AsyncGenerator<AgentEvent, TurnOutcome, undefined> {
  const turn = state.turn;
  let final: AssistantMessage | undefined;
  let failure: Error | undefined;
  try {
    const context: Context = {
      systemPrompt: options.systemPrompt,
      messages: [...state.messages],
      tools: toModelTools(options.tools),
    };
    for await (const event of options.stream(context, { signal: options.signal })) {
      switch (event.type) {
        case "text_delta":
          yield { type: "text_delta", turn, delta: event.delta };
          break;
        case "thinking_delta":
          yield { type: "thinking_delta", turn, delta: event.delta };
          break;
        case "tool_call_end":
          yield {
            type: "tool_call",
            turn,
            callId: event.toolCall.callId,
            name: event.toolCall.name,
            arguments: event.toolCall.arguments,
          };
          break;
        case "retry":
          yield {
            type: "retry",
            turn,
            attempt: event.attempt,
            delayMs: event.delayMs,
            reason: event.reason,
          };
          break;
        case "account_switch":
          yield { type: "account_switch", from: event.from, to: event.to, reason: event.reason };
          break;
        case "done":
          final = event.message;
          break;
        case "error":
          final = event.message;
          failure = event.error;
          break;
      }
      if (final) break;
    }
    if (!final) failure = new PiError("api.stream", "The model's answer ended without a result");
  } catch (err) {
    failure = err instanceof Error ? err : new Error(String(err));
  }
  return final ? { final, ...(failure ? { failure } : {}) } : { failure };
}

/**
 * Runs one batch of tool calls (one call, or consecutive read-only calls at once): their
 * live output and results as events; returns the result messages, in call order. Every call
 * gets a result, even after an abort, so the conversation stays valid.
 */
async function* runToolBatch(
  batch: readonly ToolCall[],
  turn: number,
  options: AgentLoopOptions,
  gate: ApprovalGate,
): AsyncGenerator<AgentEvent, ToolResultMessage[], undefined> {
  const redact = options.redact;
  // With redact, streamed output goes out by whole lines (a secret never spans two).
  const partial = new Map<string, string>();
  const results = yield* withEmitter(async (emit) => {
    const output = (call: ToolCall, delta: string) => {
      if (delta !== "") {
        emit({ type: "tool_output", turn, callId: call.callId, name: call.name, delta });
      }
    };
    const results = await Promise.all(batch.map((call) =>
      runTool(options.tools, call, {
        cwd: options.cwd,
        signal: options.signal,
        supportsImages: options.supportsImages,
        gate,
        onUpdate: (delta) => {
          if (!redact) return output(call, delta);
          const text = (partial.get(call.callId) ?? "") + delta;
          const end = text.lastIndexOf("\n") + 1;
          partial.set(call.callId, text.slice(end));
          output(call, redact(text.slice(0, end)));
        },
      }).then((result) => redact ? redactResult(result, redact) : result)
    ));
    if (redact) {
      for (const call of batch) output(call, redact(partial.get(call.callId) ?? ""));
    }
    return results;
  });
  const messages: ToolResultMessage[] = [];
  for (let i = 0; i < batch.length; i++) {
    const reason = gate.declined(batch[i].callId);
    if (reason !== undefined) {
      yield { type: "tool_declined", turn, callId: batch[i].callId, name: batch[i].name, reason };
    }
    const message = resultMessage(batch[i], results[i]);
    messages.push(message);
    yield {
      type: "tool_result",
      turn,
      callId: batch[i].callId,
      name: batch[i].name,
      isError: results[i].isError,
      output: resultOutput(results[i]),
    };
    yield { type: "message", message };
  }
  return messages;
}

/**
 * Runs one prompt to its end: yields events, ending with exactly one `end`. Never throws for
 * a model or tool failure (that is an `end` with reason `error`); `history` is not changed —
 * the messages that join the conversation come as `message` events.
 *
 * Each turn: the context goes through {@link AgentLoopOptions.beforeRequest}, one model turn
 * is streamed ({@link streamTurn}), and its tool calls run batch by batch
 * ({@link runToolBatch}); a turn without tool calls ends the run.
 */
export async function* runAgent(
  history: readonly Message[],
  prompt: UserMessage,
  options: AgentLoopOptions,
): AsyncGenerator<AgentEvent, void, undefined> {
  const maxTurns = options.maxTurns ?? DEFAULT_MAX_TURNS;
  const signal = options.signal;
  const state: RunState = {
    messages: [...closeDanglingToolCalls(history), prompt],
    turn: 0,
    lastText: "",
    totals: emptyTotals(),
  };
  const gate = new ApprovalGate(options.approve, signal);
  yield { type: "message", message: prompt };

  while (true) {
    if (signal?.aborted) {
      yield endEvent(state, "aborted", { error: "Interrupted" });
      return;
    }
    if (state.turn >= maxTurns) {
      yield endEvent(state, "max_turns", {
        error:
          `Stopped after ${maxTurns} model turns without a final answer (the limit per prompt)`,
        errorCode: "agent.max_turns",
      });
      return;
    }
    state.turn++;
    const turn = state.turn;

    let outcome: TurnOutcome;
    try {
      yield* transformContext(state, options);
      yield { type: "turn_start", turn };
      outcome = yield* streamTurn(state, options);
      // A context overflow: transform the context once more (compaction) and send again.
      const overflow = outcome.failure;
      if (
        overflow && !isAbort(overflow, signal) && options.beforeRequest &&
        options.isContextOverflow?.(overflow)
      ) {
        if (outcome.final) addUsage(state.totals, outcome.final.usage);
        yield* transformContext(state, options, overflow);
        outcome = yield* streamTurn(state, options);
        const again = outcome.failure;
        if (again && !isAbort(again, signal) && options.isContextOverflow(again)) {
          // Compacted and sent once more, refused again: the recovery gives up.
          outcome = { ...outcome, failure: overflowAfterCompaction(again) };
        }
      }
    } catch (err) {
      // A context transform failed (the turn was not sent).
      outcome = { failure: err instanceof Error ? err : new Error(String(err)) };
    }
    const { final, failure } = outcome;

    if (final) {
      addUsage(state.totals, final.usage);
      yield { type: "usage", turn, usage: final.usage };
    }

    if (failure || !final) {
      if (final) {
        const kept = withoutToolCalls(final);
        if (kept.content.length > 0) {
          state.messages.push(kept);
          state.lastText = messageText(kept);
          yield { type: "message", message: kept };
        }
      }
      if (isAbort(failure, signal)) {
        yield endEvent(state, "aborted", { error: "Interrupted" });
      } else {
        yield endEvent(state, "error", {
          error: failure?.message ?? "The model failed",
          errorCode: failure instanceof PiError ? failure.code : "agent.failed",
          hint: failure instanceof PiError ? failure.hint : undefined,
        });
      }
      return;
    }

    state.messages.push(final);
    state.lastText = messageText(final);
    yield { type: "message", message: final };

    const calls = final.content.filter((c): c is ToolCall => c.type === "tool_call");
    if (calls.length === 0) {
      yield endEvent(state, "stop");
      return;
    }
    // In order; consecutive read-only calls in parallel.
    for (const batch of batchCalls(calls, options.tools)) {
      state.messages.push(...yield* runToolBatch(batch, turn, options, gate));
    }
    if (gate.stopped !== undefined) {
      yield endEvent(state, "aborted", { error: `Stopped: ${gate.stopped}` });
      return;
    }
  }
}
