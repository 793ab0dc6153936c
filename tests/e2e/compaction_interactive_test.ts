/**
 * Compaction in the interactive screen (tmux): the automatic one shows
 * `Compacted: N → M tokens`, and `/compact focus on the parser` sends those words in the
 * summary request and says what it did.
 */

import assert from "node:assert/strict";
import {
  type FakeTurn,
  isSummaryRequest,
  type RecordedRequest,
} from "../fixtures/fake_codex_backend.ts";
import { contextWindow, inputShape, withFakePanes } from "./session_env.ts";
import { HAS_TMUX } from "./tmux.ts";

const SUMMARY = "## Goal\nSUMMARY-MARKER";

function summaryRequestText(request: RecordedRequest): string {
  return JSON.stringify(request.body.input);
}

/** Answers of about 600 tokens, and the summary for a summary request. */
function script(request: RecordedRequest): FakeTurn {
  const tokens = Math.ceil(JSON.stringify(request.body.input).length / 4) + 500;
  if (isSummaryRequest(request)) return { text: SUMMARY, inputTokens: tokens };
  const last = inputShape(request).at(-1) ?? "";
  return { text: `Answer to ${last.slice(5, 11)}. ${"ok ".repeat(300)}`, inputTokens: tokens };
}

for (const [width, height] of [[80, 24], [100, 30]]) {
  Deno.test({
    name:
      `interactive ${width}×${height}: automatic compaction is shown, /compact <instructions> steers the summary`,
    ignore: !HAS_TMUX,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: () =>
      withFakePanes(script, async (env, start) => {
        const fake = env.fake;
        await contextWindow(env.agentDir, 4000);
        const pane = await start([], { width, height, history: 2000 });
        await pane.waitFor((s) => /^›/m.test(s));
        // Each exchange is about 600 tokens; the window is 4000: the 6th or 7th compacts.
        for (let i = 1; i <= 9; i++) {
          await pane.type(`step ${i} ${"go on with it ".repeat(30)}`);
          await pane.keys("Enter");
          await pane.waitFor(`Answer to step ${i}`);
        }
        const auto = await pane.waitFor(/Compacted: [\d.]+k? → [\d.]+k? tokens/);
        assert.match(auto, /Compacted: (\d[\d.]*k?) → (\d[\d.]*k?) tokens/);
        const autoSummaries = fake.requests.filter(isSummaryRequest).length;
        assert.ok(autoSummaries >= 1);

        await pane.type("/compact focus on the parser");
        await pane.keys("Enter");
        await pane.waitFor((s) => (s.match(/Compacted: /g) ?? []).length > autoSummaries);
        const summaries = fake.requests.filter(isSummaryRequest);
        assert.equal(summaries.length, autoSummaries + 1);
        assert.match(summaryRequestText(summaries.at(-1)!), /focus on the parser/);
        assert.doesNotMatch(summaryRequestText(summaries[0]), /focus on the parser/);

        // The conversation goes on from the summary.
        await pane.type("and now?");
        await pane.keys("Enter");
        await pane.waitFor("Answer to and no");
        const last = fake.requests.at(-1)!;
        assert.match(inputShape(last)[0], /SUMMARY-MARKER/);
        assert.equal(inputShape(last).at(-1), "user:and now?");
        assert.deepEqual(fake.problems, []);
      }),
  });
}
