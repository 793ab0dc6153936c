/**
 * The usage reports as lines of text: the screen's /usage report, and the rate-limit windows
 * that `pi usage` and `pi auth status` print. No I/O.
 * @module
 */

import type { SessionTotals } from "../agent/session_runner.ts";
import type { UsageSnapshot } from "../ai/types.ts";
import { formatLocalTime, formatRelative } from "./age.ts";
import { formatCost, formatTokens, type Style } from "./render.ts";

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
