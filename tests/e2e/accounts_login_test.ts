/**
 * Logging accounts in and out (CONTRACT.md: Accounts, Command line): `pi login openai-codex
 * --account <name>` by browser, device code and `--from-codex`; a ChatGPT account already
 * stored under another name; `pi logout … --account` and `--all`; `pi login anthropic|openai`
 * with an API key from stdin and, in a real terminal (tmux), with hidden input; the menu of
 * every provider. pi runs as a process against fake issuers; the callback port is pinned to
 * a free one (tests/e2e/login_test.ts owns 1455 and 1457).
 */

import assert from "node:assert/strict";
import { REPO } from "./run_pi.ts";
import { HAS_TMUX, TmuxPane } from "./tmux.ts";
import {
  freePort,
  startFakeIssuer,
  TEST_ACCOUNT_ID,
  TEST_EMAIL,
} from "../fixtures/fake_oauth_issuer.ts";
import {
  accessToken,
  accountEntry,
  type FakeAccount,
  startAccountsIssuer,
} from "../fixtures/accounts_fakes.ts";
import {
  assertNoSecrets,
  assertOneLineError,
  env,
  runPi,
  withDir,
  writeAuth,
} from "../fixtures/auth_process.ts";

const NAME = "ChatGPT Plus/Pro (Codex Subscription)";

async function readAuth(dir: string): Promise<Record<string, Record<string, unknown>>> {
  return JSON.parse(await Deno.readTextFile(`${dir}/agent/auth.json`));
}

Deno.test("pi login openai-codex --account: device, browser and --from-codex write openai-codex:<name>; the same ChatGPT account under another name is refused and nothing changes", async () => {
  await withDir(async (dir) => {
    const issuer = startFakeIssuer();
    try {
      const e = env(dir, { PI_OPENAI_CODEX_ISSUER: issuer.url, CODEX_HOME: `${dir}/codex` });
      const started = Date.now();
      const device = await runPi(["login", "openai-codex", "--device", "--account", "work"], e, {
        cwd: dir,
      });
      assert.equal(device.code, 0, device.stderr);
      assert.equal(
        device.stdout,
        `Logged in to ${NAME} as ${TEST_EMAIL} (plan pro) (account work)\n`,
      );
      let saved = await readAuth(dir);
      assert.deepEqual(Object.keys(saved), ["openai-codex:work"]);
      const work = saved["openai-codex:work"];
      assert.equal(work.type, "oauth");
      assert.equal(work.accountId, TEST_ACCOUNT_ID);
      assert.equal(work.refresh, issuer.issued[0].refresh);
      assert.ok(
        (work.loggedInAt as number) >= started && (work.loggedInAt as number) <= Date.now(),
      );

      // The same ChatGPT account as the default one: said, saved, and "work" left as it was.
      const workBefore = (await readAuth(dir))["openai-codex:work"];
      const twice = await runPi(["login", "openai-codex", "--device"], e, { cwd: dir });
      assert.equal(twice.code, 0, twice.stderr);
      assert.match(
        twice.stderr,
        /^pi: This ChatGPT account \(ada@example\.com\) is also logged in as "work" \(left as it was\); saved as "default" too\./m,
      );
      saved = await readAuth(dir);
      assert.deepEqual(saved["openai-codex:work"], workBefore);
      assert.equal(saved["openai-codex"].accountId, TEST_ACCOUNT_ID);
      delete saved["openai-codex"];
      await Deno.writeTextFile(`${dir}/agent/auth.json`, JSON.stringify(saved));

      // The browser login, for the same name again: a new login of that account replaces it.
      const port = freePort();
      const browser = await runPi(["login", "openai-codex", "--account", "work"], {
        ...e,
        PI_OAUTH_CALLBACK_PORT: String(port),
        BROWSER: `${Deno.execPath()} run -A --quiet ${REPO}tests/fixtures/browser_follow.ts`,
      }, { cwd: dir });
      assert.equal(browser.code, 0, browser.stderr);
      assert.match(browser.stdout, /\(account work\)\n$/);
      saved = await readAuth(dir);
      assert.equal(saved["openai-codex:work"].refresh, issuer.issued.at(-1)!.refresh);
      assert.deepEqual(issuer.problems, []);

      // --from-codex --account: another ChatGPT account, marked as imported.
      await Deno.mkdir(`${dir}/codex`);
      const other: FakeAccount = { accountId: "acct-other", email: "o@x.io", refresh: "rt-o" };
      await Deno.writeTextFile(
        `${dir}/codex/auth.json`,
        JSON.stringify({
          tokens: {
            access_token: accessToken(other, Math.floor(Date.now() / 1000) + 3600),
            refresh_token: "rt-codex-imported-0123456789",
          },
        }),
      );
      const imported = await runPi(["login", "--from-codex", "--account", "home"], e, {
        cwd: dir,
      });
      assert.equal(imported.code, 0, imported.stderr);
      assert.equal(imported.stdout, `Logged in to ${NAME} as o@x.io (plan plus) (account home)\n`);
      saved = await readAuth(dir);
      assert.equal(saved["openai-codex:home"].source, "codex-cli");
      assert.equal(saved["openai-codex:home"].accountId, "acct-other");
      assert.equal(saved["openai-codex:work"].source, undefined);

      const status = await runPi(["auth", "status"], e, { cwd: dir });
      assert.equal(status.code, 0, status.stderr);
      assert.match(status.stdout, /2 ChatGPT accounts, active: default/);
      assert.match(
        status.stdout,
        /^ {6}home {2}o@x\.io, plan plus, account acct-other, imported from Codex CLI; logged in \d{1,2}:\d{2} \(now\); access token renews automatically \(current one valid for 59 minutes\)$/m,
      );
      assert.match(
        status.stdout,
        /^ {6}work {2}ada@example\.com, plan pro, account acct-test-1234; logged in/m,
      );
      assertNoSecrets(status.stdout, issuer.issued.flatMap((t) => [t.access, t.refresh]));
    } finally {
      await issuer.close();
    }
  });
});

Deno.test("pi login --account with a bad name, or for an API-key provider, is a usage error before anything is sent", async () => {
  await withDir(async (dir) => {
    const e = env(dir, { PI_OPENAI_CODEX_ISSUER: "http://127.0.0.1:9" });
    for (
      const [args, message] of [
        [["login", "openai-codex", "--account", "Work!"], /^pi: Invalid account name: "Work!"/],
        [
          ["login", "anthropic", "--account", "work"],
          /^pi: --account: only for pi login openai-codex/,
        ],
        [["login", "openai", "--device"], /^pi: --device: only for pi login openai-codex/],
      ] as const
    ) {
      const result = await runPi([...args], e, { cwd: dir, stdin: "sk-never-saved-0123456789\n" });
      assertOneLineError(result, 2);
      assert.match(result.stderr, message);
    }
    await assert.rejects(Deno.stat(`${dir}/agent/auth.json`), Deno.errors.NotFound);
  });
});

Deno.test("pi logout openai-codex --account removes and revokes that one; unknown names exit 2; openai-codex --all removes every account and nothing else", async () => {
  await withDir(async (dir) => {
    const A: FakeAccount = { accountId: "acct-a", email: "a@x.io", refresh: "rt-logout-a-0001" };
    const B: FakeAccount = { accountId: "acct-b", email: "b@x.io", refresh: "rt-logout-b-0001" };
    const C: FakeAccount = { accountId: "acct-c", email: "c@x.io", refresh: "rt-logout-c-0001" };
    const issuer = startAccountsIssuer([A, B, C]);
    try {
      await writeAuth(`${dir}/agent`, {
        "openai-codex": accountEntry(A, { expired: false }),
        "openai-codex:work": accountEntry(B, { expired: false }),
        "openai-codex:spare": accountEntry(C, { expired: false }),
        anthropic: { type: "api_key", key: "sk-ant-stays-0123456789" },
      });
      const e = env(dir, { PI_OPENAI_CODEX_ISSUER: issuer.url });
      const unknown = await runPi(["logout", "openai-codex", "--account", "nope"], e, { cwd: dir });
      assertOneLineError(unknown, 2);
      assert.match(unknown.stderr, /^pi: Unknown account: nope \(known: default, spare, work\)/);

      const one = await runPi(["logout", "--account", "work"], e, { cwd: dir });
      assert.equal(one.code, 0, one.stderr);
      assert.equal(one.stdout, `Logged out of ${NAME} (account work) (token revoked)\n`);
      assert.deepEqual(Object.keys(await readAuth(dir)), [
        "openai-codex",
        "openai-codex:spare",
        "anthropic",
      ]);
      assert.deepEqual(issuer.revoked.map((r) => r.token), [B.refresh]);

      // The default account only; the others stay and are named.
      const plain = await runPi(["logout", "openai-codex"], e, { cwd: dir });
      assert.equal(plain.code, 0, plain.stderr);
      assert.match(plain.stderr, /Other ChatGPT accounts stay logged in: spare/);
      assert.deepEqual(Object.keys(await readAuth(dir)), ["openai-codex:spare", "anthropic"]);

      await writeAuth(`${dir}/agent`, {
        ...await readAuth(dir),
        "openai-codex": accountEntry(A, { expired: false, refresh: "rt-logout-a-0002" }),
      });
      const all = await runPi(["logout", "openai-codex", "--all"], e, { cwd: dir });
      assert.equal(all.code, 0, all.stderr);
      assert.deepEqual(await readAuth(dir), {
        anthropic: { type: "api_key", key: "sk-ant-stays-0123456789" },
      });
      assert.deepEqual(
        issuer.revoked.map((r) => r.token).sort(),
        [B.refresh, A.refresh, "rt-logout-a-0002", C.refresh].sort(),
      );
    } finally {
      await issuer.close();
    }
  });
});

Deno.test("pi login anthropic / openai read the key from stdin and store {type: api_key, key}; an empty key writes nothing", async () => {
  await withDir(async (dir) => {
    const e = env(dir, { ANTHROPIC_API_KEY: "" });
    const empty = await runPi(["login", "anthropic"], e, { cwd: dir, stdin: "  \n\n" });
    assertOneLineError(empty, 1);
    assert.match(empty.stderr, /^pi: No API key given for anthropic: nothing was saved/);
    await assert.rejects(Deno.stat(`${dir}/agent/auth.json`), Deno.errors.NotFound);

    await writeAuth(`${dir}/agent`, { "other-tool": { token: "kept-as-it-is" } });
    const before = await Deno.readFile(`${dir}/agent/auth.json`);
    const none = await runPi(["login", "openai"], e, { cwd: dir, stdin: "" });
    assertOneLineError(none, 1);
    const spaced = await runPi(["login", "openai"], e, { cwd: dir, stdin: "sk-one two\n" });
    assertOneLineError(spaced, 1);
    assert.match(spaced.stderr, /spaces or line breaks/);
    assert.deepEqual(await Deno.readFile(`${dir}/agent/auth.json`), before);

    const key = "sk-ant-api03-from-stdin-0123456789";
    const saved = await runPi(["login", "anthropic"], e, { cwd: dir, stdin: `${key}\n` });
    assert.equal(saved.code, 0, saved.stderr);
    assert.equal(saved.stdout, "Saved the Anthropic API key for anthropic\n");
    const openaiKey = "sk-proj-openai-from-stdin-0123456789";
    const saved2 = await runPi(["login", "openai"], e, { cwd: dir, stdin: openaiKey });
    assert.equal(saved2.code, 0, saved2.stderr);
    assertNoSecrets(saved.stdout + saved.stderr + saved2.stdout + saved2.stderr, [key, openaiKey]);
    assert.deepEqual(await readAuth(dir), {
      "other-tool": { token: "kept-as-it-is" },
      anthropic: { type: "api_key", key },
      openai: { type: "api_key", key: openaiKey },
    });
    assert.equal((await Deno.stat(`${dir}/agent/auth.json`)).mode! & 0o777, 0o600);
    const status = await runPi(["auth", "status", "--json"], e, { cwd: dir });
    const byId = Object.fromEntries(
      JSON.parse(status.stdout).providers.map((p: { id: string; source: string }) => [p.id, p]),
    );
    assert.equal(byId.anthropic.source, "api_key");
    assert.equal(byId.openai.source, "api_key");
  });
});

const tmuxTest = { ignore: !HAS_TMUX };

/** Runs `pi <args>` in a private tmux pane. */
async function inTmux(
  args: string[],
  fn: (pane: TmuxPane, dir: string) => Promise<void>,
): Promise<void> {
  await withDir(async (dir) => {
    const pane = await TmuxPane.start(
      dir,
      env(dir, {
        PI_OPENAI_CODEX_ISSUER: "http://127.0.0.1:9",
        BROWSER: "true",
        PI_OAUTH_CALLBACK_PORT: String(freePort()),
      }),
      args,
      { width: 90, height: 20, join: true },
    );
    try {
      await fn(pane, dir);
    } finally {
      await pane.kill();
    }
  });
}

Deno.test({
  ...tmuxTest,
  name: "pi login anthropic in a terminal: hidden input (only a count is shown), saved on Enter",
  fn: () =>
    inTmux(["login", "anthropic"], async (t, dir) => {
      await t.waitFor(/Paste your Anthropic API key \(hidden\)/);
      const key = "sk-ant-api03-typed-in-tmux-0123456789";
      await t.type(key.slice(0, 10));
      await t.waitFor(/^> \[hidden: 10 characters\]$/m);
      await t.type(key.slice(10) + "X");
      await t.keys("BSpace");
      await t.waitFor(new RegExp(`^> \\[hidden: ${key.length} characters\\]$`, "m"));
      assert.ok(!(await t.screen()).includes("sk-ant"), "the key never shows");
      await t.keys("Enter");
      assert.equal(await t.exitCode(), 0, await t.screen());
      const screen = await t.screen();
      assert.ok(!screen.includes(key.slice(0, 6)), screen);
      assert.match(screen, /^Saved the Anthropic API key for anthropic$/m);
      assert.deepEqual(await readAuth(dir), { anthropic: { type: "api_key", key } });
      assert.ok(await t.sttyUnchanged(), "terminal restored");
    }),
});

Deno.test({
  ...tmuxTest,
  name: "pi login openai in a terminal: Enter on an empty key is an error that writes nothing",
  fn: () =>
    inTmux(["login", "openai"], async (t, dir) => {
      await t.waitFor(/Paste your OpenAI API key \(hidden\)/);
      await t.keys("Enter");
      assert.equal(await t.exitCode(), 1, await t.screen());
      assert.match(await t.screen(), /^pi: No API key given for openai: nothing was saved/m);
      await assert.rejects(Deno.stat(`${dir}/agent/auth.json`), Deno.errors.NotFound);
    }),
});

Deno.test({
  ...tmuxTest,
  name: "pi login with no provider in a terminal offers every provider, subscription first",
  fn: () =>
    inTmux(["login"], async (t, dir) => {
      const menu = await t.waitFor(/OpenAI API: save an API key/);
      const rows = menu.split("\n").filter((l) => /ChatGPT|Anthropic|OpenAI API/.test(l));
      assert.deepEqual(rows.map((r) => r.replace(/^\W+/, "").trim()), [
        "ChatGPT Plus/Pro (Codex Subscription) (openai-codex)",
        "Anthropic API: save an API key (anthropic)",
        "OpenAI API: save an API key (openai)",
      ]);
      await t.keys("Down", "Enter");
      await t.waitFor(/Paste your Anthropic API key \(hidden\)/);
      await t.type("sk-ant-from-the-menu-0123456789");
      await t.keys("Enter");
      assert.equal(await t.exitCode(), 0, await t.screen());
      assert.deepEqual(await readAuth(dir), {
        anthropic: { type: "api_key", key: "sk-ant-from-the-menu-0123456789" },
      });
    }),
});
