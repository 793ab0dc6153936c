// AuthStorage: the cost of getApiKey when nothing needs doing, and the wall time for 20
// processes to all hold a key when one refresh (300 ms at the fake issuer) is needed,
// against one process doing the same.
import { AuthStorage } from "../mod.ts";
import {
  makeAccessToken,
  staleAuthFile,
  startFakeIssuer,
} from "../tests/fixtures/auth_fake_issuer.ts";

const dir = Deno.makeTempDirSync();
globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
const issuer = startFakeIssuer({ delayMs: 300 });
issuer.unref();

// ---- uncontended getApiKey on a fresh token ----
const freshPath = `${dir}/fresh.json`;
Deno.writeTextFileSync(
  freshPath,
  JSON.stringify({
    "openai-codex": {
      type: "oauth",
      access: makeAccessToken("acc-bench", Math.floor(Date.now() / 1000) + 3600),
      refresh: "refresh-token-bench",
      expires: Date.now() + 3_600_000,
      accountId: "acc-bench",
    },
  }),
  { mode: 0o600 },
);
const warm = new AuthStorage(freshPath);
await warm.getApiKey("openai-codex");

Deno.bench({
  name: "read auth.json (readTextFileSync + JSON.parse)",
  group: "getApiKey, fresh token",
  baseline: true,
}, () => {
  JSON.parse(Deno.readTextFileSync(freshPath));
});

Deno.bench({ name: "getApiKey (cached store)", group: "getApiKey, fresh token" }, async () => {
  await warm.getApiKey("openai-codex");
});

Deno.bench({
  name: "new AuthStorage + getApiKey (reads the file)",
  group: "getApiKey, fresh token",
}, async () => {
  await new AuthStorage(freshPath).getApiKey("openai-codex");
});

// ---- 20 processes, one refresh ----
const GET_KEY = new URL("../tests/fixtures/auth_get_key.ts", import.meta.url).pathname;
const racePath = `${dir}/race.json`;

function prepareStale(): void {
  const refresh = `refresh-token-${crypto.randomUUID()}`;
  issuer.reset(refresh);
  Deno.writeTextFileSync(racePath, JSON.stringify(staleAuthFile(refresh)), { mode: 0o600 });
}

/** What the children load: the whole library (mod.ts), or AuthStorage's own module. */
type ChildImport = "mod.ts" | "auth_storage.ts";

async function runProcesses(n: number, refreshes = 1, load: ChildImport = "mod.ts"): Promise<void> {
  const env: Record<string, string> = { PI_OPENAI_CODEX_ISSUER: issuer.url };
  if (load === "auth_storage.ts") env.PI_TEST_AUTH_MODULE = "../../src/auth/auth_storage.ts";
  const results = await Promise.all(
    Array.from({ length: n }, () =>
      new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "--no-config", GET_KEY, racePath],
        env,
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).output()),
  );
  if (results.some((r) => r.code !== 0)) throw new Error("a process failed");
  if (issuer.refreshRequests !== refreshes) {
    throw new Error(`${issuer.refreshRequests} refreshes`);
  }
}

/** 1 process against 20, each run starting from one expired token. */
function refreshBenches(load: ChildImport, suffix: string): void {
  const group = `processes holding a key (children import ${load})`;
  for (const n of [1, 20]) {
    Deno.bench({
      name: `${n} process${n > 1 ? "es" : ""}, one 300 ms refresh${suffix}`,
      group,
      baseline: n === 1,
      n: 10,
      warmup: 1,
    }, async (b) => {
      prepareStale();
      b.start();
      await runProcesses(n, 1, load);
      b.end();
    });
  }
}

// Children that load the whole library (mod.ts), as a script importing pi would.
refreshBenches("mod.ts", "");

// For reference: what 20 process startups cost on this machine when no refresh is needed.
Deno.bench({
  name: "20 processes, fresh token (no refresh, no lock)",
  group: "processes holding a key (children import mod.ts)",
  n: 10,
  warmup: 1,
}, async (b) => {
  issuer.reset("unused");
  Deno.writeTextFileSync(racePath, Deno.readTextFileSync(freshPath), { mode: 0o600 });
  b.start();
  await runProcesses(20, 0);
  b.end();
});

// Children that load AuthStorage's own module only: less start-up work competing with
// the one process that refreshes.
refreshBenches("auth_storage.ts", " (AuthStorage only)");
