import assert from "node:assert/strict";
import { formatUsage } from "../src/cli/usage_report.ts";
import { formatLocalTime, formatRelative } from "../src/cli/age.ts";
import { createStyle } from "../src/cli/render.ts";

Deno.test("slash: reset times read as relative and local times", () => {
  assert.equal(formatRelative(30_000), "30s");
  assert.equal(formatRelative(5 * 60_000), "5m");
  assert.equal(formatRelative(3_600_000), "1h 0m");
  assert.equal(formatRelative(125 * 60_000), "2h 5m");
  assert.equal(formatRelative(3 * 86_400_000), "3d");
  const now = new Date(2026, 0, 5, 9, 0).getTime();
  assert.equal(formatLocalTime(new Date(2026, 0, 5, 14, 5).getTime(), now), "14:05");
  assert.equal(formatLocalTime(new Date(2026, 0, 7, 8, 30).getTime(), now), "Jan 7 08:30");
});

Deno.test("slash: /usage shows both windows with used %, resets, and the session's cost", () => {
  const now = new Date(2026, 0, 5, 9, 0).getTime();
  const lines = formatUsage(
    {
      provider: "openai-codex",
      capturedAt: now - 30_000,
      primary: { usedPercent: 23.4, windowMinutes: 300, resetsAt: now + 3_600_000 },
      secondary: { usedPercent: 61, windowMinutes: 10080, resetsAt: now + 2 * 86_400_000 },
    },
    { input: 12_345, output: 678, cost: 0, listCost: 0.05, contextTokens: 0 },
    false,
    now,
    createStyle(false),
  );
  assert.deepEqual(lines, [
    "Usage",
    "  primary (5h window): 23% used, resets 10:00 (in 1h 0m)",
    "  secondary (7-day window): 61% used, resets Jan 7 09:00 (in 2d)",
    "  as of 30s ago",
    "  this session: ↑12k ↓678 tokens, subscription (would cost $0.050 at list prices)",
  ]);
  const billed = formatUsage(
    undefined,
    {
      input: 10,
      output: 5,
      cost: 0.0123,
      listCost: 0.0123,
      contextTokens: 0,
    },
    true,
    now,
    createStyle(false),
  );
  assert.match(billed[1], /no rate-limit data yet/);
  assert.equal(billed[2], "  this session: ↑10 ↓5 tokens, cost $0.012");
});
