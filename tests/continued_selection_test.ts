import assert from "node:assert/strict";
import { offlineRegistry } from "./fixtures/offline_registry.ts";
import { continuedSelection, explicitChoice, selectModel } from "../src/cli/model_selection.ts";

Deno.test("explicitChoice: which of model and thinking the flags chose", () => {
  const r = offlineRegistry(["openai-codex"]);
  const none = {};
  assert.deepEqual(explicitChoice(none, selectModel(r, none)), { model: false, thinking: false });
  const thinking = { thinking: "low" };
  assert.deepEqual(explicitChoice(thinking, selectModel(r, thinking)), {
    model: false,
    thinking: true,
  });
  const model = { model: "gpt-5.2" };
  assert.deepEqual(explicitChoice(model, selectModel(r, model)), { model: true, thinking: false });
  // A :level on the chosen model chooses the level too.
  const suffix = { model: "gpt-5.2:high" };
  assert.deepEqual(explicitChoice(suffix, selectModel(r, suffix)), { model: true, thinking: true });
  for (const flag of [{ provider: "openai-codex" }, { models: "openai-codex/*" }]) {
    assert.equal(explicitChoice(flag, selectModel(r, flag)).model, true);
  }
});

Deno.test("continuedSelection: the session's model and level unless chosen; unknown or keyless models fall back", () => {
  const r = offlineRegistry(["openai-codex"]);
  const selection = selectModel(r, {});
  const none = { model: false, thinking: false };
  const restored = {
    model: { provider: "openai-codex", modelId: "gpt-5.2" },
    thinking: "high" as const,
  };
  const kept = continuedSelection(r, selection, none, restored);
  assert.equal(`${kept.model.provider}/${kept.model.id}`, "openai-codex/gpt-5.2");
  assert.equal(kept.thinking, "high");
  assert.equal(kept.thinkingFromSession, true);
  assert.equal(kept.notice, undefined);

  const flags = continuedSelection(r, selectModel(r, { thinking: "low" }), {
    model: true,
    thinking: true,
  }, restored);
  assert.equal(flags.model.id, "gpt-5.2-codex");
  assert.equal(flags.thinking, "low");
  assert.equal(flags.thinkingFromSession, false);

  const unknown = continuedSelection(r, selection, none, {
    model: { provider: "google", modelId: "gemini-9" },
  });
  assert.equal(unknown.model.id, "gpt-5.2-codex");
  assert.equal(
    unknown.notice,
    "The session's model google/gemini-9 is not known here; using openai-codex/gpt-5.2-codex",
  );
  const keyless = continuedSelection(r, selection, none, {
    model: { provider: "anthropic", modelId: "claude-sonnet-4-5" },
  });
  assert.equal(keyless.model.id, "gpt-5.2-codex");
  assert.match(keyless.notice!, /^No key for anthropic, the session's provider; using/);
  // Nothing has a key: the session's model stays (the missing key is said when it is used).
  const nothing = offlineRegistry([]);
  const stays = continuedSelection(nothing, selectModel(nothing, {}), none, {
    model: { provider: "anthropic", modelId: "claude-sonnet-4-5" },
  });
  assert.equal(stays.model.provider, "anthropic");
});
