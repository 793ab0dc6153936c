/**
 * Refresh and logout when the world moves under pi (issue 15): a token rotated by another
 * tool outside pi's lock (`invalid_grant` → re-read), an agent dir that cannot be written
 * (checked before the refresh token is spent; a later failure says the login is lost), and
 * a logout that writes before it revokes. `pi` runs as a process against the fake issuer.
 */

import assert from "node:assert/strict";
import { FAKE_ACCOUNT_ID, startFakeCodex } from "../fixtures/fake_codex_backend.ts";
import { makeAccessToken, startFakeIssuer } from "../fixtures/auth_fake_issuer.ts";
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
  writeFromAnotherProcess,
} from "../fixtures/auth_process.ts";

Deno.test("invalid_grant after another tool rotated the token outside pi's lock: pi re-reads and goes on", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/agent/auth.json`;
    const issuer = startFakeIssuer({
      delayMs: 0,
      accountId: FAKE_ACCOUNT_ID,
      initialRefresh: "rt-before-rotation-0001",
    });
    // What the other tool got for the same refresh token, just before pi's request arrived.
    const rotated = {
      ...freshEntry("rt-rotated-by-other-tool-0002", FAKE_ACCOUNT_ID),
      access: makeAccessToken(FAKE_ACCOUNT_ID, Math.floor(Date.now() / 1000) + 3600, "other"),
      otherToolField: "kept",
    };
    const fake = startFakeCodex([{ text: "answered with the rotated token" }], {
      token: rotated.access as string,
    });
    try {
      await writeAuth(`${dir}/agent`, {
        "openai-codex": staleEntry("rt-before-rotation-0001", FAKE_ACCOUNT_ID),
      });
      issuer.onRefresh = (presented) => {
        if (presented !== "rt-before-rotation-0001") return;
        // The other tool spends the token and saves its result, without pi's lock.
        issuer.currentRefresh = "rt-rotated-by-other-tool-0002";
        writeFromAnotherProcess(path, JSON.stringify({ "openai-codex": rotated }, null, 2));
      };
      const written = () => Deno.readFileSync(path);
      const result = await runPi(
        ["-p", "--no-session", "hi"],
        env(dir, { PI_OPENAI_CODEX_ISSUER: issuer.url, PI_OPENAI_CODEX_BASE_URL: fake.url }),
        { cwd: dir },
      );
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, "answered with the rotated token\n");
      assert.equal(issuer.refreshRequests, 1, "pi's refresh was refused once, not retried");
      assert.equal(fake.requests.length, 1);
      assert.deepEqual(
        JSON.parse(new TextDecoder().decode(written())),
        { "openai-codex": rotated },
        "pi used the other tool's login and left it as it was",
      );
      assert.deepEqual(fake.problems, []);

      // An entry that did not change fails as before, and the file stays byte for byte.
      issuer.onRefresh = undefined;
      await writeAuth(`${dir}/agent`, {
        "openai-codex": staleEntry("rt-spent-elsewhere-0003", FAKE_ACCOUNT_ID),
      });
      const before = written();
      const failed = await runPi(
        ["-p", "--no-session", "hi"],
        env(dir, { PI_OPENAI_CODEX_ISSUER: issuer.url, PI_OPENAI_CODEX_BASE_URL: fake.url }),
        { cwd: dir },
      );
      assertOneLineError(failed, 1);
      assert.match(
        failed.stderr,
        /Failed to refresh OAuth token.*refresh_token_reused.*run \/login \(or pi login openai-codex\)/,
      );
      assert.deepEqual(written(), before);
      assertNoSecrets(failed.stderr, ["rt-spent-elsewhere-0003"]);
    } finally {
      await fake.close();
      await issuer.close();
    }
  });
});

Deno.test({
  name:
    "a read-only agent dir: the refresh is not sent (the login stays valid) and the error says why",
  ignore: UNPRIVILEGED !== false,
  fn: async () => {
    await withDir(async (dir) => {
      const agent = `${dir}/agent`;
      const issuer = startFakeIssuer({ delayMs: 0, initialRefresh: "rt-read-only-dir-0001" });
      try {
        await writeAuth(agent, { "openai-codex": staleEntry("rt-read-only-dir-0001") });
        await Deno.writeTextFile(`${agent}/auth.json.lck`, "", { mode: 0o600 });
        const before = await Deno.readFile(`${agent}/auth.json`);
        await Deno.chmod(agent, 0o500);
        const result = await runPiUnprivileged(
          ["-p", "--no-session", "hi"],
          env(dir, { PI_OPENAI_CODEX_ISSUER: issuer.url }),
          { cwd: dir },
        );
        await Deno.chmod(agent, 0o700);
        assertOneLineError(result, 1);
        assert.ok(
          result.stderr.includes(
            `Cannot refresh the openai-codex login: cannot write ${agent}/auth.json (permission denied)`,
          ),
          result.stderr,
        );
        assert.match(result.stderr, /the login is still valid/);
        assert.equal(issuer.refreshRequests, 0, "the refresh token was not spent");
        assert.deepEqual(await Deno.readFile(`${agent}/auth.json`), before);
        assert.deepEqual([...Deno.readDirSync(agent)].map((e) => e.name).sort(), [
          "auth.json",
          "auth.json.lck",
        ]);

        // Without the lock file (never written here before), taking the lock says why.
        await Deno.remove(`${agent}/auth.json.lck`);
        await Deno.chmod(agent, 0o500);
        const noLock = await runPiUnprivileged(
          ["-p", "--no-session", "hi"],
          env(dir, { PI_OPENAI_CODEX_ISSUER: issuer.url }),
          { cwd: dir },
        );
        await Deno.chmod(agent, 0o700);
        assertOneLineError(noLock, 1);
        assert.ok(
          noLock.stderr.includes(
            `Cannot open the lock file ${agent}/auth.json.lck: permission denied`,
          ),
          noLock.stderr,
        );
        assert.equal(issuer.refreshRequests, 0);
      } finally {
        await issuer.close();
      }
    });
  },
});

Deno.test("a refresh whose result cannot be saved says plainly that the login is lost, and why", async () => {
  await withDir(async (dir) => {
    const agent = `${dir}/agent`;
    const issuer = startFakeIssuer({ delayMs: 0, initialRefresh: "rt-cannot-save-0001" });
    try {
      await writeAuth(agent, { "openai-codex": staleEntry("rt-cannot-save-0001") });
      // While the request is out, auth.json becomes a directory: the rename cannot replace it.
      issuer.onRefresh = () => {
        Deno.removeSync(`${agent}/auth.json`);
        Deno.mkdirSync(`${agent}/auth.json`);
        Deno.writeTextFileSync(`${agent}/auth.json/keep`, "");
      };
      const result = await runPi(
        ["-p", "--no-session", "hi"],
        env(dir, { PI_OPENAI_CODEX_ISSUER: issuer.url }),
        { cwd: dir },
      );
      assertOneLineError(result, 1);
      assert.ok(
        result.stderr.includes(
          `Refreshed the openai-codex login but could not save it to ${agent}/auth.json (it is a directory); the old login is no longer valid: run pi login openai-codex`,
        ),
        result.stderr,
      );
      assert.equal(issuer.refreshRequests, 1);
      assertNoSecrets(result.stderr, [issuer.currentRefresh, issuer.currentAccess]);
    } finally {
      await issuer.close();
    }
  });
});

Deno.test({
  name:
    "logout writes first, then revokes: a file that cannot be written keeps a token that still works",
  ignore: UNPRIVILEGED !== false,
  fn: async () => {
    await withDir(async (dir) => {
      const agent = `${dir}/agent`;
      const issuer = startFakeIssuer({ delayMs: 0 });
      try {
        const entry = freshEntry("rt-logout-order-0001");
        await writeAuth(agent, { "openai-codex": entry, "x-custom": { foo: 1 } });
        await Deno.writeTextFile(`${agent}/auth.json.lck`, "", { mode: 0o600 });
        const before = await Deno.readFile(`${agent}/auth.json`);
        await Deno.chmod(agent, 0o500);
        const failed = await runPiUnprivileged(
          ["logout", "openai-codex"],
          env(dir, { PI_OPENAI_CODEX_ISSUER: issuer.url }),
          { cwd: dir },
        );
        await Deno.chmod(agent, 0o700);
        assert.equal(failed.code, 1, failed.stderr);
        assert.match(failed.stderr, /^pi: Cannot write .*auth\.json: permission denied$/m);
        assert.equal(issuer.revokeCalls.length, 0, "nothing revoked");
        assert.deepEqual(await Deno.readFile(`${agent}/auth.json`), before);

        // Writable again: the entry goes, then the removed token is revoked.
        const done = await runPi(
          ["logout", "openai-codex"],
          env(dir, { PI_OPENAI_CODEX_ISSUER: issuer.url }),
          { cwd: dir },
        );
        assert.equal(done.code, 0, done.stderr);
        assert.match(done.stdout, /Logged out of .*\(token revoked\)/);
        assert.deepEqual(issuer.revokeCalls.map((c) => c.token), ["rt-logout-order-0001"]);
        assert.deepEqual(JSON.parse(await Deno.readTextFile(`${agent}/auth.json`)), {
          "x-custom": { foo: 1 },
        });
      } finally {
        await issuer.close();
      }
    });
  },
});
