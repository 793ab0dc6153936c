/**
 * `/session`: this session's name (when it has one), id, file (whole on its line, to copy), messages, model and
 * thinking level, tokens and cost.
 * @module
 */

import { oneLine } from "../../../one_line.ts";
import { formatCost, formatTokens } from "../../render.ts";
import type { SlashCommand } from "../commands.ts";

/** The /session command. */
export const session: SlashCommand = {
  name: "session",
  summary: "this session: file, id, messages, tokens",
  run(app) {
    const { model, runner, sessionId, totals: t } = app.state;
    const name = runner?.name;
    app.print(
      app.style.bold("Session"),
      ...(name !== undefined ? [`  name: ${oneLine(name)}`] : []),
      `  id: ${sessionId}`,
      // The path whole on its line (the terminal wraps it): it can be copied as one.
      `  file: ${
        app.noSession
          ? "(not saved: --no-session)"
          : oneLine(runner?.path ?? "(created on the first prompt)")
      }`,
      `  messages: ${runner?.messages.length ?? 0}`,
      `  model: ${oneLine(model.provider)}/${oneLine(model.id)} · thinking ${app.level()}`,
      `  tokens: ↑${formatTokens(t.input)} ↓${formatTokens(t.output)} · ${
        model.billed ? formatCost(t.cost) : `would cost ${formatCost(t.listCost)}`
      }`,
    );
  },
};
