/**
 * `pi usage [--json]`: the latest rate-limit windows (`x-codex-*` headers, kept per account
 * in `<agent dir>/usage.json`) of every ChatGPT account: used percent, window length, reset
 * time, and how old the snapshot is. No network: the windows come with every answer.
 * @module
 */

import type { Deps } from "../../deps.ts";
import type { RateLimitWindow, UsageSnapshot } from "../../ai/types.ts";
import { oneLine } from "../../one_line.ts";
import { createStyle } from "../render.ts";
import { openAuthStorage } from "../open_auth.ts";
import { openUsageStore } from "../usage_store.ts";
import { type AccountStatus, collectAccounts, useReportedAccount } from "../account_status.ts";
import { requestedAccount } from "../account_options.ts";
import { formatRateLimits } from "../usage_report.ts";
import type { ParsedArgs } from "../args.ts";
import { accountFlag } from "../../auth/accounts.ts";

/** One account's windows in `pi usage --json`. */
export interface AccountUsage {
  /** When the snapshot was taken, epoch ms. */
  capturedAt: number;
  /** Its age in seconds. */
  ageSeconds: number;
  /** The short window (e.g. 5 hours): `usedPercent`, `windowMinutes`, `resetsAt` (epoch ms). */
  primary?: RateLimitWindow;
  /** The long window (e.g. a week). */
  secondary?: RateLimitWindow;
}

/** One account in `pi usage --json`. */
export interface AccountUsageReport {
  /** Account name (`default`, or the `<name>` of `openai-codex:<name>`). */
  name: string;
  /** Whether runs use it. */
  active: boolean;
  /** ChatGPT account id. */
  accountId: string | null;
  /** Email, from the access token. */
  email: string | null;
  /** Plan, from the access token. */
  plan: string | null;
  /** The latest windows, or null when none was seen yet. */
  usage: AccountUsage | null;
}

function usageOf(snapshot: UsageSnapshot | null, now: number): AccountUsage | null {
  if (!snapshot) return null;
  const out: AccountUsage = {
    capturedAt: snapshot.capturedAt,
    ageSeconds: Math.max(0, Math.round((now - snapshot.capturedAt) / 1000)),
  };
  if (snapshot.primary) out.primary = snapshot.primary;
  if (snapshot.secondary) out.secondary = snapshot.secondary;
  return out;
}

/** The report of every account (the JSON of `pi usage --json`). */
export function usageReport(accounts: readonly AccountStatus[], now: number): AccountUsageReport[] {
  return accounts.map((a) => ({
    name: a.name,
    active: a.active,
    accountId: a.accountId,
    email: a.email,
    plan: a.plan,
    usage: usageOf(a.usage, now),
  }));
}

/** Runs `pi usage`; returns the exit code. */
export async function runUsage(args: ParsedArgs, deps: Deps): Promise<number> {
  const storage = openAuthStorage(deps);
  const notice = useReportedAccount(storage, requestedAccount({}, deps.env));
  if (notice) deps.stderr.write(`pi: ${oneLine(notice)}\n`);
  const accounts = await collectAccounts(storage, openUsageStore(deps));
  const now = deps.now();
  if (args.options.json) {
    deps.stdout.write(JSON.stringify({ accounts: usageReport(accounts, now) }, null, 2) + "\n");
    return 0;
  }
  if (accounts.length === 0) {
    deps.stdout.write(
      "No ChatGPT account is logged in: run pi login openai-codex (usage comes with the answers)\n",
    );
    return 0;
  }
  const style = createStyle(false);
  deps.stdout.write("ChatGPT usage (the latest rate-limit windows of each account)\n");
  for (const a of accounts) {
    const who = [a.email, a.plan && `plan ${a.plan}`].filter((x) => x).map((x) => oneLine(x!));
    deps.stdout.write(
      `  ${a.name}${a.active ? " (active)" : ""}${who.length > 0 ? `  ${who.join(", ")}` : ""}\n`,
    );
    if (a.invalid) {
      deps.stdout.write(
        `    login no longer valid (run pi login openai-codex${accountFlag(a.name)})\n`,
      );
    }
    if (!a.usage) {
      deps.stdout.write("    no usage seen yet (it comes with the first answer on this account)\n");
      continue;
    }
    for (const l of formatRateLimits(a.usage, now, style)) deps.stdout.write(`  ${l}\n`);
  }
  return 0;
}
