/**
 * `pi models` startup as a process against `pi --version` (the baseline) in the same run.
 * Not logged in (empty agent dir), so no network: this measures loading the command, the
 * registry, models.json and the built-ins. Target: median `pi models` ≤ 1.2× `pi --version`.
 * A second case lists from a fresh live-list cache while logged in (still no request).
 */

import { codexJwt } from "../tests/fixtures/jwt.ts";
import { median } from "./stats.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const emptyDir = await Deno.makeTempDir({ prefix: "pi-bench-" });
const cachedDir = await Deno.makeTempDir({ prefix: "pi-bench-cached-" });

function fakeJwt(): string {
  return codexJwt("acc");
}

// A logged-in agent dir whose live list was fetched a moment ago from a (gone) backend.
const BASE = "http://127.0.0.1:9/backend-api";
await Deno.writeTextFile(
  `${cachedDir}/auth.json`,
  JSON.stringify({
    "openai-codex": {
      type: "oauth",
      access: fakeJwt(),
      refresh: "rt-bench",
      expires: 4102444800000,
      accountId: "acc",
    },
  }),
  { mode: 0o600 },
);
const { VERSION } = await import("../src/version.ts");
await Deno.writeTextFile(
  `${cachedDir}/models-cache.json`,
  JSON.stringify({
    fetchedAt: Date.now(),
    baseUrl: BASE,
    clientVersion: VERSION,
    models: [{ id: "gpt-live", name: "GPT Live", reasoning: ["medium"], listed: true }],
  }),
  { mode: 0o600 },
);

/** Wall times per case, for the medians printed at the end (deno bench shows no p50). */
const times = new Map<string, number[]>();

/** Runs pi and adds its wall time to `into` under `label`. */
async function pi(
  args: readonly string[],
  env: Record<string, string>,
  label: string,
  into: Map<string, number[]> = times,
): Promise<void> {
  const start = performance.now();
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    env,
    stdout: "null",
    stderr: "null",
    stdin: "null",
  }).output();
  if (out.code !== 0) throw new Error(`pi ${args.join(" ")} exited ${out.code}`);
  const list = into.get(label) ?? [];
  list.push(performance.now() - start);
  into.set(label, list);
}

const empty = { PI_CODING_AGENT_DIR: emptyDir };

Deno.bench({
  name: "pi --version",
  group: "models-startup",
  baseline: true,
  n: 30,
  warmup: 3,
  async fn() {
    await pi(["--version"], empty, "version");
  },
});

Deno.bench({
  name: "pi models",
  group: "models-startup",
  n: 30,
  warmup: 3,
  async fn() {
    await pi(["models"], empty, "models");
  },
});

Deno.bench({
  name: "pi models (logged in, fresh live-list cache)",
  group: "models-startup",
  n: 30,
  warmup: 3,
  async fn() {
    await pi(
      ["models"],
      { PI_CODING_AGENT_DIR: cachedDir, PI_OPENAI_CODEX_BASE_URL: BASE },
      "cached",
    );
  },
});

// The medians that answer the target come from rounds that alternate the three cases, so
// that a drift in machine load (deno bench runs each case's iterations together) touches
// all of them alike.
const ROUNDS = 60;
const alternating = new Map<string, number[]>();
for (let round = 0; round < ROUNDS; round++) {
  for (
    const [label, args, env] of [
      ["version", ["--version"], empty],
      ["models", ["models"], empty],
      ["cached", ["models"], { PI_CODING_AGENT_DIR: cachedDir, PI_OPENAI_CODEX_BASE_URL: BASE }],
    ] as const
  ) {
    await pi(args, env, label, alternating);
  }
}

globalThis.addEventListener("unload", () => {
  const version = median(alternating.get("version")!);
  const models = median(alternating.get("models")!);
  const cached = median(alternating.get("cached")!);
  const inBench = (label: string) => median(times.get(label) ?? [NaN]).toFixed(1);
  // Each round's own ratio, against the --version run just before it: steadier than the
  // ratio of the medians when the machine's speed drifts.
  const paired = (label: string) =>
    median(alternating.get(label)!.map((t, i) => t / alternating.get("version")![i])).toFixed(2);
  console.log(
    `medians of ${ROUNDS} alternating rounds: pi --version ${version.toFixed(1)} ms, pi models ${
      models.toFixed(1)
    } ms (${(models / version).toFixed(2)}×), pi models with cache ${cached.toFixed(1)} ms (${
      (cached / version).toFixed(2)
    }×); target ≤ 1.20×. Median of the rounds' own ratios: ${paired("models")}× and ${
      paired("cached")
    }×. Medians of the bench runs above: ${inBench("version")}, ${inBench("models")}, ${
      inBench("cached")
    } ms`,
  );
  Deno.removeSync(emptyDir, { recursive: true });
  Deno.removeSync(cachedDir, { recursive: true });
});
