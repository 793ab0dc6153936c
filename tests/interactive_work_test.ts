/**
 * Work outside a turn on the screen (a compaction, a login, a logout): when it ends, the
 * spinner line goes at once, in-process with keystrokes against the fake Codex backend.
 */

import assert from "node:assert/strict";
import { withFakeCodexApp } from "./fixtures/interactive_app.ts";

Deno.test({
  name: "/compact: once the conversation is compacted, the spinner line is gone from the screen",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withFakeCodexApp([{ text: "First answer." }, { text: "The summary." }], {}, async (h) => {
      h.type("hi\r");
      await h.idle();
      assert.ok(h.transcript().includes("First answer."), h.transcript().join("\n"));
      h.type("/compact\r");
      await h.idle();
      assert.match(h.transcript().at(-1)!, /^Compacted: /);
      const last = h.written.at(-1)!;
      assert.doesNotMatch(last, /Compacting the conversation/, "the last frame drawn");
      assert.match(last, /› /, "the prompt is back");
    }),
});
