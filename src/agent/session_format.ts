/**
 * The session file format (pi-mono's version 3), read as plain values: a header line, then
 * one entry a line, each with `id`, `parentId` and `timestamp`. The conversation is the path
 * from the newest entry up through `parentId`; {@link buildSessionContext} is the one
 * function that turns a file into a conversation, for every reader (print mode, the
 * interactive screen, and the commands that list or export sessions).
 *
 * Older files still open: pi's own earlier format (header `version: 1`, entries without ids:
 * `message` in pi's old shapes, `usage`, `model`) and pi-mono's versions 1 and 2. In a file
 * whose header says version 1 (or no version), the entries without ids are read in file
 * order as a linear start of the conversation, and the entries with ids that pi appended
 * when it continued the file (the first with `parentId: null`) follow them.
 *
 * A line that is not JSON (a torn last line after a kill, a corrupt line) is skipped and
 * reported in one warning that names the file and the line numbers; the rest of the file is
 * read as usual. Entry types pi does not know are kept in the file and skipped.
 * @module
 */

import type { Message, Usage } from "../ai/types.ts";
import { PiError } from "../errors.ts";
import {
  branchSummaryMessage,
  compactionSummaryMessage,
  fromSessionMessage,
  isObject,
  readUsage,
  rememberToolCalls,
} from "./session_messages.ts";

/** The session file format version pi writes. */
export const SESSION_VERSION = 3;

/** The first line of a session file. */
export interface SessionHeader {
  /** Always `session`. */
  type: "session";
  /** Format version (absent in pi-mono's first files: 1). */
  version?: number;
  /** Session id: also the Codex `session_id` header and the prompt cache key. */
  id: string;
  /** ISO time the session started. */
  timestamp: string;
  /** Working directory of the conversation. */
  cwd: string;
  /** The id of the session this one was forked from. */
  parentSession?: string;
  /** pi's earlier format: `provider/model` at the start. */
  model?: string;
}

/** What every entry after the header has. */
export interface SessionEntryBase {
  /** Entry type. */
  type: string;
  /** 8 hex characters, unique in the file. */
  id: string;
  /** The entry before this one on its branch; `null` for the first. */
  parentId: string | null;
  /** ISO time. */
  timestamp: string;
}

/** A message of the conversation (pi-mono's shapes, see session_messages.ts). */
export interface MessageEntry extends SessionEntryBase {
  /** Always `message`. */
  type: "message";
  /** The message. */
  message: unknown;
}

/** The model from here on. */
export interface ModelChangeEntry extends SessionEntryBase {
  /** Always `model_change`. */
  type: "model_change";
  /** Provider id. */
  provider: string;
  /** Model id. */
  modelId: string;
}

/** The thinking level from here on. */
export interface ThinkingLevelChangeEntry extends SessionEntryBase {
  /** Always `thinking_level_change`. */
  type: "thinking_level_change";
  /** `off`, `minimal`, `low`, `medium`, `high` or `xhigh`. */
  thinkingLevel: string;
}

/** The conversation before `firstKeptEntryId` is replaced by `summary`. */
export interface CompactionEntry extends SessionEntryBase {
  /** Always `compaction`. */
  type: "compaction";
  /** The summary of what was left out. */
  summary: string;
  /** The first entry kept verbatim. */
  firstKeptEntryId: string;
  /** Estimated context tokens before the compaction. */
  tokensBefore: number;
  /** Implementation data (pi-mono: files read and changed). */
  details?: unknown;
  /** pi-mono: whether an extension made it. */
  fromHook?: boolean;
}

/** The session's name (the last one in the file counts). */
export interface SessionInfoEntry extends SessionEntryBase {
  /** Always `session_info`. */
  type: "session_info";
  /** The name. */
  name?: string;
}

/** A record of pi's (or an extension's) own; never sent to the model. */
export interface CustomEntry extends SessionEntryBase {
  /** Always `custom`. */
  type: "custom";
  /** Whose record (`rewind`, …). */
  customType: string;
  /** The record. */
  data?: unknown;
}

/** pi-mono: a message an extension adds; it joins the conversation as a user message. */
export interface CustomMessageEntry extends SessionEntryBase {
  /** Always `custom_message`. */
  type: "custom_message";
  /** Whose message. */
  customType: string;
  /** Text, or text and images. */
  content: unknown;
  /** Whether pi-mono shows it. */
  display?: boolean;
}

/** pi-mono: a summary of a branch left behind; it joins the conversation. */
export interface BranchSummaryEntry extends SessionEntryBase {
  /** Always `branch_summary`. */
  type: "branch_summary";
  /** The entry the branch came from. */
  fromId: string;
  /** The summary. */
  summary: string;
}

/** pi-mono: a bookmark on an entry (not part of the conversation). */
export interface LabelEntry extends SessionEntryBase {
  /** Always `label`. */
  type: "label";
  /** The entry it marks. */
  targetId: string;
  /** The label; absent clears it. */
  label?: string;
}

/** Any entry after the header. Unknown types are kept as they are. */
export type SessionEntry =
  | MessageEntry
  | ModelChangeEntry
  | ThinkingLevelChangeEntry
  | CompactionEntry
  | SessionInfoEntry
  | CustomEntry
  | CustomMessageEntry
  | BranchSummaryEntry
  | LabelEntry;

/** An entry as pi writes it: the base fields are added by the writer. */
export type NewSessionEntry = SessionEntry extends infer E
  ? E extends SessionEntryBase ? Omit<E, "id" | "parentId" | "timestamp"> : never
  : never;

/** One readable line after the header. */
export interface SessionLine {
  /** 1-based line number in the file. */
  line: number;
  /** Position among the readable lines, the header being 0 (pi-mono's entry index). */
  index: number;
  /** The entry as read: `id` is absent in files of the earlier format. */
  entry: { type: string; id?: string; parentId?: string | null; [key: string]: unknown };
  /**
   * Read lean (see {@link sessionParser}): a message compacted away, kept without its
   * content.
   */
  lean?: true;
}

/** A session file, read. */
export interface ParsedSession {
  /** Where it was read from (used in messages). */
  path: string;
  /** The header. */
  header: SessionHeader;
  /** The header's format version (1 when absent). */
  version: number;
  /** Every readable line after the header, in file order. */
  lines: SessionLine[];
  /** The ids used in the file. */
  ids: Set<string>;
  /** The newest entry with an id (the end of the conversation), or null. */
  leafId: string | null;
  /** Line numbers skipped as unreadable. */
  skipped: number[];
  /** One line about the skipped lines, naming the file; undefined when none. */
  warning?: string;
}

/**
 * Reads a session file's text. Throws `PiError("io")` when its first line is not a session
 * header; unreadable lines after it are skipped and reported in `warning`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSession } from "./session_format.ts";
 * const text = '{"type":"session","version":3,"id":"s","timestamp":"t","cwd":"/p"}\n' +
 *   '{"type":"session_info","id":"a1","parentId":null,"timestamp":"t","name":"x"}\n{"ty';
 * const s = parseSession(text, "/p/s.jsonl");
 * assert.equal(s.leafId, "a1");
 * assert.deepEqual(s.skipped, [3]);
 * assert.match(s.warning ?? "", /line 3 of \/p\/s\.jsonl/);
 * ```
 */
export function parseSession(text: string, path: string): ParsedSession {
  const parser = sessionParser(path);
  for (const row of text.split("\n")) if (!parser.row(row)) break;
  return parser.finish();
}

/**
 * {@link parseSession} a line at a time, for a file read in chunks (session_store.ts
 * readSessionFile): `row` takes each line without its line break, in order (the text after
 * the last line break too), and says false when the rest need not be read (the first line
 * is not a header); `finish` gives the session, or throws as parseSession does.
 *
 * `lean`: for continuing a long session. At each `compaction` entry, the messages before
 * its first kept entry (in file order) are kept without their content (`lean` lines): an
 * all-day session is then never held whole, only what it has sent since its last compaction.
 * Every line is still parsed, so what is skipped and said is the same. A conversation that
 * does need a lean line (a branch back to before the compaction) is flagged by
 * {@link buildSessionContext} (`leanLinesNeeded`), and the file is then read in full.
 */
export function sessionParser(path: string, options: { lean?: boolean } = {}): {
  row(text: string): boolean;
  finish(): ParsedSession;
} {
  let header: SessionHeader | undefined;
  const lines: SessionLine[] = [];
  const skipped: number[] = [];
  const ids = new Set<string>();
  let leafId: string | null = null;
  let index = 0;
  let lineNumber = 0;
  let done = false;
  // Lean: where each id is in `lines`, and how far the lines have been made lean.
  const at = options.lean ? new Map<string, number>() : undefined;
  let leanUpTo = 0;
  const makeLean = (entry: SessionLine["entry"]) => {
    const kept = typeof entry.firstKeptEntryId === "string"
      ? at!.get(entry.firstKeptEntryId)
      : undefined;
    if (kept === undefined) return;
    for (; leanUpTo < kept; leanUpTo++) {
      const line = lines[leanUpTo];
      const message = line.entry.message;
      if (line.entry.type !== "message" || !isObject(message) || line.lean) continue;
      line.entry = {
        ...line.entry,
        message: { ...message, content: typeof message.content === "string" ? "" : [] },
      };
      line.lean = true;
    }
  };
  return {
    row(row: string): boolean {
      if (done) return false;
      lineNumber++;
      if (row.trim() === "") return true;
      let value: unknown;
      try {
        value = JSON.parse(row);
      } catch {
        value = undefined;
      }
      if (!isObject(value) || typeof value.type !== "string") {
        if (header === undefined) return !(done = true);
        skipped.push(lineNumber);
        return true;
      }
      if (header === undefined) {
        if (value.type !== "session" || typeof value.id !== "string") return !(done = true);
        header = value as unknown as SessionHeader;
        return true;
      }
      const entry = value as SessionLine["entry"];
      index++;
      if (typeof entry.id === "string") {
        ids.add(entry.id);
        leafId = entry.id;
        at?.set(entry.id, lines.length);
      }
      lines.push({ line: lineNumber, index, entry });
      if (at && entry.type === "compaction") makeLean(entry);
      return true;
    },
    finish(): ParsedSession {
      if (header === undefined) {
        throw new PiError("io", `${path} is not a session file (its first line is not a header)`, {
          hint: "pass another session, or move this file away",
        });
      }
      const version = typeof header.version === "number" ? header.version : 1;
      const parsed: ParsedSession = { path, header, version, lines, ids, leafId, skipped };
      if (skipped.length > 0) {
        const which = skipped.length === 1
          ? `line ${skipped[0]}`
          : `lines ${skipped.slice(0, 10).join(", ")}${skipped.length > 10 ? ", …" : ""}`;
        parsed.warning = `Skipped unreadable ${which} of ${path} (cut off or corrupt)`;
      }
      return parsed;
    },
  };
}

/** A message of the conversation, with the id of the entry it came from. */
export interface ContextMessage {
  /** The message, as pi sends it. */
  message: Message;
  /**
   * The session entry it came from (a `message`, or the `compaction`, `branch_summary` or
   * `custom_message` it stands for); undefined for the entries of the earlier format.
   */
  entryId?: string;
}

/** The conversation a session file holds, ready to be continued. */
export interface SessionContext {
  /** What is sent to the model, in order (after the last compaction on the path). */
  messages: ContextMessage[];
  /** The model on the path: the last `model_change` or assistant message. */
  model?: { provider: string; modelId: string };
  /** The thinking level on the path: the last `thinking_level_change`. */
  thinkingLevel?: string;
  /** The last compaction on the path. */
  compaction?: CompactionEntry;
  /** The usage of every assistant message on the path, in order (compacted ones included). */
  usages: Usage[];
  /**
   * The usage of the last assistant message when nothing was compacted after it: its input
   * side is the size of the context the model last saw.
   */
  lastUsage?: Usage;
  /** Call id → session id of every tool call in `messages` (see session_messages.ts). */
  toolCallIds: Map<string, string>;
  /** The id of the entry the next one follows (`parentId`), or null. */
  leafId: string | null;
  /** How many user messages are on the path (compacted ones included). */
  userMessages: number;
  /**
   * The conversation needs messages the session was read without (a lean read, see
   * {@link sessionParser}): it is incomplete, read the file in full.
   */
  leanLinesNeeded?: true;
}

function splitModel(spec: unknown): { provider: string; modelId: string } | undefined {
  if (typeof spec !== "string") return undefined;
  const slash = spec.indexOf("/");
  if (slash <= 0 || slash === spec.length - 1) return undefined;
  return { provider: spec.slice(0, slash), modelId: spec.slice(slash + 1) };
}

/** The path from the root to `leafId`, through `parentId`. */
function chain(session: ParsedSession, leafId: string | null): SessionLine[] {
  if (leafId === null) return [];
  const byId = new Map<string, SessionLine>();
  for (const l of session.lines) if (typeof l.entry.id === "string") byId.set(l.entry.id, l);
  const path: SessionLine[] = [];
  const seen = new Set<string>();
  let current = byId.get(leafId);
  while (current && !seen.has(current.entry.id!)) {
    seen.add(current.entry.id!);
    path.push(current);
    const parent = current.entry.parentId;
    current = typeof parent === "string" ? byId.get(parent) : undefined;
  }
  return path.reverse();
}

/**
 * The lines on the conversation path, oldest first: from the root through `parentId` to
 * `leafId` (default: the newest entry). In a file of the earlier format (version 1), the
 * entries without ids come first, in file order.
 */
export function pathLines(session: ParsedSession, leafId?: string | null): SessionLine[] {
  const leaf = leafId === undefined ? session.leafId : leafId;
  // Version 1: the entries without ids are the start of the conversation, in file order.
  const prefix = session.version < 2
    ? session.lines.filter((l) => typeof l.entry.id !== "string")
    : [];
  return [...prefix, ...chain(session, leaf)];
}

/** The message an entry adds to the conversation, if any. */
function entryMessage(entry: SessionLine["entry"]): Message | undefined {
  switch (entry.type) {
    case "message":
      return fromSessionMessage(entry.message);
    case "custom_message":
      return fromSessionMessage({ role: "custom", content: entry.content });
    case "branch_summary":
      return typeof entry.summary === "string" && entry.summary !== ""
        ? branchSummaryMessage(entry.summary)
        : undefined;
    default:
      return undefined;
  }
}

/**
 * The conversation of a session, as pi-mono's `buildSessionContext` builds it: the path from
 * `leafId` (default: the newest entry) to the root; the model and thinking level on it; and,
 * when a compaction is on the path, its summary (one user message) followed by the entries
 * from `firstKeptEntryId` up to the compaction, then those after it. In a file of the
 * earlier format (version 1), the entries without ids come first, in file order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildSessionContext, parseSession } from "./session_format.ts";
 * const lines = [
 *   { type: "session", version: 3, id: "s", timestamp: "t", cwd: "/p" },
 *   { type: "message", id: "a", parentId: null, timestamp: "t",
 *     message: { role: "user", content: "old", timestamp: 0 } },
 *   { type: "message", id: "b", parentId: "a", timestamp: "t",
 *     message: { role: "user", content: "kept", timestamp: 0 } },
 *   { type: "compaction", id: "c", parentId: "b", timestamp: "t", summary: "S",
 *     firstKeptEntryId: "b", tokensBefore: 9 },
 * ];
 * const text = lines.map((l) => JSON.stringify(l)).join("\n");
 * const context = buildSessionContext(parseSession(text, "x.jsonl"));
 * assert.deepEqual(context.messages.map((m) => m.entryId), ["c", "b"]);
 * ```
 */
export function buildSessionContext(
  session: ParsedSession,
  options: { leafId?: string | null } = {},
): SessionContext {
  const leafId = options.leafId === undefined ? session.leafId : options.leafId;
  const path = pathLines(session, leafId);

  let model = splitModel(session.header.model);
  let thinkingLevel: string | undefined;
  let compactionAt = -1;
  let userMessages = 0;
  for (let i = 0; i < path.length; i++) {
    const e = path[i].entry;
    if (e.type === "message" && isObject(e.message) && e.message.role === "user") {
      userMessages++;
    } else if (e.type === "thinking_level_change" && typeof e.thinkingLevel === "string") {
      thinkingLevel = e.thinkingLevel;
    } else if (
      e.type === "model_change" && typeof e.provider === "string" &&
      typeof e.modelId === "string"
    ) {
      model = { provider: e.provider, modelId: e.modelId };
    } else if (e.type === "model") {
      model = splitModel(e.model) ?? model; // pi's earlier format
    } else if (e.type === "message" && isObject(e.message) && e.message.role === "assistant") {
      const m = e.message;
      if (typeof m.provider === "string" && typeof m.model === "string" && m.provider !== "") {
        model = { provider: m.provider, modelId: m.model };
      }
    } else if (e.type === "compaction" && typeof e.summary === "string") {
      compactionAt = i;
    }
  }

  const messages: ContextMessage[] = [];
  const usages: Usage[] = [];
  let lastUsage: Usage | undefined;
  let leanLinesNeeded = false;
  const add = (l: SessionLine) => {
    if (l.lean) leanLinesNeeded = true;
    const message = entryMessage(l.entry);
    if (!message) return;
    messages.push(typeof l.entry.id === "string" ? { message, entryId: l.entry.id } : { message });
  };
  let compaction: CompactionEntry | undefined;
  if (compactionAt === -1) {
    for (const l of path) add(l);
  } else {
    const c = path[compactionAt].entry;
    compaction = c as unknown as CompactionEntry;
    messages.push({ message: compactionSummaryMessage(String(c.summary)), entryId: c.id });
    // pi-mono's first files name the first kept entry by its index instead of its id.
    const keptIndex = typeof c.firstKeptEntryIndex === "number" ? c.firstKeptEntryIndex : -1;
    let kept = false;
    for (let i = 0; i < compactionAt; i++) {
      const l = path[i];
      if (
        (typeof l.entry.id === "string" && l.entry.id === c.firstKeptEntryId) ||
        l.index === keptIndex
      ) kept = true;
      if (kept) add(l);
    }
    for (let i = compactionAt + 1; i < path.length; i++) add(path[i]);
  }
  for (let i = 0; i < path.length; i++) {
    const e = path[i].entry;
    if (e.type === "message" && isObject(e.message) && e.message.role === "assistant") {
      // Only the usage: the messages compacted away are not converted (a long session has
      // thousands), and those kept were converted above.
      const usage = readUsage(e.message.usage);
      usages.push(usage);
      lastUsage = i > compactionAt ? usage : undefined;
    }
  }
  const toolCallIds = new Map<string, string>();
  for (const { message } of messages) rememberToolCalls(toolCallIds, message);
  const context: SessionContext = { messages, usages, toolCallIds, leafId, userMessages };
  if (model) context.model = model;
  if (thinkingLevel !== undefined) context.thinkingLevel = thinkingLevel;
  if (compaction) context.compaction = compaction;
  if (lastUsage) context.lastUsage = lastUsage;
  if (leanLinesNeeded) context.leanLinesNeeded = true;
  return context;
}

/**
 * A `session_info` entry's name: trimmed, null when empty (it clears the name, as in
 * pi-mono). {@link sessionName} and the session list read names through it.
 */
export function entryName(entry: Record<string, unknown>): string | null {
  return typeof entry.name === "string" && entry.name.trim() !== "" ? entry.name.trim() : null;
}

/** The session's name: the last `session_info` in the file ({@link entryName}). */
export function sessionName(session: ParsedSession): string | undefined {
  let name: string | undefined;
  for (const { entry } of session.lines) {
    if (entry.type === "session_info") name = entryName(entry) ?? undefined;
  }
  return name;
}
