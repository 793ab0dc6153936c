/**
 * Approvals on the screen (`--ask`, `/ask`): the approver the session runner waits for
 * before a tool runs. A call that needs asking opens the {@link ApprovalPrompt} over the
 * editor while the turn's spinner says it waits for you; `a` is remembered for that tool
 * until pi exits or `/ask` changes the mode. Keys typed ahead (the next message, while the
 * turn ran) do not answer a question that opens as they are typed. The agent loop asks one call at a time, in
 * call order (src/agent/approval.ts).
 * @module
 */

import { type ApprovalAnswer, type Approver, createApprover } from "../../agent/approval.ts";
import { readApprovalQuestion } from "../../agent/approval_question.ts";
import type { ToolCall } from "../../ai/types.ts";
import type { App } from "./app.ts";
import { ApprovalPrompt, HOLD_MS } from "./approval_prompt.ts";

/** Lines of a question's body read at most (the prompt scrolls through them). */
const MAX_LINES = 2000;

/** What the spinner says while a question is open. */
export const WAITING = "Waiting for your answer…";

/** The screen's approver and what it remembers (`a`: always, per tool). */
export class Approvals {
  readonly #app: App;
  #approver: ReturnType<typeof createApprover>;

  /** Approvals for `app` (its `tools.modes.ask` decides which calls are asked about). */
  constructor(app: App) {
    this.#app = app;
    this.#approver = this.#create();
  }

  /** The approver for the session runner (stable: it reads the mode at each call). */
  readonly approve: Approver = (call, options) => this.#approver(call, options);

  /** The tools answered `a` (always) so far. */
  get always(): ReadonlySet<string> {
    return this.#approver.always;
  }

  /** Forgets every `a` answer (a new `/ask` mode asks afresh). */
  forget(): void {
    this.#approver = this.#create();
  }

  #create(): ReturnType<typeof createApprover> {
    const app = this.#app;
    return createApprover(() => app.tools.modes.ask, (call, o) => ask(app, call, o.signal));
  }
}

/**
 * Asks about `call` on the screen: the question is open until a key answers it; closed
 * without an answer (Esc, Ctrl+C, the run's signal) it is a stop.
 */
async function ask(app: App, call: ToolCall, signal?: AbortSignal): Promise<ApprovalAnswer> {
  const question = await readApprovalQuestion(call, app.cwd, { maxLines: MAX_LINES });
  if (signal?.aborted) return "stop";
  const turn = app.state.turn;
  const before = turn?.status;
  if (turn) turn.status = WAITING;
  // Typing the next message as the question opens: those keys must not answer it.
  const now = () => app.deps.now();
  const typing = now() - app.state.typedAt < 1000;
  app.state.typedAt = 0;
  const prompt = new ApprovalPrompt(question, typing ? { holdUntil: now() + HOLD_MS, now } : {});
  try {
    return await app.open(prompt, signal) ?? "stop";
  } finally {
    if (turn && turn.status === WAITING) turn.status = before ?? "Working…";
    app.render();
  }
}
