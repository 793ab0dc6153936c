/**
 * Several ChatGPT accounts (CONTRACT.md: Accounts), with pi run as a process against the
 * fake backend (which records the `chatgpt-account-id` of every request) and a fake token
 * endpoint that keeps one rotating refresh chain per account and counts refreshes:
 * `--account` / `PI_ACCOUNT`, unknown names, `--rotate-accounts` on a 429
 * `usage_limit_reached` (print and JSON mode), the hint without rotation, one refresh per
 * account under any number of processes, another tool's rotation, a dead refresh token.
 */

import assert from "node:assert/strict";
import { type FakeTurn, startFakeCodex, turnEvents } from "../fixtures/fake_codex_backend.ts";
import {
  accessToken,
  accountEntry,
  type FakeAccount,
  startAccountsIssuer,
  usageLimitResponse,
} from "../fixtures/accounts_fakes.ts";
import {
  assertNoSecrets,
  assertOneLineError,
  env,
  runPi,
  withDir,
  writeAuth,
} from "../fixtures/auth_process.ts";

const A: FakeAccount = {
  accountId: "acct-alpha",
  email: "alpha@example.com",
  refresh: "rt-alpha-0001",
};
const B: FakeAccount = {
  accountId: "acct-bravo",
  email: "bravo@example.com",
  plan: "pro",
  refresh: "rt-bravo-0001",
};
const C: FakeAccount = {
  accountId: "acct-charlie",
  email: "c@example.com",
  refresh: "rt-charlie-01",
};
const IDS = [A.accountId, B.accountId, C.accountId];

/** An answer naming the account that got the request, with its rate-limit windows. */
function answerFor(accountId: string, usedPercent = 12): FakeTurn {
  return {
    response: () =>
      new Response(turnEvents({ text: `answer from ${accountId}` }).join(""), {
        headers: {
          "content-type": "text/event-stream",
          "x-codex-primary-used-percent": String(usedPercent),
          "x-codex-primary-window-minutes": "300",
          "x-codex-primary-reset-after-seconds": "1800",
        },
      }),
  };
}

function accountsOf(fake: { requests: { headers: Record<string, string> }[] }): string[] {
  return fake.requests.map((r) => r.headers["chatgpt-account-id"]);
}

Deno.test("two accounts, each used in its own run: --account and PI_ACCOUNT choose the entry (chatgpt-account-id)", async () => {
  await withDir(async (dir) => {
    const fake = startFakeCodex((r) => answerFor(r.headers["chatgpt-account-id"]), {
      accountIds: IDS,
    });
    try {
      await writeAuth(`${dir}/agent`, {
        "openai-codex": accountEntry(A, { expired: false }),
        "openai-codex:work": accountEntry(B, { expired: false }),
      });
      const e = env(dir, { PI_OPENAI_CODEX_BASE_URL: fake.url });
      const run = (args: string[], extra: Record<string, string> = {}) =>
        runPi(["-p", "--no-session", ...args, "hi"], { ...e, ...extra }, { cwd: dir });

      const plain = await run([]);
      assert.equal(plain.code, 0, plain.stderr);
      assert.equal(plain.stdout, `answer from ${A.accountId}\n`);
      const flag = await run(["--account", "work"]);
      assert.equal(flag.code, 0, flag.stderr);
      assert.equal(flag.stdout, `answer from ${B.accountId}\n`);
      const fromEnv = await run([], { PI_ACCOUNT: "work" });
      assert.equal(fromEnv.stdout, `answer from ${B.accountId}\n`);
      const flagWins = await run(["--account", "default"], { PI_ACCOUNT: "work" });
      assert.equal(flagWins.stdout, `answer from ${A.accountId}\n`);
      assert.deepEqual(accountsOf(fake), [A.accountId, B.accountId, B.accountId, A.accountId]);
      assert.deepEqual(fake.problems, []);

      // Each account's windows are kept on their own, in usage.json.
      const usage = JSON.parse(await Deno.readTextFile(`${dir}/agent/usage.json`));
      assert.deepEqual(Object.keys(usage).sort(), ["openai-codex", "openai-codex:work"]);
      assert.equal(usage["openai-codex:work"].accountId, B.accountId);
    } finally {
      await fake.close();
    }
  });
});

Deno.test("an unknown account (--account or PI_ACCOUNT) is a usage error, exit 2, listing the known ones", async () => {
  await withDir(async (dir) => {
    await writeAuth(`${dir}/agent`, {
      "openai-codex": accountEntry(A, { expired: false }),
      "openai-codex:work": accountEntry(B, { expired: false }),
      "openai-codex:spare": accountEntry(C, { expired: false }),
    });
    const before = await Deno.readFile(`${dir}/agent/auth.json`);
    for (
      const [args, extra] of [
        [["-p", "--account", "nope", "hi"], {}],
        [["-p", "hi"], { PI_ACCOUNT: "nope" }],
      ] as const
    ) {
      const result = await runPi([...args], env(dir, extra), { cwd: dir });
      assertOneLineError(result, 2);
      assert.match(result.stderr, /^pi: Unknown account: nope \(known: default, spare, work\)/);
    }
    assert.deepEqual(await Deno.readFile(`${dir}/agent/auth.json`), before);
  });
});

Deno.test("--rotate-accounts: a 429 usage_limit_reached goes again on the next account below its limits (print mode)", async () => {
  await withDir(async (dir) => {
    const fake = startFakeCodex(
      (r) =>
        r.headers["chatgpt-account-id"] === B.accountId
          ? answerFor(B.accountId)
          : { response: () => usageLimitResponse() },
      { accountIds: IDS },
    );
    try {
      // spare (C) comes right after default but its latest snapshot is at its limit.
      await writeAuth(`${dir}/agent`, {
        "openai-codex": accountEntry(A, { expired: false }),
        "openai-codex:spare": accountEntry(C, { expired: false }),
        "openai-codex:work": accountEntry(B, { expired: false }),
      });
      await Deno.writeTextFile(
        `${dir}/agent/usage.json`,
        JSON.stringify({
          "openai-codex:spare": {
            capturedAt: Date.now() - 60_000,
            accountId: C.accountId,
            primary: { usedPercent: 100, windowMinutes: 300, resetsAt: Date.now() + 3_600_000 },
          },
        }),
      );
      const result = await runPi(
        ["-p", "--no-session", "--rotate-accounts", "hi"],
        env(dir, { PI_OPENAI_CODEX_BASE_URL: fake.url }),
        { cwd: dir },
      );
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, `answer from ${B.accountId}\n`);
      assert.equal(
        result.stderr,
        "pi: account default hit its usage limit (usage_limit_reached); sending the request again on account work\n",
      );
      assert.deepEqual(accountsOf(fake), [A.accountId, B.accountId]);
      // The same request went again: same input, same session.
      assert.deepEqual(fake.requests[1].body.input, fake.requests[0].body.input);
      assert.equal(fake.requests[1].headers.session_id, fake.requests[0].headers.session_id);
      const usage = JSON.parse(await Deno.readTextFile(`${dir}/agent/usage.json`));
      assert.equal(usage["openai-codex"].primary.usedPercent, 100, "the limit is remembered");
      assert.equal(usage["openai-codex:work"].primary.usedPercent, 12);
      assert.equal(usage["openai-codex:spare"].primary.usedPercent, 100, "kept");
    } finally {
      await fake.close();
    }
  });
});

Deno.test("PI_ROTATE_ACCOUNTS=1 --mode json: the account_switch event, then the answer", async () => {
  await withDir(async (dir) => {
    const fake = startFakeCodex(
      (r) =>
        r.headers["chatgpt-account-id"] === A.accountId
          ? answerFor(A.accountId)
          : { response: () => usageLimitResponse() },
      { accountIds: IDS },
    );
    try {
      await writeAuth(`${dir}/agent`, {
        "openai-codex": accountEntry(A, { expired: false }),
        "openai-codex:work": accountEntry(B, { expired: false }),
      });
      const result = await runPi(
        ["-p", "--no-session", "--mode", "json", "hi"],
        env(dir, {
          PI_OPENAI_CODEX_BASE_URL: fake.url,
          PI_ROTATE_ACCOUNTS: "1",
          PI_ACCOUNT: "work",
        }),
        { cwd: dir },
      );
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stderr, "");
      const events = result.stdout.trim().split("\n").map((l) => JSON.parse(l));
      const switches = events.filter((e) => e.type === "account_switch");
      assert.deepEqual(switches, [{
        type: "account_switch",
        from: "work",
        to: "default",
        reason: "usage_limit_reached",
      }]);
      const types = events.map((e) => e.type);
      assert.ok(types.indexOf("account_switch") < types.indexOf("text_delta"));
      assert.equal(events.at(-1).type, "end");
      assert.equal(events.at(-1).text, `answer from ${A.accountId}`);
      assert.deepEqual(accountsOf(fake), [B.accountId, A.accountId]);
    } finally {
      await fake.close();
    }
  });
});

Deno.test("without --rotate-accounts the usage-limit error names the other logged-in accounts; with it and none left, says so", async () => {
  await withDir(async (dir) => {
    const fake = startFakeCodex(() => ({ response: () => usageLimitResponse() }), {
      accountIds: IDS,
    });
    try {
      await writeAuth(`${dir}/agent`, {
        "openai-codex": accountEntry(A, { expired: false }),
        "openai-codex:work": accountEntry(B, { expired: false }),
        "openai-codex:spare": accountEntry(C, { expired: false }),
      });
      const e = env(dir, { PI_OPENAI_CODEX_BASE_URL: fake.url });
      const plain = await runPi(["-p", "--no-session", "hi"], e, { cwd: dir });
      assertOneLineError(plain, 1);
      assert.match(
        plain.stderr,
        /^pi: You have hit your ChatGPT usage limit \(plus plan\); it resets at .*; .*use another logged-in account: spare, work \(--account <name> or \/account <name>; --rotate-accounts/,
      );
      assert.equal(fake.requests.length, 1, "not retried");

      // With rotation, every account is tried once, then the error says they are all spent.
      const rotating = await runPi(["-p", "--no-session", "--rotate-accounts", "hi"], e, {
        cwd: dir,
      });
      assert.equal(rotating.code, 1);
      const lines = rotating.stderr.trimEnd().split("\n");
      assert.deepEqual(lines.slice(0, 2), [
        "pi: account default hit its usage limit (usage_limit_reached); sending the request again on account spare",
        "pi: account spare hit its usage limit (usage_limit_reached); sending the request again on account work",
      ]);
      assert.match(
        lines[2],
        /usage limit.*the other accounts \(default, spare\) are at their limits/,
      );
      assert.equal(lines.length, 3);
      assert.deepEqual(accountsOf(fake).slice(1), [A.accountId, C.accountId, B.accountId]);
    } finally {
      await fake.close();
    }
  });
});

Deno.test("10 concurrent pi -p over two expired accounts: exactly one refresh each, every run answered", async () => {
  await withDir(async (dir) => {
    const issuer = startAccountsIssuer([A, B], { delayMs: 300 });
    const fake = startFakeCodex((r) => answerFor(r.headers["chatgpt-account-id"]), {
      accountIds: IDS,
    });
    try {
      await writeAuth(`${dir}/agent`, {
        "openai-codex": accountEntry(A),
        "openai-codex:work": accountEntry(B),
        anthropic: { type: "api_key", key: "sk-ant-kept-0123456789", note: "kept" },
      });
      const e = env(dir, {
        PI_OPENAI_CODEX_ISSUER: issuer.url,
        PI_OPENAI_CODEX_BASE_URL: fake.url,
      });
      const runs = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          runPi(
            ["-p", "--no-session", "hi"],
            { ...e, PI_ACCOUNT: i % 2 === 0 ? "default" : "work" },
            { cwd: dir, timeoutMs: 60_000 },
          )),
      );
      for (const [i, r] of runs.entries()) {
        assert.equal(r.code, 0, `run ${i}: ${r.stderr}`);
        assert.equal(r.stdout, `answer from ${i % 2 === 0 ? A.accountId : B.accountId}\n`);
      }
      assert.deepEqual(issuer.refreshes, { [A.accountId]: 1, [B.accountId]: 1 });
      const saved = JSON.parse(await Deno.readTextFile(`${dir}/agent/auth.json`));
      assert.equal(saved["openai-codex"].refresh, issuer.current[A.accountId]);
      assert.equal(saved["openai-codex:work"].refresh, issuer.current[B.accountId]);
      assert.equal(saved["openai-codex:work"].access, issuer.issued[B.accountId]);
      assert.deepEqual(saved.anthropic, {
        type: "api_key",
        key: "sk-ant-kept-0123456789",
        note: "kept",
      });
      const sent = accountsOf(fake).sort();
      assert.deepEqual(sent, [...Array(5).fill(A.accountId), ...Array(5).fill(B.accountId)]);
      // Every request carried the refreshed token of its account.
      for (const r of fake.requests) {
        const id = r.headers["chatgpt-account-id"];
        assert.equal(r.headers.authorization, `Bearer ${issuer.issued[id]}`);
      }
    } finally {
      await fake.close();
      await issuer.close();
    }
  });
});

Deno.test("a named account whose token another tool rotated outside pi's lock: invalid_grant → re-read → goes on", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/agent/auth.json`;
    const issuer = startAccountsIssuer([A, B]);
    const fake = startFakeCodex((r) => answerFor(r.headers["chatgpt-account-id"]), {
      accountIds: IDS,
    });
    try {
      const rotated: Record<string, unknown> = {
        ...accountEntry(B, { expired: false, refresh: "rt-bravo-rotated-by-other-tool" }),
        otherToolField: "kept",
      };
      const stale = accountEntry(B);
      await writeAuth(`${dir}/agent`, {
        "openai-codex": accountEntry(A, { expired: false }),
        "openai-codex:work": stale,
      });
      const presented: string[] = [];
      issuer.onRefresh = (token) => {
        presented.push(token);
        if (token !== B.refresh) return;
        // The other tool spends the token first and saves its result without pi's lock.
        issuer.current[B.accountId] = "rt-bravo-rotated-by-other-tool";
        const data = JSON.parse(Deno.readTextFileSync(path));
        data["openai-codex:work"] = rotated;
        Deno.writeTextFileSync(path, JSON.stringify(data, null, 2));
      };
      const result = await runPi(
        ["-p", "--no-session", "--account", "work", "hi"],
        env(dir, { PI_OPENAI_CODEX_ISSUER: issuer.url, PI_OPENAI_CODEX_BASE_URL: fake.url }),
        { cwd: dir },
      );
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, `answer from ${B.accountId}\n`);
      assert.deepEqual(presented, [B.refresh], "one refresh, refused, not retried");
      assert.equal(fake.requests[0].headers.authorization, `Bearer ${rotated.access}`);
      assert.deepEqual(JSON.parse(await Deno.readTextFile(path))["openai-codex:work"], rotated);
    } finally {
      await fake.close();
      await issuer.close();
    }
  });
});

Deno.test("a dead refresh token of a named account fails with auth.json byte-identical; pi auth status then says the login is no longer valid", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/agent/auth.json`;
    const issuer = startAccountsIssuer([A, B]);
    const fake = startFakeCodex(() => ({ text: "never" }), { accountIds: IDS });
    try {
      await writeAuth(`${dir}/agent`, {
        "openai-codex": accountEntry(A, { expired: false }),
        "openai-codex:work": accountEntry(B, { refresh: "rt-bravo-spent-elsewhere" }),
      });
      const before = await Deno.readFile(path);
      const e = env(dir, {
        PI_OPENAI_CODEX_ISSUER: issuer.url,
        PI_OPENAI_CODEX_BASE_URL: fake.url,
      });
      const failed = await runPi(["-p", "--no-session", "--account", "work", "hi"], e, {
        cwd: dir,
      });
      assertOneLineError(failed, 1);
      assert.match(
        failed.stderr,
        /^pi: Failed to refresh OAuth token for openai-codex: refresh_token_reused.*; run pi login openai-codex --account work$/m,
      );
      assertNoSecrets(failed.stderr, ["rt-bravo-spent-elsewhere"]);
      assert.deepEqual(await Deno.readFile(path), before, "auth.json byte for byte");
      assert.equal(fake.requests.length, 0);

      const status = await runPi(["auth", "status"], e, { cwd: dir });
      assert.equal(status.code, 0, status.stderr);
      assert.match(
        status.stdout,
        /^ {6}work {5}bravo@example\.com, plan pro, account acct-bravo; login no longer valid: the issuer refused its refresh \(refresh_token_reused, .*\); run pi login openai-codex --account work$/m,
      );
      assert.match(status.stdout, /^ {4}\* default .*access token renews automatically/m);
      const json = JSON.parse((await runPi(["auth", "status", "--json"], e, { cwd: dir })).stdout);
      const work = json.providers[0].accounts.find((a: { name: string }) => a.name === "work");
      assert.equal(work.invalid.reason, "refresh_token_reused");
      assert.equal(json.providers[0].accounts[0].invalid, undefined);
      assertNoSecrets(JSON.stringify(json) + status.stdout, ["rt-bravo-spent-elsewhere"]);
      assert.deepEqual(await Deno.readFile(path), before);

      // A new login of that account makes the record void (another tool's, here).
      const data = JSON.parse(new TextDecoder().decode(before));
      data["openai-codex:work"] = accountEntry(B, { expired: false, refresh: "rt-new-login" });
      await writeAuth(`${dir}/agent`, data);
      const after = await runPi(["auth", "status"], e, { cwd: dir });
      assert.doesNotMatch(after.stdout, /no longer valid/);
    } finally {
      await fake.close();
      await issuer.close();
    }
  });
});

Deno.test("a login imported from Codex CLI, refused: when Codex's auth.json holds a newer token of that account, the hint offers pi login --from-codex", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/agent/auth.json`;
    const codexPath = `${dir}/codex/auth.json`;
    const issuer = startAccountsIssuer([A]);
    try {
      await writeAuth(`${dir}/agent`, {
        "openai-codex": accountEntry(A, {
          refresh: "rt-alpha-imported-then-spent",
          extra: { source: "codex-cli" },
        }),
      });
      await Deno.mkdir(`${dir}/codex`);
      const codexFile = (refresh: string) =>
        JSON.stringify({
          tokens: {
            access_token: accessToken(A, Math.floor(Date.now() / 1000) + 3600),
            refresh_token: refresh,
            account_id: A.accountId,
          },
        });
      await Deno.writeTextFile(codexPath, codexFile("rt-alpha-codex-refreshed-it"));
      const before = await Deno.readFile(path);
      const codexBefore = await Deno.readFile(codexPath);
      const e = env(dir, {
        PI_OPENAI_CODEX_ISSUER: issuer.url,
        PI_OPENAI_CODEX_BASE_URL: "http://127.0.0.1:9",
        CODEX_HOME: `${dir}/codex`,
      });
      const failed = await runPi(["-p", "--no-session", "hi"], e, { cwd: dir });
      assertOneLineError(failed, 1);
      assert.match(
        failed.stderr,
        /^pi: Failed to refresh OAuth token for openai-codex: refresh_token_reused.*; Codex CLI has a newer login of this account in .*codex\/auth\.json: run pi login --from-codex to use it, or run \/login \(or pi login openai-codex\)$/m,
      );
      assertNoSecrets(failed.stderr, ["rt-alpha-codex-refreshed-it", "rt-alpha-imported"]);
      assert.deepEqual(await Deno.readFile(path), before);
      assert.deepEqual(
        await Deno.readFile(codexPath),
        codexBefore,
        "Codex's file is never written",
      );

      // The same refresh token in Codex's file (or another account's) offers nothing.
      await Deno.writeTextFile(codexPath, codexFile("rt-alpha-imported-then-spent"));
      const same = await runPi(["-p", "--no-session", "hi"], e, { cwd: dir });
      assertOneLineError(same, 1);
      assert.doesNotMatch(same.stderr, /from-codex/);
      assert.match(same.stderr, /run \/login \(or pi login openai-codex\)$/m);
    } finally {
      await issuer.close();
    }
  });
});
