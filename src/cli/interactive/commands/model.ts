/**
 * `/model [id[:level]]`: picks the model from a menu (type to filter; those with a key,
 * else all), or directly by id (`:level` sets the session's thinking level too).
 * @module
 */

import type { SlashCommand } from "../commands.ts";
import { setModel } from "../models.ts";

/** The /model command (also /models). */
export const model: SlashCommand = {
  name: "model",
  aliases: ["models"],
  summary: "pick a model (type to filter); /model <id> picks it",
  async run(app, arg) {
    const registry = app.registry;
    if (arg !== "") {
      const { splitThinking } = await import("../../../models/glob.ts");
      const { base, thinking } = splitThinking(arg);
      const model = registry.resolve(base);
      // `/model id:level` sets the session's level too.
      if (thinking !== undefined) app.state.thinking = thinking;
      return setModel(app, model);
    }
    const available = registry.getAvailable();
    const list = available.length > 0 ? available : registry.getAll();
    const items = list.map((m) => ({
      label: `${m.provider}/${m.id}`,
      value: m,
      hint: m.name + (registry.hasKey(m.provider) ? "" : ", no key"),
    }));
    const now = app.state.model;
    const current = list.findIndex((m) => m.provider === now.provider && m.id === now.id);
    const title = available.length > 0 ? "Model" : "Model (no provider has a key yet: /login)";
    const picked = await app.menu(title, items, { initial: Math.max(0, current) });
    if (picked) setModel(app, picked);
  },
};
