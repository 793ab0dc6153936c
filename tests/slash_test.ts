import assert from "node:assert/strict";
import {
  effectiveThinking,
  formatLocalTime,
  formatRelative,
  parseSlash,
  SLASH_COMMANDS,
  thinkingLevels,
} from "../src/cli/interactive.ts";
import type { Model } from "../src/models/types.ts";

function model(reasoning: Model["reasoning"]): Model {
  return {
    id: "m",
    name: "M",
    provider: "p",
    api: "openai-codex-responses",
    contextWindow: 1000,
    maxOutput: 100,
    reasoning,
    cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
    billed: false,
    inputs: ["text"],
  };
}

Deno.test("interactive: slash commands parse into a name and an argument", () => {
  assert.deepEqual(parseSlash("/thinking high"), { name: "thinking", arg: "high" });
  assert.deepEqual(parseSlash("  /MODEL  openai-codex/gpt-5 "), {
    name: "model",
    arg: "openai-codex/gpt-5",
  });
  assert.deepEqual(parseSlash("/login"), { name: "login", arg: "" });
  assert.equal(parseSlash("hello"), undefined);
  const names = SLASH_COMMANDS.map(([c]) => c);
  for (
    const c of [
      "/login",
      "/logout",
      "/model",
      "/thinking",
      "/usage",
      "/session",
      "/new",
      "/help",
      "/quit",
    ]
  ) {
    assert.ok(names.includes(c), c);
  }
});

Deno.test("interactive: the thinking level is clamped to what the model offers", () => {
  const codex = model(["low", "medium", "high", "xhigh"]);
  assert.deepEqual(thinkingLevels(codex), ["low", "medium", "high", "xhigh"]);
  assert.equal(effectiveThinking(codex, undefined), "medium");
  assert.equal(effectiveThinking(codex, "high"), "high");
  assert.equal(effectiveThinking(codex, "minimal"), "low", "nothing at or below: the lowest");
  const mini = model(["medium", "high"]);
  assert.equal(effectiveThinking(mini, "xhigh"), "high");
  const none = model([]);
  assert.deepEqual(thinkingLevels(none), ["off"]);
  assert.equal(effectiveThinking(none, "high"), "off");
});

Deno.test("interactive: reset times read as relative and local times", () => {
  assert.equal(formatRelative(30_000), "30s");
  assert.equal(formatRelative(5 * 60_000), "5m");
  assert.equal(formatRelative(3_600_000), "1h 0m");
  assert.equal(formatRelative(125 * 60_000), "2h 5m");
  assert.equal(formatRelative(3 * 86_400_000), "3d");
  const now = new Date(2026, 0, 5, 9, 0).getTime();
  assert.equal(formatLocalTime(new Date(2026, 0, 5, 14, 5).getTime(), now), "14:05");
  assert.equal(formatLocalTime(new Date(2026, 0, 7, 8, 30).getTime(), now), "Jan 7 08:30");
});
