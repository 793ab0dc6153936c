import assert from "node:assert/strict";
import { isPiError } from "../src/errors.ts";
import { offlineRegistry, pick } from "./fixtures/offline_registry.ts";
import { selectModel } from "../src/cli/model_selection.ts";

Deno.test("selectModel: no flags → the contract's default", () => {
  assert.equal(pick(selectModel(offlineRegistry(), {})), "openai-codex/gpt-5.2-codex");
  assert.equal(
    pick(selectModel(offlineRegistry(["anthropic"]), {})),
    "anthropic/claude-sonnet-4-5",
  );
});

Deno.test("selectModel: --models scope in order, its first match is the default", () => {
  const s = selectModel(offlineRegistry(["openai"]), { models: "openai-codex/*,anthropic/*" });
  assert.equal(pick(s), "openai-codex/gpt-5.2-codex");
  assert.equal(s.scope[0].model.provider, "openai-codex");
  assert.equal(s.scope.at(-1)!.model.provider, "anthropic");
  assert.equal(
    pick(selectModel(offlineRegistry(), { models: "anthropic/*:low,openai-codex/*" })),
    "anthropic/claude-sonnet-4-5:low",
  );
});

Deno.test("selectModel: --model wins over the scope; --thinking wins over a :level suffix", () => {
  const r = offlineRegistry();
  assert.equal(
    pick(selectModel(r, { model: "o1-pro", models: "anthropic/*" })),
    "openai-codex/o1-pro",
  );
  assert.equal(pick(selectModel(r, { model: "o1-pro:high" })), "openai-codex/o1-pro:high");
  assert.equal(
    pick(selectModel(r, { model: "o1-pro:high", thinking: "low" })),
    "openai-codex/o1-pro:low",
  );
  assert.equal(pick(selectModel(r, { model: "gpt-5.2", provider: "openai" })), "openai/gpt-5.2");
  assert.equal(pick(selectModel(r, { provider: "anthropic" })), "anthropic/claude-sonnet-4-5");
  assert.equal(
    pick(selectModel(r, { provider: "anthropic", models: "*opus*" })),
    "anthropic/claude-opus-4-5",
  );
});

Deno.test("selectModel: unknown names are exit-2 errors", () => {
  const r = offlineRegistry();
  const exit2 = (err: unknown) => isPiError(err, "usage") || isPiError(err, "models.unknown");
  assert.throws(
    () => selectModel(r, { provider: "x" }),
    (e) =>
      exit2(e) &&
      /Unknown provider: x \(known: openai-codex, anthropic, openai\)/.test((e as Error).message),
  );
  assert.throws(
    () => selectModel(r, { model: "nope" }),
    (e) => exit2(e) && /Unknown model: nope/.test((e as Error).message),
  );
  assert.throws(
    () => selectModel(r, { models: "openai-codex/*,zzz*" }),
    (e) => exit2(e) && /zzz\*/.test((e as Error).message),
  );
  assert.throws(
    () => selectModel(r, { models: " , " }),
    (e) => exit2(e) && /at least one pattern/.test((e as Error).message),
  );
  assert.throws(
    () => selectModel(r, { provider: "openai", models: "anthropic/*" }),
    (e) => exit2(e) && /provider openai/.test((e as Error).message),
  );
});
