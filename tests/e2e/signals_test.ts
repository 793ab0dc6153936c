/**
 * SIGTERM and SIGHUP end pi the way Ctrl+C does (issue 15): a refresh request already sent
 * is finished and saved under the lock, a `bash` tool's process group is killed with its
 * children, and the exit code says which signal it was (143, 129). Real `pi -p` processes,
 * the fake issuer and the fake Codex backend on 127.0.0.1.
 */

import assert from "node:assert/strict";
import { FAKE_ACCOUNT_ID, startFakeCodex, writeFakeAuth } from "../fixtures/fake_codex_backend.ts";
import { startFakeIssuer } from "../fixtures/auth_fake_issuer.ts";
import { spawnPi } from "./run_pi.ts";
import { HAS_TMUX, TmuxPane } from "./tmux.ts";
import { staleEntry, withDir, writeAuth } from "../fixtures/auth_process.ts";
import { killProcesses, processIds, until } from "../fixtures/processes.ts";

for (const [signal, code] of [["SIGTERM", 143], ["SIGHUP", 129]] as const) {
  Deno.test(`${signal} while a refresh is in flight: the rotated token is saved, exit ${code}`, async () => {
    await withDir(async (dir) => {
      const path = `${dir}/agent/auth.json`;
      const issuer = startFakeIssuer({
        delayMs: 1500,
        accountId: FAKE_ACCOUNT_ID,
        initialRefresh: `rt-signal-${signal}-0001`,
      });
      const fake = startFakeCodex([{ text: "too late" }]);
      try {
        await writeAuth(`${dir}/agent`, {
          "openai-codex": staleEntry(`rt-signal-${signal}-0001`, FAKE_ACCOUNT_ID),
          "x-custom": { foo: 1 },
        });
        const pi = spawnPi(["-p", "--no-session", "hi"], {
          HOME: dir,
          PI_CODING_AGENT_DIR: `${dir}/agent`,
          PI_OPENAI_CODEX_ISSUER: issuer.url,
          PI_OPENAI_CODEX_BASE_URL: fake.url,
        });
        try {
          // The request has reached the issuer (which spent the old token on arrival).
          await until(() => issuer.refreshRequests === 1, "the refresh request");
          pi.child.kill(signal);
        } catch (err) {
          pi.child.kill("SIGKILL");
          throw err;
        }
        const result = await pi.done;
        const status = await pi.child.status;
        assert.equal(status.signal, null, "pi ended itself, it was not killed by the signal");
        assert.equal(result.code, code, result.stderr);
        assert.match(result.stderr, signal === "SIGTERM" ? /Terminated/ : /Hangup/);
        const saved = JSON.parse(await Deno.readTextFile(path));
        assert.equal(saved["openai-codex"].refresh, issuer.currentRefresh, "rotated token saved");
        assert.equal(saved["openai-codex"].access, issuer.currentAccess);
        assert.deepEqual(saved["x-custom"], { foo: 1 });
        assert.equal(fake.requests.length, 0, "no request to the model after the signal");
      } finally {
        await fake.close();
        await issuer.close();
      }
    });
  });

  Deno.test(`${signal} during a bash tool call kills its process group, children included: exit ${code}`, async () => {
    await withDir(async (dir) => {
      const marker = signal === "SIGTERM" ? "1000.1437" : "1000.1297";
      const token = await writeFakeAuth(`${dir}/agent`);
      const command = `sleep ${marker} & sleep ${marker}`;
      const fake = startFakeCodex([
        { calls: [{ name: "bash", arguments: { command } }] },
        { text: "should not be asked" },
      ], { token });
      const pi = spawnPi(["-p", "hi"], {
        HOME: dir,
        PI_CODING_AGENT_DIR: `${dir}/agent`,
        PI_OPENAI_CODEX_BASE_URL: fake.url,
      }, { cwd: dir });
      try {
        const sleeps = () =>
          processIds(`sleep ${marker}`).filter((pid) =>
            Deno.readTextFileSync(`/proc/${pid}/cmdline`).startsWith("sleep\0")
          );
        await until(() => sleeps().length === 2, "both sleeps to start");
        pi.child.kill(signal);
        const result = await pi.done;
        assert.equal((await pi.child.status).signal, null, "pi ended itself");
        assert.equal(result.code, code, result.stderr);
        await until(() => processIds(`sleep ${marker}`).length === 0, "the group to be gone", 5000)
          .catch(() => {});
        assert.deepEqual(processIds(`sleep ${marker}`), [], "no process of the group is left");
        assert.equal(fake.requests.length, 1, "no new turn after the signal");
        // The session file is whole: every line is JSON.
        for (const sub of Deno.readDirSync(`${dir}/agent/sessions`)) {
          for (const file of Deno.readDirSync(`${dir}/agent/sessions/${sub.name}`)) {
            const text = Deno.readTextFileSync(`${dir}/agent/sessions/${sub.name}/${file.name}`);
            for (const line of text.trimEnd().split("\n")) JSON.parse(line);
          }
        }
      } finally {
        try {
          pi.child.kill("SIGKILL");
        } catch {
          // ended
        }
        await pi.done.catch(() => {});
        killProcesses(`sleep ${marker}`);
        await fake.close();
      }
    });
  });
}

/** The pid of the pi process whose environment holds `PI_CODING_AGENT_DIR=<agentDir>`. */
function piPid(agentDir: string): number | undefined {
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const cmdline = Deno.readTextFileSync(`/proc/${entry.name}/cmdline`);
      if (!cmdline.includes("main.ts")) continue;
      const environ = Deno.readTextFileSync(`/proc/${entry.name}/environ`).split("\0");
      if (environ.includes(`PI_CODING_AGENT_DIR=${agentDir}`)) return Number(entry.name);
    } catch {
      // gone, or not ours to read
    }
  }
  return undefined;
}

Deno.test({
  name:
    "interactive: SIGHUP during a bash tool call kills its group, restores the terminal, exit 129",
  ignore: !HAS_TMUX || Deno.build.os !== "linux",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    await withDir(async (dir) => {
      const agent = `${dir}/agent`;
      const marker = "1000.1293";
      await writeFakeAuth(agent);
      const fake = startFakeCodex([
        { calls: [{ name: "bash", arguments: { command: `sleep ${marker} & sleep ${marker}` } }] },
        { text: "should not be asked" },
      ]);
      const sleeps = () =>
        processIds(`sleep ${marker}`).filter((pid) =>
          Deno.readTextFileSync(`/proc/${pid}/cmdline`).startsWith("sleep\0")
        );
      let pane: TmuxPane | undefined;
      try {
        pane = await TmuxPane.start(
          dir,
          {
            HOME: dir,
            PI_CODING_AGENT_DIR: agent,
            PI_OPENAI_CODEX_BASE_URL: fake.url,
          },
          [],
          { width: 80, height: 24 },
        );
        await pane.waitFor((s) => /^›( |$)/m.test(s) && s.includes("openai-codex/"));
        await pane.type("sleep twice");
        await pane.keys("Enter");
        await until(() => sleeps().length === 2, "both sleeps to start");
        const pid = piPid(agent);
        assert.ok(pid !== undefined, "found the pi process");
        Deno.kill(pid, "SIGHUP");
        assert.equal(await pane.exitCode(), 129);
        assert.ok(await pane.sttyUnchanged(), "the terminal settings are restored");
        await until(() => sleeps().length === 0, "the group to be gone", 5000).catch(() => {});
        assert.deepEqual(sleeps(), [], "no process of the group is left");
        assert.equal(fake.requests.length, 1, "no new turn after the signal");
      } finally {
        await pane?.kill();
        killProcesses(`sleep ${marker}`);
        await fake.close();
      }
    });
  },
});
