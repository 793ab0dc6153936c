/**
 * models.json in pi-mono's shape (the agent dir, and this file, are shared with pi-mono):
 * `models` arrays, `modelOverrides`, provider keys pi does not use, APIs pi does not speak.
 */

import assert from "node:assert/strict";
import type { ModelRegistry } from "../src/models/model_registry.ts";
import { expectModelsError, openModelsFile } from "./fixtures/offline_registry.ts";
import { BUILTIN_MODELS } from "../src/models/builtin_models.ts";
import { codexBaseUrl } from "../src/models/live_models.ts";
import { skippedNote } from "../src/cli/commands/models.ts";
import { isPiError } from "../src/errors.ts";

async function registryOf(content: unknown): Promise<ModelRegistry> {
  const { registry, err } = await openModelsFile(content);
  if (err) throw err;
  return registry!;
}

const builtin = (provider: string, id: string) =>
  BUILTIN_MODELS.find((m) => m.provider === provider && m.id === id)!;

Deno.test("pi-mono models.json: the examples of pi-mono's docs/models.md load", async () => {
  const marker = `${await Deno.makeTempDir()}/ran`;
  const examples = [
    // Minimal, full, compat, Google AI Studio, custom headers, built-in proxy, overrides.
    {
      providers: {
        ollama: {
          baseUrl: "http://localhost:11434/v1",
          api: "openai-completions",
          apiKey: "ollama",
          compat: { supportsDeveloperRole: false, supportsReasoningEffort: false },
          models: [{ id: "llama3.1:8b" }, { id: "gpt-oss:20b", reasoning: true }],
        },
      },
    },
    {
      providers: {
        ollama: {
          baseUrl: "http://localhost:11434/v1",
          api: "openai-completions",
          apiKey: "ollama",
          models: [{
            id: "llama3.1:8b",
            name: "Llama 3.1 8B (Local)",
            reasoning: false,
            input: ["text"],
            contextWindow: 128000,
            maxTokens: 32000,
            cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
          }],
        },
      },
    },
    {
      providers: {
        "my-google": {
          baseUrl: "https://generativelanguage.googleapis.com/v1beta",
          api: "google-generative-ai",
          apiKey: "GEMINI_API_KEY",
          models: [{
            id: "gemma-4-31b-it",
            name: "Gemma 4 31B",
            input: ["text", "image"],
            contextWindow: 262144,
            reasoning: true,
          }],
        },
      },
    },
    {
      providers: {
        "custom-proxy": {
          baseUrl: "https://proxy.example.com/v1",
          apiKey: `!touch ${marker}`,
          authHeader: true,
          api: "anthropic-messages",
          headers: { "x-portkey-api-key": "PORTKEY_API_KEY", "x-secret": `!touch ${marker}` },
          models: [{
            id: "claude-opus-4-7",
            reasoning: true,
            input: ["text", "image"],
            headers: { "x-more": `!touch ${marker}` },
            compat: { supportsEagerToolInputStreaming: false, supportsLongCacheRetention: true },
            thinkingLevelMap: {
              minimal: null,
              low: null,
              medium: null,
              high: "high",
              xhigh: "max",
            },
          }],
        },
      },
    },
    { providers: { anthropic: { baseUrl: "https://my-proxy.example.com/v1" } } },
    {
      providers: {
        openrouter: {
          name: "OpenRouter",
          modelOverrides: {
            "anthropic/claude-sonnet-4": {
              name: "Claude Sonnet 4 (Bedrock Route)",
              compat: { openRouterRouting: { only: ["amazon-bedrock"] } },
            },
          },
        },
      },
    },
  ];
  try {
    for (const example of examples) await registryOf(example);
    await assert.rejects(Deno.stat(marker), Deno.errors.NotFound, "no `!command` is ever run");
  } finally {
    await Deno.remove(marker.slice(0, -4), { recursive: true });
  }
});

Deno.test("pi-mono models.json: an item's fields map to pi's, with pi-mono's defaults", async () => {
  const registry = await registryOf({
    providers: {
      proxy: {
        baseUrl: "http://127.0.0.1:9/v1/",
        api: "openai-responses",
        apiKey: "PROXY_KEY",
        models: [
          {
            id: "big",
            name: "Big One",
            reasoning: true,
            input: ["text", "image"],
            contextWindow: 200000,
            maxTokens: 64000,
            cost: { input: 1.25, output: 10, cacheRead: 0.125, cacheWrite: 0 },
          },
          { id: "small" },
          { id: "claude", api: "anthropic-messages", baseUrl: "https://elsewhere.example/" },
        ],
      },
    },
  });
  const big = registry.find("proxy", "big")!;
  assert.deepEqual(big, {
    id: "big",
    name: "Big One",
    provider: "proxy",
    api: "openai-responses",
    baseUrl: "http://127.0.0.1:9/v1",
    contextWindow: 200000,
    maxOutput: 64000,
    reasoning: ["low", "medium", "high"],
    cost: { input: 1.25, output: 10, cacheRead: 0.125, cacheWrite: 0 },
    billed: true,
    inputs: ["text", "image"],
  });
  const small = registry.find("proxy", "small")!;
  assert.equal(small.name, "small");
  assert.equal(small.contextWindow, 128000);
  assert.equal(small.maxOutput, 16384);
  assert.deepEqual(small.reasoning, []);
  assert.deepEqual(small.inputs, ["text"]);
  assert.deepEqual(small.cost, { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 });
  const claude = registry.find("proxy", "claude")!;
  assert.equal(claude.api, "anthropic-messages");
  assert.equal(claude.baseUrl, "https://elsewhere.example");
  assert.deepEqual(registry.skippedModels, []);
  assert.equal(registry.resolve("proxy/big"), big);
});

Deno.test("pi-mono models.json: overrides first, then custom models replace or add; unknown ids ignored", async () => {
  const registry = await registryOf({
    providers: {
      "openai-codex": {
        baseUrl: "http://127.0.0.1:9/backend-api",
        modelOverrides: {
          "gpt-5.2-codex": { contextWindow: 50000, cost: { input: 3 }, name: "Codex (mine)" },
          "gpt-5.1-codex-mini": { reasoning: false },
          "gpt-5.1-codex": { thinkingLevelMap: { low: null, xhigh: "xhigh" } },
          "gpt-5": { contextWindow: 1000 },
          "no-such-model": { contextWindow: 5 },
        },
        models: [
          { id: "gpt-5", name: "GPT-5 replaced" },
          { id: "brand-new", reasoning: true, maxTokens: 1000 },
        ],
      },
      anthropic: {
        modelOverrides: { "claude-sonnet-4-5": { reasoning: true, input: ["text"] } },
      },
    },
  });
  const codex = registry.find("openai-codex", "gpt-5.2-codex")!;
  const original = builtin("openai-codex", "gpt-5.2-codex");
  assert.deepEqual(codex, {
    ...original,
    name: "Codex (mine)",
    contextWindow: 50000,
    cost: { ...original.cost, input: 3 },
    baseUrl: "http://127.0.0.1:9/backend-api",
  });
  assert.deepEqual(registry.find("openai-codex", "gpt-5.1-codex-mini")!.reasoning, []);
  const levels = builtin("openai-codex", "gpt-5.1-codex").reasoning.filter((l) => l !== "low");
  assert.deepEqual(
    registry.find("openai-codex", "gpt-5.1-codex")!.reasoning,
    levels.includes("xhigh") ? levels : [...levels, "xhigh"],
  );
  // A custom model with a built-in's id replaces it whole (the override before it is gone).
  const gpt5 = registry.find("openai-codex", "gpt-5")!;
  assert.equal(gpt5.name, "GPT-5 replaced");
  assert.equal(gpt5.contextWindow, 128000);
  assert.deepEqual(gpt5.reasoning, []);
  assert.equal(gpt5.billed, false, "still the subscription");
  assert.equal(gpt5.baseUrl, "http://127.0.0.1:9/backend-api");
  const all = registry.getAll();
  assert.equal(
    all.findIndex((m) => m.provider === "openai-codex" && m.id === "gpt-5"),
    BUILTIN_MODELS.findIndex((m) => m.provider === "openai-codex" && m.id === "gpt-5"),
    "replaced in place",
  );
  assert.equal(all.at(-1)!.id, "brand-new");
  assert.deepEqual(all.at(-1)!.reasoning, ["low", "medium", "high"]);
  assert.equal(all.at(-1)!.api, "openai-codex-responses");
  assert.equal(registry.find("openai-codex", "no-such-model"), undefined);
  assert.equal(all.length, BUILTIN_MODELS.length + 1);
  // The provider baseUrl reaches every built-in model of the provider, and only those.
  for (const m of all.filter((m) => m.provider === "openai-codex")) {
    assert.equal(m.baseUrl, "http://127.0.0.1:9/backend-api", m.id);
  }
  const sonnet = registry.find("anthropic", "claude-sonnet-4-5")!;
  assert.deepEqual(sonnet.reasoning, builtin("anthropic", "claude-sonnet-4-5").reasoning);
  assert.deepEqual(sonnet.inputs, ["text"]);
  assert.equal(sonnet.baseUrl, undefined);
});

Deno.test("pi-mono models.json: the provider baseUrl also points the live Codex list there", () => {
  const none = { env: () => undefined };
  assert.equal(codexBaseUrl(none, "http://127.0.0.1:9/x"), "http://127.0.0.1:9/x");
  assert.equal(codexBaseUrl(none), "https://chatgpt.com/backend-api");
  const env = { env: (n: string) => n === "PI_OPENAI_CODEX_BASE_URL" ? "http://env/" : undefined };
  assert.equal(codexBaseUrl(env, "http://127.0.0.1:9/x"), "http://env", "the variable wins");
  const bad = { env: (n: string) => n === "PI_OPENAI_CODEX_BASE_URL" ? "env" : undefined };
  assert.throws(
    () => codexBaseUrl(bad, "http://127.0.0.1:9/x"),
    (e) => isPiError(e, "config") && /PI_OPENAI_CODEX_BASE_URL is not a valid/.test(e.message),
  );
});

Deno.test("pi's own shape keeps its meaning: a provider baseUrl is for its listed models only", async () => {
  const registry = await registryOf({
    providers: {
      "openai-codex": {
        baseUrl: "http://127.0.0.1:9",
        models: { "gpt-5": { input: 0.5, reasoning: true } },
      },
    },
  });
  const gpt5 = registry.find("openai-codex", "gpt-5")!;
  assert.equal(gpt5.baseUrl, "http://127.0.0.1:9");
  assert.equal(gpt5.cost.input, 0.5, "input is a price in pi's shape");
  assert.equal(registry.find("openai-codex", "gpt-5.2-codex")!.baseUrl, undefined);
});

Deno.test("pi-mono models.json: models on an API pi does not speak are skipped, not an error", async () => {
  const registry = await registryOf({
    providers: {
      ollama: {
        baseUrl: "http://localhost:11434/v1",
        api: "openai-completions",
        apiKey: "ollama",
        models: [
          { id: "llama3.1:8b" },
          { id: "qwen2.5-coder:7b" },
          { id: "via-responses", api: "openai-responses" },
        ],
      },
      google: { models: [{ id: "gemini-9" }] },
      "my-google": {
        baseUrl: "https://generativelanguage.googleapis.com/v1beta",
        api: "google-generative-ai",
        models: [{ id: "gemma" }],
      },
    },
  });
  assert.deepEqual(registry.skippedModels, [
    { provider: "ollama", id: "llama3.1:8b", api: "openai-completions" },
    { provider: "ollama", id: "qwen2.5-coder:7b", api: "openai-completions" },
    { provider: "google", id: "gemini-9" },
    { provider: "my-google", id: "gemma", api: "google-generative-ai" },
  ]);
  assert.deepEqual(registry.getAll().filter((m) => m.provider === "ollama").map((m) => m.id), [
    "via-responses",
  ]);
  assert.deepEqual(registry.getProviders(), ["openai-codex", "anthropic", "openai", "ollama"]);
  assert.equal(registry.getAll().length, BUILTIN_MODELS.length + 1);
});

Deno.test("skippedNote: how many models.json models pi skips, and why, in one line", () => {
  assert.equal(skippedNote([]), undefined);
  assert.equal(
    skippedNote([
      { provider: "ollama", id: "a", api: "openai-completions" },
      { provider: "ollama", id: "b", api: "openai-completions" },
    ]),
    "Skipped 2 models from models.json that use an API pi does not speak: openai-completions",
  );
  assert.equal(
    skippedNote([{ provider: "g", id: "a", api: "google-generative-ai" }]),
    "Skipped 1 model from models.json that uses an API pi does not speak: google-generative-ai",
  );
  assert.equal(
    skippedNote([
      { provider: "ollama", id: "a", api: "openai-completions" },
      { provider: "x", id: "b", api: "google-generative-ai\x1b[31m" },
      { provider: "google", id: "c" },
    ]),
    "Skipped 3 models from models.json: 2 use an API pi does not speak: " +
      "google-generative-ai, openai-completions; 1 names no API (provider google)",
  );
});

Deno.test("pi-mono models.json: a bad value of a field pi reads names its JSON path", async () => {
  const ollama = (models: unknown[], extra: Record<string, unknown> = {}) => ({
    providers: {
      ollama: {
        baseUrl: "http://localhost:11434/v1",
        api: "openai-completions",
        apiKey: "ollama",
        models,
        ...extra,
      },
    },
  });
  const overrides = (value: unknown) => ({
    providers: { anthropic: { modelOverrides: { "claude-sonnet-4-5": value } } },
  });
  const cases: [unknown, string][] = [
    [
      ollama([{ id: "a" }, { id: "b", contextWindow: "big" }]),
      'providers.ollama.models[1].contextWindow: expected a positive integer, got "big"',
    ],
    [
      ollama([{ name: "no id" }]),
      "providers.ollama.models[0].id: expected a non-empty string, got nothing",
    ],
    [ollama([{ id: "" }]), 'providers.ollama.models[0].id: expected a non-empty string, got ""'],
    [ollama(["llama"]), 'providers.ollama.models[0]: expected an object, got "llama"'],
    [
      ollama([{ id: "a", maxTokens: 0 }]),
      "providers.ollama.models[0].maxTokens: expected a positive integer, got 0",
    ],
    [
      ollama([{ id: "a", reasoning: ["low"] }]),
      "providers.ollama.models[0].reasoning: expected true or false, got an array",
    ],
    [
      // Inside an array item `input` is modalities, never a price.
      ollama([{ id: "a", input: 0.5 }]),
      'providers.ollama.models[0].input: expected a list like ["text", "image"], got 0.5',
    ],
    [
      ollama([{ id: "a", input: ["text", "audio"] }]),
      'providers.ollama.models[0].input[1]: expected "text" or "image", got "audio"',
    ],
    [
      ollama([{ id: "a", cost: { input: "free" } }]),
      'providers.ollama.models[0].cost.input: expected a number, got "free"',
    ],
    [
      ollama([{ id: "a", cost: { prompt: 1 } }]),
      "providers.ollama.models[0].cost.prompt: unknown field (known: input, output, cacheRead, cacheWrite)",
    ],
    [
      // pi's fields are not pi-mono's: no mixing inside one item.
      ollama([{ id: "a", maxOutput: 5 }]),
      "providers.ollama.models[0].maxOutput: unknown field (known: id, api, baseUrl, name, reasoning, thinkingLevelMap, input, cost, contextWindow, maxTokens, headers, compat)",
    ],
    [
      ollama([{ id: "a", thinkingLevelMap: { high: 5 } }]),
      "providers.ollama.models[0].thinkingLevelMap.high: expected a string or null, got 5",
    ],
    [
      ollama([{ id: "a", thinkingLevelMap: { max: "x" } }]),
      "providers.ollama.models[0].thinkingLevelMap.max: unknown field (known: off, minimal, low, medium, high, xhigh)",
    ],
    [
      ollama([{ id: "a", api: 3 }]),
      "providers.ollama.models[0].api: expected a non-empty string, got 3",
    ],
    [
      ollama([{ id: "a", baseUrl: "localhost:1" }]),
      'providers.ollama.models[0].baseUrl: expected an http(s) URL, got "localhost:1"',
    ],
    [ollama([], { api: "" }), 'providers.ollama.api: expected a non-empty string, got ""'],
    [
      ollama([], { baseUrl: "not a url" }),
      'providers.ollama.baseUrl: expected an http(s) URL, got "not a url"',
    ],
    [
      ollama([], { modelOverrides: [] }),
      "providers.ollama.modelOverrides: expected an object, got an array",
    ],
    [
      overrides({ maxTokens: -1 }),
      "providers.anthropic.modelOverrides.claude-sonnet-4-5.maxTokens: expected a positive integer, got -1",
    ],
    [
      overrides({ reasoning: "yes" }),
      'providers.anthropic.modelOverrides.claude-sonnet-4-5.reasoning: expected true or false, got "yes"',
    ],
    [
      overrides({ id: "x" }),
      "providers.anthropic.modelOverrides.claude-sonnet-4-5.id: unknown field (known: name, reasoning, thinkingLevelMap, input, cost, contextWindow, maxTokens, headers, compat)",
    ],
    [
      overrides(5),
      "providers.anthropic.modelOverrides.claude-sonnet-4-5: expected an object, got 5",
    ],
    [
      { providers: { ollama: { models: "llama" } } },
      `providers.ollama.models: expected an object (pi's shape) or an array (pi-mono's), got "llama"`,
    ],
  ];
  for (const [content, expected] of cases) await expectModelsError(content, expected);
});

Deno.test("pi-mono models.json: // comments and trailing commas are read as pi-mono reads them; an error still names its line and column", async () => {
  const text = [
    "{",
    "  // local models",
    '  "providers": {',
    '    "ollama": {',
    '      "baseUrl": "http://localhost:11434/v1", // not a comment: "//" in a string stays',
    '      "api": "openai-responses",',
    '      "apiKey": "ollama",',
    '      "models": [{ "id": "llama3.1:8b", "name": "a // b" },],',
    "    },",
    "  },",
    "}",
  ].join("\n");
  const registry = await registryOf(text);
  const model = registry.find("ollama", "llama3.1:8b");
  assert.equal(model?.name, "a // b");
  assert.equal(model?.baseUrl, "http://localhost:11434/v1");
  // A real error after a comment is placed on the original text's line and column.
  await expectModelsError(
    '{ // c\n  "providers": {"a" 1}\n}',
    `invalid JSON at line 2, column 21: unexpected "1", expected ':' after a property name`,
  );
});
