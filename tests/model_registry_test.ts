import assert from "node:assert/strict";
import { isPiError } from "../src/errors.ts";
import type { KeySource } from "../src/auth/types.ts";
import { BUILTIN_MODELS } from "../src/models/builtin_models.ts";
import { ModelRegistry, type RegistryDeps } from "../src/models/model_registry.ts";
import { VERSION } from "../src/version.ts";
import { codexJwt } from "./fixtures/jwt.ts";

const DAY = 24 * 60 * 60 * 1000;

function keys(available: Record<string, string>): KeySource {
  return {
    getApiKey: (p) => Promise.resolve(available[p]),
    refresh: (p) => Promise.resolve(available[p]),
    hasKey: (p) => p in available,
  };
}

function fakeJwt(accountId = "acc-123"): string {
  return codexJwt(accountId);
}

function makeDeps(agentDir: string, env: Record<string, string> = {}, clock = { now: 1e12 }) {
  const d: RegistryDeps = {
    fetch: (input, init) => fetch(input, init),
    now: () => clock.now,
    env: (name) => env[name],
    agentDir,
    randomBytes: (n) => crypto.getRandomValues(new Uint8Array(n)),
  };
  return d;
}

function registry(available: Record<string, string> = {}) {
  return new ModelRegistry(keys(available), {
    deps: makeDeps("/nonexistent-agent-dir"),
    liveList: false,
  });
}

Deno.test("built-ins: the five seed models and the Codex family, unbilled, with list prices", () => {
  const r = registry();
  const codex = r.getAll().filter((m) => m.provider === "openai-codex").map((m) => m.id);
  for (
    const id of [
      "gpt-5.2-codex",
      "gpt-4.5-vision-preview",
      "gpt-5-64k",
      "gpt-5-preview",
      "o1-pro",
      "gpt-5.1-codex-max",
      "gpt-5.1-codex",
      "gpt-5.1-codex-mini",
      "gpt-5.2",
      "gpt-5",
    ]
  ) assert.ok(codex.includes(id), id);
  assert.equal(codex[0], "gpt-5.2-codex");
  for (const m of r.getAll()) {
    assert.equal(m.billed, m.provider !== "openai-codex", `${m.provider}/${m.id}`);
    assert.ok(m.cost.input > 0 && m.cost.output > 0, `list price of ${m.id}`);
    assert.ok(m.contextWindow > 0 && m.maxOutput > 0);
  }
  assert.ok(r.getAll().some((m) => m.provider === "anthropic"));
  assert.ok(r.getAll().some((m) => m.provider === "openai"));
  const keysSeen = new Set(r.getAll().map((m) => `${m.provider}/${m.id}`));
  assert.equal(keysSeen.size, r.getAll().length, "no duplicate provider/id");
});

Deno.test("find, getAll, getAvailable follow hasKey", () => {
  const r = registry({ anthropic: "sk-ant-x" });
  assert.equal(r.find("openai-codex", "o1-pro")?.name, "o1-pro");
  assert.equal(r.find("openai-codex", "nope"), undefined);
  const available = r.getAvailable();
  assert.ok(available.length > 0);
  assert.ok(available.every((m) => m.provider === "anthropic"));
  assert.notEqual(r.getAll(), r.getAll(), "getAll returns a copy");
});

Deno.test("resolve: id, provider/id, unique prefix", () => {
  const r = registry();
  assert.equal(r.resolve("o1-pro").provider, "openai-codex");
  assert.equal(r.resolve("openai/gpt-5.2").provider, "openai");
  assert.equal(r.resolve("openai-codex/gpt-5.2").provider, "openai-codex");
  assert.equal(r.resolve("claude-opus-4-1").id, "claude-opus-4-1");
  assert.equal(r.resolve("claude-haiku").id, "claude-haiku-4-5");
  assert.equal(r.resolve("GPT-4.5").id, "gpt-4.5-vision-preview");
  assert.equal(r.resolve("gpt-5.2", { provider: "openai" }).provider, "openai");
});

Deno.test("resolve: an id under several providers prefers one with a key", () => {
  assert.equal(registry().resolve("gpt-5.2").provider, "openai-codex");
  assert.equal(registry({ openai: "sk-x" }).resolve("gpt-5.2").provider, "openai");
  assert.equal(
    registry({ openai: "sk-x" }).resolve("openai-codex/gpt-5.2").provider,
    "openai-codex",
  );
});

Deno.test("resolve: unknown and ambiguous names are models.unknown errors listing close matches", () => {
  const r = registry();
  assert.throws(() => r.resolve("gpt-5.2-codx"), (err) => {
    assert.ok(isPiError(err, "models.unknown"));
    assert.match(
      err.message,
      /^Unknown model: gpt-5\.2-codx \(known: openai-codex\/gpt-5\.2-codex, /,
    );
    return true;
  });
  assert.throws(() => r.resolve("gpt-5.1-codex-m"), (err) => {
    assert.ok(isPiError(err, "models.unknown"));
    assert.equal(
      err.message,
      "Ambiguous model: gpt-5.1-codex-m (matches: gpt-5.1-codex-max, gpt-5.1-codex-mini)",
    );
    return true;
  });
  assert.throws(
    () => r.resolve("o1-pro", { provider: "anthropic" }),
    /^PiError: Unknown model: o1-pro for provider anthropic \(known: anthropic\//,
  );
  assert.throws(() => r.resolve("anthropic/o1-pro"), /Unknown model: anthropic\/o1-pro/);
  assert.throws(() => r.resolve(""), (err) => isPiError(err, "models.unknown"));
  assert.throws(
    () => r.resolve("openai/gpt-5", { provider: "anthropic" }),
    (err) => isPiError(err, "usage") && /--provider is anthropic/.test(err.message),
  );
});

Deno.test("validateProvider: Unknown provider: x (known: …)", () => {
  const r = registry();
  assert.equal(r.validateProvider("anthropic"), "anthropic");
  assert.throws(() => r.validateProvider("antropic"), (err) => {
    assert.ok(isPiError(err, "usage"));
    assert.equal(
      err.message,
      "Unknown provider: antropic (known: openai-codex, anthropic, openai)",
    );
    assert.equal(err.hint, "did you mean anthropic?");
    return true;
  });
});

Deno.test("scope: --models resolves in pattern order, codex first, without duplicates", () => {
  const r = registry();
  const scoped = r.scope("openai-codex/*,anthropic/*");
  const providers = scoped.map((s) => s.model.provider);
  const firstAnthropic = providers.indexOf("anthropic");
  assert.ok(firstAnthropic > 0);
  assert.ok(providers.slice(0, firstAnthropic).every((p) => p === "openai-codex"));
  assert.ok(providers.slice(firstAnthropic).every((p) => p === "anthropic"));
  assert.deepEqual(
    scoped.map((s) => s.model.id),
    BUILTIN_MODELS.filter((m) => m.provider === "openai-codex" || m.provider === "anthropic")
      .map((m) => m.id),
  );
  const again = r.scope(["openai-codex/gpt-5.2-codex:high", "openai-codex/*"]);
  assert.deepEqual(again[0], { model: r.find("openai-codex", "gpt-5.2-codex"), thinking: "high" });
  assert.equal(again.filter((s) => s.model.id === "gpt-5.2-codex").length, 1);
});

Deno.test("scope: a pattern that matches nothing is an error naming it", () => {
  const r = registry();
  assert.throws(() => r.scope("openai-codex/*,nope/*"), (err) => {
    assert.ok(isPiError(err, "models.unknown"));
    assert.match(err.message, /^No model matches pattern: nope\/\* \(known: /);
    return true;
  });
  assert.throws(() => r.scope("gpt-5:ultra"), (err) => {
    assert.ok(isPiError(err, "models.unknown"));
    assert.match(err.hint ?? "", /unknown thinking level ultra/);
    return true;
  });
});

Deno.test("defaultModel follows CONTRACT.md", () => {
  const id = (r: ModelRegistry, o = {}) => {
    const { model } = r.defaultModel(o);
    return `${model.provider}/${model.id}`;
  };
  assert.equal(id(registry()), "openai-codex/gpt-5.2-codex", "nobody has a key");
  assert.equal(id(registry({ "openai-codex": "jwt" })), "openai-codex/gpt-5.2-codex");
  assert.equal(id(registry({ anthropic: "k", openai: "k" })), "anthropic/claude-sonnet-4-5");
  assert.equal(id(registry({ openai: "k" })), "openai/gpt-5.2");
  const r = registry({ openai: "k" });
  assert.equal(id(r, { scope: r.scope("claude-opus-4-5:high") }), "anthropic/claude-opus-4-5");
  assert.equal(r.defaultModel({ scope: r.scope("claude-opus-4-5:high") }).thinking, "high");
  assert.equal(id(r, { provider: "anthropic" }), "anthropic/claude-sonnet-4-5");
  assert.equal(id(r, { provider: "openai-codex" }), "openai-codex/gpt-5.2-codex");
  assert.throws(() => r.defaultModel({ provider: "nope" }), /Unknown provider: nope/);
});

// ---- the live Codex list ----

interface Seen {
  url: string;
  method: string;
  headers: Headers;
}

interface FakeBackend {
  url: string;
  requests: Seen[];
  close(): Promise<void>;
}

function startBackend(
  handler: (req: Request) => Response | Promise<Response>,
): FakeBackend {
  const requests: Seen[] = [];
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, (req) => {
    requests.push({ url: req.url, method: req.method, headers: new Headers(req.headers) });
    return handler(req);
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/backend-api`,
    requests,
    close: () => server.shutdown(),
  };
}

const LIVE = {
  models: [
    {
      slug: "gpt-5.2-codex",
      display_name: "gpt-5.2-codex",
      supported_reasoning_levels: [{ effort: "low" }, { effort: "medium" }, { effort: "high" }],
      visibility: "list",
      context_window: 272000,
    },
    {
      slug: "gpt-9-codex",
      display_name: "GPT-9 Codex",
      description: "From the future",
      supported_reasoning_levels: [{ effort: "none" }, { effort: "xhigh" }, { effort: "weird" }],
      visibility: "list",
      input_modalities: ["text"],
    },
    {
      slug: "hidden-one",
      display_name: "Hidden",
      supported_reasoning_levels: [],
      visibility: "hide",
    },
    { display_name: "no slug" },
  ],
};

async function withLive(
  fn: (ctx: {
    dir: string;
    backend: FakeBackend;
    clock: { now: number };
    open: (k?: Record<string, string>) => ModelRegistry;
  }) => Promise<void>,
  handler: (req: Request) => Response | Promise<Response> = () => Response.json(LIVE),
) {
  const dir = await Deno.makeTempDir();
  const backend = startBackend(handler);
  const clock = { now: 1_800_000_000_000 };
  const token = fakeJwt();
  try {
    await fn({
      dir,
      backend,
      clock,
      open: (k = { "openai-codex": token }) =>
        new ModelRegistry(keys(k), {
          deps: makeDeps(dir, { PI_OPENAI_CODEX_BASE_URL: backend.url }, clock),
        }),
    });
  } finally {
    await backend.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("live list: fetched with the token and account id, applied, cached 0600", async () => {
  await withLive(async ({ dir, backend, open, clock }) => {
    const r = open();
    assert.deepEqual(await r.refresh(), { status: "fetched" });
    assert.equal(backend.requests.length, 1);
    const req = backend.requests[0];
    const url = new URL(req.url);
    assert.equal(url.pathname, "/backend-api/codex/models");
    assert.equal(url.searchParams.get("client_version"), VERSION);
    assert.equal(req.method, "GET");
    assert.equal(req.headers.get("authorization"), `Bearer ${fakeJwt()}`);
    assert.equal(req.headers.get("chatgpt-account-id"), "acc-123");

    const updated = r.find("openai-codex", "gpt-5.2-codex")!;
    assert.equal(updated.name, "gpt-5.2-codex");
    assert.deepEqual(updated.reasoning, ["low", "medium", "high"]);
    assert.equal(updated.billed, false);
    assert.ok(updated.cost.input > 0, "list price kept");
    const added = r.find("openai-codex", "gpt-9-codex")!;
    assert.equal(added.name, "GPT-9 Codex");
    assert.deepEqual(added.reasoning, ["off", "xhigh"]);
    assert.deepEqual(added.inputs, ["text"]);
    assert.equal(added.api, "openai-codex-responses");
    assert.equal(
      r.find("openai-codex", "hidden-one"),
      undefined,
      "hidden new models are not added",
    );
    const codexIds = r.getAll().map((m) => m.provider);
    assert.equal(codexIds.lastIndexOf("openai-codex") + 1, codexIds.indexOf("anthropic"));

    const stat = await Deno.stat(`${dir}/models-cache.json`);
    assert.equal(stat.mode! & 0o777, 0o600);
    const cache = JSON.parse(await Deno.readTextFile(`${dir}/models-cache.json`));
    assert.equal(cache.fetchedAt, clock.now);
    assert.equal(cache.baseUrl, backend.url);
    assert.ok(!JSON.stringify(cache).includes(fakeJwt()), "no token in the cache");
    assert.deepEqual(
      [...Deno.readDirSync(dir)].map((e) => e.name),
      ["models-cache.json"],
      "no temp file left behind",
    );
  });
});

Deno.test("live list: fetched once per 24 h, across registries (processes)", async () => {
  await withLive(async ({ backend, open, clock }) => {
    assert.equal((await open().refresh()).status, "fetched");
    const second = open();
    assert.ok(second.find("openai-codex", "gpt-9-codex"), "the cache serves at construction");
    assert.equal((await second.refresh()).status, "fresh");
    clock.now += DAY - 1;
    assert.equal((await open().refresh()).status, "fresh");
    assert.equal(backend.requests.length, 1);
    clock.now += 2;
    assert.equal((await open().refresh()).status, "fetched");
    assert.equal(backend.requests.length, 2);
    assert.equal((await open().refresh({ force: true })).status, "fetched");
    assert.equal(backend.requests.length, 3);
  });
});

Deno.test("live list: concurrent refreshes share one request", async () => {
  await withLive(async ({ backend, open }) => {
    const r = open();
    const results = await Promise.all([r.refresh(), r.refresh(), r.refresh()]);
    assert.deepEqual(results.map((x) => x.status), ["fetched", "fetched", "fetched"]);
    assert.equal(backend.requests.length, 1);
  });
});

Deno.test("live list: not logged in, no request", async () => {
  await withLive(async ({ backend, open }) => {
    assert.equal((await open({}).refresh()).status, "no-key");
    assert.equal(backend.requests.length, 0);
  });
});

Deno.test("live list: a failing server keeps the models, and is not asked again for 5 minutes", async () => {
  let fail = false;
  await withLive(
    async ({ dir, backend, open, clock }) => {
      const fresh = open();
      assert.equal((await fresh.refresh()).status, "fetched");
      const modelsBefore = JSON.parse(await Deno.readTextFile(`${dir}/models-cache.json`)).models;
      fail = true;
      clock.now += 2 * DAY;
      const stale = open();
      const result = await stale.refresh();
      assert.equal(result.status, "failed");
      assert.ok(isPiError(result.error, "api.http"));
      assert.ok(!String((result.error as Error).message).includes(fakeJwt()));
      assert.ok(stale.find("openai-codex", "gpt-9-codex"), "the stale cache still serves");
      const cache = JSON.parse(await Deno.readTextFile(`${dir}/models-cache.json`));
      assert.deepEqual(cache.models, modelsBefore, "the cached models are kept");
      assert.equal(cache.failedAt, clock.now);
      assert.equal(backend.requests.length, 2);

      clock.now += 5 * 60 * 1000 - 1;
      const soon = open();
      assert.equal((await soon.refresh()).status, "backoff");
      assert.ok(soon.find("openai-codex", "gpt-9-codex"));
      assert.equal(backend.requests.length, 2, "no request while backing off");
      fail = false;
      clock.now += 1;
      assert.equal((await open().refresh()).status, "fetched");
      assert.equal(backend.requests.length, 3);
      const after = JSON.parse(await Deno.readTextFile(`${dir}/models-cache.json`));
      assert.equal(after.failedAt, undefined, "a success clears the failure");
    },
    () =>
      fail
        ? new Response(`{"detail":"Bearer ${fakeJwt()} boom"}`, { status: 500 })
        : Response.json(LIVE),
  );
});

Deno.test("live list: a server that is down fails fast, the built-ins serve, the next start does not retry", async () => {
  const dir = await Deno.makeTempDir();
  const backend = startBackend(() => Response.json(LIVE));
  const url = backend.url;
  await backend.close();
  try {
    const open = () =>
      new ModelRegistry(keys({ "openai-codex": fakeJwt() }), {
        deps: makeDeps(dir, { PI_OPENAI_CODEX_BASE_URL: url }),
      });
    const r = open();
    const result = await r.refresh({ timeoutMs: 3000 });
    assert.equal(result.status, "failed");
    assert.ok(isPiError(result.error, "api.network"));
    assert.equal(r.getAll().length, BUILTIN_MODELS.length);
    const cache = JSON.parse(await Deno.readTextFile(`${dir}/models-cache.json`));
    assert.deepEqual(cache.models, []);
    assert.equal(typeof cache.failedAt, "number");
    assert.equal((await open().refresh({ timeoutMs: 3000 })).status, "backoff");
    assert.equal((await open().refresh({ force: true })).status, "failed", "force retries");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("live list: a PI_OPENAI_CODEX_BASE_URL that is not a URL is the config error a request gives, with no request and no cache", async () => {
  await withLive(async ({ dir, backend }) => {
    const r = new ModelRegistry(keys({ "openai-codex": fakeJwt() }), {
      deps: makeDeps(dir, { PI_OPENAI_CODEX_BASE_URL: "auth.example.com" }),
    });
    assert.equal(r.getAll().length, BUILTIN_MODELS.length, "the registry still opens");
    const result = await r.refresh();
    assert.equal(result.status, "failed");
    assert.ok(isPiError(result.error, "config"));
    assert.equal(
      result.error.message,
      'PI_OPENAI_CODEX_BASE_URL is not a valid http(s) URL: "auth.example.com"',
    );
    assert.equal(
      result.error.hint,
      "set it to a base URL such as https://chatgpt.com/backend-api, or unset it to use that",
    );
    assert.equal(backend.requests.length, 0);
    await assert.rejects(Deno.stat(`${dir}/models-cache.json`), Deno.errors.NotFound);
  });
});

Deno.test("live list: a hanging server is cut off by timeoutMs", async () => {
  let release: () => void;
  const released = new Promise<void>((resolve) => release = resolve);
  await withLive(async ({ open }) => {
    try {
      const r = open();
      const result = await r.refresh({ timeoutMs: 100 });
      assert.equal(result.status, "timeout");
      assert.equal(r.find("openai-codex", "gpt-9-codex"), undefined);
      assert.equal((await open().refresh({ timeoutMs: 100 })).status, "backoff");
    } finally {
      release();
    }
  }, () => released.then(() => new Response("late")));
});

Deno.test("live list: a cache from another backend is not used", async () => {
  await withLive(async ({ dir, open }) => {
    assert.equal((await open().refresh()).status, "fetched");
    const other = new ModelRegistry(keys({}), {
      deps: makeDeps(dir, { PI_OPENAI_CODEX_BASE_URL: "http://127.0.0.1:9/other" }),
    });
    assert.equal(other.find("openai-codex", "gpt-9-codex"), undefined);
  });
});

Deno.test("live list: models.json wins over the live list", async () => {
  await withLive(async ({ dir, open }) => {
    await Deno.writeTextFile(
      `${dir}/models.json`,
      JSON.stringify({
        providers: { "openai-codex": { models: { "gpt-9-codex": { name: "Mine" } } } },
      }),
    );
    const r = open();
    await r.refresh();
    assert.equal(r.find("openai-codex", "gpt-9-codex")?.name, "Mine");
    assert.deepEqual(r.find("openai-codex", "gpt-9-codex")?.reasoning, ["off", "xhigh"]);
  });
});

Deno.test("live list: a corrupt cache counts as no cache", async () => {
  await withLive(async ({ dir, open, backend }) => {
    await Deno.writeTextFile(`${dir}/models-cache.json`, "{not json");
    const r = open();
    assert.equal(r.getAll().length, BUILTIN_MODELS.length);
    assert.equal((await r.refresh()).status, "fetched");
    assert.equal(backend.requests.length, 1);
  });
});
