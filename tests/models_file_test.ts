import assert from "node:assert/strict";
import { expectModelsError, offlineRegistry, openModelsFile } from "./fixtures/offline_registry.ts";
import { parseModelsFile } from "../src/models/models_file.ts";
import { locateJsonError } from "../src/json_text.ts";
import { BUILTIN_MODELS } from "../src/models/builtin_models.ts";

const model = (id: string, fields: Record<string, unknown>, provider = "openai-codex") =>
  JSON.stringify({ providers: { [provider]: { models: { [id]: fields } } } }, null, 2);

Deno.test("models.json: a price that is not a number names the JSON path", async () => {
  await expectModelsError(
    model("x", { api: "openai-codex-responses", input: "cheap", output: 0.4 }),
    'providers.openai-codex.models.x.input: expected a number, got "cheap"',
  );
});

Deno.test("models.json: each bad field is reported with its exact path", async () => {
  const cases: [string, string][] = [
    [
      model("x", { output: -1 }),
      "providers.openai-codex.models.x.output: expected a number ≥ 0, got -1",
    ],
    [
      model("x", { cacheRead: null }),
      "providers.openai-codex.models.x.cacheRead: expected a number, got null",
    ],
    [
      model("x", { contextWindow: 1.5 }),
      "providers.openai-codex.models.x.contextWindow: expected a positive integer, got 1.5",
    ],
    [
      model("x", { maxOutput: "lots" }),
      'providers.openai-codex.models.x.maxOutput: expected a positive integer, got "lots"',
    ],
    [
      model("x", { api: "grpc" }),
      'providers.openai-codex.models.x.api: expected one of "openai-codex-responses", "openai-responses", "anthropic-messages", got "grpc"',
    ],
    [
      model("m", { input: 1 }, "local"),
      'providers.local.models.m.api: missing: a new provider must name its api (one of "openai-codex-responses", "openai-responses", "anthropic-messages")',
    ],
    [
      model("gpt-5", { reasoning: ["low", "ultra"] }, "openai"),
      'providers.openai.models.gpt-5.reasoning.1: expected one of off, minimal, low, medium, high, xhigh, got "ultra"',
    ],
    [
      model("gpt-5", { reasoning: "yes" }, "openai"),
      'providers.openai.models.gpt-5.reasoning: expected true, false or a list of levels, got "yes"',
    ],
    [
      model("m", { contextWindw: 5 }, "openai"),
      "providers.openai.models.m.contextWindw: unknown field (known: api, provider, id, name, description, baseUrl, contextWindow, maxOutput, reasoning, input, output, cacheRead, cacheWrite, billed, inputs)",
    ],
    [
      model("m", { inputs: ["text", "audio"] }, "openai"),
      'providers.openai.models.m.inputs.1: expected "text" or "image", got "audio"',
    ],
    [
      model("m", { inputs: [] }, "openai"),
      'providers.openai.models.m.inputs: expected a list like ["text", "image"], got an array',
    ],
    [
      model("m", { id: "n" }, "openai"),
      'providers.openai.models.m.id: expected "m" (the key it is listed under), got "n"',
    ],
    [
      model("m", { provider: "anthropic" }, "openai"),
      'providers.openai.models.m.provider: expected "openai" (the provider it is listed under), got "anthropic"',
    ],
    [
      model("m", { name: "" }, "openai"),
      'providers.openai.models.m.name: expected a non-empty string, got ""',
    ],
    [
      model("m", { billed: "no" }, "openai"),
      'providers.openai.models.m.billed: expected true or false, got "no"',
    ],
    [
      model("m", { baseUrl: "ftp://x" }, "openai"),
      'providers.openai.models.m.baseUrl: expected an http(s) URL, got "ftp://x"',
    ],
    [
      JSON.stringify({ providers: { openai: { models: { m: 5 } } } }),
      "providers.openai.models.m: expected an object, got 5",
    ],
    [
      JSON.stringify({ providers: { openai: { models: 5 } } }),
      "providers.openai.models: expected an object (pi's shape) or an array (pi-mono's), got 5",
    ],
    [
      JSON.stringify({ providers: { openai: { api: "x", models: {} } } }),
      'providers.openai.api: expected one of "openai-codex-responses", "openai-responses", "anthropic-messages", got "x"',
    ],
    [
      JSON.stringify({ providers: { openai: { key: "x" } } }),
      "providers.openai.key: unknown field (known: api, baseUrl, models, modelOverrides, apiKey, headers, authHeader, compat, name)",
    ],
    [JSON.stringify({ providers: [] }), "providers: expected an object, got an array"],
    [JSON.stringify({ models: {} }), "models: unknown field (known: $schema, providers)"],
    ["[]", "expected an object, got an array"],
  ];
  for (const [content, expected] of cases) await expectModelsError(content, expected);
});

Deno.test("models.json: invalid JSON reports line and column", async () => {
  // (A trailing comma is allowed, as pi-mono allows it: see models_file_pi_mono_test.ts.)
  await expectModelsError(
    '{\n  "providers": {\n    "openai": { "models": {} "x": 1 }\n  }\n}\n',
    `invalid JSON at line 3, column 30: unexpected '"', expected ',' or '}'`,
  );
  await expectModelsError(
    '{\n  "providers" {}\n}',
    "invalid JSON at line 2, column 15: unexpected \"{\", expected ':' after a property name",
  );
  await expectModelsError(
    '{"providers": {',
    "invalid JSON at line 1, column 16: unexpected end of file, expected a property name in double quotes",
  );
  await expectModelsError(
    "",
    "invalid JSON at line 1, column 1: unexpected end of file, expected a value",
  );
  await expectModelsError(
    "{} x",
    'invalid JSON at line 1, column 4: unexpected "x", expected nothing after the end of the JSON value',
  );
  await expectModelsError(
    "[1,,2]",
    'invalid JSON at line 1, column 4: unexpected ",", expected a value',
  );
});

Deno.test("locateJsonError agrees with JSON.parse on valid input", () => {
  for (
    const text of ['{"a": [1, -2.5e3, "x\\n\\u00e9", true, false, null, {}]}', "  3  ", '"\\""']
  ) {
    JSON.parse(text);
    assert.equal(locateJsonError(text), undefined, text);
  }
  assert.equal(locateJsonError('"\\x"')?.column, 3, "points at the bad escape");
  assert.deepEqual(locateJsonError('{\r\n "a": tru }'), {
    line: 2,
    column: 7,
    reason: 'unexpected "t", expected a value',
  });
});

Deno.test("models.json: a missing file means no custom models", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const registry = offlineRegistry([], dir);
    assert.equal(registry.getAll().length, BUILTIN_MODELS.length);
    assert.deepEqual([...Deno.readDirSync(dir)], [], "nothing is created");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("models.json: a new id adds a model, the same id replaces only the fields given", async () => {
  const content = JSON.stringify({
    providers: {
      "openai-codex": {
        models: {
          "my-model": {
            api: "openai-codex-responses",
            provider: "openai-codex",
            id: "my-model",
            name: "My Model",
            input: 0.10,
            output: 0.40,
          },
          "gpt-5": { name: "GPT-5 (mine)", contextWindow: 100000, input: 9 },
        },
      },
      local: {
        api: "openai-responses",
        baseUrl: "http://127.0.0.1:1234/v1/",
        models: { llama: { reasoning: true, inputs: ["text"] } },
      },
    },
  });
  const { registry, err } = await openModelsFile(content);
  assert.equal(err, undefined);
  const mine = registry!.find("openai-codex", "my-model")!;
  assert.equal(mine.name, "My Model");
  assert.equal(mine.api, "openai-codex-responses");
  assert.deepEqual(mine.cost, { input: 0.1, output: 0.4, cacheRead: 0, cacheWrite: 0 });
  assert.equal(mine.billed, false, "the subscription is not billed per token");

  const builtin = BUILTIN_MODELS.find((m) => m.provider === "openai-codex" && m.id === "gpt-5")!;
  const gpt5 = registry!.find("openai-codex", "gpt-5")!;
  assert.equal(gpt5.name, "GPT-5 (mine)");
  assert.equal(gpt5.contextWindow, 100000);
  assert.deepEqual(gpt5.cost, { ...builtin.cost, input: 9 });
  assert.deepEqual(gpt5.reasoning, builtin.reasoning);
  assert.equal(registry!.getAll().filter((m) => m.id === "gpt-5").length, 2, "no duplicate");
  assert.equal(
    registry!.getAll().findIndex((m) => m.provider === "openai-codex" && m.id === "gpt-5"),
    BUILTIN_MODELS.indexOf(builtin),
    "replaced in place",
  );

  const llama = registry!.find("local", "llama")!;
  assert.equal(llama.api, "openai-responses");
  assert.equal(llama.baseUrl, "http://127.0.0.1:1234/v1");
  assert.deepEqual(llama.reasoning, ["low", "medium", "high"]);
  assert.equal(llama.billed, true);
  assert.deepEqual(registry!.getProviders(), ["openai-codex", "anthropic", "openai", "local"]);
  assert.equal(registry!.resolve("local/llama"), llama);
  assert.equal(registry!.resolve("my-model"), mine);
});

Deno.test("parseModelsFile tolerates a byte order mark and an empty providers object", () => {
  const none = { entries: [], baseUrls: {}, skipped: [] };
  assert.deepEqual(parseModelsFile('\uFEFF{"providers": {}}', "m.json"), none);
  assert.deepEqual(parseModelsFile("{}", "m.json"), none);
});
