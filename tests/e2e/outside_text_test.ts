/**
 * Text from outside — model names from models.json and the live list, the issuer's device
 * code, error_description and token claims, pasted text — printed by `pi models`,
 * `pi login` and `pi auth status`: on a terminal or stderr every such string is one line
 * without escape sequences or control characters; `--json` keeps it, JSON-escaped.
 * Logins pin their callback port (tests/e2e/login_test.ts owns 1455 and 1457).
 */
import assert from "node:assert/strict";
import { runPi, spawnPi } from "./run_pi.ts";
import { codexJwt, makeJwt } from "../fixtures/jwt.ts";
import { withDir } from "../fixtures/auth_process.ts";

/** What a hostile or broken source sends: a line break, a screen clear, a colour, a bell. */
const EVIL = "line one\nline two\u001b[2J\u001b[31m\u0007!";
/** What `oneLine` makes of it. */
const CLEAN = "line one line two!";

/** No escape sequence, no control character but the line ends. */
function assertPrintable(text: string, where: string): void {
  // deno-lint-ignore no-control-regex
  const bad = text.match(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
  assert.equal(bad, null, `${where} holds ${JSON.stringify(bad?.[0])}:\n${JSON.stringify(text)}`);
  assert.ok(!text.includes("line one\nline two"), `${where} breaks the line:\n${text}`);
}

Deno.test("pi models: a models.json name with a newline and escape sequences is one clean line in the table, as it is in --json", async () => {
  await withDir(async (dir) => {
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
                name: EVIL,
                input: 0.1,
                output: 0.4,
              },
            },
          },
        },
      }),
    );
    const env = { PI_CODING_AGENT_DIR: dir };
    const table = await runPi(["models", "openai-codex/my-model"], { env });
    assert.equal(table.code, 0, table.stderr);
    assertPrintable(table.stdout, "the table");
    const rows = table.stdout.trimEnd().split("\n");
    assert.equal(rows.length, 2, table.stdout);
    assert.match(rows[1], new RegExp(`^openai-codex\\s+my-model\\s+${CLEAN}\\s+`));

    const json = await runPi(["models", "openai-codex/my-model", "--json"], { env });
    assert.equal(json.code, 0, json.stderr);
    assert.ok(!json.stdout.includes("\u001b"), "JSON escapes control characters");
    assert.equal(JSON.parse(json.stdout)[0].name, EVIL);
  });
});

Deno.test("pi models: a live-list display_name with a newline and escape sequences is one clean line", async () => {
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, (req) => {
    if (new URL(req.url).pathname !== "/backend-api/codex/models") {
      return new Response("nope", { status: 404 });
    }
    return Response.json({
      models: [{
        slug: "gpt-live-codex",
        display_name: EVIL,
        supported_reasoning_levels: [{ effort: "medium", description: "" }],
        visibility: "list",
      }],
    });
  });
  try {
    await withDir(async (dir) => {
      await Deno.writeTextFile(
        `${dir}/auth.json`,
        JSON.stringify({
          "openai-codex": {
            type: "oauth",
            access: codexJwt("acc-e2e"),
            refresh: "rt-e2e-refresh-token",
            expires: 4102444800000,
            accountId: "acc-e2e",
          },
        }),
        { mode: 0o600 },
      );
      const result = await runPi(["models", "openai-codex/gpt-live-*"], {
        env: {
          PI_CODING_AGENT_DIR: dir,
          PI_OPENAI_CODEX_BASE_URL: `http://127.0.0.1:${server.addr.port}/backend-api`,
        },
      });
      assert.equal(result.code, 0, result.stderr);
      assertPrintable(result.stdout, "the table");
      assert.match(result.stdout, new RegExp(`gpt-live-codex\\s+${CLEAN}\\s+`));
    });
  } finally {
    await server.shutdown();
  }
});

/**
 * An issuer whose every text is hostile: the device code, the token's email and plan
 * claims, and (with `refuse`) the token endpoint's error_description.
 */
function startEvilIssuer(options: { refuse?: boolean } = {}) {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const path = new URL(req.url).pathname;
    if (path === "/api/accounts/deviceauth/usercode") {
      return Response.json({ device_auth_id: "dev-1", user_code: `AB\u001b[2J\nCD`, interval: 1 });
    }
    if (path === "/api/accounts/deviceauth/token") {
      return Response.json({ authorization_code: "devcode-1", code_verifier: "v".repeat(43) });
    }
    if (path === "/oauth/token") {
      if (options.refuse) {
        return Response.json(
          { error: "invalid_grant", error_description: EVIL },
          { status: 400 },
        );
      }
      const access = makeJwt({
        exp: Math.floor(Date.now() / 1000) + 3600,
        "https://api.openai.com/auth": {
          chatgpt_account_id: "acct-evil",
          chatgpt_plan_type: `pro\u001b[5m\nblink`,
        },
        "https://api.openai.com/profile": { email: `eve@example.com${EVIL}` },
      });
      return Response.json({
        access_token: access,
        refresh_token: "rt-evil-refresh-token",
        expires_in: 3600,
      });
    }
    return new Response("not found", { status: 404 });
  });
  return { url: `http://127.0.0.1:${server.addr.port}`, close: () => server.shutdown() };
}

Deno.test("pi login --device and pi auth status: the issuer's device code, email and plan are printed as clean lines", async () => {
  const issuer = startEvilIssuer();
  try {
    await withDir(async (dir) => {
      const env = { HOME: dir, PI_CODING_AGENT_DIR: dir, PI_OPENAI_CODEX_ISSUER: issuer.url };
      const login = await runPi(["login", "openai-codex", "--device"], { env });
      assert.equal(login.code, 0, login.stderr);
      assertPrintable(login.stderr, "login's stderr");
      assertPrintable(login.stdout, "login's stdout");
      assert.match(login.stderr, /^ {4}AB CD$/m);
      assert.equal(
        login.stdout,
        `Logged in to ChatGPT Plus/Pro (Codex Subscription) as eve@example.com${CLEAN} (plan pro blink)\n`,
      );

      const status = await runPi(["auth", "status"], { env });
      assert.equal(status.code, 0, status.stderr);
      assertPrintable(status.stdout, "auth status");
      assert.match(status.stdout, new RegExp(`eve@example\\.com${CLEAN}, plan pro blink,`));

      const json = await runPi(["auth", "status", "--json"], { env });
      const codex = JSON.parse(json.stdout).providers.find((p: { id: string }) =>
        p.id === "openai-codex"
      );
      assert.equal(codex.email, `eve@example.com${EVIL}`); // JSON keeps it, escaped
    });
  } finally {
    await issuer.close();
  }
});

Deno.test("pi login --device: an error_description with a newline and escape sequences is one clean line", async () => {
  const issuer = startEvilIssuer({ refuse: true });
  try {
    await withDir(async (dir) => {
      const env = { HOME: dir, PI_CODING_AGENT_DIR: dir, PI_OPENAI_CODEX_ISSUER: issuer.url };
      const result = await runPi(["login", "openai-codex", "--device"], { env });
      assert.equal(result.code, 1, result.stderr);
      assertPrintable(result.stderr, "stderr");
      const last = result.stderr.trimEnd().split("\n").at(-1)!;
      assert.match(
        last,
        /^pi: Token exchange failed: HTTP 400 \(invalid_grant \(line one line two!\)\)/,
      );
    });
  } finally {
    await issuer.close();
  }
});

Deno.test("pi login, port busy: a pasted code the issuer refuses (error_description with escapes) is said in one clean line and asked again", async () => {
  const issuer = startEvilIssuer({ refuse: true });
  const held = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    await withDir(async (dir) => {
      const pi = spawnPi(["login", "--no-browser"], {
        HOME: dir,
        PI_CODING_AGENT_DIR: dir,
        PI_OPENAI_CODEX_ISSUER: issuer.url,
        PI_OAUTH_CALLBACK_PORT: String((held.addr as Deno.NetAddr).port),
      }, { stdin: "piped" });
      try {
        await pi.waitStderr(/\(reading stdin\):\n/);
        // A pasted text of its own with escapes: quoted back cleaned.
        await pi.write("oops \u001b[2Jnot\u0007 a code\n");
        await pi.waitStderr(/^No authorization code in the pasted text "oops not a code";/m);
        await pi.write("some-code\n");
        await pi.waitStderr(
          /^The pasted code did not log in: Token exchange failed: HTTP 400 \(invalid_grant \(line one line two!\)\); /m,
        );
        await pi.closeStdin();
        const result = await pi.done;
        assert.equal(result.code, 1);
        assertPrintable(result.stderr, "stderr");
      } finally {
        await pi.closeStdin();
        try {
          pi.child.kill();
        } catch {
          // already gone
        }
        await pi.done;
      }
    });
  } finally {
    held.close();
    await issuer.close();
  }
});
