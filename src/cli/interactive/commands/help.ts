/**
 * `/help`: the slash commands (from the one table the screen dispatches from) and the keys.
 * @module
 */

import { helpRows, type SlashCommand } from "../commands.ts";

/** The keys, for /help. */
export const KEY_HELP: readonly [string, string][] = [
  ["Enter", "send"],
  ["Shift+Enter, \\ + Enter", "new line"],
  ["↑ / ↓", "history"],
  ["Ctrl+C / Esc", "cancel the running turn; Ctrl+C twice on an empty prompt exits"],
  ["Ctrl+D", "exit (on an empty prompt)"],
  ["Ctrl+P / Shift+Ctrl+P", "next / previous model (the --models scope)"],
  ["Shift+Tab", "next thinking level"],
  ["Ctrl+T", "show / hide thinking"],
  ["Tab", "complete a slash command or its argument"],
  ["Ctrl+L", "redraw the screen"],
];

/** Two columns, the first padded to its widest entry. */
function pad(rows: readonly (readonly [string, string])[]): string[] {
  const w = Math.max(...rows.map(([a]) => a.length));
  return rows.map(([a, b]) => `  ${a.padEnd(w)}  ${b}`);
}

/** The /help command. */
export const help: SlashCommand = {
  name: "help",
  summary: "this help",
  run(app) {
    app.print(
      app.style.bold("Commands"),
      ...pad(helpRows(app.commands)),
      app.style.bold("Keys"),
      ...pad(KEY_HELP),
    );
  },
};
