/**
 * `pi --continue` in a terminal (tmux) shows where the conversation was: the last messages
 * (tool calls one line each), the session's model and thinking level, and its token counters
 * (ctx % from the last answer), and goes on under the session's id.
 */

import assert from "node:assert/strict";
import { contextWindow, inputShape, pi, withFakePanes } from "./session_env.ts";
import { HAS_TMUX } from "./tmux.ts";

Deno.test({
  name:
    "interactive --continue: the last messages, the session's model and thinking, ctx % from the session, the same session id",
  ignore: !HAS_TMUX,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withFakePanes([
      { calls: [{ name: "bash", arguments: { command: "echo tool-ran-here" } }] },
      { text: "The first answer." },
      { text: "The second answer." },
      { text: "The third answer." },
    ], async (env, start) => {
      const fake = env.fake;
      // A small window, so that the 110 tokens of an answer show as a ctx percentage.
      await contextWindow(env.agentDir, 1000, "gpt-5.2");
      const first = await pi(env, [
        "-p",
        "--model",
        "openai-codex/gpt-5.2",
        "--thinking",
        "high",
        "first question",
      ]);
      assert.equal(first.code, 0, first.stderr);
      const second = await pi(env, ["-p", "-c", "second question"]);
      assert.equal(second.code, 0, second.stderr);

      const pane = await start(["--continue"], { width: 100, height: 30 });
      const screen = await pane.waitFor((s) => /^›( |$)/m.test(s) && s.includes("ctx "));
      assert.match(screen, /Continuing\s+[\s\S]+?\.jsonl\s+\(6 messages\)/);
      assert.match(screen, /› first question/);
      assert.match(screen, /✓ bash echo tool-ran-here.*tool-ran-here/);
      assert.match(screen, /The first answer\./);
      assert.match(screen, /› second question/);
      assert.match(screen, /The second answer\./);
      assert.match(screen, /Model: openai-codex\/gpt-5\.2 · thinking high/);
      const status = screen.trimEnd().split("\n").at(-1)!;
      assert.match(status, /openai-codex\/gpt-5\.2 · thinking high/);
      // The three answers' tokens (100 in, 10 out each), and the last one's context: 110 of 1000.
      assert.match(status, /↑300 ↓30/);
      assert.match(status, /ctx 11%/);

      await pane.type("third question");
      await pane.keys("Enter");
      await pane.waitFor("The third answer.");
      const [r0, , , r3] = fake.requests;
      assert.equal(r3.headers["session_id"], r0.headers["session_id"]);
      assert.equal(r3.body.prompt_cache_key, r0.headers["session_id"]);
      assert.equal(r3.body.model, "gpt-5.2");
      assert.deepEqual(r3.body.reasoning, { effort: "high", summary: "auto" });
      assert.deepEqual(inputShape(r3), [
        "user:first question",
        "call:bash",
        "output:tool-ran-here",
        "assistant:The first answer.",
        "user:second question",
        "assistant:The second answer.",
        "user:third question",
      ]);
      await pane.keys("C-d");
      assert.equal(await pane.exitCode(), 0);
      assert.deepEqual(fake.problems, []);
    }),
});
