import assert from "node:assert/strict";
import {
  globToRegExp,
  matchesModel,
  matchPatterns,
  parsePatterns,
  splitThinking,
} from "../src/models/glob.ts";
import type { Model } from "../src/models/types.ts";

function model(provider: string, id: string): Model {
  return {
    id,
    name: id,
    provider,
    api: "openai-responses",
    contextWindow: 1000,
    maxOutput: 100,
    reasoning: [],
    cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
    billed: true,
    inputs: ["text"],
  };
}

const MODELS = [
  model("openai-codex", "gpt-5.2-codex"),
  model("openai-codex", "gpt-5"),
  model("anthropic", "claude-sonnet-4-5"),
  model("anthropic", "claude-opus-4-5"),
  model("openai", "gpt-5"),
  model("bedrock", "anthropic.claude-v1:0"),
];
const names = (r: ReturnType<typeof matchPatterns>) =>
  r.models.map((s) => `${s.model.provider}/${s.model.id}${s.thinking ? `:${s.thinking}` : ""}`);

Deno.test("splitThinking takes a known level off the end and leaves other colons", () => {
  assert.deepEqual(splitThinking("openai-codex/gpt-5.2-codex:high"), {
    base: "openai-codex/gpt-5.2-codex",
    thinking: "high",
  });
  assert.deepEqual(splitThinking("gpt-5:XHIGH"), { base: "gpt-5", thinking: "xhigh" });
  assert.deepEqual(splitThinking("anthropic.claude-v1:0"), { base: "anthropic.claude-v1:0" });
  assert.deepEqual(splitThinking("gpt-5:ultra"), { base: "gpt-5:ultra" });
  assert.deepEqual(splitThinking(":high"), { base: ":high" });
});

Deno.test("parsePatterns splits comma lists, trims, drops empty parts", () => {
  assert.deepEqual(parsePatterns(" a/* , b:low,, "), [
    { source: "a/*", glob: "a/*" },
    { source: "b:low", glob: "b", thinking: "low" },
  ]);
  assert.deepEqual(parsePatterns(["x", "y,z"]).map((p) => p.glob), ["x", "y", "z"]);
  assert.deepEqual(parsePatterns(""), []);
});

Deno.test("globToRegExp: * and ? are the only special characters, whole-string, case-insensitive", () => {
  assert.ok(globToRegExp("gpt-5*").test("gpt-5.2-codex"));
  assert.ok(globToRegExp("GPT-5?").test("gpt-5x"));
  assert.ok(!globToRegExp("gpt-5?").test("gpt-5"));
  assert.ok(!globToRegExp("gpt-5.2").test("gpt-5x2"), ". is literal");
  assert.ok(!globToRegExp("gpt").test("gpt-5"), "anchored at both ends");
  assert.ok(globToRegExp("a+(b)[c]$").test("a+(b)[c]$"));
  assert.ok(globToRegExp("*").test("openai-codex/gpt-5"));
});

Deno.test("matchesModel tries provider/id and the bare id", () => {
  const m = model("openai-codex", "gpt-5.2-codex");
  assert.ok(matchesModel("openai-codex/*", m));
  assert.ok(matchesModel("gpt-5.2-*", m));
  assert.ok(matchesModel("*codex*", m));
  assert.ok(!matchesModel("anthropic/*", m));
});

Deno.test("matchPatterns keeps pattern order, then listing order", () => {
  const r = matchPatterns(parsePatterns("anthropic/*,openai-codex/*"), MODELS);
  assert.deepEqual(names(r), [
    "anthropic/claude-sonnet-4-5",
    "anthropic/claude-opus-4-5",
    "openai-codex/gpt-5.2-codex",
    "openai-codex/gpt-5",
  ]);
  assert.deepEqual(r.unmatched, []);
});

Deno.test("matchPatterns removes duplicates; the first pattern that picks a model wins", () => {
  const r = matchPatterns(parsePatterns("openai-codex/gpt-5:high,gpt-5,openai-codex/*"), MODELS);
  assert.deepEqual(names(r), [
    "openai-codex/gpt-5:high",
    "openai/gpt-5",
    "openai-codex/gpt-5.2-codex",
  ]);
});

Deno.test("matchPatterns: a bare id matches it under every provider; ids with colons work", () => {
  assert.deepEqual(names(matchPatterns(parsePatterns("gpt-5"), MODELS)), [
    "openai-codex/gpt-5",
    "openai/gpt-5",
  ]);
  assert.deepEqual(names(matchPatterns(parsePatterns("*claude-v1:0:low"), MODELS)), [
    "bedrock/anthropic.claude-v1:0:low",
  ]);
});

Deno.test("matchPatterns reports each pattern that matches nothing, as written", () => {
  const r = matchPatterns(parsePatterns("nope*, claude-*:high, gpt-5:ultra"), MODELS);
  assert.deepEqual(r.unmatched, ["nope*", "gpt-5:ultra"]);
  assert.deepEqual(names(r), [
    "anthropic/claude-sonnet-4-5:high",
    "anthropic/claude-opus-4-5:high",
  ]);
});
