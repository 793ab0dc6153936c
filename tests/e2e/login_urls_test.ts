/**
 * `pi login` in an 80-column terminal prints the login URL, the device page and file paths
 * unbroken: pi writes each on a line of its own with no line break inside (the terminal
 * wraps it, so it stays one clickable URL). Checked on the raw bytes the terminal received
 * (tmux `pipe-pane`, recorded from pi's first byte) and on the screen with wrapped rows
 * joined (`capture-pane -J`, which joins only rows the terminal itself wrapped). Every
 * login pins its callback port: the "Port 1455 already in use" fallback on the real
 * ports is in tests/e2e/login_test.ts, the only file that binds 1455 and 1457.
 */
import assert from "node:assert/strict";
import { HAS_TMUX } from "./tmux.ts";
import { assertWhole, authorizeUrl, recordedPane } from "./raw_output.ts";
import { follow } from "../fixtures/browser_follow.ts";
import { freePort, startFakeIssuer } from "../fixtures/fake_oauth_issuer.ts";

async function withSetup(
  fn: (s: { dir: string; agentDir: string; env: Record<string, string> }) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "pi_login_urls_" });
  const issuer = startFakeIssuer();
  // A path longer than the terminal is wide.
  const agentDir = `${dir}/a-directory-with-a-rather-long-name/and-another-one-below-it/agent`;
  try {
    await fn({
      dir,
      agentDir,
      env: {
        HOME: dir,
        PI_CODING_AGENT_DIR: agentDir,
        PI_OPENAI_CODEX_ISSUER: issuer.url,
        BROWSER: "true",
      },
    });
  } finally {
    await issuer.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name: "pi login --no-browser at 80 columns: the URL and the saved path are printed unbroken",
  ignore: !HAS_TMUX,
  fn: () =>
    withSetup(async ({ dir, agentDir, env }) => {
      const port = freePort();
      const { pane, raw } = await recordedPane(
        dir,
        { ...env, PI_OAUTH_CALLBACK_PORT: String(port) },
        ["login", "openai-codex", "--no-browser"],
      );
      try {
        await pane.waitFor(/^> $/m);
        const url = authorizeUrl(await raw());
        assertWhole(await raw(), `  ${url}`, "the URL");
        // On the screen, the terminal's own wrap: the rows join into the one line.
        assert.match(await pane.screen(), new RegExp(`^  ${RegExp.escape(url)}$`, "m"));
        await follow(url);
        assert.equal(await pane.exitCode(), 0, await pane.screen());
        assertWhole(await raw(), `Saved to ${agentDir}/auth.json`, "the saved path");
      } finally {
        await pane.kill();
      }
    }),
});

Deno.test({
  name:
    "pi login with its pinned port busy at 80 columns: 'Port N already in use' and the URL unbroken",
  ignore: !HAS_TMUX,
  fn: () =>
    withSetup(async ({ dir, env }) => {
      const held = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const port = (held.addr as Deno.NetAddr).port;
      const { pane, raw } = await recordedPane(
        dir,
        { ...env, PI_OAUTH_CALLBACK_PORT: String(port) },
        ["login", "openai-codex"],
      );
      try {
        await pane.waitFor(/^> $/m);
        assertWhole(
          await raw(),
          `Port ${port} already in use (PI_OAUTH_CALLBACK_PORT): finish the login by pasting the URL the browser ends on`,
          "the busy-port line",
        );
        const url = authorizeUrl(await raw());
        assertWhole(await raw(), `  ${url}`, "the URL");
        assert.match(await pane.screen(), new RegExp(`^  ${RegExp.escape(url)}$`, "m"));
        await pane.keys("C-c");
        assert.equal(await pane.exitCode(), 130);
      } finally {
        held.close();
        await pane.kill();
      }
    }),
});

Deno.test({
  name: "pi login --device at 80 columns: the device page, the code and the saved path unbroken",
  ignore: !HAS_TMUX,
  fn: () =>
    withSetup(async ({ dir, agentDir, env }) => {
      const { pane, raw } = await recordedPane(dir, env, ["login", "openai-codex", "--device"]);
      try {
        assert.equal(await pane.exitCode(), 0, await pane.screen());
        const out = await raw();
        assert.match(out, /\r\n {2}http:\/\/127\.0\.0\.1:\d+\/codex\/device\r\n/);
        assert.match(out, /\r\n {4}ABCD-EFGH\r\n/);
        assertWhole(out, `Saved to ${agentDir}/auth.json`, "the saved path");
      } finally {
        await pane.kill();
      }
    }),
});
