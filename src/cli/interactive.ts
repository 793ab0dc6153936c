/**
 * `pi` on a terminal: the prompt, the answer streamed as it arrives, tool calls as one
 * line each, a spinner, a status line, and the slash commands (/login, /logout, /model,
 * /thinking, /usage, /session, /new, /help, /quit).
 *
 * Keys: Enter sends; Shift+Enter (or `\` at the end of a line) adds a line; ↑/↓ history;
 * Ctrl+C cancels the running turn (on an idle, empty prompt: press it twice to exit);
 * Ctrl+D on an empty prompt exits; Ctrl+P / Shift+Ctrl+P cycle the `--models` scope
 * (or every available model); Shift+Tab cycles the thinking level; Ctrl+T shows or
 * hides thinking; Escape cancels a turn or a menu.
 *
 * The agent loop, the streaming clients and the tools are imported only when the first
 * prompt is sent, so the prompt is ready fast.
 * @module
 */

import type { AuthStorage } from "../auth/auth_storage.ts";
import type { Deps } from "../deps.ts";
import { exitCodeFor, PiError } from "../errors.ts";
import { redact } from "../redact.ts";
import type { ScopedModel } from "../models/glob.ts";
import type { ModelRegistry } from "../models/model_registry.ts";
import type { Model, ReasoningLevel } from "../models/types.ts";
import type { RunnerEvent, SessionRunner, SessionRunnerOptions } from "../agent/session_runner.ts";
import type { Message, Usage } from "../ai/types.ts";
import type { UsageSnapshotStore } from "../ai/usage.ts";
import type { ParsedArgs } from "./args.ts";
import { continuedSelection, explicitChoice, type RunContext } from "./model_selection.ts";
import { openUsageStore } from "./usage_store.ts";
import { secretRedactor } from "./secrets.ts";
import type { KeyEvent } from "./keys.ts";
import { LineEditor } from "./line_editor.ts";
import {
  effectiveThinking,
  formatUsage,
  KEY_HELP,
  parseSlash,
  type SessionTotals,
  SLASH_COMMANDS,
  thinkingLevels,
} from "./commands/slash.ts";
import {
  createStyle,
  flowLine,
  formatCost,
  formatStatus,
  formatThinking,
  formatTokens,
  formatToolLine,
  LiveLines,
  MarkdownStream,
  plainInline,
  rowCount,
  sanitize,
  SPINNER_FRAMES,
  type Style,
  supportsHyperlinks,
  truncate,
  wantsColor,
} from "./render.ts";
import { oneLine } from "../one_line.ts";
import { COMPACTION_SUMMARY_PREFIX } from "../agent/session_messages.ts";
import { THINKING_ORDER, thinkingNotice } from "../models/thinking.ts";
import { type CursorPosition, Screen } from "./screen.ts";
import { type MenuItem, SelectMenu } from "./select_menu.ts";
import { Terminal, type TerminalHost } from "./terminal.ts";

type Totals = SessionTotals;

type Focus =
  | { kind: "editor" }
  | {
    kind: "menu";
    menu: SelectMenu<unknown>;
    resolve: (value: unknown | undefined) => void;
  }
  | {
    kind: "prompt";
    label: string;
    editor: LineEditor;
    resolve: (text: string | undefined) => void;
  };

/** A running prompt: its abort controller and what is streaming. */
interface Turn {
  controller: AbortController;
  markdown: MarkdownStream;
  thinking: string;
  tools: Map<string, { name: string; args: Record<string, unknown>; output: LiveLines }>;
  status: string;
  done: Promise<void>;
  detached: boolean;
}

/** Options of {@link runInteractive} (tests inject the terminal host). */
export interface InteractiveOptions {
  /** Credentials, models and the selected model (from `openRunContext`). */
  context: RunContext;
  /** The terminal host (default: the real one). */
  host?: TerminalHost;
}

/** The interactive app. One instance per `pi` run. */
class App {
  readonly deps: Deps;
  readonly term: Terminal;
  readonly screen = new Screen();
  readonly style: Style;
  readonly editor = new LineEditor();
  readonly auth: AuthStorage;
  readonly #redact: ((text: string) => string) | undefined;
  readonly registry: ModelRegistry;
  readonly usageStore: UsageSnapshotStore;
  readonly cwd: string;
  model: Model;
  /** The session's thinking level (`--thinking`, /thinking, Shift+Tab); undefined: default. */
  thinking: ReasoningLevel | undefined;
  /** The level of the `--models` entry (`:level`) the model came from; for that model only. */
  modelThinking: ReasoningLevel | undefined;
  /** Whether `:level` suffixes apply (not when `--thinking` was given: it wins). */
  readonly suffixes: boolean;
  scope: ScopedModel[];
  showThinking = false;
  lastThinking = "";
  focus: Focus = { kind: "editor" };
  turn: Turn | undefined;
  busy: string | undefined; // what runs outside a turn (login, …)
  busyAbort: AbortController | undefined;
  /**
   * The dim line under the editor. A hint goes at the next key unless it is `sticky`, and
   * as soon as it no longer `applies` (checked at every redraw).
   */
  hint: { text: string; applies: () => boolean; sticky: boolean } | undefined;
  /** The editor holds the offered `/login`: Enter takes it, typing replaces it. */
  suggested = false;
  /**
   * The editor holds a message whose send failed, as it was: Enter sends it again, typing
   * or deleting starts afresh (↑ brings it back), moving the cursor edits it.
   */
  kept = false;
  closed = false;
  /** Committed lines, kept to redraw the screen after a resize. */
  transcript: string[] = [];
  exitArmed = false;
  spinnerFrame = 0;
  spinnerTimer: ReturnType<typeof setInterval> | undefined;
  totals: Totals = { input: 0, output: 0, cost: 0, listCost: 0, contextTokens: 0 };
  /** The id of the session (the runner's once there is one). */
  sessionId: string;
  /** The session: opened at the start with --continue, else on the first prompt. */
  runner: SessionRunner | undefined;
  noSession: boolean;
  /** Lines said once at the start (a continued session's model not known here, …). */
  notices: string[] = [];
  #exit: (code: number) => void = () => {};
  readonly exited: Promise<number>;
  #lastWork: Promise<void> = Promise.resolve();

  constructor(
    deps: Deps,
    term: Terminal,
    init: {
      auth: AuthStorage;
      registry: ModelRegistry;
      usageStore: UsageSnapshotStore;
      model: Model;
      thinking?: ReasoningLevel;
      /** The `:level` of the entry the first model came from. */
      modelThinking?: ReasoningLevel;
      /** Whether `:level` suffixes apply (not with `--thinking`). */
      suffixes: boolean;
      scope: ScopedModel[];
      noSession: boolean;
      /** Hides the user's secrets in tool output (see src/cli/secrets.ts). */
      redact?: (text: string) => string;
      /** The continued session (--continue). */
      runner?: SessionRunner;
    },
  ) {
    this.deps = deps;
    this.term = term;
    this.#redact = init.redact;
    this.style = createStyle(wantsColor(deps.env), supportsHyperlinks(deps.env));
    this.auth = init.auth;
    this.registry = init.registry;
    this.usageStore = init.usageStore;
    this.model = init.model;
    this.thinking = init.thinking;
    this.modelThinking = init.modelThinking;
    this.suffixes = init.suffixes;
    this.scope = init.scope;
    this.noSession = init.noSession;
    this.cwd = Deno.cwd();
    this.runner = init.runner;
    this.sessionId = init.runner?.id ?? crypto.randomUUID();
    this.exited = new Promise((resolve) => this.#exit = resolve);
  }

  // ---- drawing ----

  #statusLine(width: number): string {
    const t = this.totals;
    return formatStatus(
      {
        provider: this.model.provider,
        model: this.model.id,
        thinking: this.level(),
        tokensIn: t.input,
        tokensOut: t.output,
        cost: t.cost,
        listCost: t.listCost,
        billed: this.model.billed,
        contextTokens: t.contextTokens,
        contextWindow: this.model.contextWindow,
        noKey: !this.registry.hasKey(this.model.provider),
      },
      width,
      this.style,
    );
  }

  #live(): { rows: string[]; cursor: CursorPosition | undefined } {
    const { columns } = this.term.size();
    const width = columns - 1;
    const s = this.style;
    const rows: string[] = [];
    const turn = this.turn;
    if (turn && !turn.detached) {
      const partial = turn.markdown.partial();
      if (partial !== "") rows.push(...partial.split("\n"));
      if (turn.thinking !== "" && partial === "") {
        const last = plainInline(turn.thinking.trim().split("\n").pop() ?? "");
        rows.push(s.dim(s.italic(truncate(`Thinking… ${last}`, width))));
      }
      for (const tool of turn.tools.values()) {
        rows.push(formatToolLine(tool, undefined, width, s));
        for (const line of tool.output.rows()) rows.push(s.dim(truncate(`  ${line}`, width)));
      }
    }
    if (turn && !turn.detached || this.busy) {
      const frame = SPINNER_FRAMES[this.spinnerFrame % SPINNER_FRAMES.length];
      const what = this.busy ?? turn?.status ?? "Working…";
      rows.push(s.cyan(frame) + " " + s.dim(`${what} (Ctrl+C to cancel)`));
    }
    let cursor: CursorPosition | undefined;
    const focus = this.focus;
    if (focus.kind === "menu") {
      rows.push(...focus.menu.render(width, s));
    } else if (focus.kind === "prompt") {
      rows.push(s.bold(focus.label));
      const view = focus.editor.render(width, "> ", "  ");
      cursor = { row: rows.length + view.cursorRow, col: view.cursorCol };
      rows.push(...view.rows);
    } else {
      const view = this.editor.render(width, "› ", "  ");
      cursor = { row: rows.length + view.cursorRow, col: view.cursorCol };
      // An offered or kept text is dim until it is taken, replaced or edited.
      const selected = this.suggested || this.kept;
      rows.push(
        ...view.rows.map((row, i) =>
          selected && i === 0 ? "› " + s.dim(row.slice(2)) : selected ? s.dim(row) : row
        ),
      );
    }
    if (this.hint && !this.hint.applies()) this.hint = undefined;
    if (this.hint) rows.push(s.dim(truncate(this.hint.text, width)));
    rows.push(this.#statusLine(width));
    return { rows, cursor };
  }

  /** Prints lines to the transcript and redraws the live region. */
  render(commit: string[] = []): void {
    if (this.closed) return;
    const { columns, rows } = this.term.size();
    if (commit.length > 0) {
      this.transcript.push(...commit);
      if (this.transcript.length > 2000) this.transcript.splice(0, this.transcript.length - 1000);
    }
    const live = this.#live();
    this.term.write(this.screen.frame(commit, live.rows, live.cursor, columns, rows - 1));
  }

  /**
   * After a resize the terminal has reflowed the old rows, so the live region cannot be
   * found again: clear the screen and draw the end of the transcript at the new width.
   */
  onResize(): void {
    if (this.closed) return;
    const { columns, rows } = this.term.size();
    const live = this.#live();
    const height = (lines: readonly string[]) =>
      lines.flatMap((line) => flowLine(line, columns))
        .reduce((sum, row) => sum + rowCount(row, columns), 0);
    const room = Math.max(0, rows - 1 - height(live.rows));
    // The newest lines that fit (counted in terminal rows; a line that wraps takes several).
    const shown: string[] = [];
    let used = 0;
    for (let i = this.transcript.length - 1; i >= 0 && used < room; i--) {
      shown.unshift(this.transcript[i]);
      used += height([this.transcript[i]]);
    }
    this.term.write(
      this.screen.reset() + this.screen.frame(shown, live.rows, live.cursor, columns, rows - 1),
    );
  }

  print(...lines: string[]): void {
    this.render(lines);
  }

  info(text: string): void {
    this.print(...sanitize(text).split("\n").map((l) => this.style.dim(l)));
  }

  error(text: string): void {
    this.print(this.style.red(`✗ ${oneLine(redact(text))}`));
  }

  /** Shows a hint under the editor (see {@link App.hint}). */
  setHint(text: string, applies: () => boolean = () => true, sticky = false): void {
    this.hint = { text, applies, sticky };
  }

  /** Whether a turn or other work (a login, …) is running. */
  get working(): boolean {
    return (this.turn !== undefined && !this.turn.detached) || this.busy !== undefined;
  }

  #spinner(on: boolean): void {
    if (on && !this.spinnerTimer) {
      this.spinnerTimer = setInterval(() => {
        this.spinnerFrame++;
        this.render();
      }, 80);
    } else if (!on && this.spinnerTimer && !this.turn && !this.busy) {
      clearInterval(this.spinnerTimer);
      this.spinnerTimer = undefined;
    }
  }

  // ---- menus and prompts ----

  menu<T>(
    title: string,
    items: MenuItem<T>[],
    options: { initial?: number; filterable?: boolean } = {},
  ): Promise<T | undefined> {
    return new Promise((resolve) => {
      const menu = new SelectMenu<T>(title, items, {
        ...options,
        maxRows: Math.max(3, Math.min(10, this.term.size().rows - 8)),
      });
      this.focus = {
        kind: "menu",
        menu: menu as SelectMenu<unknown>,
        resolve: resolve as (v: unknown) => void,
      };
      this.render();
    });
  }

  ask(label: string, signal?: AbortSignal): Promise<string | undefined> {
    return new Promise((resolve) => {
      const focus: Focus = { kind: "prompt", label, editor: new LineEditor(), resolve };
      const onAbort = () => {
        if (this.focus === focus) {
          this.focus = { kind: "editor" };
          this.render();
        }
        resolve(undefined);
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener("abort", onAbort, { once: true });
      this.focus = focus;
      this.render();
    });
  }

  async confirm(question: string): Promise<boolean> {
    const answer = await this.menu(question, [
      { label: "Yes", value: true },
      { label: "No", value: false },
    ], { initial: 1, filterable: false });
    return answer === true;
  }

  // ---- keys ----

  onKey(key: KeyEvent): void {
    const isKey = (name: string) => key.type === "key" && key.name === name;
    if (!isKey("ctrl+c")) this.exitArmed = false;
    if (this.hint && !this.hint.sticky) this.hint = undefined;
    const focus = this.focus;
    if (focus.kind === "menu") {
      const result = focus.menu.onKey(key);
      if (result.type !== "handled") {
        this.focus = { kind: "editor" };
        focus.resolve(result.type === "select" ? result.value : undefined);
      }
      this.render();
      return;
    }
    if (focus.kind === "prompt") {
      if (isKey("ctrl+c")) {
        this.focus = { kind: "editor" };
        this.busyAbort?.abort(new PiError("interrupted", "Login cancelled"));
        focus.resolve(undefined);
      } else if (isKey("escape")) {
        this.focus = { kind: "editor" };
        focus.resolve(undefined);
      } else {
        const result = focus.editor.onKey(key);
        // An empty line is no answer: the prompt stays (keys typed next still reach it).
        if (result.type === "submit" && result.text.trim() !== "") {
          this.focus = { kind: "editor" };
          focus.resolve(result.text);
        }
      }
      this.render();
      return;
    }
    if (key.type === "key") {
      switch (key.name) {
        case "ctrl+c":
          return this.#onCtrlC();
        case "escape":
          if (this.turn && !this.turn.detached) return this.cancelTurn();
          if (this.busyAbort) {
            this.busyAbort.abort(new PiError("interrupted", "Cancelled"));
          }
          return this.render();
        case "ctrl+d":
          // The offered "/login" is not the user's text: Ctrl+D still exits.
          if (this.editor.text === "" || this.suggested) return this.exit(0);
          this.editor.onKey({ type: "key", name: "delete", sequence: "" });
          return this.render();
        case "ctrl+p":
          return this.cycleModel(1);
        case "ctrl+shift+p":
          return this.cycleModel(-1);
        case "shift+tab":
          return this.cycleThinking();
        case "ctrl+t":
          this.showThinking = !this.showThinking;
          this.setHint(this.showThinking ? "Thinking is shown" : "Thinking is collapsed");
          if (
            this.showThinking && this.lastThinking !== "" && !(this.turn && !this.turn.detached)
          ) {
            // Expand the thinking collapsed last.
            const width = this.term.size().columns - 1;
            const lines = formatThinking(this.lastThinking, true, width, this.style);
            this.lastThinking = "";
            return this.render(lines);
          }
          return this.render();
        case "ctrl+l":
          return this.onResize();
        case "tab":
          return this.#complete();
        case "enter":
          if (this.editor.text.endsWith("\\")) break;
          if (this.working) {
            this.setHint("Still working: wait, or Ctrl+C to cancel", () => this.working);
            return this.render();
          }
          break;
      }
    }
    if (this.suggested || this.kept) {
      // An offered "/login" or a kept message: Enter takes it, typing (or deleting)
      // replaces it, moving the cursor keeps it for editing.
      this.suggested = false;
      this.kept = false;
      const replace = key.type === "text" || key.type === "paste" ||
        isKey("backspace") || isKey("delete") || isKey("ctrl+w") || isKey("word-backspace");
      if (replace) {
        this.editor.setText("");
        if (key.type === "key") return this.render();
      }
    }
    const result = this.editor.onKey(key);
    if (result.type === "submit") {
      this.submit(result.text);
      return;
    }
    this.render();
  }

  #onCtrlC(): void {
    if (this.turn && !this.turn.detached) return this.cancelTurn();
    if (this.busyAbort) {
      this.busyAbort.abort(new PiError("interrupted", "Cancelled"));
      return this.render();
    }
    if (this.editor.text !== "") {
      this.editor.setText("");
      this.suggested = false;
      this.kept = false;
      return this.render();
    }
    if (this.exitArmed) return this.exit(0);
    this.exitArmed = true;
    this.setHint("Press Ctrl+C again to exit (or Ctrl+D)", () => this.exitArmed);
    this.render();
  }

  #complete(): void {
    const text = this.editor.text;
    if (!text.startsWith("/") || text.includes(" ")) return;
    const hits = SLASH_COMMANDS.map(([c]) => c).filter((c) => c.startsWith(text));
    if (hits.length === 1) this.editor.setText(hits[0] + " ");
    else if (hits.length > 1) this.setHint(hits.join("  "));
    this.render();
  }

  exit(code: number): void {
    this.turn?.controller.abort(new PiError("interrupted", "Interrupted"));
    this.busyAbort?.abort(new PiError("interrupted", "Interrupted"));
    this.#exit(code);
  }

  // ---- submitting ----

  submit(text: string): void {
    const trimmed = text.trim();
    if (trimmed === "") return this.render();
    if (trimmed.startsWith("/") && !trimmed.startsWith("//")) {
      const slash = parseSlash(trimmed)!;
      this.print(this.style.cyan(`› ${trimmed}`));
      this.#run(() => this.command(slash.name, slash.arg));
      return;
    }
    if (!this.registry.hasKey(this.model.provider)) {
      // The message goes back into the editor as it was, kept (dim): Enter sends it again,
      // the next thing typed starts a new input instead of joining it (↑ brings it back),
      // and moving the cursor edits it. It is in the history already.
      this.editor.setText(text);
      this.kept = true;
      this.suggested = false;
      this.setHint(
        "Kept: Enter sends it again · typing starts anew (↑ recalls it) · ←/→ edit it",
        () => this.kept,
        true,
      );
      this.error(
        `No key for ${
          oneLine(this.model.provider)
        }: run /login first (or pick a model with /model)`,
      );
      return;
    }
    const s = this.style;
    this.print(...text.split("\n").map((l, i) => s.bold(`${i === 0 ? "›" : " "} ${l}`)));
    this.#run(() => this.prompt(text));
  }

  /** Runs one piece of work at a time; errors become one line in the transcript. */
  #run(work: () => Promise<void>): void {
    const previous = this.#lastWork;
    this.#lastWork = (async () => {
      await previous.catch(() => {});
      try {
        await work();
      } catch (err) {
        this.busy = undefined;
        this.busyAbort = undefined;
        this.#spinner(false);
        if (this.focus.kind !== "editor") this.focus = { kind: "editor" };
        this.error(errorLine(err));
      }
    })();
  }

  // ---- a prompt to the agent ----

  async prompt(text: string): Promise<void> {
    const s = this.style;
    const controller = new AbortController();
    const turn: Turn = {
      controller,
      markdown: new MarkdownStream(s, { width: () => this.term.size().columns - 1 }),
      thinking: "",
      tools: new Map(),
      status: "Working…",
      done: Promise.resolve(),
      detached: false,
    };
    this.turn = turn;
    this.#spinner(true);
    this.render();
    let finish!: () => void;
    turn.done = new Promise((r) => finish = r);
    try {
      const { SessionRunner } = await import("../agent/session_runner.ts");
      this.runner ??= SessionRunner.create(this.runnerOptions(), { id: this.sessionId });
      const events = this.runner.prompt(text, {
        model: this.model,
        thinking: this.requestedThinking(),
        signal: controller.signal,
      });
      for await (const event of events) this.#onAgentEvent(turn, event);
    } catch (err) {
      if (!turn.detached) this.error(errorLine(err));
    } finally {
      finish();
      if (this.turn === turn) this.turn = undefined;
      this.#spinner(false);
      if (!turn.detached) this.render();
    }
  }

  #flushText(turn: Turn): string[] {
    const lines = turn.markdown.end();
    return lines;
  }

  #flushThinking(turn: Turn): string[] {
    if (turn.thinking.trim() === "") return [];
    const width = this.term.size().columns - 1;
    const lines = formatThinking(turn.thinking, this.showThinking, width, this.style);
    this.lastThinking = this.showThinking ? "" : turn.thinking;
    turn.thinking = "";
    return lines;
  }

  /** What the session runner needs (the session itself is saved by the runner). */
  runnerOptions(): SessionRunnerOptions {
    return {
      deps: this.deps,
      cwd: this.cwd,
      keys: this.auth,
      usageStore: this.usageStore,
      persist: !this.noSession,
      ...(this.#redact ? { redact: this.#redact } : {}),
    };
  }

  #onAgentEvent(turn: Turn, event: RunnerEvent): void {
    // The runner keeps and saves the messages, even after the turn was cancelled on screen.
    if (event.type === "message") return;
    if (event.type === "usage") this.#addUsage(event.usage);
    if (turn.detached) return;
    const s = this.style;
    const width = this.term.size().columns - 1;
    switch (event.type) {
      case "turn_start":
        turn.status = "Working…";
        return this.render(this.#flushText(turn));
      case "text_delta": {
        const commit = this.#flushThinking(turn);
        turn.status = "Answering…";
        commit.push(...turn.markdown.push(sanitize(event.delta)));
        return this.render(commit);
      }
      case "thinking_delta":
        turn.thinking += sanitize(event.delta);
        turn.status = "Thinking…";
        return this.render();
      case "tool_call": {
        const commit = [...this.#flushThinking(turn), ...this.#flushText(turn)];
        turn.tools.set(event.callId, {
          name: event.name,
          args: event.arguments,
          output: new LiveLines(),
        });
        turn.status = `Running ${oneLine(event.name)}…`;
        return this.render(commit);
      }
      case "tool_output": {
        // Whole lines: a chunk never runs into the line before it.
        turn.tools.get(event.callId)?.output.push(event.delta);
        return this.render();
      }
      case "tool_result": {
        const tool = turn.tools.get(event.callId);
        turn.tools.delete(event.callId);
        const call = tool ?? { name: event.name, args: {} };
        turn.status = "Working…";
        return this.render([
          formatToolLine(call, { text: event.output, isError: event.isError }, width, s),
        ]);
      }
      case "retry":
        turn.status = `Retrying in ${Math.ceil(event.delayMs / 1000)}s (${
          oneLine(event.reason).slice(0, 60)
        })…`;
        return this.render();
      case "usage":
        return this.render();
      case "compaction":
        this.totals.contextTokens = event.tokensAfter;
        return this.render([
          s.dim(compactedLine(event.tokensBefore, event.tokensAfter)),
        ]);
      case "end": {
        const commit = [...this.#flushThinking(turn), ...this.#flushText(turn)];
        for (const tool of turn.tools.values()) {
          commit.push(formatToolLine(tool, { text: "(stopped)", isError: true }, width, s));
        }
        turn.tools.clear();
        if (event.reason === "error") {
          const why = oneLine(
            redact(`${event.error ?? "The model failed"}${event.hint ? `; ${event.hint}` : ""}`),
          );
          commit.push(s.red(`✗ ${why}`));
        } else if (event.reason === "max_turns") {
          commit.push(s.yellow(`! ${event.error}`));
        } else if (event.reason === "aborted") {
          commit.push(s.dim("Interrupted"));
        }
        this.turn = undefined;
        turn.detached = true;
        return this.render(commit);
      }
    }
  }

  #addUsage(usage: Usage): void {
    const t = this.totals;
    t.input += usage.input + usage.cacheRead + usage.cacheWrite;
    t.output += usage.output;
    t.cost += usage.cost.total;
    t.listCost += usage.listCost.total;
    t.contextTokens = usage.input + usage.cacheRead + usage.cacheWrite + usage.output;
  }

  /** Ctrl+C during a turn: the prompt comes back at once; the loop winds down behind. */
  cancelTurn(): void {
    const turn = this.turn;
    if (!turn) return;
    turn.controller.abort(new PiError("interrupted", "Interrupted"));
    const commit = [...this.#flushThinking(turn), ...this.#flushText(turn)];
    const width = this.term.size().columns - 1;
    for (const tool of turn.tools.values()) {
      commit.push(
        formatToolLine(tool, { text: "(interrupted)", isError: true }, width, this.style),
      );
    }
    turn.tools.clear();
    commit.push(this.style.yellow("Interrupted"));
    turn.detached = true;
    this.turn = undefined;
    this.#spinner(false);
    this.render(commit);
  }

  // ---- models and thinking ----

  /** The level asked for the current model: its entry's `:level`, else the session's. */
  requestedThinking(): ReasoningLevel | undefined {
    return this.modelThinking ?? this.thinking;
  }

  /** The level requests use now (src/models/thinking.ts: nearest supported, ties go up). */
  level(): ReasoningLevel {
    return effectiveThinking(this.model, this.requestedThinking());
  }

  /** Says when the level asked for is not one the model supports, as print mode does. */
  #noticeThinking(): void {
    const notice = thinkingNotice(this.model, this.requestedThinking());
    if (notice !== undefined) this.print(this.style.yellow(notice));
  }

  #cycleList(): ScopedModel[] {
    if (this.scope.length > 0) return this.scope;
    const available = this.registry.getAvailable();
    return (available.length > 0 ? available : this.registry.getAll()).map((model) => ({ model }));
  }

  /**
   * Switches to `model`. `entryThinking` is the `:level` of the `--models` entry it comes
   * from (for this model only: a model without one gets the session's level).
   */
  setModel(model: Model, entryThinking?: ReasoningLevel): void {
    this.model = model;
    this.modelThinking = this.suffixes ? entryThinking : undefined;
    this.runner?.recordSettings(model, this.level());
    const name = `${oneLine(model.provider)}/${oneLine(model.id)} (${oneLine(model.name)})`;
    this.print(this.style.dim(`Model: ${name} · thinking ${this.level()}`));
    this.#noticeThinking();
    if (!this.registry.hasKey(model.provider)) {
      this.print(this.style.yellow(`No key for ${oneLine(model.provider)}: run /login`));
    }
  }

  /**
   * Ctrl+P / Shift+Ctrl+P: the next / previous model of the `--models` scope (else of the
   * models with a key) that has a key; models without one are skipped.
   */
  cycleModel(direction: 1 | -1): void {
    const list = this.#cycleList();
    if (list.length === 0) return;
    const n = list.length;
    const at = list.findIndex((s) =>
      s.model.provider === this.model.provider && s.model.id === this.model.id
    );
    const from = at !== -1 ? at : direction === 1 ? -1 : 0;
    for (let step = 1; step <= n; step++) {
      const i = (((from + direction * step) % n) + n) % n;
      if (i === at) break;
      if (this.registry.hasKey(list[i].model.provider)) {
        return this.setModel(list[i].model, list[i].thinking);
      }
    }
    this.setHint(
      at !== -1 && this.registry.hasKey(this.model.provider)
        ? "No other model with a key to cycle to (see --models, /login)"
        : "No model to cycle to has a key: /login first",
    );
    this.render();
  }

  cycleThinking(): void {
    const levels = thinkingLevels(this.model);
    const current = this.level();
    const next = levels[(levels.indexOf(current) + 1) % levels.length];
    this.thinking = next;
    this.modelThinking = undefined;
    this.runner?.recordSettings(this.model, this.level());
    this.setHint(`Thinking: ${next}`);
    this.render();
  }

  // ---- slash commands ----

  async command(name: string, arg: string): Promise<void> {
    switch (name) {
      case "login":
        return await this.login(arg);
      case "logout":
        return await this.logout(arg);
      case "model":
      case "models":
        return await this.pickModel(arg);
      case "thinking":
        return await this.pickThinking(arg);
      case "usage":
        return this.usage();
      case "session":
        return this.sessionInfo();
      case "new":
        return this.newSession();
      case "compact":
        return await this.compactNow(arg);
      case "help":
        return this.help();
      case "quit":
      case "exit":
      case "q":
        return this.exit(0);
    }
    const known = SLASH_COMMANDS.map(([c]) => c).join(", ");
    this.error(`Unknown command /${name} (known: ${known})`);
  }

  help(): void {
    const pad = (rows: readonly [string, string][]) => {
      const w = Math.max(...rows.map(([a]) => a.length));
      return rows.map(([a, b]) => `  ${a.padEnd(w)}  ${b}`);
    };
    this.print(
      this.style.bold("Commands"),
      ...pad(SLASH_COMMANDS),
      this.style.bold("Keys"),
      ...pad(KEY_HELP),
    );
  }

  async login(arg: string): Promise<void> {
    const { listOAuthProviders, getOAuthProvider } = await import("../auth/oauth_providers.ts");
    let id = arg.split(/\s+/)[0] || undefined;
    if (id !== undefined && !getOAuthProvider(id)) {
      const known = listOAuthProviders().map((p) => p.id).join(", ");
      return this.error(`Unknown OAuth provider: ${id} (known: ${known})`);
    }
    if (id === undefined) {
      const items = listOAuthProviders().map((p) => ({
        label: p.name,
        value: p.id,
        hint: this.auth.has(p.id) ? "logged in" : undefined,
      }));
      id = await this.menu("Log in to", items);
      if (id === undefined) return this.info("Login cancelled");
    }
    const provider = getOAuthProvider(id)!;
    const controller = new AbortController();
    this.busy = `Logging in to ${provider.name}…`;
    this.busyAbort = controller;
    this.#spinner(true);
    this.render();
    const s = this.style;
    try {
      const credential = await this.auth.login(id, {
        onAuth: ({ url, instructions }) => {
          // The URL alone on its line, whole: the terminal wraps it, and it stays one
          // link (OSC 8 where the terminal takes it).
          const link = oneLine(url);
          this.print(s.bold("Open this URL to log in:"), s.cyan(s.link(link, link)));
          if (instructions) this.info(instructions);
        },
        onPrompt: async ({ message, signal }) => {
          const text = await this.ask(message, signal);
          // Escape: no more pasting (a waiting browser login goes on); "" is asked again.
          if (text === undefined) {
            throw new PiError("auth.login_cancelled", "The paste prompt was closed", {
              hint: "run /login again",
            });
          }
          return text;
        },
        onProgress: (message) => this.info(message),
        onDeviceCode: ({ userCode, verificationUrl }) => {
          const link = oneLine(verificationUrl);
          this.print(s.bold(`Enter the code ${oneLine(userCode)} at`), s.cyan(s.link(link, link)));
        },
        signal: controller.signal,
      });
      const { getJwtClaims } = await import("../auth/jwt.ts");
      let who = "";
      try {
        const claims = getJwtClaims(credential.access);
        const account = claims.email ?? credential.accountId;
        who = [
          account ? ` as ${oneLine(account)}` : "",
          claims.planType ? ` (plan: ${oneLine(claims.planType)})` : "",
        ].join("");
      } catch { /* not a JWT: nothing to name */ }
      this.print(s.green(`✓ Logged in to ${provider.name}${who}`));
    } catch (err) {
      if (controller.signal.aborted) this.info("Login cancelled");
      else this.error(errorLine(err));
    } finally {
      if (this.focus.kind === "prompt") {
        const focus = this.focus;
        this.focus = { kind: "editor" };
        focus.resolve(undefined);
      }
      this.busy = undefined;
      this.busyAbort = undefined;
      this.#spinner(false);
      this.render();
    }
  }

  async logout(arg: string): Promise<void> {
    const { getOAuthProvider } = await import("../auth/oauth_providers.ts");
    this.auth.reload();
    const stored = this.auth.list();
    const label = (id: string) => getOAuthProvider(id)?.name ?? id;
    let id = arg.split(/\s+/)[0] || undefined;
    if (id === undefined) {
      if (stored.length === 0) {
        return this.info("Not logged in anywhere (nothing saved in auth.json)");
      }
      const items = stored.map((p) => {
        const cred = this.auth.get(p);
        const kind = cred?.type === "oauth" ? "OAuth" : "API key";
        return { label: `${p} — ${label(p)}`, value: p, hint: kind };
      });
      id = await this.menu("Log out of (saved credentials)", items);
      if (id === undefined) return this.info("Logout cancelled");
    } else if (!stored.includes(id)) {
      return this.error(`No saved credentials for ${id} (saved: ${stored.join(", ") || "none"})`);
    }
    if (!await this.confirm(`Log out of ${label(id)} (${id})?`)) {
      return this.info("Logout cancelled");
    }
    const controller = new AbortController();
    this.busy = `Logging out of ${id}…`;
    this.busyAbort = controller;
    this.#spinner(true);
    let revocation = "";
    try {
      // Best-effort revocation (5 s at most), then the local entry goes either way.
      const result = await this.auth.logout(id, { signal: controller.signal });
      if (result.revocation === "revoked") revocation = " (token revoked)";
      if (result.revocation === "failed") {
        revocation = `; revoking the token failed (${
          oneLine(redact(errorLine(new Error(result.revokeError))))
        }), the local credential was removed anyway`;
      }
    } finally {
      this.busy = undefined;
      this.busyAbort = undefined;
      this.#spinner(false);
    }
    const left = this.auth.list();
    this.print(
      this.style.green(`✓ Logged out of ${oneLine(label(id))}${revocation}`) +
        this.style.dim(left.length > 0 ? ` (still saved: ${oneLine(left.join(", "))})` : ""),
    );
    const { PROVIDER_ENV_KEYS } = await import("../auth/auth_storage.ts");
    const envName = PROVIDER_ENV_KEYS[id];
    if (envName && this.deps.env(envName)) {
      this.info(`Note: ${envName} is still set, so ${id} still has a key from the environment`);
    }
  }

  async pickModel(arg: string): Promise<void> {
    if (arg !== "") {
      const { splitThinking } = await import("../models/glob.ts");
      const { base, thinking } = splitThinking(arg);
      const model = this.registry.resolve(base);
      // `/model id:level` sets the session's level too.
      if (thinking !== undefined) this.thinking = thinking;
      return this.setModel(model);
    }
    const available = this.registry.getAvailable();
    const list = available.length > 0 ? available : this.registry.getAll();
    const items = list.map((m) => ({
      label: `${m.provider}/${m.id}`,
      value: m,
      hint: m.name + (this.registry.hasKey(m.provider) ? "" : ", no key"),
    }));
    const current = list.findIndex((m) =>
      m.provider === this.model.provider && m.id === this.model.id
    );
    const title = available.length > 0 ? "Model" : "Model (no provider has a key yet: /login)";
    const model = await this.menu(title, items, { initial: Math.max(0, current) });
    if (model) this.setModel(model);
  }

  async pickThinking(arg: string): Promise<void> {
    const levels = thinkingLevels(this.model);
    let level: ReasoningLevel | undefined;
    if (arg !== "") {
      const asked = arg.toLowerCase();
      if (!(THINKING_ORDER as readonly string[]).includes(asked)) {
        return this.error(
          `Unknown thinking level: ${arg} (known: ${THINKING_ORDER.join(", ")}; ${
            oneLine(this.model.id)
          } supports ${levels.join(", ")})`,
        );
      }
      level = asked as ReasoningLevel;
    } else {
      const current = this.level();
      level = await this.menu(
        `Thinking level for ${this.model.id}`,
        levels.map((l) => ({ label: l, value: l, hint: l === current ? "current" : undefined })),
        { initial: levels.indexOf(current) },
      );
      if (level === undefined) return this.render();
    }
    // The session's level; a level the model does not support is used as the nearest one
    // it does, and said (the same line as print mode's).
    this.thinking = level;
    this.modelThinking = undefined;
    this.runner?.recordSettings(this.model, this.level());
    if (thinkingNotice(this.model, level) !== undefined) this.#noticeThinking();
    else this.print(this.style.dim(`Thinking: ${level}`));
  }

  usage(): void {
    const snapshot = this.usageStore.latest(this.model.provider) ?? this.usageStore.latest();
    this.print(
      ...formatUsage(snapshot, this.totals, this.model.billed, this.deps.now(), this.style),
    );
  }

  sessionInfo(): void {
    const t = this.totals;
    this.print(
      this.style.bold("Session"),
      `  id: ${this.sessionId}`,
      // The path whole on its line (the terminal wraps it): it can be copied as one.
      `  file: ${
        this.noSession
          ? "(not saved: --no-session)"
          : oneLine(this.runner?.path ?? "(created on the first prompt)")
      }`,
      `  messages: ${this.runner?.messages.length ?? 0}`,
      `  model: ${oneLine(this.model.provider)}/${
        oneLine(this.model.id)
      } · thinking ${this.level()}`,
      `  tokens: ↑${formatTokens(t.input)} ↓${formatTokens(t.output)} · ${
        this.model.billed ? formatCost(t.cost) : `would cost ${formatCost(t.listCost)}`
      }`,
    );
  }

  /** `/compact [instructions]`: compacts the conversation now, steered by the instructions. */
  async compactNow(instructions: string): Promise<void> {
    const runner = this.runner;
    if (!runner || runner.messages.length === 0) {
      return this.info("Nothing to compact yet: the conversation is empty");
    }
    const controller = new AbortController();
    this.busy = "Compacting the conversation…";
    this.busyAbort = controller;
    this.#spinner(true);
    try {
      const done = await runner.compact({
        model: this.model,
        thinking: this.requestedThinking(),
        ...(instructions !== "" ? { instructions } : {}),
        signal: controller.signal,
      });
      this.totals.contextTokens = done.tokensAfter;
      this.print(this.style.dim(compactedLine(done.tokensBefore, done.tokensAfter)));
    } catch (err) {
      if (controller.signal.aborted) this.info("Compaction cancelled");
      else this.error(errorLine(err));
    } finally {
      this.busy = undefined;
      this.busyAbort = undefined;
      this.#spinner(false);
    }
  }

  newSession(): void {
    this.runner?.close();
    this.runner = undefined;
    this.totals = { input: 0, output: 0, cost: 0, listCost: 0, contextTokens: 0 };
    this.sessionId = crypto.randomUUID();
    this.print(this.style.dim("New session"));
  }

  // ---- lifecycle ----

  /**
   * The end of a continued conversation, as it looked: the last `exchanges` user messages and
   * what followed them (answers rendered, tool calls one line each, thinking collapsed).
   */
  recentLines(messages: readonly Message[], exchanges = 3): string[] {
    const s = this.style;
    const width = this.term.size().columns - 1;
    let from = messages.length;
    for (let seen = 0; from > 0 && seen < exchanges;) {
      from--;
      if (messages[from].role === "user") seen++;
    }
    const lines: string[] = [];
    if (from > 0) lines.push(s.dim(`… ${from} earlier messages`));
    const results = new Map<string, { text: string; isError: boolean }>();
    for (const m of messages) {
      if (m.role !== "tool_result") continue;
      const text = m.content.map((c) => c.type === "text" ? c.text : `[image ${c.mimeType}]`)
        .join("\n");
      results.set(m.callId, { text, isError: m.isError });
    }
    for (const m of messages.slice(from)) {
      if (m.role === "user") {
        const text = typeof m.content === "string"
          ? m.content
          : m.content.map((c) => c.type === "text" ? c.text : `[image ${c.mimeType}]`).join("\n");
        if (text.startsWith(COMPACTION_SUMMARY_PREFIX)) {
          lines.push(s.dim("(earlier messages were compacted into a summary)"));
          continue;
        }
        lines.push(
          ...sanitize(text).split("\n").map((l, i) => s.bold(`${i === 0 ? "›" : " "} ${l}`)),
        );
      } else if (m.role === "assistant") {
        for (const block of m.content) {
          if (block.type === "thinking") {
            lines.push(...formatThinking(sanitize(block.thinking), false, width, s));
          } else if (block.type === "text") {
            const md = new MarkdownStream(s, { width: () => width });
            lines.push(...md.push(sanitize(block.text)), ...md.end());
          } else {
            lines.push(formatToolLine(
              { name: block.name, args: block.arguments },
              results.get(block.callId) ?? { text: "(no result)", isError: true },
              width,
              s,
            ));
          }
        }
      }
    }
    return lines;
  }

  async start(): Promise<void> {
    const s = this.style;
    const lines = [
      s.bold("pi") + s.dim(" — /help for commands, Ctrl+D to exit"),
      ...this.notices.map((n) => s.yellow(`! ${oneLine(n)}`)),
    ];
    const runner = this.runner;
    if (runner) {
      if (runner.warning !== undefined) lines.push(s.yellow(`! ${oneLine(runner.warning)}`));
      lines.push(
        s.dim(
          `Continuing ${oneLine(runner.path ?? runner.id)} (${runner.messages.length} messages)`,
        ),
        ...this.recentLines(runner.messages),
        s.dim(
          `Model: ${oneLine(this.model.provider)}/${
            oneLine(this.model.id)
          } · thinking ${this.level()}`,
        ),
      );
      this.totals = runner.totals();
    }
    if (!this.registry.hasKey(this.model.provider)) {
      lines.push(
        s.yellow(
          `No key for ${
            oneLine(this.model.provider)
          }. Press Enter to /login (or /model to pick another).`,
        ),
      );
      this.editor.setText("/login");
      this.suggested = true;
    }
    this.print(...lines);
    await this.exited;
  }

  finish(): void {
    this.closed = true;
    if (this.spinnerTimer) clearInterval(this.spinnerTimer);
    this.spinnerTimer = undefined;
    this.runner?.close();
    this.term.write(this.screen.clear());
  }
}

/** `Compacted: 212k → 31k tokens`. */
function compactedLine(before: number, after: number): string {
  return `Compacted: ${formatTokens(before)} → ${formatTokens(after)} tokens`;
}

function errorLine(err: unknown): string {
  if (err instanceof PiError) return err.hint ? `${err.message}; ${err.hint}` : err.message;
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

/** Runs the interactive mode until /quit, Ctrl+D or a double Ctrl+C; returns the exit code. */
export async function runInteractive(
  args: ParsedArgs,
  deps: Deps,
  signal: AbortSignal,
  options: InteractiveOptions,
): Promise<number> {
  const { authStorage: auth, registry, ...selection } = options.context;
  const usageStore = openUsageStore(deps);
  const noSession = args.options["no-session"] === true;
  const redactSecrets = secretRedactor(auth, deps, [args.options["api-key"] as string | undefined]);
  // `--thinking` is the session's level and wins over `:level` suffixes; without it, the
  // first model's suffix (of --models or --model) is for that model only.
  let model = selection.model;
  let levels: { thinking?: ReasoningLevel; modelThinking?: ReasoningLevel; suffixes: boolean } =
    typeof args.options.thinking === "string"
      ? { thinking: selection.thinking, suffixes: false }
      : { modelThinking: selection.thinking, suffixes: true };
  let runner: SessionRunner | undefined;
  let notice: string | undefined;
  // --continue, --session <id> or --fork <id>: that session's conversation, model and level.
  if (args.options.continue || args.options.session || args.options.fork) {
    const { openFlaggedSession } = await import("./session_flags.ts");
    runner = await openFlaggedSession(args.options, {
      deps,
      cwd: Deno.cwd(),
      keys: auth,
      usageStore,
      persist: !noSession,
      redact: redactSecrets,
    });
    if (runner) {
      // The session keeps its model and thinking level unless the flags chose them.
      const chosen = continuedSelection(
        registry,
        selection,
        explicitChoice(args.options, selection),
        runner.restored,
      );
      model = chosen.model;
      notice = chosen.notice;
      if (chosen.thinkingFromSession) levels = { thinking: chosen.thinking, suffixes: true };
    }
  }
  const term = new Terminal(deps, options.host);
  const app = new App(deps, term, {
    auth,
    registry,
    usageStore,
    model,
    ...levels,
    scope: selection.scope,
    noSession,
    redact: redactSecrets,
    ...(runner ? { runner } : {}),
  });
  if (notice !== undefined) app.notices.push(notice);
  // Ctrl+C, SIGTERM and SIGHUP (main.ts) end the app in order: 130, 143, 129.
  const onAbort = () => app.exit(exitCodeFor(signal.reason));
  signal.addEventListener("abort", onAbort, { once: true });
  term.enter({ onResize: () => app.onResize(), exitOnSignal: false });
  try {
    const input = term.readKeys((key) => {
      try {
        app.onKey(key);
      } catch (err) {
        app.error(errorLine(err));
      }
    }).then(() => app.exit(0), () => app.exit(0));
    // A message on the command line is sent as the first prompt.
    const first = args.positionals.join(" ").trim();
    const started = app.start();
    if (first !== "") app.submit(first);
    // The live Codex model list refreshes in the background (cached for 24 h).
    if (registry.hasKey("openai-codex")) registry.refresh({ timeoutMs: 3000 }).catch(() => {});
    const code = await started.then(() => app.exited);
    void input;
    return code;
  } finally {
    signal.removeEventListener("abort", onAbort);
    app.finish();
    term.restore();
  }
}
