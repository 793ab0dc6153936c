import assert from "node:assert/strict";
import {
  EFFORT_NAMES,
  effortOfLevel,
  levelOfEffort,
  resolveThinking,
  THINKING_ORDER,
  thinkingLevels,
  thinkingNotice,
} from "../src/models/thinking.ts";
import { clampEffort } from "../src/ai/responses_shared.ts";
import type { ReasoningLevel } from "../src/models/types.ts";

const model = (reasoning: ReasoningLevel[]) => ({ id: "m", reasoning });

Deno.test("thinking: a level the model lacks becomes the nearest it has, a tie going up", () => {
  const lowHigh = model(["low", "high"]);
  assert.equal(resolveThinking(lowHigh, "medium"), "high", "tie between low and high: up");
  assert.equal(resolveThinking(lowHigh, "minimal"), "low");
  assert.equal(resolveThinking(lowHigh, "xhigh"), "high");
  assert.equal(resolveThinking(lowHigh, "off"), "low", "off is not offered: the lowest");
  assert.equal(resolveThinking(lowHigh, undefined), "high", "no choice: medium, clamped");
  const lowToHigh = model(["low", "medium", "high"]);
  assert.equal(resolveThinking(lowToHigh, "xhigh"), "high");
  assert.equal(resolveThinking(lowToHigh, "minimal"), "low");
  assert.equal(resolveThinking(lowToHigh, undefined), "medium");
  assert.equal(resolveThinking(model(["medium", "high"]), "low"), "medium");
  assert.equal(resolveThinking(model(["minimal", "xhigh"]), "medium"), "xhigh", "a tie: up");
  assert.equal(resolveThinking(model(["minimal", "xhigh"]), "low"), "minimal");
  assert.equal(resolveThinking(model(["minimal", "xhigh"]), "high"), "xhigh");
  assert.equal(resolveThinking(model(["off", "low"]), "off"), "off");
  assert.equal(resolveThinking(model([]), "high"), "off", "a model that does not reason");
  assert.deepEqual(thinkingLevels(model(["high", "low"])), ["low", "high"], "in order");
});

Deno.test("thinking: the level is clamped to what the model offers", () => {
  const codex = model(["low", "medium", "high", "xhigh"]);
  assert.deepEqual(thinkingLevels(codex), ["low", "medium", "high", "xhigh"]);
  assert.equal(resolveThinking(codex, undefined), "medium");
  assert.equal(resolveThinking(codex, "high"), "high");
  assert.equal(resolveThinking(codex, "minimal"), "low", "nothing at or below: the lowest");
  const mini = model(["medium", "high"]);
  assert.equal(resolveThinking(mini, "xhigh"), "high");
  const none = model([]);
  assert.deepEqual(thinkingLevels(none), ["off"]);
  assert.equal(resolveThinking(none, "high"), "off");
});

Deno.test("thinking: every mode and the request builder use the one rule", () => {
  // Print mode sends its level through clampEffort; the interactive screen shows and sends
  // resolveThinking (App.level). They used to differ (medium on low/high: high vs low).
  const shapes: ReasoningLevel[][] = [
    ["low", "high"],
    ["minimal", "xhigh"],
    ["medium", "high"],
    ["low", "medium", "high"],
    ["off", "low", "medium", "high", "xhigh"],
    ["minimal", "low", "medium", "high"],
  ];
  for (const reasoning of shapes) {
    for (const level of [undefined, ...THINKING_ORDER]) {
      const shown = resolveThinking({ ...model(reasoning) } as never, level);
      const sent = clampEffort({ reasoning }, level);
      assert.equal(
        sent,
        shown === "off" ? "none" : shown,
        `${reasoning.join(",")} asked ${level}: shown ${shown}, sent ${sent}`,
      );
    }
  }
});

Deno.test("thinking: the notice is one line, only for a level that was chosen and is not used", () => {
  const mini = { id: "gpt-5.1-codex-mini", reasoning: ["medium", "high"] as ReasoningLevel[] };
  assert.equal(
    thinkingNotice(mini, "xhigh"),
    "gpt-5.1-codex-mini does not support thinking level xhigh; using high",
  );
  assert.equal(thinkingNotice(mini, "high"), undefined);
  assert.equal(thinkingNotice(mini, undefined), undefined, "the default is not the user's choice");
  const odd = { id: "evil\n\x1b[2Jmodel", reasoning: ["low"] as ReasoningLevel[] };
  assert.equal(
    thinkingNotice(odd, "high"),
    "evil model does not support thinking level high; using low",
  );
});

Deno.test("thinking: Responses effort names and levels map both ways (none is off)", () => {
  assert.deepEqual(EFFORT_NAMES, ["none", "minimal", "low", "medium", "high", "xhigh"]);
  for (const level of THINKING_ORDER) assert.equal(levelOfEffort(effortOfLevel(level)), level);
  assert.equal(levelOfEffort("none"), "off");
  assert.equal(levelOfEffort("off"), undefined);
  assert.equal(levelOfEffort("constructor"), undefined);
});
