/**
 * The interactive screen's state in one place: the model and thinking level, the session,
 * what runs (a turn, or work outside one), and what the screen shows besides the
 * transcript (the hint, the held editor text, the exit arming). Plain values: the App
 * (app.ts) holds one {@link AppState}, and its keys and commands change it.
 * @module
 */

import type { SessionRunner } from "../../agent/session_runner.ts";
import type { Model, ReasoningLevel } from "../../models/types.ts";
import type { SessionTotals } from "../../agent/session_runner.ts";
import type { Turn } from "./turn.ts";

/**
 * The dim line under the editor. It goes at the next key unless it is `sticky`, and as
 * soon as it no longer `applies` (checked at every redraw).
 */
export interface Hint {
  /** What it says. */
  text: string;
  /** Whether it still holds. */
  applies: () => boolean;
  /** Whether it stays over keys (until it no longer applies). */
  sticky: boolean;
}

/** Work running outside a turn (a login, a logout, a compaction). */
export interface Work {
  /** What the spinner says. */
  label: string;
  /** Ctrl+C or Escape aborts it; so does exiting. */
  controller: AbortController;
}

/** Everything about the screen that changes while pi runs. */
export interface AppState {
  /** The model requests use. */
  model: Model;
  /** The session's thinking level (`--thinking`, /thinking, Shift+Tab); undefined: default. */
  thinking: ReasoningLevel | undefined;
  /** The level of the `--models` entry (`:level`) the model came from; for that model only. */
  modelThinking: ReasoningLevel | undefined;

  /** The id of the session (the runner's once there is one). */
  sessionId: string;
  /** The session: opened at the start with --continue, else on the first prompt. */
  runner: SessionRunner | undefined;
  /** Tokens and cost of this session, for the status line, /usage and /session. */
  totals: SessionTotals;

  /** The prompt running now (streaming or running tools), if any. */
  turn: Turn | undefined;
  /** Work running outside a turn, if any. */
  work: Work | undefined;

  /** Whether thinking is shown whole (Ctrl+T) or collapsed to one line. */
  showThinking: boolean;
  /** The thinking collapsed last, for Ctrl+T to expand. */
  lastThinking: string;
  /** The dim line under the editor. */
  hint: Hint | undefined;
  /** The editor holds the offered `/login`: Enter takes it, typing replaces it. */
  suggested: boolean;
  /**
   * The editor holds a message whose send failed, as it was: Enter sends it again, typing
   * or deleting starts afresh (↑ brings it back), moving the cursor edits it.
   */
  kept: boolean;
  /** Ctrl+C was pressed on an idle, empty editor: pressed again, it exits. */
  exitArmed: boolean;
  /** When a key last went to the editor while a turn ran (epoch ms; 0: never). */
  typedAt: number;
  /** The spinner's frame. */
  spinnerFrame: number;
  /** Committed lines, kept to redraw the screen after a resize. */
  transcript: string[];
  /** Lines said once at the start (a continued session's model not known here, …). */
  notices: string[];
  /** The screen is gone (pi is exiting): nothing more is drawn. */
  closed: boolean;
}

/** A session's totals before its first answer. */
export function emptyTotals(): SessionTotals {
  return { input: 0, output: 0, cost: 0, listCost: 0, contextTokens: 0 };
}
