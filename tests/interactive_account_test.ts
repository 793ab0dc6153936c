/**
 * `/account`, the status line's meter and the warning at 90 % (issue 18 part 2), in-process
 * with keystrokes against the fake Codex backend (which records each request's
 * `chatgpt-account-id` and answers with `x-codex-*` rate-limit headers): the menu, a switch
 * mid-conversation, an unknown name, Tab completion, one account only, the meter that
 * follows answers and switches, the warning once per crossing, /usage per account, the
 * rotation line, and /logout's labels for account entries.
 */

import assert from "node:assert/strict";
import { type FakeTurn, type RecordedRequest, turnEvents } from "./fixtures/fake_codex_backend.ts";
import {
  accountEntry,
  accountOf,
  ALPHA as A,
  BRAVO as B,
  usageLimitResponse,
  userTexts,
} from "./fixtures/accounts_fakes.ts";
import { type AppHarness, withApp, withFakeCodexApp } from "./fixtures/interactive_app.ts";
import { createStyle, formatStatus, type StatusInfo, stripAnsi } from "../src/cli/render.ts";
import { recordRefreshRejection } from "../src/auth/login_state.ts";
import { completeCommand } from "../src/cli/interactive/commands.ts";
import {
  formatWindows,
  limitWarning,
  meterWindows,
  windowLabel,
} from "../src/cli/interactive/account_meter.ts";

const IDS = [A.accountId, B.accountId];
const ESC = "\x1b";
const DOWN = "\x1b[B";

/** An answer with the account's windows in its headers. */
function answer(text: string, primary?: number, secondary?: number): FakeTurn {
  const headers: Record<string, string> = { "content-type": "text/event-stream" };
  if (primary !== undefined) {
    headers["x-codex-primary-used-percent"] = String(primary);
    headers["x-codex-primary-window-minutes"] = "300";
    headers["x-codex-primary-reset-after-seconds"] = "2820";
  }
  if (secondary !== undefined) {
    headers["x-codex-secondary-used-percent"] = String(secondary);
    headers["x-codex-secondary-window-minutes"] = "10080";
    headers["x-codex-secondary-reset-after-seconds"] = "300000";
  }
  return { response: () => new Response(turnEvents({ text }).join(""), { headers }) };
}

/** The status line of the last frame drawn (its last row), without styles. */
function statusLine(h: AppHarness): string {
  const rows = stripAnsi(h.written.at(-1)!).split(/[\r\n]+/);
  return rows.findLast((r) => r.includes("openai-codex/"))?.trimEnd() ?? "";
}

function twoAccounts(): Record<string, unknown> {
  return {
    "openai-codex": accountEntry(A, { expired: false }),
    "openai-codex:work": accountEntry(B, { expired: false }),
  };
}

/** Two accounts, and the fake knows both. */
const twoAccountsApp = () => ({ auth: twoAccounts(), fake: { accountIds: IDS } });

/** Alpha answers at 45 % and 12 %, bravo at 73 % and 20 %. */
function alphaOrBravo(r: RecordedRequest): FakeTurn {
  return accountOf(r) === A.accountId ? answer("from alpha", 45, 12) : answer("from bravo", 73, 20);
}

function appTest(name: string, fn: () => Promise<void>) {
  Deno.test({ name, sanitizeResources: false, sanitizeOps: false, fn });
}

appTest(
  "/account <name> switches mid-conversation: the next request carries the other account and the whole conversation; the meter follows",
  async () => {
    await withFakeCodexApp(alphaOrBravo, twoAccountsApp(), async (h, fake) => {
      assert.match(statusLine(h), /· account: default$/, "two accounts: the name is shown");
      h.type("first question\r");
      await h.idle();
      assert.ok(h.transcript().includes("from alpha"));
      // 80 columns: the primary window only (the second one when there is room, below).
      assert.match(statusLine(h), /· ctx \d+% · default: 5h 45%$/);

      h.type("/account work\r");
      await h.idle();
      assert.equal(
        h.transcript().at(-1),
        "✓ Account: work (bravo@example.com, pro) · from the next request on",
      );
      assert.match(statusLine(h), /· account: work$/, "no usage seen on work yet");

      h.type("second question\r");
      await h.idle();
      assert.ok(h.transcript().includes("from bravo"));
      assert.deepEqual(fake.requests.map(accountOf), [A.accountId, B.accountId]);
      assert.deepEqual(userTexts(fake.requests[1]), ["first question", "second question"]);
      const input = fake.requests[1].body.input as { role?: string }[];
      assert.ok(input.some((i) => i.role === "assistant"), "the first answer is sent too");
      assert.match(statusLine(h), /· work: 5h 73%$/);
      assert.equal(h.app.state.runner?.messages.length, 4, "one conversation");
      assert.deepEqual(fake.problems, []);
    });
  },
);

appTest(
  "/account opens a menu of accounts (email, plan, windows, active and invalid marked); Enter switches, Esc and Ctrl+C keep it",
  async () => {
    await withApp({ auth: twoAccounts() }, async (h) => {
      const now = Date.now();
      const usage = {
        "openai-codex": {
          capturedAt: now - 60_000,
          accountId: A.accountId,
          primary: { usedPercent: 91.6, windowMinutes: 300, resetsAt: now + 3_600_000 },
          secondary: { usedPercent: 40, windowMinutes: 10080, resetsAt: now + 86_400_000 },
        },
      };
      await Deno.writeTextFile(`${h.dir}/usage.json`, JSON.stringify(usage));
      h.app.usageStore.reload();
      await recordRefreshRejection(`${h.dir}/auth.json`, "openai-codex:work", B.refresh, {
        at: now,
        reason: "refresh_token_reused",
      });
      h.type("/account\r");
      await h.until(() => h.app.host.top !== undefined);
      await new Promise((r) => setTimeout(r, 0));
      let frame = stripAnsi(h.written.at(-1)!);
      assert.match(frame, /ChatGPT account \(the next request uses it\)/);
      assert.match(
        frame,
        /❯ default {2}alpha@example\.com · plus · 5h 92% · 7d 40% \(active\)/,
        frame,
      );
      assert.match(
        frame,
        / {2}work {5}bravo@example\.com · pro · no usage seen yet \(login no longer valid\)/,
      );

      h.type(ESC);
      await h.idle();
      assert.equal(h.app.auth.activeAccount(), "default", "Esc keeps the account");
      assert.equal(h.app.host.top, undefined);
      h.type("/account\r");
      await h.until(() => h.app.host.top !== undefined);
      h.type("\x03");
      await h.idle();
      assert.equal(h.app.auth.activeAccount(), "default", "Ctrl+C keeps the account");
      assert.equal(h.app.state.exitArmed, false, "Ctrl+C closed the menu only");

      h.type("/account\r");
      await h.until(() => h.app.host.top !== undefined);
      h.type(DOWN + "\r");
      await h.idle();
      assert.equal(h.app.auth.activeAccount(), "work");
      const shown = h.transcript();
      assert.match(shown.at(-2)!, /^✓ Account: work \(bravo@example\.com, pro\)/);
      assert.equal(
        shown.at(-1),
        "! The login of work is no longer valid: run pi login openai-codex --account work (or /account to pick another)",
      );
      frame = stripAnsi(h.written.at(-1)!);
      assert.match(frame, /account: work/);
    });
  },
);

appTest(
  "/account with an unknown name is one error line listing the known ones; Tab completes the names",
  async () => {
    await withApp({ auth: twoAccounts() }, async (h) => {
      h.type("/account nope\r");
      await h.idle();
      const last = h.transcript().at(-1)!;
      assert.equal(
        last,
        "✗ Unknown account: nope (known: default, work); add one with pi login openai-codex --account <name>",
      );
      assert.equal(h.transcript().at(-2), "› /account nope");
      h.type("/account Work\r");
      await h.idle();
      assert.equal(
        h.transcript().at(-1),
        "✗ Unknown account: Work (known: default, work); did you mean work?",
      );
      assert.equal(h.app.auth.activeAccount(), "default");

      h.type("/acc\t");
      assert.equal(h.app.editor.text, "/account ");
      h.type("w\t");
      assert.equal(h.app.editor.text, "/account work ");
      h.type("\x15/account \t");
      assert.equal(h.app.editor.text, "/account ");
      assert.equal(h.app.state.hint?.text, "default  work");
      assert.deepEqual(completeCommand(h.app.commands, "/account d", h.app), {
        text: "/account default ",
      });
    });
  },
);

appTest("/account with one account says so and how to add one", async () => {
  await withApp({}, async (h) => {
    h.type("/account\r");
    await h.idle();
    assert.equal(
      h.transcript().at(-1),
      "Only one ChatGPT account is logged in: default (test@example.com, plus). Add another with pi login openai-codex --account <name>",
    );
    assert.equal(h.app.host.top, undefined, "no menu");
    assert.doesNotMatch(statusLine(h), /account/, "one account: no name on the status line");
  });
});

appTest(
  "at 90 % or more a warning (with the reset time) comes before a turn, once per crossing",
  async () => {
    const percents = [92, 95, 50, 91];
    const script = (_r: RecordedRequest, i: number) => answer(`answer ${i}`, percents[i] ?? 10);
    await withFakeCodexApp(script, twoAccountsApp(), async (h) => {
      const warnings = () => h.transcript().filter((l) => /^! .*% of the \S+ limit used/.test(l));
      h.type("one\r");
      await h.idle();
      assert.deepEqual(warnings(), [], "nothing known before the first answer");
      h.type("two\r"); // 92 % seen: said
      await h.idle();
      const said = warnings();
      assert.equal(said.length, 1);
      assert.match(
        said[0],
        /^! default: 92% of the 5h limit used \(resets \d\d:\d\d, in 4[67]m\) · \/account switches$/,
      );
      const at = h.transcript().indexOf(said[0]);
      assert.equal(h.transcript()[at - 1], "› two", "after the prompt, before the answer");
      assert.equal(h.transcript()[at + 1], "answer 1");
      h.type("three\r"); // 95 %: the same crossing, not said again
      await h.idle();
      assert.equal(warnings().length, 1);
      h.type("four\r"); // 50 %: below again
      await h.idle();
      assert.equal(warnings().length, 1);
      h.type("five\r"); // 91 %: a new crossing
      await h.idle();
      assert.equal(warnings().length, 2);
      assert.match(warnings()[1], /^! default: 91% of the 5h limit/);
    });
  },
);

appTest(
  "the meter is coloured at 70 % (yellow) and 90 % (red), and not under NO_COLOR",
  async () => {
    for (const [percent, colour] of [[50, undefined], [73, "33"], [92, "31"]] as const) {
      await withFakeCodexApp([answer("ok", percent)], { env: { NO_COLOR: "" } }, async (h) => {
        h.type("hi\r");
        await h.idle();
        const frame = h.written.at(-1)!;
        const meter = `5h ${percent}%`;
        assert.ok(stripAnsi(frame).includes(meter), stripAnsi(frame));
        if (colour === undefined) {
          assert.ok(!frame.includes(`\x1b[33m${meter}`) && !frame.includes(`\x1b[31m${meter}`));
        } else {
          assert.ok(frame.includes(`\x1b[22m\x1b[${colour}m${meter}\x1b[39m\x1b[2m`), frame);
        }
      });
    }
    await withFakeCodexApp([answer("ok", 92)], {}, async (h) => {
      h.type("hi\r");
      await h.idle();
      const frame = h.written.at(-1)!;
      assert.ok(frame.includes("5h 92%"));
      for (const sgr of ["\x1b[2m", "\x1b[22m", "\x1b[31m", "\x1b[33m"]) {
        assert.ok(!frame.includes(sgr), "NO_COLOR: no colour, no dim");
      }
    });
  },
);

appTest("/usage shows the active account's windows and the other accounts briefly", async () => {
  await withFakeCodexApp(alphaOrBravo, twoAccountsApp(), async (h) => {
    h.type("hi\r");
    await h.idle();
    h.type("/account work\r");
    await h.idle();
    h.type("/usage\r");
    await h.idle();
    let shown = h.transcript();
    let at = shown.lastIndexOf("Usage");
    assert.deepEqual(shown.slice(at + 1, at + 5), [
      "  account work (bravo@example.com, pro)",
      "  no rate-limit data yet (it comes with the first answer)",
      "  other accounts (/account switches):",
      "    default: alpha@example.com · plus · 5h 45% · 7d 12%",
    ]);
    h.type("again\r");
    await h.idle();
    h.type("/usage\r");
    await h.idle();
    shown = h.transcript();
    at = shown.lastIndexOf("Usage");
    assert.equal(shown[at + 1], "  account work (bravo@example.com, pro)");
    assert.match(shown[at + 2], /^ {2}primary \(5h window\): 73% used, resets /);
    assert.match(shown[at + 3], /^ {2}secondary \(7-day window\): 20% used, resets /);
  });
});

appTest(
  "rotation on the screen: the account_switch event is one line, and the meter follows",
  async () => {
    const script = (r: RecordedRequest): FakeTurn =>
      accountOf(r) === B.accountId
        ? answer("from bravo", 8)
        : { response: () => usageLimitResponse() };
    await withFakeCodexApp(script, twoAccountsApp(), async (h, fake) => {
      h.app.auth.setAccountRotation(true);
      h.type("hi\r");
      await h.idle();
      const shown = h.transcript();
      const at = shown.indexOf("Usage limit on default: continuing on work");
      assert.ok(at !== -1, shown.join("\n"));
      assert.equal(shown[at + 1], "from bravo");
      assert.equal(h.app.auth.activeAccount(), "work");
      assert.match(statusLine(h), /· work: 5h 8%$/);
      assert.deepEqual(fake.requests.map(accountOf), [A.accountId, B.accountId]);
    });
  },
);

appTest(
  "/logout names the account of an openai-codex:<name> entry; logging out the active one goes back to default",
  async () => {
    await withApp({ auth: twoAccounts() }, async (h) => {
      h.type("/account work\r");
      await h.idle();
      h.type("/logout\r");
      await h.until(() => h.app.host.top !== undefined);
      await new Promise((r) => setTimeout(r, 0));
      const frame = stripAnsi(h.written.at(-1)!);
      assert.match(
        frame,
        /openai-codex — ChatGPT Plus\/Pro \(Codex Subscription\) — default \(OAuth\)/,
      );
      assert.match(
        frame,
        /openai-codex:work — ChatGPT Plus\/Pro \(Codex Subscription\) — work \(OAuth\)/,
      );
      h.type(DOWN + "\r");
      await h.until(() => stripAnsi(h.written.at(-1)!).includes("Log out of ChatGPT"));
      assert.match(
        stripAnsi(h.written.at(-1)!),
        /Log out of ChatGPT Plus\/Pro \(Codex Subscription\) — work \(openai-codex:work\)\?/,
      );
      h.type("y");
      await h.idle();
      assert.match(
        h.transcript().at(-1)!,
        /^✓ Logged out of ChatGPT Plus\/Pro \(Codex Subscription\) — work.*; the next request uses the account default \(still saved: openai-codex\)$/,
      );
      assert.equal(h.app.auth.activeAccount(), "default");
      assert.doesNotMatch(statusLine(h), /account/, "one account left");
    });
  },
);

Deno.test("the meter's windows: labels, rounding, a window that has reset says nothing", () => {
  assert.equal(windowLabel(300, "primary"), "5h");
  assert.equal(windowLabel(10080, "secondary"), "7d");
  assert.equal(windowLabel(45, "primary"), "45m");
  assert.equal(windowLabel(undefined, "primary"), "primary");
  const now = 1_000_000;
  const snapshot = {
    provider: "openai-codex",
    capturedAt: 0,
    primary: { usedPercent: 89.6, windowMinutes: 300, resetsAt: now - 1 },
    secondary: { usedPercent: 12.2, windowMinutes: 10080, resetsAt: now + 1 },
  };
  assert.deepEqual(meterWindows(snapshot, now), [
    { which: "secondary", label: "7d", usedPercent: 12, resetsAt: now + 1 },
  ]);
  assert.equal(formatWindows(meterWindows(snapshot, now - 10)), "5h 90% · 7d 12%");
  assert.equal(formatWindows([]), "no usage seen yet");
  assert.equal(
    limitWarning([{ which: "primary", label: "5h", usedPercent: 93 }], { others: 0, now }),
    "93% of the 5h limit used",
  );
});

Deno.test("the status line keeps the primary window longest of the meter, both windows when there is room", () => {
  const info: StatusInfo = {
    provider: "openai-codex",
    model: "gpt-5.2-codex",
    thinking: "medium",
    tokensIn: 1200,
    tokensOut: 300,
    cost: 0,
    listCost: 0.01,
    billed: false,
    contextTokens: 1500,
    contextWindow: 272000,
    account: "work",
    limits: [{ label: "5h", usedPercent: 45 }, { label: "7d", usedPercent: 12 }],
  };
  const plain = createStyle(false);
  assert.equal(
    formatStatus(info, 119, plain),
    "openai-codex/gpt-5.2-codex · thinking medium · ↑1.2k ↓300 · subscription · ctx 1% · work: 5h 45% · 7d 12%",
  );
  assert.equal(
    formatStatus(info, 99, plain),
    "openai-codex/gpt-5.2-codex · thinking medium · ↑1.2k ↓300 · ctx 1% · work: 5h 45% · 7d 12%",
  );
  assert.equal(
    formatStatus(info, 79, plain),
    "openai-codex/gpt-5.2-codex · thinking medium · ctx 1% · work: 5h 45%",
  );
  assert.equal(
    formatStatus(info, 50, plain),
    "openai-codex/gpt-5.2-codex · ctx 1% · work: 5h 45%",
  );
  assert.equal(
    formatStatus({ ...info, account: undefined, limits: [] }, 99, plain),
    "openai-codex/gpt-5.2-codex · thinking medium · ↑1.2k ↓300 · subscription · ctx 1%",
    "no meter without a snapshot",
  );
  const colour = createStyle(true);
  const red = formatStatus({ ...info, limits: [{ label: "5h", usedPercent: 90 }] }, 119, colour);
  assert.ok(red.includes("work: \x1b[22m\x1b[31m5h 90%\x1b[39m\x1b[2m"), JSON.stringify(red));
  const yellow = formatStatus({ ...info, limits: [{ label: "5h", usedPercent: 70 }] }, 119, colour);
  assert.ok(yellow.includes("\x1b[33m5h 70%"), JSON.stringify(yellow));
  const calm = formatStatus({ ...info, limits: [{ label: "5h", usedPercent: 69 }] }, 119, colour);
  assert.ok(!calm.includes("\x1b[31m") && !calm.includes("\x1b[33m"), JSON.stringify(calm));
});
