import assert from "node:assert/strict";
import { startFakeCodex, turnEvents, writeFakeAuth } from "../fixtures/fake_codex_backend.ts";
import { runPi } from "./run_pi.ts";

Deno.test("the x-codex-* rate limits of the last answer are shown by pi auth status", async () => {
  const home = await Deno.makeTempDir();
  const fake = startFakeCodex([{
    response: () =>
      new Response(turnEvents({ text: "hello" }).join(""), {
        headers: {
          "content-type": "text/event-stream",
          "x-codex-primary-used-percent": "12.5",
          "x-codex-primary-window-minutes": "300",
          "x-codex-primary-reset-after-seconds": "3600",
          "x-codex-secondary-used-percent": "40",
          "x-codex-secondary-window-minutes": "10080",
        },
      }),
  }]);
  try {
    const agentDir = `${home}/agent`;
    const access = await writeFakeAuth(agentDir);
    const env = { HOME: home, PI_CODING_AGENT_DIR: agentDir, PI_OPENAI_CODEX_BASE_URL: fake.url };

    const before = await runPi(["auth", "status", "--json"], { env });
    assert.equal(JSON.parse(before.stdout).providers[0].usage, undefined);

    const answer = await runPi(["-p", "--no-session", "hi"], { env });
    assert.equal(answer.code, 0, answer.stderr);
    assert.equal(answer.stdout.trim(), "hello");
    assert.equal((await Deno.stat(`${agentDir}/usage.json`)).mode! & 0o777, 0o600);

    const json = await runPi(["auth", "status", "--json"], { env });
    assert.equal(json.code, 0, json.stderr);
    const codex = JSON.parse(json.stdout).providers.find((p: { id: string }) =>
      p.id === "openai-codex"
    );
    assert.equal(codex.usage.primary.usedPercent, 12.5);
    assert.equal(codex.usage.primary.windowMinutes, 300);
    assert.equal(codex.usage.secondary.usedPercent, 40);
    assert.ok(codex.usage.primary.resetsAt > Date.now());

    const text = await runPi(["auth", "status"], { env });
    assert.match(
      text.stdout,
      /primary \(5h window\): 13% used, resets \d{1,2}:\d{2}.* \(in (59m|1h 0m)/,
    );
    assert.match(text.stdout, /secondary \(7-day window\): 40% used/);
    for (const out of [json.stdout, text.stdout, text.stderr]) assert.ok(!out.includes(access));
  } finally {
    await fake.close();
    await Deno.remove(home, { recursive: true });
  }
});
