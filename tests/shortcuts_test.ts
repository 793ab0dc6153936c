import assert from "node:assert/strict";
import { DENO_DIR } from "./e2e/run_pi.ts";

const MOD = new URL("../mod.ts", import.meta.url).href;

/** Runs a snippet that imports mod.ts the way a URL importer would (no config). */
async function runSnippet(code: string, env: Record<string, string>): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-config", "--ext=ts", code],
    env: { PATH: Deno.env.get("PATH") ?? "", DENO_DIR, ...env },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  assert.equal(out.code, 0, text.decode(out.stderr));
  return text.decode(out.stdout).trim();
}

Deno.test("getApiKey from mod.ts reads the default auth.json of the agent dir, then the environment", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/auth.json`,
      JSON.stringify({ anthropic: { type: "api_key", key: "sk-ant-stored-0001" } }),
      { mode: 0o600 },
    );
    const code = `import { getApiKey } from "${MOD}";
      console.log(JSON.stringify([await getApiKey("anthropic"), await getApiKey("openai")]));`;
    const out = await runSnippet(code, {
      HOME: dir,
      PI_CODING_AGENT_DIR: dir,
      ANTHROPIC_API_KEY: "sk-ant-env-0002",
      OPENAI_API_KEY: "sk-env-openai-0003",
    });
    assert.deepEqual(JSON.parse(out), ["sk-ant-stored-0001", "sk-env-openai-0003"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("login from mod.ts refuses an unknown provider with the contract's message", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const code = `import { login } from "${MOD}";
      try {
        await login("nope", { onAuth() {}, onPrompt: () => Promise.resolve("") });
      } catch (err) { console.log(err.message); }`;
    const out = await runSnippet(code, { HOME: dir, PI_CODING_AGENT_DIR: dir });
    assert.equal(out, "Unknown OAuth provider: nope (known: openai-codex)");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
