/**
 * The interactive screen (tmux) takes `--session <id|prefix>` and `--fork <id>` as print mode
 * does: the chosen session's messages are shown and the next prompt goes on from them (under
 * its id, or under a new id for a fork whose header names the source).
 */

import assert from "node:assert/strict";
import { inputShape, lines, pi, sessionFiles, withFakePanes } from "./session_env.ts";
import { HAS_TMUX, TmuxPane } from "./tmux.ts";

Deno.test({
  name:
    "interactive --session <prefix> continues that (older) session; --fork <id> continues a copy",
  ignore: !HAS_TMUX,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withFakePanes((_, i) => ({ text: `Answer number ${i}.` }), async (env, startPane) => {
      const { agentDir, fake } = env;
      let pane: TmuxPane | undefined;
      const start = async (args: string[]) => {
        pane = await startPane(args, { width: 100, height: 30 });
        return await pane.waitFor((s) => /^›( |$)/m.test(s) && s.includes("Continuing"));
      };
      assert.equal((await pi(env, ["-p", "alpha question"])).code, 0);
      assert.equal((await pi(env, ["-p", "beta question"])).code, 0);
      const alphaFile = (await sessionFiles(agentDir))[0];
      const alphaId = String((await lines(alphaFile))[0].id);
      const alphaBytes = await Deno.readFile(alphaFile);

      const screen = await start(["--session", alphaId.slice(0, 8)]);
      assert.match(screen, /Continuing\s+[\s\S]+?\.jsonl\s+\(2 messages\)/);
      assert.match(screen, /› alpha question/);
      assert.match(screen, /Answer number 0\./);
      assert.doesNotMatch(screen, /beta question/);
      await pane!.type("more alpha");
      await pane!.keys("Enter");
      await pane!.waitFor("Answer number 2.");
      assert.equal(fake.requests[2].headers["session_id"], alphaId);
      assert.deepEqual(inputShape(fake.requests[2]), [
        "user:alpha question",
        "assistant:Answer number 0.",
        "user:more alpha",
      ]);
      await pane!.keys("C-d");
      assert.equal(await pane!.exitCode(), 0);
      await pane!.kill();

      const forkSource = await Deno.readFile(alphaFile);
      assert.notDeepEqual(forkSource, alphaBytes, "--session appended to alpha");
      const forkScreen = await start(["--fork", alphaId]);
      assert.match(forkScreen, /› more alpha/);
      await pane!.type("in the fork");
      await pane!.keys("Enter");
      await pane!.waitFor("Answer number 3.");
      const request = fake.requests[3];
      assert.notEqual(request.headers["session_id"], alphaId);
      assert.deepEqual(inputShape(request).slice(-2), [
        "assistant:Answer number 2.",
        "user:in the fork",
      ]);
      await pane!.keys("C-d");
      assert.equal(await pane!.exitCode(), 0);
      assert.deepEqual(await Deno.readFile(alphaFile), forkSource, "the fork left alpha as it was");
      const forked = (await sessionFiles(agentDir)).find((f) =>
        f.includes(String(request.headers["session_id"]))
      )!;
      assert.equal((await lines(forked))[0].parentSession, alphaId);
      assert.deepEqual(fake.problems, []);
    }),
});
