/** `pi models` and the model flags, as a process, against a fake ChatGPT backend. */

import assert from "node:assert/strict";
import { runPi } from "./run_pi.ts";
import { codexJwt } from "../fixtures/jwt.ts";

const SEEDS = ["gpt-5.2-codex", "gpt-4.5-vision-preview", "gpt-5-64k", "gpt-5-preview", "o1-pro"];
const FAMILY = ["gpt-5.1-codex-max", "gpt-5.1-codex", "gpt-5.1-codex-mini", "gpt-5.2", "gpt-5"];

function fakeJwt(): string {
  return codexJwt("acc-e2e");
}

async function withAgentDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

interface Row {
  provider: string;
  id: string;
  name: string;
  reasoning: string[];
  loggedIn: boolean;
}

function rows(stdout: string): string[][] {
  return stdout.trimEnd().split("\n").map((line) => line.split(/\s{2,}/));
}

Deno.test("pi models openai-codex/* lists the five seed models and the Codex family", async () => {
  await withAgentDir(async (dir) => {
    const result = await runPi(["models", "openai-codex/*"], { env: { PI_CODING_AGENT_DIR: dir } });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, "");
    const table = rows(result.stdout);
    assert.deepEqual(table[0], ["PROVIDER", "ID", "NAME", "CONTEXT", "REASONING", "LOGGED IN"]);
    const ids = table.slice(1).map((r) => r[1]);
    assert.deepEqual(ids.slice(0, 5), SEEDS);
    for (const id of FAMILY) assert.ok(ids.includes(id), id);
    assert.ok(table.slice(1).every((r) => r[0] === "openai-codex" && r[5] === "no"));
    assert.deepEqual(table[1].slice(3, 5), ["272K", "low,medium,high,xhigh"]);
    assert.deepEqual([...Deno.readDirSync(dir)], [], "nothing written when not logged in");
  });
});

Deno.test("pi models with patterns keeps their order (codex first), --json", async () => {
  await withAgentDir(async (dir) => {
    const env = { PI_CODING_AGENT_DIR: dir };
    const result = await runPi(["models", "openai-codex/*,anthropic/*", "--json"], { env });
    assert.equal(result.code, 0, result.stderr);
    const list: Row[] = JSON.parse(result.stdout);
    const providers = list.map((m) => m.provider);
    const split = providers.indexOf("anthropic");
    assert.ok(split >= SEEDS.length + FAMILY.length);
    assert.ok(providers.slice(0, split).every((p) => p === "openai-codex"));
    assert.ok(providers.slice(split).every((p) => p === "anthropic"));
    assert.ok(list.every((m) => m.loggedIn === false));

    const reversed = await runPi(["models", "anthropic/*", "openai-codex/*", "--json"], { env });
    assert.equal(JSON.parse(reversed.stdout)[0].provider, "anthropic");

    const logged = await runPi(["models", "claude-*", "--json"], {
      env: { ...env, ANTHROPIC_API_KEY: "sk-ant-test-key-123456" },
    });
    assert.ok(JSON.parse(logged.stdout).every((m: Row) => m.loggedIn === true));
  });
});

Deno.test("pi --models resolves in order; unknown names exit 2 with what is known", async () => {
  await withAgentDir(async (dir) => {
    const env = { PI_CODING_AGENT_DIR: dir };
    const ok = await runPi(["--models", "openai-codex/*,anthropic/*", "-p", "hi"], { env });
    assert.notEqual(ok.code, 2, ok.stderr);

    const scope = await runPi(["--models", "openai-codex/*,nope/*", "-p", "hi"], { env });
    assert.equal(scope.code, 2);
    assert.match(scope.stderr, /^pi: No model matches pattern: nope\/\* \(known: /);

    const model = await runPi(["--model", "nope", "-p", "hi"], { env });
    assert.equal(model.code, 2);
    assert.match(model.stderr, /^pi: Unknown model: nope \(known: [^)]*\/[^)]*\)/);
    assert.equal(model.stderr.trimEnd().split("\n").length, 1);

    const typo = await runPi(["--model", "gpt-5.2-codx", "-p", "hi"], { env });
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /known: openai-codex\/gpt-5\.2-codex/);

    const provider = await runPi(["--provider", "x", "-p", "hi"], { env });
    assert.equal(provider.code, 2);
    assert.match(
      provider.stderr,
      /^pi: Unknown provider: x \(known: openai-codex, anthropic, openai\)/,
    );

    const listing = await runPi(["models", "zzz*"], { env });
    assert.equal(listing.code, 2);
    assert.match(listing.stderr, /zzz\*/);
  });
});

Deno.test("a custom model from models.json is listed and usable with --model", async () => {
  await withAgentDir(async (dir) => {
    const env = { PI_CODING_AGENT_DIR: dir };
    await Deno.writeTextFile(
      `${dir}/models.json`,
      JSON.stringify({
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
            },
          },
        },
      }),
    );
    const list = await runPi(["models", "--json"], { env });
    assert.equal(list.code, 0, list.stderr);
    const mine = JSON.parse(list.stdout).find((m: Row) => m.id === "my-model");
    assert.equal(mine.name, "My Model");
    assert.deepEqual(mine.cost, { input: 0.1, output: 0.4, cacheRead: 0, cacheWrite: 0 });
    const table = await runPi(["models", "openai-codex/my-*"], { env });
    assert.match(table.stdout, /openai-codex\s+my-model\s+My Model/);
    for (const spec of ["my-model", "openai-codex/my-model", "my-mo"]) {
      const run = await runPi(["--model", spec, "-p", "hi"], { env });
      assert.notEqual(run.code, 2, `${spec}: ${run.stderr}`);
      assert.doesNotMatch(run.stderr, /Unknown model/);
    }
  });
});

Deno.test("a bad models.json fails loudly with the file, the JSON path, and is left as it was", async () => {
  await withAgentDir(async (dir) => {
    const env = { PI_CODING_AGENT_DIR: dir };
    const path = `${dir}/models.json`;
    const content = JSON.stringify({
      providers: { "openai-codex": { models: { x: { input: "cheap" } } } },
    });
    await Deno.writeTextFile(path, content);
    for (const args of [["models"], ["-p", "hi"]]) {
      const result = await runPi(args, { env });
      assert.equal(result.code, 1);
      assert.equal(
        result.stderr.split(";")[0],
        `pi: ${path}: providers.openai-codex.models.x.input: expected a number, got "cheap"`,
      );
      assert.equal(await Deno.readTextFile(path), content);
    }
    await Deno.writeTextFile(path, '{\n  "providers": {\n    "openai": [\n  }\n}\n');
    const syntax = await runPi(["models"], { env });
    assert.equal(syntax.code, 1);
    assert.match(syntax.stderr, new RegExp(`^pi: ${path}: invalid JSON at line 4, column 3: `));
  });
});

// ---- the live list ----

async function withBackend(
  fn: (
    ctx: { dir: string; url: string; count: () => number; env: Record<string, string> },
  ) => Promise<void>,
) {
  let requests = 0;
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, (req) => {
    const url = new URL(req.url);
    if (url.pathname !== "/backend-api/codex/models") return new Response("nope", { status: 404 });
    requests++;
    if (req.headers.get("chatgpt-account-id") !== "acc-e2e") {
      return new Response("", { status: 403 });
    }
    return Response.json({
      models: [
        {
          slug: "gpt-5.2-codex",
          display_name: "gpt-5.2-codex",
          supported_reasoning_levels: [{ effort: "low", description: "" }, {
            effort: "high",
            description: "",
          }],
          visibility: "list",
        },
        {
          slug: "gpt-live-codex",
          display_name: "GPT Live Codex",
          supported_reasoning_levels: [{ effort: "medium", description: "" }],
          visibility: "list",
          context_window: 500000,
        },
      ],
    });
  });
  await withAgentDir(async (dir) => {
    await Deno.writeTextFile(
      `${dir}/auth.json`,
      JSON.stringify({
        "openai-codex": {
          type: "oauth",
          access: fakeJwt(),
          refresh: "rt-e2e-refresh-token",
          expires: 4102444800000,
          accountId: "acc-e2e",
        },
      }),
      { mode: 0o600 },
    );
    try {
      await fn({
        dir,
        url: `http://127.0.0.1:${server.addr.port}/backend-api`,
        count: () => requests,
        env: {
          PI_CODING_AGENT_DIR: dir,
          PI_OPENAI_CODEX_BASE_URL: `http://127.0.0.1:${server.addr.port}/backend-api`,
        },
      });
    } finally {
      await server.shutdown();
    }
  });
}

Deno.test("the live list is fetched once per 24 h and listed", async () => {
  await withBackend(async ({ dir, count, env }) => {
    const first = await runPi(["models", "openai-codex/*"], { env });
    assert.equal(first.code, 0, first.stderr);
    assert.equal(count(), 1);
    assert.match(
      first.stdout,
      /openai-codex\s+gpt-live-codex\s+GPT Live Codex\s+500K\s+medium\s+yes/,
    );
    assert.match(
      first.stdout,
      /openai-codex\s+gpt-5\.2-codex\s+gpt-5\.2-codex\s+272K\s+low,high\s+yes/,
    );
    assert.equal((await Deno.stat(`${dir}/models-cache.json`)).mode! & 0o777, 0o600);

    const second = await runPi(["models", "openai-codex/*"], { env });
    assert.equal(second.stdout, first.stdout);
    assert.equal(count(), 1, "served from the cache");
    const byModel = await runPi(["--model", "gpt-live-codex", "-p", "hi"], { env });
    assert.notEqual(byModel.code, 2, byModel.stderr);
    assert.equal(count(), 1);

    // A day later the list is fetched again.
    const cache = JSON.parse(await Deno.readTextFile(`${dir}/models-cache.json`));
    cache.fetchedAt -= 24 * 60 * 60 * 1000;
    await Deno.writeTextFile(`${dir}/models-cache.json`, JSON.stringify(cache));
    const later = await runPi(["models", "openai-codex/*"], { env });
    assert.equal(later.code, 0);
    assert.equal(count(), 2);
    const auth = JSON.parse(await Deno.readTextFile(`${dir}/auth.json`));
    assert.equal(auth["openai-codex"].refresh, "rt-e2e-refresh-token", "auth.json untouched");
  });
});

Deno.test("with the backend down, pi models answers from the cache or the built-ins", async () => {
  await withBackend(async ({ dir, env }) => {
    const down = { ...env, PI_OPENAI_CODEX_BASE_URL: "http://127.0.0.1:9/backend-api" };
    const timed = async (args: string[], runEnv: Record<string, string>) => {
      const t0 = performance.now();
      const result = await runPi(args, { env: runEnv });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stderr, "");
      return { result, ms: performance.now() - t0 };
    };
    const first = await timed(["models", "openai-codex/*"], down);
    for (const id of SEEDS) {
      assert.match(first.result.stdout, new RegExp(`\\s${id.replace(/\./g, "\\.")}\\s`));
    }
    const noted = JSON.parse(await Deno.readTextFile(`${dir}/models-cache.json`));
    assert.deepEqual(noted.models, [], "a failed attempt is noted, no models invented");
    const again = await timed(["models", "openai-codex/*"], down);
    assert.equal(again.result.stdout, first.result.stdout);

    await runPi(["models"], { env }); // another backend: fills the cache from the live list
    const cached = await timed(["models", "openai-codex/*"], env);
    assert.match(cached.result.stdout, /gpt-live-codex/);
    console.log(
      `pi models: backend down ${first.ms.toFixed(0)} ms (first attempt), ${
        again.ms.toFixed(0)
      } ms (within 5 min of a failure); fresh cache ${cached.ms.toFixed(0)} ms`,
    );
  });
});

Deno.test("with a backend that never answers, pi models gives up after about 3 s", async () => {
  let release!: () => void;
  const released = new Promise<void>((resolve) => release = resolve);
  let requests = 0;
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async () => {
    requests++;
    await released;
    return new Response("too late");
  });
  try {
    await withBackend(async ({ dir, env }) => {
      const hanging = {
        ...env,
        PI_OPENAI_CODEX_BASE_URL: `http://127.0.0.1:${server.addr.port}/backend-api`,
      };
      const t0 = performance.now();
      const result = await runPi(["models", "openai-codex/*", "--json"], { env: hanging });
      const ms = performance.now() - t0;
      assert.equal(result.code, 0, result.stderr);
      assert.equal(requests, 1);
      const ids = JSON.parse(result.stdout).map((m: Row) => m.id);
      for (const id of [...SEEDS, ...FAMILY]) assert.ok(ids.includes(id), id);
      assert.ok(!ids.includes("gpt-live-codex"));
      assert.deepEqual(
        [...Deno.readDirSync(dir)].map((e) => e.name).sort(),
        ["auth.json", "models-cache.json"],
      );
      const t1 = performance.now();
      const next = await runPi(["models", "openai-codex/*", "--json"], { env: hanging });
      const nextMs = performance.now() - t1;
      assert.equal(next.code, 0);
      assert.equal(requests, 1, "not asked again within 5 minutes");
      console.log(
        `pi models with a hanging backend: ${ms.toFixed(0)} ms, then ${nextMs.toFixed(0)} ms`,
      );
    });
  } finally {
    release();
    await server.shutdown();
  }
});
