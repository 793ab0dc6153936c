/**
 * `/usage`: the subscription's rate-limit windows (used %, resets, from the last answer's
 * headers, kept in usage.json) and this session's tokens and cost.
 * @module
 */

import { formatUsage } from "../../commands/slash.ts";
import type { SlashCommand } from "../commands.ts";

/** The /usage command. */
export const usage: SlashCommand = {
  name: "usage",
  summary: "subscription limits, and this session's tokens and cost",
  run(app) {
    const { model, totals } = app.state;
    const snapshot = app.usageStore.latest(model.provider) ?? app.usageStore.latest();
    app.print(...formatUsage(snapshot, totals, model.billed, app.deps.now(), app.style));
  },
};
