/**
 * settings.json: the keys pi reads (others ignored), precise errors for a bad value or a file
 * that is not a JSON object, and its defaults in model selection (flags win).
 */

import assert from "node:assert/strict";
import { isPiError } from "../src/errors.ts";
import { parseSettings, readSettings, validateSettings } from "../src/settings.ts";
import { offlineRegistry, pick } from "./fixtures/offline_registry.ts";
import { selectModel } from "../src/cli/model_selection.ts";

const FILE = "/home/me/.pi/agent/settings.json";

Deno.test("settings: the known keys are read; pi-mono's other keys are ignored", () => {
  const settings = parseSettings(
    JSON.stringify({
      sandbox: "workspace",
      ask: "writes",
      allowNetwork: false,
      defaultProvider: "openai-codex",
      defaultModel: "gpt-5.2-codex",
      defaultThinkingLevel: "high",
      theme: "dark",
      compaction: { enabled: true },
      enabledModels: ["claude-*"],
      lastChangelogVersion: "0.73.1",
    }),
    FILE,
  );
  assert.deepEqual(settings, {
    sandbox: "workspace",
    ask: "writes",
    allowNetwork: false,
    defaultProvider: "openai-codex",
    defaultModel: "gpt-5.2-codex",
    defaultThinkingLevel: "high",
  });
  assert.deepEqual(parseSettings("{}", FILE), {});
  assert.deepEqual(parseSettings('\uFEFF{"ask":"all"}', FILE), { ask: "all" });
});

function error(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(isPiError(err, "config"), String(err));
    return err.message;
  }
  assert.fail("expected an error");
}

Deno.test("settings: a known key with a bad value names the file, the key and what is allowed", () => {
  assert.equal(
    error(() => validateSettings({ sandbox: "strict" }, FILE)),
    `${FILE}: sandbox: expected one of "off", "workspace", "read-only", got "strict"`,
  );
  assert.equal(
    error(() => validateSettings({ ask: true }, FILE)),
    `${FILE}: ask: expected one of "never", "writes", "all", got true`,
  );
  assert.equal(
    error(() => validateSettings({ allowNetwork: "yes" }, FILE)),
    `${FILE}: allowNetwork: expected true or false, got "yes"`,
  );
  assert.match(
    error(() => validateSettings({ defaultModel: 5 }, FILE)),
    /defaultModel: expected a non-empty string, got 5/,
  );
  assert.match(error(() => validateSettings({ defaultProvider: "" }, FILE)), /defaultProvider/);
  assert.match(
    error(() => validateSettings({ defaultThinkingLevel: "max" }, FILE)),
    /defaultThinkingLevel: expected one of "off", "minimal", "low", "medium", "high", "xhigh", got "max"/,
  );
  assert.match(error(() => validateSettings({ sandbox: null }, FILE)), /sandbox: .* got null/);
});

Deno.test("settings: a file that is not a JSON object is an error naming the file", () => {
  assert.equal(
    error(() => parseSettings("[]", FILE)),
    `${FILE}: expected a JSON object, got an array`,
  );
  assert.equal(error(() => parseSettings('"x"', FILE)), `${FILE}: expected a JSON object, got "x"`);
  assert.match(
    error(() => parseSettings('{\n  "ask": "all",\n}', FILE)),
    /settings.json: invalid JSON at line 3, column 1/,
  );
  assert.match(error(() => parseSettings("", FILE)), /settings.json: invalid JSON/);
});

Deno.test("readSettings: no file is {}; a file is read, never written", async () => {
  const dir = await Deno.makeTempDir({ prefix: "pi_settings_" });
  try {
    assert.deepEqual(readSettings(dir), {});
    const text = '{"sandbox":"read-only","other":1}';
    await Deno.writeTextFile(`${dir}/settings.json`, text);
    assert.deepEqual(readSettings(dir), { sandbox: "read-only" });
    assert.equal(await Deno.readTextFile(`${dir}/settings.json`), text);
    await Deno.writeTextFile(`${dir}/settings.json`, '{"ask":"maybe"}');
    assert.match(error(() => readSettings(dir)), new RegExp(`^${dir}/settings.json: ask:`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("selectModel: settings.json's defaultModel and defaultThinkingLevel when no flag gives one", () => {
  const r = offlineRegistry(["openai-codex"]);
  const settings = {
    defaultProvider: "anthropic",
    defaultModel: "claude-opus-4-5",
    defaultThinkingLevel: "high" as const,
  };
  assert.equal(pick(selectModel(r, {}, settings)), "anthropic/claude-opus-4-5:high");
  // An id alone finds the model in any provider.
  assert.equal(pick(selectModel(r, {}, { defaultModel: "o1-pro" })), "openai-codex/o1-pro");
  // Only the thinking level.
  assert.equal(
    pick(selectModel(r, {}, { defaultThinkingLevel: "low" })),
    "openai-codex/gpt-5.2-codex:low",
  );
});

Deno.test("selectModel: flags win over settings.json", () => {
  const r = offlineRegistry(["openai-codex"]);
  const settings = {
    defaultProvider: "anthropic",
    defaultModel: "claude-opus-4-5",
    defaultThinkingLevel: "high" as const,
  };
  assert.equal(pick(selectModel(r, { model: "o1-pro" }, settings)), "openai-codex/o1-pro:high");
  assert.equal(
    pick(selectModel(r, { model: "o1-pro", thinking: "low" }, settings)),
    "openai-codex/o1-pro:low",
  );
  assert.equal(
    pick(selectModel(r, { model: "o1-pro:minimal" }, settings)),
    "openai-codex/o1-pro:minimal",
  );
  assert.equal(
    pick(selectModel(r, { models: "openai-codex/gpt-5.2-codex" }, settings)),
    "openai-codex/gpt-5.2-codex:high",
  );
  // --provider: the default counts only when it is that provider's.
  assert.equal(pick(selectModel(r, { provider: "openai" }, settings)), "openai/gpt-5.2:high");
  assert.equal(
    pick(selectModel(r, { provider: "anthropic" }, settings)),
    "anthropic/claude-opus-4-5:high",
  );
});

Deno.test("selectModel: a default pi does not know (pi-mono's other providers) is passed over", () => {
  const r = offlineRegistry(["openai-codex"]);
  assert.equal(
    pick(selectModel(r, {}, { defaultProvider: "google", defaultModel: "gemini-2.5-pro" })),
    "openai-codex/gpt-5.2-codex",
  );
  assert.equal(
    pick(selectModel(r, {}, { defaultModel: "no-such-model" })),
    "openai-codex/gpt-5.2-codex",
  );
});
