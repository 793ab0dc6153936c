/**
 * Switching the model and the thinking level on the screen: /model, /thinking, Ctrl+P /
 * Shift+Ctrl+P (the `--models` scope, else every model with a key) and Shift+Tab. Each
 * switch is recorded in the session and said in one line (with the notice when the model
 * lacks the level asked for, as print mode says it).
 * @module
 */

import type { ScopedModel } from "../../models/glob.ts";
import { thinkingLevels, thinkingNotice } from "../../models/thinking.ts";
import type { Model, ReasoningLevel } from "../../models/types.ts";
import { oneLine } from "../../one_line.ts";
import type { App } from "./app.ts";

/** Says when the level asked for is not one the model supports, as print mode does. */
export function noticeThinking(app: App): void {
  const notice = thinkingNotice(app.state.model, app.requestedThinking());
  if (notice !== undefined) app.print(app.style.yellow(notice));
}

/**
 * Switches to `model`. `entryThinking` is the `:level` of the `--models` entry it comes
 * from (for this model only: a model without one gets the session's level).
 */
export function setModel(app: App, model: Model, entryThinking?: ReasoningLevel): void {
  const state = app.state;
  state.model = model;
  state.modelThinking = app.suffixes ? entryThinking : undefined;
  state.runner?.recordSettings(model, app.level());
  const name = `${oneLine(model.provider)}/${oneLine(model.id)} (${oneLine(model.name)})`;
  app.print(app.style.dim(`Model: ${name} · thinking ${app.level()}`));
  noticeThinking(app);
  if (!app.registry.hasKey(model.provider)) {
    app.print(app.style.yellow(`No key for ${oneLine(model.provider)}: run /login`));
  }
}

/** Sets the session's thinking level (the model's `:level` no longer applies). */
export function setThinking(app: App, level: ReasoningLevel): void {
  app.state.thinking = level;
  app.state.modelThinking = undefined;
  app.state.runner?.recordSettings(app.state.model, app.level());
}

function cycleList(app: App): ScopedModel[] {
  if (app.scope.length > 0) return app.scope;
  const available = app.registry.getAvailable();
  return (available.length > 0 ? available : app.registry.getAll()).map((model) => ({ model }));
}

/**
 * Ctrl+P / Shift+Ctrl+P: the next / previous model of the `--models` scope (else of the
 * models with a key) that has a key; models without one are skipped.
 */
export function cycleModel(app: App, direction: 1 | -1): void {
  const list = cycleList(app);
  if (list.length === 0) return;
  const current = app.state.model;
  const n = list.length;
  const at = list.findIndex((s) =>
    s.model.provider === current.provider && s.model.id === current.id
  );
  const from = at !== -1 ? at : direction === 1 ? -1 : 0;
  for (let step = 1; step <= n; step++) {
    const i = (((from + direction * step) % n) + n) % n;
    if (i === at) break;
    if (app.registry.hasKey(list[i].model.provider)) {
      return setModel(app, list[i].model, list[i].thinking);
    }
  }
  app.setHint(
    at !== -1 && app.registry.hasKey(current.provider)
      ? "No other model with a key to cycle to (see --models, /login)"
      : "No model to cycle to has a key: /login first",
  );
  app.render();
}

/** Shift+Tab: the model's next thinking level, as the session's level. */
export function cycleThinking(app: App): void {
  const levels = thinkingLevels(app.state.model);
  const next = levels[(levels.indexOf(app.level()) + 1) % levels.length];
  setThinking(app, next);
  app.setHint(`Thinking: ${next}`);
  app.render();
}
