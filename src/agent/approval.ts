/**
 * Approvals (CONTRACT.md "Tool approval and sandbox"): `--ask never|writes|all` as a policy,
 * the decision the agent loop waits for before a tool runs, and the gate that applies it.
 *
 * The loop calls an {@link Approver} before each call (one question at a time, in call
 * order): `allow` runs it; `decline` gives the model {@link DECLINED_TEXT} instead; `stop`
 * declines it and ends the turn (the calls after it are not run). Print mode and
 * `--mode json` decline every call that needs asking ({@link headlessApprover}); the
 * interactive screen asks ({@link createApprover} with its own question).
 * @module
 */

import type { ToolCall } from "../ai/types.ts";
import type { ToolResult } from "./tools/types.ts";

import type { AskMode } from "./tool_modes.ts";
export { ASK_MODES, type AskMode } from "./tool_modes.ts";

/** The tools `--ask writes` asks about. */
export const WRITE_TOOLS: readonly string[] = ["bash", "write", "edit"];

/** What the model reads for a declined call (the contract's wording). */
export const DECLINED_TEXT = "The user declined this tool call";
/** What the model reads for a call not run because the user stopped the turn. */
export const STOPPED_TEXT = "Not run: the user stopped this turn";

/**
 * Whether a call of tool `name` needs asking under `mode`: `writes` → bash, write, edit;
 * `all` → every tool; `never` → none.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { needsApproval } from "./approval.ts";
 * assert.equal(needsApproval("writes", "bash"), true);
 * assert.equal(needsApproval("writes", "read"), false);
 * assert.equal(needsApproval("all", "read"), true);
 * assert.equal(needsApproval("never", "bash"), false);
 * ```
 */
export function needsApproval(mode: AskMode, name: string): boolean {
  if (mode === "all") return true;
  if (mode === "writes") return WRITE_TOOLS.includes(name);
  return false;
}

/** The answer about one call. */
export type ApprovalDecision =
  | { decision: "allow" }
  | {
    /** `decline`: this call is not run; `stop`: nor is any after it, and the turn ends. */
    decision: "decline" | "stop";
    /** Why, one line (the `tool_declined` event's `reason`). */
    reason: string;
  };

/** Decides about a call before it runs; `signal` is the run's (Ctrl+C). */
export type Approver = (
  call: ToolCall,
  options: { signal?: AbortSignal },
) => Promise<ApprovalDecision>;

/** The decision for every call that needs no asking. */
const ALLOW: ApprovalDecision = { decision: "allow" };

/**
 * The approver without a terminal (print mode, `--mode json`): a call that would need
 * asking under `ask()` is declined with `reason` `no terminal to ask (--ask <mode>)`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { headlessApprover } from "./approval.ts";
 * const approve = headlessApprover(() => "writes");
 * const call = { type: "tool_call" as const, id: "fc_1", callId: "c1", name: "bash", arguments: {} };
 * assert.equal((await approve(call, {})).decision, "decline");
 * ```
 */
export function headlessApprover(ask: () => AskMode): Approver {
  return (call) => {
    const mode = ask();
    if (!needsApproval(mode, call.name)) return Promise.resolve(ALLOW);
    return Promise.resolve({ decision: "decline", reason: `no terminal to ask (--ask ${mode})` });
  };
}

/** The user's answer to one question: `y`, `a`, `n`, Esc. */
export type ApprovalAnswer = "yes" | "always" | "no" | "stop";

/**
 * An approver that asks through `question` (the interactive screen's), for calls that need
 * asking under `ask()`. `always` allows this call and every later call of the same tool for
 * the rest of the session (this approver's life); `no` declines it; `stop` declines it and
 * ends the turn. A question cut short by Ctrl+C (the signal aborts) counts as `stop`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createApprover } from "./approval.ts";
 * let asked = 0;
 * const approve = createApprover(() => "writes", () => { asked++; return Promise.resolve("always"); });
 * const call = { type: "tool_call" as const, id: "fc_1", callId: "c1", name: "edit", arguments: {} };
 * assert.equal((await approve(call, {})).decision, "allow");
 * assert.equal((await approve({ ...call, callId: "c2" }, {})).decision, "allow");
 * assert.equal(asked, 1);
 * ```
 */
export function createApprover(
  ask: () => AskMode,
  question: (call: ToolCall, options: { signal?: AbortSignal }) => Promise<ApprovalAnswer>,
): Approver & { readonly always: ReadonlySet<string> } {
  const always = new Set<string>();
  const approve = async (call: ToolCall, options: { signal?: AbortSignal }) => {
    if (!needsApproval(ask(), call.name) || always.has(call.name)) return ALLOW;
    if (options.signal?.aborted) return { decision: "stop" as const, reason: "interrupted" };
    const answer = await question(call, options);
    switch (answer) {
      case "always":
        always.add(call.name);
        return ALLOW;
      case "yes":
        return ALLOW;
      case "no":
        return { decision: "decline" as const, reason: "declined by the user" };
      case "stop":
        return { decision: "stop" as const, reason: "declined by the user, who stopped the turn" };
    }
  };
  return Object.assign(approve, { always: always as ReadonlySet<string> });
}

function text(value: string): ToolResult {
  return { content: [{ type: "text", text: value }], isError: true };
}

/**
 * Applies an {@link Approver} to one run's tool calls: asks one call at a time in the order
 * they are checked, remembers which were declined (for the `tool_declined` events) and
 * whether the user stopped the run. Without an approver every call is allowed.
 */
export class ApprovalGate {
  readonly #approve: Approver | undefined;
  readonly #signal: AbortSignal | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #stopped: string | undefined;
  readonly #declined = new Map<string, string>();

  /** A gate for one run. */
  constructor(approve: Approver | undefined, signal?: AbortSignal) {
    this.#approve = approve;
    this.#signal = signal;
  }

  /**
   * Undefined when `call` may run; else the result the model gets instead (declined, or not
   * run after a stop). Questions are asked one at a time, in the order of these calls.
   */
  check(call: ToolCall): Promise<ToolResult | undefined> {
    const approve = this.#approve;
    if (!approve) return Promise.resolve(undefined);
    const next = this.#queue.then(async (): Promise<ToolResult | undefined> => {
      if (this.#stopped !== undefined) return text(STOPPED_TEXT);
      let decision: ApprovalDecision;
      try {
        decision = await approve(call, { signal: this.#signal });
      } catch (err) {
        decision = {
          decision: "decline",
          reason: `could not ask: ${err instanceof Error ? err.message : String(err)}`,
        };
      }
      if (decision.decision === "allow") return undefined;
      this.#declined.set(call.callId, decision.reason);
      if (decision.decision === "stop") this.#stopped = decision.reason;
      return text(DECLINED_TEXT);
    });
    this.#queue = next.catch(() => {});
    return next;
  }

  /** Why the call with this id was declined, or undefined when it was not. */
  declined(callId: string): string | undefined {
    return this.#declined.get(callId);
  }

  /** Set once the user stopped the run (Esc): why. */
  get stopped(): string | undefined {
    return this.#stopped;
  }
}
