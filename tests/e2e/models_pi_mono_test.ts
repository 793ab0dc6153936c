/**
 * One models.json for pi and pi-mono (they share the agent dir): a realistic pi-mono file —
 * an ollama provider on `openai-completions` (an API pi does not speak), the `openai-codex`
 * provider pointed at the fake backend by its `baseUrl` with a `modelOverrides` entry, and an
 * anthropic `modelOverrides` entry — read by pi as a process (`pi models`, `pi -p` through the
 * file's base URL, no PI_OPENAI_CODEX_BASE_URL) and by the real pi-mono (`--list-models`).
 */

import assert from "node:assert/strict";
import { startFakeCodex, writeFakeAuth } from "../fixtures/fake_codex_backend.ts";
import { HAS_NODE, PI_MONO_VERSION, piMonoCli, runPiMono } from "../fixtures/pi_mono.ts";
import { runPi } from "./run_pi.ts";

/** pi-mono's shape, as a pi-mono user writes it (docs/models.md of pi-mono). */
function piMonoFile(codexBaseUrl: string, marker: string) {
  return {
    providers: {
      ollama: {
        baseUrl: "http://localhost:11434/v1",
        api: "openai-completions",
        apiKey: "ollama",
        compat: { supportsDeveloperRole: false, supportsReasoningEffort: false },
        models: [
          {
            id: "llama3.1:8b",
            name: "Llama 3.1 8B (Local)",
            reasoning: false,
            input: ["text"],
            contextWindow: 128000,
            maxTokens: 32000,
            cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
          },
          { id: "qwen2.5-coder:7b", reasoning: true },
        ],
      },
      "openai-codex": {
        baseUrl: codexBaseUrl,
        modelOverrides: { "gpt-5.2-codex": { contextWindow: 60000 } },
      },
      anthropic: {
        // Never run by pi (nor by pi-mono to list models).
        apiKey: `!touch ${marker}`,
        modelOverrides: {
          "claude-sonnet-4-5": {
            name: "Sonnet (proxy)",
            contextWindow: 100000,
            cost: { input: 2 },
          },
          "claude-not-a-model": { contextWindow: 5 },
        },
      },
    },
  };
}

const NOTE =
  "Skipped 2 models from models.json that use an API pi does not speak: openai-completions\n";

Deno.test("a pi-mono models.json: pi models lists pi's models and the note, pi -p goes through the file's baseUrl", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "pi_models_mono_" }));
  const agentDir = `${dir}/agent`;
  const marker = `${dir}/ran`;
  const token = await writeFakeAuth(agentDir);
  const fake = startFakeCodex([{ text: "answer through models.json" }], { token });
  const env = { HOME: dir, PI_CODING_AGENT_DIR: agentDir };
  try {
    await Deno.writeTextFile(
      `${agentDir}/models.json`,
      JSON.stringify(piMonoFile(fake.url, marker), null, 2),
    );

    const table = await runPi(["models"], { env, cwd: dir });
    assert.equal(table.code, 0, table.stderr);
    assert.equal(table.stderr, NOTE, "one note line, last");
    const rows = table.stdout.trimEnd().split("\n").map((l) => l.split(/\s{2,}/));
    const row = (provider: string, id: string) =>
      rows.find((r) => r[0] === provider && r[1] === id);
    assert.equal(row("openai-codex", "gpt-5.2-codex")?.[3], "60K");
    assert.equal(row("openai-codex", "gpt-5.2-codex")?.[5], "yes");
    assert.deepEqual(row("anthropic", "claude-sonnet-4-5")?.slice(2, 4), [
      "Sonnet (proxy)",
      "100K",
    ]);
    assert.equal(rows.filter((r) => r[0] === "ollama").length, 0, "pi cannot talk to them");
    assert.equal(rows.filter((r) => r[1] === "claude-not-a-model").length, 0);
    const cache = JSON.parse(await Deno.readTextFile(`${agentDir}/models-cache.json`));
    assert.equal(cache.baseUrl, fake.url, "the live list came from the file's baseUrl too");

    const json = await runPi(["models", "openai-codex/gpt-5.2-codex,anthropic/*", "--json"], {
      env,
      cwd: dir,
    });
    assert.equal(json.code, 0, json.stderr);
    assert.equal(json.stderr, NOTE);
    const list = JSON.parse(json.stdout) as Record<string, unknown>[];
    assert.equal(list[0].contextWindow, 60000);
    assert.equal(list[0].baseUrl, fake.url);
    const sonnet = list.find((m) => m.id === "claude-sonnet-4-5")!;
    assert.deepEqual(sonnet.cost, { input: 2, output: 15, cacheRead: 0.3, cacheWrite: 3.75 });

    const print = await runPi(["-p", "hello"], { env, cwd: dir });
    assert.equal(print.code, 0, print.stderr);
    assert.equal(print.stdout, "answer through models.json\n");
    assert.equal(print.stderr, "", "the note is for pi models only");
    assert.equal(fake.requests.length, 1, "the prompt went to the file's baseUrl");
    assert.equal(fake.requests[0].body.model, "gpt-5.2-codex");
    assert.deepEqual(fake.problems, []);
    await assert.rejects(Deno.stat(marker), Deno.errors.NotFound, "no apiKey command ran");
  } finally {
    await fake.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: `the same models.json is read by pi-mono ${PI_MONO_VERSION} without a warning`,
  ignore: !HAS_NODE,
  fn: async () => {
    const cli = await piMonoCli();
    const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "pi_models_mono_" }));
    const agentDir = `${dir}/agent`;
    try {
      await writeFakeAuth(agentDir);
      await Deno.writeTextFile(
        `${agentDir}/models.json`,
        JSON.stringify(piMonoFile("http://127.0.0.1:9/backend-api", `${dir}/ran`), null, 2),
      );
      const out = await runPiMono(cli, ["--list-models"], {
        cwd: dir,
        env: { HOME: dir, PI_CODING_AGENT_DIR: agentDir },
      });
      assert.equal(out.code, 0, out.stdout + out.stderr);
      assert.doesNotMatch(out.stdout + out.stderr, /models\.json/, "no warning about the file");
      // pi-mono 0.73 writes the list to stderr.
      const rows = (out.stdout + out.stderr).split("\n").map((l) => l.trim().split(/\s+/));
      const row = (provider: string, id: string) =>
        rows.find((r) => r[0] === provider && r[1] === id);
      assert.equal(row("ollama", "llama3.1:8b")?.[2], "128K");
      assert.equal(row("ollama", "qwen2.5-coder:7b")?.[2], "128K");
      assert.equal(row("openai-codex", "gpt-5.2-codex")?.[2], "60K");
      assert.equal(row("anthropic", "claude-sonnet-4-5")?.[2], "100K");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
