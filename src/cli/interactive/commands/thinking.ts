/**
 * `/thinking [level]`: picks the session's thinking level from the model's levels, or sets
 * it directly. A level the model does not support is used as the nearest one it does, and
 * said (the same line as print mode's).
 * @module
 */

import { THINKING_ORDER, thinkingLevels, thinkingNotice } from "../../../models/thinking.ts";
import type { ReasoningLevel } from "../../../models/types.ts";
import { oneLine } from "../../../one_line.ts";
import type { SlashCommand } from "../commands.ts";
import { noticeThinking, setThinking } from "../models.ts";

/** The /thinking command. */
export const thinking: SlashCommand = {
  name: "thinking",
  summary: "pick the thinking level; /thinking high sets it",
  async run(app, arg) {
    const model = app.state.model;
    const levels = thinkingLevels(model);
    let level: ReasoningLevel | undefined;
    if (arg !== "") {
      const asked = arg.toLowerCase();
      if (!(THINKING_ORDER as readonly string[]).includes(asked)) {
        return app.error(
          `Unknown thinking level: ${arg} (known: ${THINKING_ORDER.join(", ")}; ${
            oneLine(model.id)
          } supports ${levels.join(", ")})`,
        );
      }
      level = asked as ReasoningLevel;
    } else {
      const current = app.level();
      level = await app.menu(
        `Thinking level for ${model.id}`,
        levels.map((l) => ({ label: l, value: l, hint: l === current ? "current" : undefined })),
        { initial: levels.indexOf(current) },
      );
      if (level === undefined) return app.render();
    }
    setThinking(app, level);
    if (thinkingNotice(app.state.model, level) !== undefined) noticeThinking(app);
    else app.print(app.style.dim(`Thinking: ${level}`));
  },
};
