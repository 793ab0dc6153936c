/**
 * `/account [name]`: which ChatGPT account `openai-codex` uses for the rest of the session
 * (CONTRACT.md: Accounts). With a name it switches at once: the conversation stays, and the
 * next request carries that account's token and `chatgpt-account-id` (a request already
 * sent keeps its account). Without one, a menu of the logged-in accounts (name, email,
 * plan, used % of each window; the active one and a login that is no longer valid marked).
 * An unknown name is one error line listing the known ones. Tab completes the names.
 * @module
 */

import { accountFlag, DEFAULT_ACCOUNT } from "../../../auth/accounts.ts";
import { closest } from "../../../did_you_mean.ts";
import { oneLine } from "../../../one_line.ts";
import { type AccountStatus, collectAccounts } from "../../account_status.ts";
import type { MenuItem } from "../../tui/select_menu.ts";
import { accountSummary } from "../account_meter.ts";
import type { App } from "../app.ts";
import type { SlashCommand } from "../commands.ts";

const ADD_ONE = "pi login openai-codex --account <name>";

function names(app: App): string[] {
  try {
    return app.auth.accounts().map((a) => a.name);
  } catch {
    return [];
  }
}

/** `work (bob@example.com, pro)`. */
function describe(account: AccountStatus | undefined, name: string): string {
  const who = [account?.email, account?.plan].filter((x): x is string => !!x).map(oneLine);
  return who.length > 0 ? `${oneLine(name)} (${who.join(", ")})` : oneLine(name);
}

/** Makes `name` the active account and says so (with a warning for a refused login). */
function switchTo(app: App, name: string, accounts: readonly AccountStatus[]): void {
  const s = app.style;
  const known = accounts.map((a) => a.name);
  if (name !== DEFAULT_ACCOUNT && !known.includes(name)) {
    const guess = closest(name.toLowerCase(), known);
    return app.error(
      `Unknown account: ${name} (known: ${known.join(", ") || "none"}); ${
        guess !== undefined ? `did you mean ${guess}?` : `add one with ${ADD_ONE}`
      }`,
    );
  }
  const before = app.auth.activeAccount();
  app.auth.useAccount(name); // (logged out by another pi meanwhile: the usage error says so)
  app.meter.refresh();
  const account = accounts.find((a) => a.name === name);
  if (before === name) {
    app.print(s.dim(`Already on account ${describe(account, name)}`));
  } else {
    app.print(
      s.green(`✓ Account: ${describe(account, name)}`) + s.dim(" · from the next request on"),
    );
  }
  if (account?.invalid) {
    app.print(
      s.yellow(
        `! The login of ${oneLine(name)} is no longer valid: run pi login openai-codex${
          accountFlag(name)
        } (or /account to pick another)`,
      ),
    );
  }
}

/** The /account command. */
export const account: SlashCommand = {
  name: "account",
  summary: "switch the ChatGPT account (menu); /account <name> picks it",
  args: names,
  async run(app, arg) {
    try {
      app.auth.reload(); // accounts logged in (or out) by another pi meanwhile
    } catch {
      // the cached contents still serve; a broken file is said by what reads it
    }
    const accounts = await collectAccounts(app.auth, app.usageStore);
    if (arg !== "") return switchTo(app, arg, accounts);
    app.meter.refresh();
    if (accounts.length === 0) {
      return app.info(
        `No ChatGPT account is logged in: /login logs one in (more with ${ADD_ONE})`,
      );
    }
    if (accounts.length === 1) {
      return app.info(
        `Only one ChatGPT account is logged in: ${describe(accounts[0], accounts[0].name)}. ` +
          `Add another with ${ADD_ONE}`,
      );
    }
    const now = app.deps.now();
    const width = Math.max(...accounts.map((a) => a.name.length));
    const items: MenuItem<string>[] = accounts.map((a) => {
      const marks = [a.active ? "active" : "", a.invalid ? "login no longer valid" : ""]
        .filter((m) => m !== "");
      const item: MenuItem<string> = {
        label: `${a.name.padEnd(width)}  ${accountSummary(a, now)}`,
        value: a.name,
      };
      if (marks.length > 0) item.hint = marks.join(", ");
      return item;
    });
    const picked = await app.menu("ChatGPT account (the next request uses it)", items, {
      initial: Math.max(0, accounts.findIndex((a) => a.active)),
    });
    if (picked === undefined) return app.render();
    switchTo(app, picked, accounts);
  },
};
