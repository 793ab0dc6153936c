/**
 * The usage reports and thinking levels as plain data and functions: the /usage report and
 * `pi auth status`'s rate-limit windows, local and relative times, and the thinking level a
 * request uses. No I/O. (The slash commands themselves are in src/cli/interactive/commands.ts.)
 * @module
 */

import type { SessionTotals } from "../../agent/session_runner.ts";
import type { UsageSnapshot } from "../../ai/types.ts";
import type { Model, ReasoningLevel } from "../../models/types.ts";
import { resolveThinking } from "../../models/thinking.ts";
import { formatCost, formatTokens, type Style } from "../render.ts";

/** Thinking levels a model offers in the menu (see src/models/thinking.ts). */
export { thinkingLevels } from "../../models/thinking.ts";

/**
 * The level a request will use: the chosen one (default `medium`) clamped to the model by
 * the one rule of src/models/thinking.ts (nearest supported level, ties go up).
 */
export const effectiveThinking: (
  model: Model,
  chosen: ReasoningLevel | undefined,
) => ReasoningLevel = resolveThinking;

/** A local time: `14:05` today, else `Nov 27 14:05`. */
export function formatLocalTime(epochMs: number, now: number): string {
  const d = new Date(epochMs);
  const pad = (n: number) => String(n).padStart(2, "0");
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  if (d.toDateString() === new Date(now).toDateString()) return time;
  const month = d.toLocaleString("en", { month: "short" });
  return `${month} ${d.getDate()} ${time}`;
}

/** "in 2h 5m" for a reset time. */
export function formatRelative(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${m % 60}m`;
  return `${Math.round(h / 24)}d`;
}

/** Tokens and cost of this session, for the status line and /usage (the runner's counters). */
export type { SessionTotals } from "../../agent/session_runner.ts";

function windowName(value: number | undefined): string {
  // usage.json is a file on disk: a number, or nothing is shown.
  const minutes = Number(value);
  if (value === undefined || !Number.isFinite(minutes)) return "";
  if (minutes >= 1440) return ` (${Math.round(minutes / 1440)}-day window)`;
  if (minutes >= 60) return ` (${Math.round(minutes / 60)}h window)`;
  return ` (${minutes}m window)`;
}

/** The rate-limit windows of a snapshot (used %, resets), and how old it is. */
export function formatRateLimits(snapshot: UsageSnapshot, now: number, style: Style): string[] {
  const lines: string[] = [];
  for (
    const [name, w] of [["primary", snapshot.primary], ["secondary", snapshot.secondary]] as const
  ) {
    if (!w) continue;
    const reset = w.resetsAt === undefined || !Number.isFinite(Number(w.resetsAt))
      ? ""
      : `, resets ${formatLocalTime(w.resetsAt, now)} (in ${formatRelative(w.resetsAt - now)})`;
    lines.push(
      `  ${name}${windowName(w.windowMinutes)}: ${w.usedPercent.toFixed(0)}% used${reset}`,
    );
  }
  lines.push(style.dim(`  as of ${formatRelative(now - snapshot.capturedAt)} ago`));
  return lines;
}

/** The /usage report: the rate-limit windows (used %, resets) and this session's tokens. */
export function formatUsage(
  snapshot: UsageSnapshot | undefined,
  totals: SessionTotals,
  billed: boolean,
  now: number,
  style: Style,
): string[] {
  const lines: string[] = [style.bold("Usage")];
  if (snapshot) {
    lines.push(...formatRateLimits(snapshot, now, style));
  } else {
    lines.push(style.dim("  no rate-limit data yet (it comes with the first answer)"));
  }
  lines.push(
    `  this session: ↑${formatTokens(totals.input)} ↓${formatTokens(totals.output)} tokens, ` +
      (billed
        ? `cost ${formatCost(totals.cost)}`
        : `subscription (would cost ${formatCost(totals.listCost)} at list prices)`),
  );
  return lines;
}
