/**
 * auth.json as users meet it (issue 15): entries of other tools are kept and ignored, an
 * invalid entry pi reads is an error naming the file and the entry, a FIFO or a directory
 * in its place is a one-line error (never a hang), errors say why, a bad issuer or backend
 * URL names its variable, and `pi login --from-codex` keeps the fields it does not know.
 * `pi` runs as a process (`deno run -A main.ts`) against fakes on 127.0.0.1.
 */

import assert from "node:assert/strict";
import { FAKE_ACCOUNT_ID, startFakeCodex } from "../fixtures/fake_codex_backend.ts";
import { makeJwt } from "../fixtures/jwt.ts";
import { startFakeIssuer } from "../fixtures/auth_fake_issuer.ts";
import {
  assertNoSecrets,
  assertOneLineError,
  env,
  freshEntry,
  runPi,
  runPiUnprivileged,
  staleEntry,
  UNPRIVILEGED,
  withDir,
  writeAuth,
} from "../fixtures/auth_process.ts";

/** Entries of other tools, of every shape: pi must keep them and never stop on them. */
const FOREIGN = {
  "x-custom": { foo: 1 },
  "other-tool": "just a string",
  "a-list": [1, { type: 42 }],
  "nothing": null,
  "newer-pi-provider": { type: "aws_sso", profile: "work", nested: { deep: [true] } },
  "openai-codex:Not A Name": { type: "martian" },
};

Deno.test("entries pi does not read are kept and ignored: auth status, -p with a refresh, login, logout", async () => {
  await withDir(async (dir) => {
    const issuer = startFakeIssuer({
      delayMs: 0,
      accountId: FAKE_ACCOUNT_ID,
      initialRefresh: "rt-foreign-test-refresh-0001",
    });
    const fake = startFakeCodex([{ text: "hello from the fake" }]);
    try {
      const path = `${dir}/agent/auth.json`;
      await writeAuth(`${dir}/agent`, {
        ...FOREIGN,
        "openai-codex": staleEntry("rt-foreign-test-refresh-0001", FAKE_ACCOUNT_ID),
      });
      const run = (args: string[]) =>
        runPi(
          args,
          env(dir, {
            PI_OPENAI_CODEX_BASE_URL: fake.url,
            PI_OPENAI_CODEX_ISSUER: issuer.url,
            CODEX_HOME: `${dir}/codex`,
          }),
          { cwd: dir },
        );

      const status = await run(["auth", "status", "--json"]);
      assert.equal(status.code, 0, status.stderr);
      const providers = JSON.parse(status.stdout).providers as { id: string; source: string }[];
      assert.equal(providers.find((p) => p.id === "openai-codex")?.source, "oauth");
      assert.ok(!providers.some((p) => p.id in FOREIGN), "another tool's entry is no provider");

      // A refresh rewrites auth.json: the foreign entries stay, in their place.
      const print = await run(["-p", "--no-session", "hi"]);
      assert.equal(print.code, 0, print.stderr);
      assert.equal(print.stdout, "hello from the fake\n");
      assert.equal(issuer.refreshRequests, 1);
      let saved = JSON.parse(await Deno.readTextFile(path));
      assert.equal(saved["openai-codex"].refresh, issuer.currentRefresh);
      assert.deepEqual(Object.keys(saved), [...Object.keys(FOREIGN), "openai-codex"]);
      for (const [name, value] of Object.entries(FOREIGN)) assert.deepEqual(saved[name], value);

      // A login (imported from Codex CLI) writes too.
      await Deno.mkdir(`${dir}/codex`);
      const imported = makeJwt({
        exp: Math.floor(Date.now() / 1000) + 3600,
        "https://api.openai.com/auth": { chatgpt_account_id: FAKE_ACCOUNT_ID },
      });
      await Deno.writeTextFile(
        `${dir}/codex/auth.json`,
        JSON.stringify({
          tokens: { access_token: imported, refresh_token: "rt-imported-0123456789" },
        }),
      );
      const login = await run(["login", "--from-codex"]);
      assert.equal(login.code, 0, login.stderr);
      saved = JSON.parse(await Deno.readTextFile(path));
      assert.equal(saved["openai-codex"].access, imported);
      for (const [name, value] of Object.entries(FOREIGN)) assert.deepEqual(saved[name], value);

      const logout = await run(["logout", "--all"]);
      assert.equal(logout.code, 0, logout.stderr);
      saved = JSON.parse(await Deno.readTextFile(path));
      assert.deepEqual(saved, FOREIGN, "logout --all removes pi's credentials only");
    } finally {
      await fake.close();
      await issuer.close();
    }
  });
});

Deno.test("an invalid entry pi reads (unknown type, bad fields, an account) is an error naming the file and the entry", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/agent/auth.json`;
    const cases: [Record<string, unknown>, RegExp][] = [
      [
        { "openai-codex": { type: "martian" } },
        /"openai-codex"\.type must be "oauth" or "api_key" \(it is "martian"\)/,
      ],
      [
        { "openai-codex": { type: "oauth", access: "a" } },
        /"openai-codex"\.refresh must be a non-empty string/,
      ],
      [{ "openai-codex:work": { type: "oauth" } }, /"openai-codex:work"\.access must be/],
      [{ anthropic: { type: "api_key" } }, /"anthropic"\.key must be/],
      [{ openai: "sk-proj-not-an-object" }, /"openai" must be an object/],
      [{ ...FOREIGN, openai: { type: 7 } }, /"openai"\.type must be a string/],
    ];
    for (const [data, expected] of cases) {
      await writeAuth(`${dir}/agent`, data);
      const before = await Deno.readFile(path);
      for (const args of [["auth", "status"], ["-p", "--no-session", "hi"]]) {
        const result = await runPi(args, env(dir), { cwd: dir });
        assertOneLineError(result, 1);
        assert.ok(result.stderr.includes(path), `names the file: ${result.stderr}`);
        assert.match(result.stderr, expected);
      }
      assert.deepEqual(await Deno.readFile(path), before, "never rewritten");
    }
  });
});

Deno.test("auth.json that is a FIFO or a directory: one line saying so, no hang", async () => {
  // A temp dir with `rt-` inside a word: the path is printed as it is, not redacted.
  await withDir(async (dir) => {
    const agent = `${dir}/agent`;
    await Deno.mkdir(agent, { mode: 0o700 });
    const fifo = new Deno.Command("mkfifo", { args: [`${agent}/auth.json`] }).outputSync();
    assert.ok(fifo.success, "mkfifo");
    for (const args of [["auth", "status"], ["-p", "--no-session", "hi"], ["logout", "--all"]]) {
      const result = await runPi(args, env(dir), { cwd: dir, timeoutMs: 20_000 });
      assertOneLineError(result, 1);
      assert.ok(
        result.stderr.includes(`Cannot read ${agent}/auth.json: it is not a regular file (a FIFO)`),
        result.stderr,
      );
    }
    await Deno.remove(`${agent}/auth.json`);
    await Deno.mkdir(`${agent}/auth.json`);
    const result = await runPi(["auth", "status"], env(dir), { cwd: dir, timeoutMs: 20_000 });
    assertOneLineError(result, 1);
    assert.ok(
      result.stderr.includes(`Cannot read ${agent}/auth.json: it is a directory`),
      result.stderr,
    );
  }, "cart-rt-1_");
});

Deno.test("Codex CLI's auth.json as a FIFO: pi login --from-codex says so, no hang", async () => {
  await withDir(async (dir) => {
    await Deno.mkdir(`${dir}/codex`);
    assert.ok(
      new Deno.Command("mkfifo", { args: [`${dir}/codex/auth.json`] }).outputSync().success,
    );
    const result = await runPi(
      ["login", "--from-codex"],
      env(dir, { CODEX_HOME: `${dir}/codex` }),
      { cwd: dir, timeoutMs: 20_000 },
    );
    assertOneLineError(result, 1);
    assert.match(result.stderr, /codex\/auth\.json: it is not a regular file \(a FIFO\)/);
  });
});

Deno.test({
  name: "an unreadable auth.json: Cannot read …/auth.json: permission denied",
  ignore: UNPRIVILEGED !== false,
  fn: async () => {
    await withDir(async (dir) => {
      await writeAuth(`${dir}/agent`, { "openai-codex": freshEntry("rt-unreadable-000001") });
      await Deno.chmod(`${dir}/agent/auth.json`, 0o000);
      const result = await runPiUnprivileged(["auth", "status"], env(dir), { cwd: dir });
      assertOneLineError(result, 1);
      assert.ok(
        result.stderr.includes(`Cannot read ${dir}/agent/auth.json: permission denied`),
        result.stderr,
      );
    });
  },
});

Deno.test("a PI_OPENAI_CODEX_ISSUER or PI_OPENAI_CODEX_BASE_URL that is no http(s) URL is named", async () => {
  await withDir(async (dir) => {
    const issuer = startFakeIssuer({ delayMs: 0, initialRefresh: "rt-bad-issuer-url-0001" });
    const fake = startFakeCodex([]);
    try {
      const path = `${dir}/agent/auth.json`;
      await writeAuth(`${dir}/agent`, { "openai-codex": staleEntry("rt-bad-issuer-url-0001") });
      const before = await Deno.readFile(path);
      for (const bad of ["not a url", "auth.openai.com", "ftp://auth.example.com"]) {
        const result = await runPi(
          ["-p", "--no-session", "hi"],
          env(dir, { PI_OPENAI_CODEX_ISSUER: bad, PI_OPENAI_CODEX_BASE_URL: fake.url }),
          { cwd: dir },
        );
        assertOneLineError(result, 1);
        assert.match(result.stderr, /PI_OPENAI_CODEX_ISSUER is not a valid http\(s\) URL/);
        assert.deepEqual(await Deno.readFile(path), before, "auth.json untouched");
      }
      assert.equal(issuer.refreshRequests, 0);

      await writeAuth(`${dir}/agent`, { "openai-codex": freshEntry("rt-bad-base-url-0001") });
      for (const bad of ["not a url", "chatgpt.com/backend-api", "ftp://x"]) {
        const result = await runPi(
          ["-p", "--no-session", "hi"],
          env(dir, { PI_OPENAI_CODEX_BASE_URL: bad }),
          { cwd: dir },
        );
        assertOneLineError(result, 1);
        assert.match(result.stderr, /PI_OPENAI_CODEX_BASE_URL is not a valid http\(s\) URL/);
        assert.doesNotMatch(result.stderr, /Could not reach|network/);
      }
      assert.equal(fake.requests.length, 0);
    } finally {
      await fake.close();
      await issuer.close();
    }
  });
});

Deno.test("pi login --from-codex keeps the fields of the existing entry that pi does not know", async () => {
  await withDir(async (dir) => {
    const old = {
      ...freshEntry("rt-before-import-0001"),
      editorPlugin: { keep: [1, 2] },
      note: "x",
    };
    await writeAuth(`${dir}/agent`, { "x-custom": { foo: 1 }, "openai-codex": old });
    await Deno.mkdir(`${dir}/codex`);
    const access = makeJwt({
      exp: Math.floor(Date.now() / 1000) + 3600,
      "https://api.openai.com/auth": { chatgpt_account_id: "acct-imported" },
    });
    await Deno.writeTextFile(
      `${dir}/codex/auth.json`,
      JSON.stringify({
        OPENAI_API_KEY: null,
        tokens: { access_token: access, refresh_token: "rt-imported-from-codex-0001" },
      }),
    );
    const result = await runPi(
      ["login", "--from-codex"],
      env(dir, { CODEX_HOME: `${dir}/codex` }),
      { cwd: dir },
    );
    assert.equal(result.code, 0, result.stderr);
    assertNoSecrets(result.stdout + result.stderr, [access, "rt-imported-from-codex-0001"]);
    const saved = JSON.parse(await Deno.readTextFile(`${dir}/agent/auth.json`));
    assert.deepEqual(saved["x-custom"], { foo: 1 });
    const entry = saved["openai-codex"];
    assert.equal(entry.access, access);
    assert.equal(entry.refresh, "rt-imported-from-codex-0001");
    assert.equal(entry.accountId, "acct-imported");
    assert.deepEqual(entry.editorPlugin, { keep: [1, 2] });
    assert.equal(entry.note, "x");
  });
});
