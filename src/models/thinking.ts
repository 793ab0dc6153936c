/**
 * The one rule for thinking levels, used by every mode (print, JSON, interactive) and by
 * the request builders: a level the model does not support becomes the nearest level it
 * does support, and a tie goes to the higher level (`medium` on a model with `low` and
 * `high` is `high`). No level chosen means `medium`, clamped the same way. A model that
 * does not reason has only `off`.
 * @module
 */

import { oneLine } from "../one_line.ts";
import type { Model, ReasoningLevel } from "./types.ts";

/** Every thinking level, from none to the most. */
export const THINKING_ORDER: readonly ReasoningLevel[] = [
  "off",
  "minimal",
  "low",
  "medium",
  "high",
  "xhigh",
];

/** The Responses API `reasoning.effort` names, as pi's levels (`none` is `off`). */
const EFFORT_LEVELS: Readonly<Record<string, ReasoningLevel>> = {
  none: "off",
  minimal: "minimal",
  low: "low",
  medium: "medium",
  high: "high",
  xhigh: "xhigh",
};

/** Every Responses API `reasoning.effort` name, from none to the most. */
export const EFFORT_NAMES: readonly string[] = Object.keys(EFFORT_LEVELS);

/**
 * The thinking level of a Responses API `reasoning.effort` name (`none` is `off`), else
 * undefined. The inverse of {@link effortOfLevel}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { levelOfEffort } from "./thinking.ts";
 * assert.equal(levelOfEffort("none"), "off");
 * assert.equal(levelOfEffort("high"), "high");
 * assert.equal(levelOfEffort("off"), undefined);
 * ```
 */
export function levelOfEffort(name: string): ReasoningLevel | undefined {
  return Object.hasOwn(EFFORT_LEVELS, name) ? EFFORT_LEVELS[name] : undefined;
}

/** The Responses API `reasoning.effort` name of a thinking level (`off` is `none`). */
export function effortOfLevel(level: ReasoningLevel): string {
  return level === "off" ? "none" : level;
}

/** The level used when none is chosen. */
const DEFAULT_THINKING: ReasoningLevel = "medium";

/**
 * The levels a model offers (`off` alone for a model that does not reason).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { thinkingLevels } from "./thinking.ts";
 * assert.deepEqual(thinkingLevels({ reasoning: ["low", "high"] }), ["low", "high"]);
 * assert.deepEqual(thinkingLevels({ reasoning: [] }), ["off"]);
 * ```
 */
export function thinkingLevels(model: Pick<Model, "reasoning">): ReasoningLevel[] {
  const levels = THINKING_ORDER.filter((l) => model.reasoning.includes(l));
  return levels.length > 0 ? levels : ["off"];
}

/**
 * The level a request uses for `requested` (default `medium`): the level itself when the
 * model supports it, else the nearest supported level, a tie going to the higher one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveThinking } from "./thinking.ts";
 * const model = { reasoning: ["low", "high"] as const };
 * assert.equal(resolveThinking({ reasoning: [...model.reasoning] }, "medium"), "high");
 * assert.equal(resolveThinking({ reasoning: ["low", "medium", "high"] }, "xhigh"), "high");
 * assert.equal(resolveThinking({ reasoning: ["low", "medium", "high"] }, "off"), "low");
 * assert.equal(resolveThinking({ reasoning: [] }, "high"), "off");
 * ```
 */
export function resolveThinking(
  model: Pick<Model, "reasoning">,
  requested: ReasoningLevel | undefined,
): ReasoningLevel {
  const levels = thinkingLevels(model);
  const want = requested ?? DEFAULT_THINKING;
  if (levels.includes(want)) return want;
  const rank = THINKING_ORDER.indexOf(want);
  let best = levels[0];
  let bestDistance = Infinity;
  for (const level of levels) {
    const distance = Math.abs(THINKING_ORDER.indexOf(level) - rank);
    // Levels are in ascending order, so `<=` lets the higher of two equals win.
    if (distance <= bestDistance) {
      best = level;
      bestDistance = distance;
    }
  }
  return best;
}

/**
 * What to tell the user when a level they chose is not the one used, as one line
 * (`gpt-5 does not support thinking level xhigh; using high`), else undefined. Nothing is
 * said for no choice (the default) or a supported level.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { thinkingNotice } from "./thinking.ts";
 * const mini = { id: "gpt-5.1-codex-mini", reasoning: ["medium", "high"] as ("medium" | "high")[] };
 * assert.equal(
 *   thinkingNotice(mini, "xhigh"),
 *   "gpt-5.1-codex-mini does not support thinking level xhigh; using high",
 * );
 * assert.equal(thinkingNotice(mini, "high"), undefined);
 * assert.equal(thinkingNotice(mini, undefined), undefined);
 * ```
 */
export function thinkingNotice(
  model: Pick<Model, "id" | "reasoning">,
  requested: ReasoningLevel | undefined,
): string | undefined {
  if (requested === undefined) return undefined;
  const used = resolveThinking(model, requested);
  if (used === requested) return undefined;
  return `${oneLine(model.id)} does not support thinking level ${requested}; using ${used}`;
}
