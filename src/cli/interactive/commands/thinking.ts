/**
 * `/thinking [level]`: picks the session's thinking level from the model's levels, or sets
 * it directly. A level the model does not support is used as the nearest one it does, and
 * said (the same line as print mode's).
 * @module
 */

import { THINKING_ORDER, thinkingLevels, thinkingNotice } from "../../../models/thinking.ts";
import type { ReasoningLevel } from "../../../models/types.ts";
import { oneLine } from "../../../one_line.ts";
import { pickChoice, type SlashCommand } from "../commands.ts";
import { noticeThinking, setThinking } from "../models.ts";

/** The /thinking command. */
export const thinking: SlashCommand = {
  name: "thinking",
  summary: "pick the thinking level; /thinking high sets it",
  async run(app, arg) {
    const model = app.state.model;
    const levels = thinkingLevels(model);
    const level = await pickChoice<ReasoningLevel>(app, arg, {
      what: "thinking level",
      known: THINKING_ORDER,
      knownNote: `; ${oneLine(model.id)} supports ${levels.join(", ")}`,
      title: `Thinking level for ${model.id}`,
      choices: levels,
      current: app.level(),
    });
    if (level === undefined) return;
    setThinking(app, level);
    if (thinkingNotice(app.state.model, level) !== undefined) noticeThinking(app);
    else app.print(app.style.dim(`Thinking: ${level}`));
  },
};
