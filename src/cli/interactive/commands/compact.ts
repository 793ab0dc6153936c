/**
 * `/compact [instructions]`: compacts the conversation now, steered by the instructions.
 * Ctrl+C or Escape cancels it.
 * @module
 */

import type { SlashCommand } from "../commands.ts";
import { compactedLine } from "../../render.ts";
import { errorLine } from "../lines.ts";

/** The /compact command. */
export const compact: SlashCommand = {
  name: "compact",
  summary: "summarise the conversation now; /compact <instructions> steers it",
  async run(app, instructions) {
    const runner = app.state.runner;
    if (!runner || runner.messages.length === 0) {
      return app.info("Nothing to compact yet: the conversation is empty");
    }
    const signal = app.beginWork("Compacting the conversation…");
    try {
      const done = await runner.compact({
        model: app.state.model,
        thinking: app.requestedThinking(),
        ...(instructions !== "" ? { instructions } : {}),
        signal,
      });
      app.state.totals.contextTokens = done.tokensAfter;
      app.print(app.style.dim(compactedLine(done.tokensBefore, done.tokensAfter)));
    } catch (err) {
      if (signal.aborted) app.info("Compaction cancelled");
      else app.error(errorLine(err));
    } finally {
      app.endWork();
    }
  },
};
