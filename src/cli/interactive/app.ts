/**
 * The interactive app: one per `pi` run. It holds what does not change (the Deps, the
 * terminal, credentials, models, the slash-command table) and the {@link AppState}; it
 * draws the live region under the transcript (the turn, the spinner, the editor or the
 * widget on top of the host, the hint, the status line), runs one piece of work at a time
 * (a prompt, a slash command), and offers commands what they need: print, menus and
 * prompts, work with a spinner, the model, exit. Keys are decided in input.ts, a prompt's
 * turn in turn.ts, each slash command in commands/.
 * @module
 */

import type { AuthStorage } from "../../auth/auth_storage.ts";
import type { Deps } from "../../deps.ts";
import { PiError } from "../../errors.ts";
import { redact } from "../../redact.ts";
import type { ScopedModel } from "../../models/glob.ts";
import type { ModelRegistry } from "../../models/model_registry.ts";
import { resolveThinking } from "../../models/thinking.ts";
import type { Model, ReasoningLevel } from "../../models/types.ts";
import type { SessionRunner, SessionRunnerOptions } from "../../agent/session_runner.ts";
import type { UsageSnapshotStore } from "../../ai/usage.ts";
import { oneLine } from "../../one_line.ts";
import {
  createStyle,
  formatStatus,
  sanitize,
  SPINNER_FRAMES,
  type Style,
  supportsHyperlinks,
  truncate,
  wantsColor,
} from "../render.ts";
import { WidgetHost } from "../tui/host.ts";
import type { KeyEvent } from "../tui/keys.ts";
import { LineEditor } from "../tui/line_editor.ts";
import { type CursorPosition, Screen } from "../tui/screen.ts";
import { type MenuItem, SelectMenu } from "../tui/select_menu.ts";
import type { Terminal } from "../tui/terminal.ts";
import { TextPrompt } from "../tui/text_prompt.ts";
import { screenRows } from "../tui/text.ts";
import type { Widget, WidgetView } from "../tui/widget.ts";
import { AccountMeter } from "./account_meter.ts";
import { ToolControl, unavailableLine } from "../tool_control.ts";
import { Approvals } from "./approvals.ts";
import { findCommand, parseSlash, type SlashCommand, unknownCommand } from "./commands.ts";
import { onKey } from "./input.ts";
import { errorLine } from "./lines.ts";
import { continuedLines } from "./sessions.ts";
import { type AppState, emptyTotals } from "./state.ts";
import { runTurn, turnRows } from "./turn.ts";

/** What an {@link App} starts with. */
export interface AppInit {
  /** Credentials. */
  auth: AuthStorage;
  /** The models. */
  registry: ModelRegistry;
  /** usage.json. */
  usageStore: UsageSnapshotStore;
  /** The slash commands (commands.ts's table). */
  commands: readonly SlashCommand[];
  model: Model;
  /** The session's thinking level (`--thinking`). */
  thinking?: ReasoningLevel;
  /** The `:level` of the entry the first model came from. */
  modelThinking?: ReasoningLevel;
  /** Whether `:level` suffixes apply (not with `--thinking`). */
  suffixes: boolean;
  /** The `--models` scope (Ctrl+P). */
  scope: ScopedModel[];
  /** `--no-session`. */
  noSession: boolean;
  /** Hides the user's secrets in tool output (see src/cli/secrets.ts). */
  redact?: (text: string) => string;
  /** The continued session (--continue). */
  runner?: SessionRunner;
  /**
   * The tools under the sandbox and ask modes (flags, settings.json); its `say` should reach
   * {@link App.sayOnce}. Default: `--sandbox off --ask never`.
   */
  tools?: ToolControl;
}

/** The interactive app. One instance per `pi` run. */
export class App {
  /** The outside world (env, clock, stdout, …). */
  readonly deps: Deps;
  /** The terminal: size, and where frames are written. */
  readonly term: Terminal;
  /** The live region under the transcript (frames are built here). */
  readonly screen: Screen = new Screen();
  /** Styles: none under NO_COLOR; hyperlinks where the terminal takes them. */
  readonly style: Style;
  /** The prompt's editor (under the transcript while no widget is open). */
  readonly editor: LineEditor = new LineEditor();
  /** The menus and prompts open over the editor; the top one takes the keys. */
  readonly host: WidgetHost = new WidgetHost({ onClose: () => this.render() });
  /** Credentials (auth.json). */
  readonly auth: AuthStorage;
  /** The models, and which providers have a key. */
  readonly registry: ModelRegistry;
  /** The subscription's rate-limit snapshots (usage.json). */
  readonly usageStore: UsageSnapshotStore;
  /** The slash commands: /help, dispatch and Tab completion read this table. */
  readonly commands: readonly SlashCommand[];
  /** The directory pi works in (the session's cwd). */
  readonly cwd: string;
  /** Whether `:level` suffixes apply (not when `--thinking` was given: it wins). */
  readonly suffixes: boolean;
  /** The `--models` scope. */
  readonly scope: ScopedModel[];
  /** `--no-session`: nothing is saved. */
  readonly noSession: boolean;
  /** The tools and their modes (`/sandbox`, `/ask` change them for the session). */
  readonly tools: ToolControl;
  /** The approval questions (`--ask`): the runner's approver. */
  readonly approvals: Approvals;
  /** Everything that changes. */
  readonly state: AppState;
  /** Resolves with the exit code. */
  readonly exited: Promise<number>;
  /** The active ChatGPT account and its used percent (status line, warning at 90 %). */
  readonly meter: AccountMeter;
  readonly #redact: ((text: string) => string) | undefined;
  #exit: (code: number) => void = () => {};
  #spinnerTimer: ReturnType<typeof setInterval> | undefined;
  #lastWork: Promise<void> = Promise.resolve();
  readonly #said = new Set<string>();

  constructor(deps: Deps, term: Terminal, init: AppInit) {
    this.deps = deps;
    this.term = term;
    this.#redact = init.redact;
    this.style = createStyle(wantsColor(deps.env), supportsHyperlinks(deps.env));
    this.auth = init.auth;
    this.registry = init.registry;
    this.usageStore = init.usageStore;
    this.commands = init.commands;
    this.suffixes = init.suffixes;
    this.scope = init.scope;
    this.noSession = init.noSession;
    this.cwd = Deno.cwd();
    this.tools = init.tools ?? new ToolControl(
      deps,
      { sandbox: "off", ask: "never", allowNetwork: false },
      { say: (line) => this.sayOnce(line) },
    );
    this.approvals = new Approvals(this);
    this.state = {
      model: init.model,
      thinking: init.thinking,
      modelThinking: init.modelThinking,
      sessionId: init.runner?.id ?? crypto.randomUUID(),
      runner: init.runner,
      totals: emptyTotals(),
      turn: undefined,
      work: undefined,
      showThinking: false,
      lastThinking: "",
      hint: undefined,
      suggested: false,
      kept: false,
      exitArmed: false,
      typedAt: 0,
      spinnerFrame: 0,
      transcript: [],
      notices: [],
      closed: false,
    };
    this.exited = new Promise((resolve) => this.#exit = resolve);
    this.meter = new AccountMeter(this.auth, this.usageStore, () => this.render());
  }

  // ---- drawing ----

  /** The width lines are laid out to: one column less than the terminal's. */
  width(): number {
    return this.term.size().columns - 1;
  }

  #statusLine(width: number): string {
    const { model, totals: t } = this.state;
    return formatStatus(
      {
        provider: model.provider,
        model: model.id,
        thinking: this.level(),
        tokensIn: t.input,
        tokensOut: t.output,
        cost: t.cost,
        listCost: t.listCost,
        billed: model.billed,
        contextTokens: t.contextTokens,
        contextWindow: model.contextWindow,
        noKey: !this.registry.hasKey(model.provider),
        ...this.meter.status(model.provider, this.deps.now()),
        modes: this.tools.modes,
      },
      width,
      this.style,
    );
  }

  #live(): { rows: string[]; cursor: CursorPosition | undefined } {
    const width = this.width();
    const s = this.style;
    const state = this.state;
    const rows: string[] = [];
    if (state.turn) rows.push(...turnRows(state.turn, width, s));
    if (this.working) {
      const frame = SPINNER_FRAMES[state.spinnerFrame % SPINNER_FRAMES.length];
      const what = state.work?.label ?? state.turn?.status ?? "Working…";
      rows.push(s.cyan(frame) + " " + s.dim(`${what} (Ctrl+C to cancel)`));
    }
    let cursor: CursorPosition | undefined;
    // A widget that can cut itself (the approval question) gets the room left on screen
    // (counted only when one is open: this runs on every delta and spinner frame).
    let widget: WidgetView | undefined;
    if (this.host.top) {
      const { columns, rows: height } = this.term.size();
      const above = screenRows(rows, columns);
      const below = (state.hint?.applies() ? 1 : 0) + 1;
      widget = this.host.render(width, s, Math.max(4, height - 1 - above - below));
    }
    if (widget) {
      if (widget.cursor) cursor = { row: rows.length + widget.cursor.row, col: widget.cursor.col };
      rows.push(...widget.rows);
    } else {
      const view = this.editor.render(width, "› ", "  ");
      cursor = { row: rows.length + view.cursorRow, col: view.cursorCol };
      // An offered or kept text is dim until it is taken, replaced or edited.
      const selected = state.suggested || state.kept;
      rows.push(
        ...view.rows.map((row, i) =>
          selected && i === 0 ? "› " + s.dim(row.slice(2)) : selected ? s.dim(row) : row
        ),
      );
    }
    if (state.hint && !state.hint.applies()) state.hint = undefined;
    if (state.hint) rows.push(s.dim(truncate(state.hint.text, width)));
    rows.push(this.#statusLine(width));
    return { rows, cursor };
  }

  /** Prints lines to the transcript and redraws the live region. */
  render(commit: string[] = []): void {
    const state = this.state;
    if (state.closed) return;
    const { columns, rows } = this.term.size();
    if (commit.length > 0) {
      state.transcript.push(...commit);
      if (state.transcript.length > 2000) {
        state.transcript.splice(0, state.transcript.length - 1000);
      }
    }
    const live = this.#live();
    this.term.write(this.screen.frame(commit, live.rows, live.cursor, columns, rows - 1));
  }

  /**
   * After a resize the terminal has reflowed the old rows, so the live region cannot be
   * found again: clear the screen and draw the end of the transcript at the new width.
   */
  onResize(): void {
    const state = this.state;
    if (state.closed) return;
    const { columns, rows } = this.term.size();
    const live = this.#live();
    const room = Math.max(0, rows - 1 - screenRows(live.rows, columns));
    // The newest lines that fit (counted in terminal rows; a line that wraps takes several).
    const shown: string[] = [];
    let used = 0;
    for (let i = state.transcript.length - 1; i >= 0 && used < room; i--) {
      shown.unshift(state.transcript[i]);
      used += screenRows([state.transcript[i]], columns);
    }
    this.term.write(
      this.screen.reset() + this.screen.frame(shown, live.rows, live.cursor, columns, rows - 1),
    );
  }

  /** Prints lines (styled, safe) to the transcript. */
  print(...lines: string[]): void {
    this.render(lines);
  }

  /** Prints text from anywhere, sanitized, dim. */
  info(text: string): void {
    this.print(...sanitize(text).split("\n").map((l) => this.style.dim(l)));
  }

  /** Prints `! text` in yellow, on one line, unless the same was said before. */
  sayOnce(text: string): void {
    const line = oneLine(text);
    if (this.#said.has(line)) return;
    this.#said.add(line);
    this.print(this.style.yellow(`! ${line}`));
  }

  /** Prints `✗ text` in red, on one line, redacted. */
  error(text: string): void {
    this.print(this.style.red(`✗ ${oneLine(redact(text))}`));
  }

  /** Shows a hint under the editor (see {@link AppState.hint}). */
  setHint(text: string, applies: () => boolean = () => true, sticky = false): void {
    this.state.hint = { text, applies, sticky };
  }

  /** Whether a turn or other work (a login, …) is running. */
  get working(): boolean {
    return this.state.turn !== undefined || this.state.work !== undefined;
  }

  /** Turns the spinner on, or off once nothing runs. */
  spinner(on: boolean): void {
    if (on && !this.#spinnerTimer) {
      this.#spinnerTimer = setInterval(() => {
        this.state.spinnerFrame++;
        this.render();
      }, 80);
    } else if (!on && this.#spinnerTimer && !this.working) {
      clearInterval(this.#spinnerTimer);
      this.#spinnerTimer = undefined;
    }
  }

  // ---- widgets ----

  /** Opens `widget` over the editor; resolves with its answer (undefined: cancelled). */
  open<T>(widget: Widget<T>, signal?: AbortSignal): Promise<T | undefined> {
    const answer = this.host.open(widget, signal ? { signal } : {});
    if (!signal?.aborted) this.render();
    return answer;
  }

  /** A menu (type to filter); resolves with the value picked, undefined when cancelled. */
  menu<T>(
    title: string,
    items: MenuItem<T>[],
    options: { initial?: number; filterable?: boolean } = {},
  ): Promise<T | undefined> {
    return this.open(
      new SelectMenu<T>(title, items, {
        ...options,
        maxRows: Math.max(3, Math.min(10, this.term.size().rows - 8)),
      }),
    );
  }

  /** A one-line text prompt; undefined when cancelled or when `signal` aborts. */
  ask(label: string, signal?: AbortSignal): Promise<string | undefined> {
    return this.open(new TextPrompt(label), signal);
  }

  /** A Yes/No menu (No first; `y` or `n` answers); false unless Yes. */
  async confirm(question: string): Promise<boolean> {
    const answer = await this.menu(question, [
      { label: "Yes", value: true },
      { label: "No", value: false },
    ], { initial: 1, filterable: false });
    return answer === true;
  }

  // ---- work ----

  /**
   * Starts work outside a turn: the spinner says `label`; Ctrl+C, Escape or exiting aborts
   * the signal returned. Call {@link endWork} in `finally`.
   */
  beginWork(label: string): AbortSignal {
    const controller = new AbortController();
    this.state.work = { label, controller };
    this.spinner(true);
    return controller.signal;
  }

  /** Ends the work begun by {@link beginWork}; the spinner line goes at once. */
  endWork(): void {
    this.state.work = undefined;
    this.spinner(false);
    this.render();
  }

  /** Runs one piece of work at a time; errors become one line in the transcript. */
  #run(work: () => void | Promise<void>): void {
    const previous = this.#lastWork;
    this.#lastWork = (async () => {
      await previous.catch(() => {});
      try {
        await work();
      } catch (err) {
        this.state.work = undefined;
        this.spinner(false);
        this.host.closeAll();
        this.error(errorLine(err));
      }
    })();
  }

  /** Resolves once the work queued so far (prompts, slash commands) has run. */
  whenIdle(): Promise<void> {
    return this.#lastWork;
  }

  // ---- keys and input ----

  /** Applies one key (input.ts decides). */
  onKey(key: KeyEvent): void {
    onKey(this, key);
  }

  /** Sends what the editor submitted: a slash command, or a prompt to the agent. */
  submit(text: string): void {
    const trimmed = text.trim();
    if (trimmed === "") return this.render();
    if (trimmed.startsWith("/") && !trimmed.startsWith("//")) {
      const slash = parseSlash(trimmed)!;
      this.print(this.style.cyan(`› ${trimmed}`));
      this.#run(() => {
        const command = findCommand(this.commands, slash.name);
        if (!command) return this.error(unknownCommand(this.commands, slash.name));
        return command.run(this, slash.arg);
      });
      return;
    }
    const state = this.state;
    if (!this.registry.hasKey(state.model.provider)) {
      // The message goes back into the editor as it was, kept (dim): Enter sends it again,
      // the next thing typed starts a new input instead of joining it (↑ brings it back),
      // and moving the cursor edits it. It is in the history already.
      this.editor.setText(text);
      state.kept = true;
      state.suggested = false;
      this.setHint(
        "Kept: Enter sends it again · typing starts anew (↑ recalls it) · ←/→ edit it",
        () => state.kept,
        true,
      );
      this.error(
        `No key for ${
          oneLine(state.model.provider)
        }: run /login first (or pick a model with /model)`,
      );
      return;
    }
    const s = this.style;
    this.print(...text.split("\n").map((l, i) => s.bold(`${i === 0 ? "›" : " "} ${l}`)));
    this.#run(() => {
      // At 90 % or more of a window: said once before a turn, until it goes below again.
      const warning = this.meter.warning(state.model.provider, this.deps.now());
      if (warning !== undefined) this.print(s.yellow(`! ${warning}`));
      return runTurn(this, text);
    });
  }

  /** Ends the app with `code`: the running turn and work are aborted. */
  exit(code: number): void {
    this.state.turn?.controller.abort(new PiError("interrupted", "Interrupted"));
    this.state.work?.controller.abort(new PiError("interrupted", "Interrupted"));
    this.#exit(code);
  }

  // ---- models and the session ----

  /** The level asked for the current model: its entry's `:level`, else the session's. */
  requestedThinking(): ReasoningLevel | undefined {
    return this.state.modelThinking ?? this.state.thinking;
  }

  /** The level requests use now (src/models/thinking.ts: nearest supported, ties go up). */
  level(): ReasoningLevel {
    return resolveThinking(this.state.model, this.requestedThinking());
  }

  /** What the session runner needs (the session itself is saved by the runner). */
  runnerOptions(): SessionRunnerOptions {
    return {
      deps: this.deps,
      cwd: this.cwd,
      keys: this.auth,
      usageStore: this.usageStore,
      persist: !this.noSession,
      tools: this.tools.tools,
      approve: this.approvals.approve,
      ...(this.#redact ? { redact: this.#redact } : {}),
    };
  }

  // ---- lifecycle ----

  /** Draws the start (a continued session's last messages, the /login offer); resolves at exit. */
  async start(): Promise<void> {
    const s = this.style;
    const state = this.state;
    const lines = [
      s.bold("pi") + s.dim(" — /help for commands, Ctrl+D to exit"),
      ...state.notices.map((n) => s.yellow(`! ${oneLine(n)}`)),
    ];
    const runner = state.runner;
    const model = state.model;
    if (runner) {
      lines.push(...continuedLines(this, runner, { verb: "Continuing" }));
      state.totals = runner.totals();
    }
    if (!this.registry.hasKey(model.provider)) {
      lines.push(
        s.yellow(
          `No key for ${
            oneLine(model.provider)
          }. Press Enter to /login (or /model to pick another).`,
        ),
      );
      this.editor.setText("/login");
      state.suggested = true;
    }
    this.print(...lines);
    // A sandbox that cannot run is said now, not at the first tool call.
    const mode = this.tools.modes.sandbox;
    if (mode !== "off") {
      this.tools.canRun(mode).then((status) => {
        if (!status.ok) this.sayOnce(unavailableLine(status, mode));
      });
    }
    await this.exited;
  }

  /** Stops drawing and the spinner, closes the session, erases the live region. */
  finish(): void {
    this.state.closed = true;
    if (this.#spinnerTimer) clearInterval(this.#spinnerTimer);
    this.#spinnerTimer = undefined;
    this.state.runner?.close();
    this.meter.close();
    this.term.write(this.screen.clear());
  }
}
