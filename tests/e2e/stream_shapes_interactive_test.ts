/**
 * The interactive screen (tmux, 80x24) when the answer and the tool call arrive only as
 * finished items (`response.output_item.done`, no deltas): both are shown and the call
 * runs, as with a streamed answer.
 */

import assert from "node:assert/strict";
import { functionOutputs, startFakeCodex, writeFakeAuth } from "../fixtures/fake_codex_backend.ts";
import { HAS_TMUX, HOST_ENV, TmuxPane } from "./tmux.ts";

Deno.test({
  name: "interactive: an answer and a tool call sent only as finished items are shown and run",
  ignore: !HAS_TMUX,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "pi-shapes-tui-" }));
    await writeFakeAuth(`${dir}/agent`);
    const fake = startFakeCodex([
      { calls: [{ name: "bash", arguments: { command: "echo whole-$((6*7))" } }], shape: "whole" },
      { text: "The answer is **42**, from a whole item.", shape: "whole" },
    ]);
    let pane: TmuxPane | undefined;
    try {
      pane = await TmuxPane.start(
        dir,
        {
          ...HOST_ENV,
          PI_CODING_AGENT_DIR: `${dir}/agent`,
          PI_OPENAI_CODEX_BASE_URL: fake.url,
        },
        [],
        { width: 80, height: 24 },
      );
      await pane.waitFor((s) => /^›( |$)/m.test(s) && s.includes("openai-codex/"));
      await pane.type("what is 6*7?");
      await pane.keys("Enter");
      const screen = await pane.waitFor("from a whole item.");
      assert.match(screen, /^✓ bash echo whole-\$\(\(6\*7\)\) → whole-42$/m);
      assert.match(screen, /^The answer is 42, from a whole item\.$/m);
      assert.equal(fake.requests.length, 2);
      assert.equal(String(functionOutputs(fake.requests[1])[0].output).trim(), "whole-42");
      assert.deepEqual(fake.problems, []);
    } finally {
      await pane?.kill();
      await fake.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
