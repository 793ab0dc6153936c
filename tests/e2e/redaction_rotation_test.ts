/**
 * Tool output is redacted with the credentials as they are on disk now (issue 15): tokens
 * that another pi wrote to auth.json after this one started, and Codex CLI's tokens
 * (`$CODEX_HOME/auth.json`), never reach the model, the session file or the output.
 */

import assert from "node:assert/strict";
import {
  functionOutputs,
  type RecordedRequest,
  startFakeCodex,
  writeFakeAuth,
} from "../fixtures/fake_codex_backend.ts";
import { codexJwt } from "../fixtures/jwt.ts";
import { makeAccessToken } from "../fixtures/auth_fake_issuer.ts";
import { runPi, withDir, writeFromAnotherProcess } from "../fixtures/auth_process.ts";

Deno.test("tokens written to auth.json and Codex CLI's auth.json after pi started are redacted in tool output", async () => {
  await withDir(async (dir) => {
    const agent = `${dir}/agent`;
    const token = await writeFakeAuth(agent);
    const original = JSON.parse(await Deno.readTextFile(`${agent}/auth.json`));
    await Deno.mkdir(`${dir}/codex`);
    await Deno.mkdir(`${dir}/work`);
    // What another pi (and Codex CLI) write while this one runs.
    const rotatedAccess = makeAccessToken("acct-other", 4102444800, "rotated-elsewhere");
    const rotatedRefresh = "rt_Rotated9ByAnother4Pi7Xq2Lm5Nz8Kp3Vw6Ty1";
    const codexAccess = codexJwt("acct-codex");
    const codexRefresh = "rt_CodexCli3Refresh8Token2Ab5Cd7Ef9Gh1Jk4";
    const codexIdToken = codexJwt("acct-codex-id");
    const codexApiKey = "sk-codex-cli-api-key-Zx8Yw7Vu6Ts5Rq4";
    const secrets = [
      rotatedAccess,
      rotatedRefresh,
      codexAccess,
      codexRefresh,
      codexIdToken,
      codexApiKey,
    ];
    const command = `cat ${agent}/auth.json ${dir}/codex/auth.json`;
    const fake = startFakeCodex((_request: RecordedRequest, index: number) => {
      if (index === 0) {
        writeFromAnotherProcess(
          `${agent}/auth.json`,
          JSON.stringify(
            {
              "openai-codex": {
                ...original["openai-codex"],
                access: rotatedAccess,
                refresh: rotatedRefresh,
              },
            },
            null,
            2,
          ),
        );
        writeFromAnotherProcess(
          `${dir}/codex/auth.json`,
          JSON.stringify(
            {
              OPENAI_API_KEY: codexApiKey,
              tokens: {
                id_token: codexIdToken,
                access_token: codexAccess,
                refresh_token: codexRefresh,
                account_id: "acct-codex",
              },
              last_refresh: "2026-01-01T00:00:00Z",
            },
            null,
            2,
          ),
        );
        return { calls: [{ name: "bash", arguments: { command } }] };
      }
      return { text: "read them" };
    }, { token });
    try {
      const result = await runPi(["-p", "--mode", "json", "show me the credentials"], {
        HOME: dir,
        PI_CODING_AGENT_DIR: agent,
        PI_OPENAI_CODEX_BASE_URL: fake.url,
        CODEX_HOME: `${dir}/codex`,
      }, { cwd: `${dir}/work` });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(fake.requests.length, 2);
      const output = String(functionOutputs(fake.requests[1])[0].output);
      assert.match(output, /"refresh": "\[redacted\]"/, output);
      assert.match(output, /"refresh_token": "\[redacted\]"/, output);
      assert.match(output, /"account_id": "acct-codex"/, "the rest of the files is shown");
      const sessionDir = `${agent}/sessions`;
      let session = "";
      for (const sub of Deno.readDirSync(sessionDir)) {
        for (const file of Deno.readDirSync(`${sessionDir}/${sub.name}`)) {
          session += Deno.readTextFileSync(`${sessionDir}/${sub.name}/${file.name}`);
        }
      }
      assert.match(session, /\[redacted\]/);
      for (const secret of secrets) {
        for (
          const [where, text] of [["the model", output], ["the session", session], [
            "stdout",
            result.stdout,
          ], ["stderr", result.stderr]]
        ) {
          assert.ok(!text.includes(secret), `${secret.slice(0, 16)}… reached ${where}`);
        }
      }
      assert.deepEqual(fake.problems, []);
    } finally {
      await fake.close();
    }
  });
});

Deno.test("an error message that echoes a stored token shows [redacted], whatever the token's shape", async () => {
  await withDir(async (dir) => {
    const agent = `${dir}/agent`;
    const token = await writeFakeAuth(agent);
    // writeFakeAuth stores this refresh token; it is made of words, so no shape rule knows it.
    const stored = "rt_fake_refresh_token_value";
    const fake = startFakeCodex([{
      response: () =>
        Response.json({ error: { message: `refresh token ${stored} is not an API key` } }, {
          status: 400,
        }),
    }], { token });
    try {
      const result = await runPi(["-p", "--no-session", "hi"], {
        HOME: dir,
        PI_CODING_AGENT_DIR: agent,
        PI_OPENAI_CODEX_BASE_URL: fake.url,
      }, { cwd: dir });
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /refresh token \[redacted\] is not an API key/);
      assert.ok(!result.stderr.includes(stored), result.stderr);
    } finally {
      await fake.close();
    }
  });
});
