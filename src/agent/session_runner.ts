/**
 * The session runner: one conversation saved as a session file. It opens a new session or
 * continues one, builds the system prompt, runs each prompt through the agent loop, and
 * appends every entry to the file as it happens (the messages, and `model_change` /
 * `thinking_level_change` when the model or thinking level starts or changes). Print mode
 * and the interactive screen both use it and only render its events.
 *
 * The context goes through one seam before each request ({@link ContextTransformer}):
 * compaction plugs in there, with what it needs (the messages with their entry ids, the
 * last reported usage, the model, one extra request to the same model, and a way to append
 * the `compaction` entry).
 * @module
 */

import type { KeySource } from "../auth/types.ts";
import { stream as streamModel } from "../ai/stream.ts";
import type {
  AssistantMessage,
  Context,
  Message,
  StreamEvent,
  Usage,
  UserMessage,
} from "../ai/types.ts";
import { inputTokens, type UsageSnapshotStore } from "../ai/usage.ts";
import type { Deps } from "../deps.ts";
import { PiError } from "../errors.ts";
import { resolveThinking, THINKING_ORDER } from "../models/thinking.ts";
import type { Model, ReasoningLevel } from "../models/types.ts";
import type { Approver } from "./approval.ts";
import {
  type AgentEvent,
  type BeforeRequestInfo,
  DEFAULT_MAX_TURNS,
  runAgent,
} from "./agent_loop.ts";
import {
  buildSessionContext,
  type CompactionEntry,
  type ParsedSession,
  parseSession,
  type SessionContext,
  sessionName,
} from "./session_format.ts";
import {
  compactionSummaryMessage,
  rememberToolCalls,
  type SessionMessage,
  toSessionMessage,
} from "./session_messages.ts";
import {
  findLatestSession,
  readSessionFile,
  SessionFile,
  sessionFilePath,
  uuidFromBytes,
} from "./session_store.ts";
import { type CompactionDone, compactionTransformer, compactSession } from "./auto_compaction.ts";
import { CheckpointStore, type CheckpointTurn } from "./checkpoints.ts";
import { forkEntries, forkHeader } from "./sessions.ts";
import { isContextOverflowError } from "./compaction.ts";
import { buildSystemPrompt, loadContextFiles } from "./system_prompt.ts";
import { BUILTIN_TOOLS } from "./tools/mod.ts";
import type { Tool } from "./tools/types.ts";

/** Streams one request to a model (the real one: src/ai/stream.ts). */
export type ModelStream = (
  model: Model,
  context: Context,
  options: { signal?: AbortSignal; reasoning: ReasoningLevel; sessionId: string },
) => AsyncIterable<StreamEvent>;

/** What the runner yields: the loop's events, with messages as the session file holds them. */
export type RunnerEvent =
  | Exclude<AgentEvent, { type: "message" }>
  | {
    /** A message joined the conversation (and the session file). */
    type: "message";
    /** The message, in the session file's (pi-mono's) shape. */
    message: SessionMessage;
  };

/** What a {@link ContextTransformer} gets before each request. */
export interface ContextTransformInput {
  /** The conversation the request would send. */
  messages: readonly Message[];
  /** The turn the request is for (1-based, per prompt). */
  turn: number;
  /** The run's abort signal. */
  signal?: AbortSignal;
  /** Set when the backend just refused the request as too long (the second try). */
  overflow?: Error;
  /** The model of the request (its `contextWindow`). */
  model: Model;
  /** The thinking level of the request. */
  thinking: ReasoningLevel;
  /** The system prompt the request sends. */
  systemPrompt: string;
  /** The tools the request sends. */
  tools: readonly Tool[];
  /** The session entry a message came from (undefined: not saved, or the earlier format). */
  entryId(message: Message): string | undefined;
  /** The last usage the backend reported in this conversation (its input side is the context). */
  lastUsage: Usage | undefined;
  /** One more request to the same model, with the same session id (cache key); no tools. */
  complete(context: Context, signal?: AbortSignal): Promise<AssistantMessage>;
  /**
   * Appends the `compaction` entry (after the newest entry) and returns its id (undefined
   * without a session file) and the summary as the user message that stands for it; put that
   * message first in the returned conversation.
   */
  appendCompaction(
    compaction: Pick<CompactionEntry, "summary" | "firstKeptEntryId" | "tokensBefore"> & {
      details?: unknown;
    },
  ): { id: string | undefined; message: UserMessage };
  /** Adds an event to the run's events (`compaction`). */
  emit(event: AgentEvent): void;
}

/**
 * The seam before each request: returns the conversation to send (the same array when
 * nothing changes). What it returns is what the rest of the run and the next prompts build on.
 */
export type ContextTransformer = (input: ContextTransformInput) => Promise<Message[]>;

/** What a runner needs. */
export interface SessionRunnerOptions {
  /** The outside world (clock, random bytes, fetch, env, agent dir). */
  deps: Deps;
  /** The working directory (tools, system prompt, the session's directory). */
  cwd: string;
  /** Where keys come from. */
  keys: KeySource;
  /** Receives the Codex rate-limit snapshots. */
  usageStore?: UsageSnapshotStore;
  /** Whether the session is saved (false: `--no-session`). Default true. */
  persist?: boolean;
  /** Hides the user's secrets in tool output. */
  redact?: (text: string) => string;
  /** Turn limit per prompt. */
  maxTurns?: number;
  /** The tools (default: the built-in ones). */
  tools?: readonly Tool[];
  /** Asked before each tool call runs (src/agent/approval.ts); without it every call runs. */
  approve?: Approver;
  /**
   * The context transform before each request: default, compaction above 80 % of the
   * model's window and after an overflow ({@link compactionTransformer}); false: none.
   */
  transformContext?: ContextTransformer | false;
  /** Whether a failed request failed because its context is too long (default: `api.context_overflow`). */
  isContextOverflow?: (error: Error) => boolean;
  /** The model stream (default: src/ai/stream.ts). */
  stream?: ModelStream;
}

/** The model and thinking level a continued session had. */
export interface RestoredSettings {
  /** The model on the session's path. */
  model?: { provider: string; modelId: string };
  /** The thinking level on the path. */
  thinking?: ReasoningLevel;
}

/** Token counters of a session, for the status line. */
export interface SessionTotals {
  /** Input tokens, cached ones included. */
  input: number;
  /** Output tokens. */
  output: number;
  /** What the user paid (USD). */
  cost: number;
  /** What it would cost at list prices (USD). */
  listCost: number;
  /** The context the model last saw (input side plus its answer), in tokens. */
  contextTokens: number;
}

function isLevel(value: string | undefined): value is ReasoningLevel {
  return value !== undefined && (THINKING_ORDER as readonly string[]).includes(value);
}

/** One conversation, saved as a session file (unless `persist` is false). */
export class SessionRunner {
  /** The session id: Codex `session_id` header and `prompt_cache_key`. */
  readonly id: string;
  /** The session file (written on the first prompt); undefined when not saved. */
  readonly path: string | undefined;
  /** Whether this continues an earlier session. */
  readonly continued: boolean;
  /** One line about unreadable lines skipped in the session file. */
  readonly warning: string | undefined;
  /** The model and thinking level the continued session had. */
  readonly restored: RestoredSettings;
  readonly #options: SessionRunnerOptions;
  readonly #createdAt: number;
  /** The session file as read, until it is opened to append (then only its ids are kept). */
  #parsed: ParsedSession | undefined;
  #file: SessionFile | undefined;
  #messages: Message[];
  readonly #entryIds = new WeakMap<Message, string>();
  readonly #toolCallIds: Map<string, string>;
  readonly #usages: Usage[];
  #lastUsage: Usage | undefined;
  /** The model (`provider/id`) and thinking level last recorded on the path. */
  #recorded: { model?: string; thinking?: string };
  /** A fork not yet written: its header's parent and the entries copied. */
  readonly #fork: { parentSession: string; entries: Record<string, unknown>[] } | undefined;
  /** The id of the session this one was forked from. */
  readonly parentSession: string | undefined;
  /** User messages on the path so far (numbers the next one). */
  #userMessages: number;
  /** The user message whose turn runs now (checkpoints are saved under it). */
  #turn: CheckpointTurn | undefined;
  #checkpoints: CheckpointStore | undefined;
  /** The session's name: its last `session_info` when read, then what {@link setName} set. */
  #name: string | undefined;

  private constructor(
    options: SessionRunnerOptions,
    init: {
      id: string;
      parsed?: ParsedSession;
      context?: SessionContext;
      fork?: { parentSession: string; entries: Record<string, unknown>[] };
    },
  ) {
    this.#options = options;
    this.id = init.id;
    this.#createdAt = options.deps.now();
    this.#fork = init.fork;
    this.parentSession = init.fork?.parentSession ?? init.parsed?.header.parentSession;
    this.#parsed = init.fork ? undefined : init.parsed;
    this.#userMessages = init.context?.userMessages ?? 0;
    const persist = options.persist ?? true;
    this.path = !persist ? undefined : this.#parsed?.path ??
      sessionFilePath(options.deps.agentDir, options.cwd, this.#createdAt, init.id);
    this.continued = init.parsed !== undefined;
    this.warning = init.parsed?.warning;
    this.#name = this.path !== undefined && init.parsed ? sessionName(init.parsed) : undefined;
    const context = init.context;
    this.#messages = [];
    for (const { message, entryId } of context?.messages ?? []) {
      this.#messages.push(message);
      if (entryId !== undefined) this.#entryIds.set(message, entryId);
    }
    this.#toolCallIds = context?.toolCallIds ?? new Map();
    this.#usages = [...(context?.usages ?? [])];
    this.#lastUsage = context?.lastUsage;
    const model = context?.model;
    this.#recorded = {
      ...(model ? { model: `${model.provider}/${model.modelId}` } : {}),
      ...(context?.thinkingLevel !== undefined ? { thinking: context.thinkingLevel } : {}),
    };
    this.restored = {
      ...(model ? { model } : {}),
      ...(isLevel(context?.thinkingLevel) ? { thinking: context.thinkingLevel } : {}),
    };
  }

  /** A new session (its file is created on the first prompt). */
  static create(options: SessionRunnerOptions, init: { id?: string } = {}): SessionRunner {
    const id = init.id ?? uuidFromBytes(options.deps.randomBytes(16));
    return new SessionRunner(options, { id });
  }

  /** Continues the session in `path`: its conversation as {@link buildSessionContext} reads it. */
  static async open(options: SessionRunnerOptions, path: string): Promise<SessionRunner> {
    // Lean first: a long session is not held whole while it opens. Read in full only when
    // the conversation needs what was left out (it branches back before a compaction).
    let parsed = await readSessionFile(path, { lean: true });
    let context = buildSessionContext(parsed);
    if (context.leanLinesNeeded) {
      parsed = await readSessionFile(path);
      context = buildSessionContext(parsed);
    }
    return new SessionRunner(options, { id: parsed.header.id, parsed, context });
  }

  /**
   * A new session whose conversation is a copy of the one in `path` (`--fork`, `/fork`), as
   * pi-mono forks: its header names the source's id as `parentSession`, and it starts with
   * the source's entries (all of them, or with `leafId` the path up to that entry). The
   * source file is only read. The new file is written with the first prompt (or name).
   */
  static async fork(
    options: SessionRunnerOptions,
    path: string,
    init: { leafId?: string | null } = {},
  ): Promise<SessionRunner> {
    const source = await readSessionFile(path);
    const { deps } = options;
    const id = uuidFromBytes(deps.randomBytes(16));
    const used = new Set<string>();
    const entries = forkEntries(source, {
      ...init,
      now: deps.now(),
      newId: () => {
        let next = deps.randomBytes(4).toHex();
        while (used.has(next)) next = deps.randomBytes(4).toHex();
        used.add(next);
        return next;
      },
    });
    const header = forkHeader(source, { id, cwd: options.cwd, now: deps.now() });
    const text = [header, ...entries].map((e) => JSON.stringify(e)).join("\n");
    const parsed = parseSession(text, path);
    if (source.warning !== undefined) parsed.warning = source.warning;
    return new SessionRunner(options, {
      id,
      parsed,
      context: buildSessionContext(parsed),
      fork: { parentSession: source.header.id, entries },
    });
  }

  /** Continues the newest session of the cwd (`--continue`); undefined when there is none. */
  static async continueLatest(options: SessionRunnerOptions): Promise<SessionRunner | undefined> {
    const path = await findLatestSession(options.deps.agentDir, options.cwd);
    return path === undefined ? undefined : await SessionRunner.open(options, path);
  }

  /** The conversation, as the next request sends it. */
  get messages(): readonly Message[] {
    return this.#messages;
  }

  /**
   * The session's name (`/name`, `/session`): the last `session_info` of the file as it was
   * read (a fork's copied from its source), then the one {@link setName} appended; undefined
   * when it has none or is not saved. A name another process appends meanwhile is not seen.
   */
  get name(): string | undefined {
    return this.#name;
  }

  /** The session entry a message of {@link messages} came from. */
  entryId(message: Message): string | undefined {
    return this.#entryIds.get(message);
  }

  /** The last usage reported in this conversation (since the last compaction). */
  get lastUsage(): Usage | undefined {
    return this.#lastUsage;
  }

  /** Token counters over the whole session. */
  totals(): SessionTotals {
    const t: SessionTotals = { input: 0, output: 0, cost: 0, listCost: 0, contextTokens: 0 };
    for (const u of this.#usages) {
      t.input += inputTokens(u);
      t.output += u.output;
      t.cost += u.cost.total;
      t.listCost += u.listCost.total;
    }
    const last = this.#lastUsage;
    if (last) t.contextTokens = inputTokens(last) + last.output;
    return t;
  }

  async #ensureFile(): Promise<SessionFile | undefined> {
    if (this.#file || this.path === undefined) return this.#file;
    const { deps, cwd } = this.#options;
    if (this.#parsed) {
      this.#file = await SessionFile.open(this.#parsed, deps);
      // Every entry of a long session, held all day for nothing otherwise.
      this.#parsed = undefined;
      return this.#file;
    }
    this.#file = await SessionFile.create(
      {
        agentDir: deps.agentDir,
        cwd,
        id: this.id,
        createdAt: this.#createdAt,
        ...(this.#fork ? this.#fork : {}),
      },
      deps,
    );
    return this.#file;
  }

  /**
   * Names the session (`/name <title>`): appends a `session_info` entry; the last one in the
   * file names the session (an empty name clears it). Returns the entry id (undefined
   * without a session file).
   */
  async setName(name: string): Promise<string | undefined> {
    const file = await this.#ensureFile();
    if (!file) return undefined;
    const id = file.append({ type: "session_info", name: name.trim() }).id;
    this.#name = name.trim() || undefined;
    return id;
  }

  /**
   * Saves what `path` holds before `write`/`edit` change it, under the user message whose
   * turn runs (the tools get this as their `checkpoint` hook). Nothing without a session file.
   */
  async #checkpoint(path: string): Promise<void> {
    if (this.path === undefined || this.#turn === undefined) return;
    this.#checkpoints ??= new CheckpointStore(
      this.#options.deps.agentDir,
      this.id,
      this.#options.deps,
    );
    await this.#checkpoints.save(path, this.#turn);
  }

  /**
   * Records the model and thinking level requests use from now on: a `model_change` and a
   * `thinking_level_change` entry, each only when it differs from the one on the session's
   * path. Written at once when the file is open, else with the next prompt.
   */
  recordSettings(model: Pick<Model, "provider" | "id">, thinking: ReasoningLevel): void {
    const file = this.#file;
    if (!file) return;
    const name = `${model.provider}/${model.id}`;
    if (this.#recorded.model !== name) {
      file.append({ type: "model_change", provider: model.provider, modelId: model.id });
      this.#recorded.model = name;
    }
    if (this.#recorded.thinking !== thinking) {
      file.append({ type: "thinking_level_change", thinkingLevel: thinking });
      this.#recorded.thinking = thinking;
    }
  }

  /** Appends one of pi's own records (`custom` entry); nothing without a session file. */
  async appendCustom(customType: string, data: unknown): Promise<string | undefined> {
    const file = await this.#ensureFile();
    return file?.append({ type: "custom", customType, data }).id;
  }

  #stream(model: Model, context: Context, signal: AbortSignal | undefined, level: ReasoningLevel) {
    const o = this.#options;
    if (o.stream) return o.stream(model, context, { signal, reasoning: level, sessionId: this.id });
    return streamModel(model, context, {
      keys: o.keys,
      deps: o.deps,
      signal,
      sessionId: this.id,
      reasoning: level,
      usageStore: o.usageStore,
    });
  }

  /** One request without tools; the final message, or the failure thrown. */
  async #complete(
    model: Model,
    level: ReasoningLevel,
    context: Context,
    signal: AbortSignal | undefined,
  ): Promise<AssistantMessage> {
    for await (const event of this.#stream(model, { ...context, tools: [] }, signal, level)) {
      if (event.type === "done") return event.message;
      if (event.type === "error") throw event.error;
    }
    throw new PiError("api.stream", "The model's answer ended without a result");
  }

  /** Appends a `compaction` entry; returns its id and the summary message standing for it. */
  #appendCompaction(
    c: Pick<CompactionEntry, "summary" | "firstKeptEntryId" | "tokensBefore"> & {
      details?: unknown;
    },
  ): { id: string | undefined; message: UserMessage } {
    const message = compactionSummaryMessage(c.summary);
    const entry = this.#file?.append({
      type: "compaction",
      summary: c.summary,
      firstKeptEntryId: c.firstKeptEntryId,
      tokensBefore: c.tokensBefore,
      ...(c.details !== undefined ? { details: c.details } : {}),
    });
    if (entry) this.#entryIds.set(message, entry.id);
    // The usage reported so far measured the context before the compaction.
    this.#lastUsage = undefined;
    return { id: entry?.id, message };
  }

  async #systemPrompt(tools: readonly Tool[]): Promise<string> {
    const o = this.#options;
    const contextFiles = await loadContextFiles(o.deps.agentDir, o.cwd);
    return buildSystemPrompt({ cwd: o.cwd, now: o.deps.now(), tools, contextFiles });
  }

  /**
   * Compacts the conversation now (`/compact [instructions]`): one summary request to
   * `model` (no tools, the session's cache key), steered by `instructions`; the `compaction`
   * entry is appended and the conversation goes on from the summary and the kept messages.
   * Throws a PiError when there is nothing to compact or the request fails.
   */
  async compact(
    options: {
      model: Model;
      thinking?: ReasoningLevel;
      instructions?: string;
      signal?: AbortSignal;
    },
  ): Promise<CompactionDone> {
    const { model, signal } = options;
    const level = resolveThinking(model, options.thinking);
    const tools = this.#options.tools ?? BUILTIN_TOOLS;
    await this.#ensureFile();
    this.recordSettings(model, level);
    const result = await compactSession(
      {
        messages: this.#messages,
        model,
        systemPrompt: await this.#systemPrompt(tools),
        tools,
        entryId: (m) => this.#entryIds.get(m),
        lastUsage: this.#lastUsage,
        complete: (context, s) => this.#complete(model, level, context, s ?? signal),
        appendCompaction: (c) => this.#appendCompaction(c),
        ...(signal ? { signal } : {}),
      },
      this.id,
      options.instructions,
    );
    this.#messages = result.messages;
    return result;
  }

  /** Saves a message that joined the conversation; returns it as the file holds it. */
  #persist(message: Message): SessionMessage {
    rememberToolCalls(this.#toolCallIds, message);
    const stored = toSessionMessage(message, {
      timestamp: this.#options.deps.now(),
      toolCallIds: this.#toolCallIds,
    });
    if (this.#file) {
      const entry = this.#file.append({ type: "message", message: stored });
      this.#entryIds.set(message, entry.id);
      if (message.role === "user") {
        this.#turn = { entryId: entry.id, n: ++this.#userMessages };
      }
    }
    if (message.role === "assistant") {
      this.#recorded.model = `${message.provider}/${message.model}`;
    }
    this.#messages.push(message);
    return stored;
  }

  async #beforeRequest(
    transform: ContextTransformer,
    messages: readonly Message[],
    info: BeforeRequestInfo,
    request: {
      model: Model;
      thinking: ReasoningLevel;
      systemPrompt: string;
      tools: readonly Tool[];
    },
  ): Promise<Message[]> {
    const result = await transform({
      ...request,
      messages,
      turn: info.turn,
      signal: info.signal,
      ...(info.overflow ? { overflow: info.overflow } : {}),
      entryId: (m) => this.#entryIds.get(m),
      lastUsage: this.#lastUsage,
      complete: (context, signal) =>
        this.#complete(request.model, request.thinking, context, signal ?? info.signal),
      appendCompaction: (c) => this.#appendCompaction(c),
      emit: info.emit,
    });
    this.#messages = [...result];
    return result;
  }

  /**
   * Runs one prompt with `model` at the thinking level `thinking` asks for (clamped to the
   * model's): writes the session file's header and settings as needed, then every message as
   * it joins the conversation. Yields the loop's events, ending with one `end`.
   */
  async *prompt(
    text: string,
    options: { model: Model; thinking?: ReasoningLevel; signal?: AbortSignal },
  ): AsyncGenerator<RunnerEvent, void, undefined> {
    const o = this.#options;
    const { model, signal } = options;
    const level = resolveThinking(model, options.thinking);
    const tools = o.tools ?? BUILTIN_TOOLS;
    await this.#ensureFile();
    this.recordSettings(model, level);
    const systemPrompt = await this.#systemPrompt(tools);
    const transform = o.transformContext === false
      ? undefined
      : o.transformContext ?? compactionTransformer(this.id);
    // The tools get the checkpoint hook: write/edit save a file's state before changing it.
    const checkpoint = (path: string) => this.#checkpoint(path);
    const events = runAgent(this.#messages, { role: "user", content: text }, {
      stream: (context, { signal }) => this.#stream(model, context, signal, level),
      systemPrompt,
      tools: tools.map((tool) => ({
        ...tool,
        execute: (args, context) => tool.execute(args, { ...context, checkpoint }),
      })),
      cwd: o.cwd,
      signal,
      maxTurns: o.maxTurns ?? DEFAULT_MAX_TURNS,
      supportsImages: model.inputs.includes("image"),
      ...(o.redact ? { redact: o.redact } : {}),
      ...(o.approve ? { approve: o.approve } : {}),
      ...(transform
        ? {
          beforeRequest: (messages: readonly Message[], info: BeforeRequestInfo) =>
            this.#beforeRequest(transform, messages, info, {
              model,
              thinking: level,
              systemPrompt,
              tools,
            }),
        }
        : {}),
      isContextOverflow: o.isContextOverflow ?? isContextOverflowError,
    });
    for await (const event of events) {
      if (event.type === "message") {
        yield { type: "message", message: this.#persist(event.message) };
        continue;
      }
      if (event.type === "usage") {
        this.#usages.push(event.usage);
        this.#lastUsage = event.usage;
      }
      yield event;
    }
  }

  /** Closes the session file (idempotent). */
  close(): void {
    this.#file?.close();
    this.#file = undefined;
  }
}
