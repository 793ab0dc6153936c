/**
 * `/usage`: the active ChatGPT account's rate-limit windows (used %, resets, from the last
 * answer's headers, kept per account in usage.json), the other accounts in one line each,
 * and this session's tokens and cost.
 * @module
 */

import { accountEntry } from "../../../auth/accounts.ts";
import { oneLine } from "../../../one_line.ts";
import { collectAccounts } from "../../account_status.ts";
import { formatUsage } from "../../usage_report.ts";
import { accountSummary } from "../account_meter.ts";
import type { SlashCommand } from "../commands.ts";

/** The /usage command. */
export const usage: SlashCommand = {
  name: "usage",
  summary: "subscription limits, and this session's tokens and cost",
  async run(app) {
    const { model, totals } = app.state;
    const s = app.style;
    const now = app.deps.now();
    const accounts = await collectAccounts(app.auth, app.usageStore).catch(() => []);
    const name = app.auth.activeAccount();
    const active = accounts.find((a) => a.name === name);
    // The active account's snapshot (one seen with another ChatGPT account under the same
    // name is not its own); without a stored login (a key from the environment), its entry's.
    const snapshot = active ? active.usage ?? undefined : app.usageStore.latest(accountEntry(name));
    const lines = formatUsage(snapshot, totals, model.billed, now, s);
    if (accounts.length > 1) {
      const who = [active?.email, active?.plan].filter((x): x is string => !!x).map(oneLine);
      lines.splice(
        1,
        0,
        `  account ${oneLine(name)}${who.length > 0 ? ` (${who.join(", ")})` : ""}`,
      );
      const others = accounts.filter((a) => a.name !== name).map((a) =>
        `    ${oneLine(a.name)}: ${accountSummary(a, now)}${
          a.invalid ? " · login no longer valid" : ""
        }`
      );
      // Before "this session", the last line.
      lines.splice(lines.length - 1, 0, "  other accounts (/account switches):", ...others);
    }
    app.print(...lines);
  },
};
