/**
 * Several ChatGPT accounts on the interactive screen (issue 18 part 2), as a person uses
 * it: `deno run -A main.ts` in a tmux pane against the fake Codex backend, which records
 * each request's `chatgpt-account-id` and answers with the account's `x-codex-*` windows.
 * `/account` switches mid-conversation (the next request carries the other account and the
 * whole conversation), the status line's meter shows the other account's percent, a 92 %
 * snapshot gives the warning line once, and `--rotate-accounts` says its switch in one line.
 */

import assert from "node:assert/strict";
import {
  type FakeTurn,
  type RecordedRequest,
  startFakeCodex,
  turnEvents,
} from "../fixtures/fake_codex_backend.ts";
import {
  accountEntry,
  accountOf,
  ALPHA as A,
  BRAVO as B,
  usageLimitResponse,
  userTexts,
} from "../fixtures/accounts_fakes.ts";
import { writeAuth } from "../fixtures/auth_process.ts";
import { TmuxPane, tmuxTest as test } from "./tmux.ts";

const PERCENT: Record<string, number> = { [A.accountId]: 45, [B.accountId]: 92 };

/** `answer N from <account id>`, with that account's windows in the headers. */
function answer(r: RecordedRequest, index: number): FakeTurn {
  const id = accountOf(r);
  return {
    response: () =>
      new Response(turnEvents({ text: `answer ${index} from ${id}` }).join(""), {
        headers: {
          "content-type": "text/event-stream",
          "x-codex-primary-used-percent": String(PERCENT[id]),
          "x-codex-primary-window-minutes": "300",
          "x-codex-primary-reset-after-seconds": "2820",
          "x-codex-secondary-used-percent": "20",
          "x-codex-secondary-window-minutes": "10080",
          "x-codex-secondary-reset-after-seconds": "300000",
        },
      }),
  };
}

/** The last row that is the status line. */
function statusOf(screen: string): string {
  return screen.split("\n").findLast((r) => r.startsWith("openai-codex/"))?.trimEnd() ?? "";
}

async function setup(
  script: (r: RecordedRequest, i: number) => FakeTurn,
  args: string[],
  size = { width: 80, height: 24 },
) {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "pi-accounts-tmux-" }));
  await writeAuth(`${dir}/agent`, {
    "openai-codex": accountEntry(A, { expired: false }),
    "openai-codex:work": accountEntry(B, { expired: false }),
  });
  const fake = startFakeCodex(script, { accountIds: [A.accountId, B.accountId] });
  const pane = await TmuxPane.start(
    dir,
    {
      HOME: dir,
      PI_CODING_AGENT_DIR: `${dir}/agent`,
      PI_OPENAI_CODEX_BASE_URL: fake.url,
      PI_OPENAI_CODEX_ISSUER: "http://127.0.0.1:9", // never called: the tokens are fresh
    },
    args,
    size,
  );
  return {
    fake,
    pane,
    async close() {
      await pane.kill();
      await fake.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

async function send(pane: TmuxPane, text: string): Promise<void> {
  await pane.type(text);
  await pane.keys("Enter");
}

test("tmux: /account switches mid-conversation; the next request carries the other account and the whole conversation; the meter follows; 92 % warns once", async () => {
  const { fake, pane, close } = await setup(answer, []);
  try {
    let screen = await pane.waitFor(/^›/m);
    assert.match(statusOf(screen), / · account: default$/, screen);

    await send(pane, "first question");
    // The meter moves when the answer's headers arrive, before its text: wait for both.
    screen = await pane.waitFor((s) =>
      /^answer 0 from acct-alpha$/m.test(s) && /default: 5h 45%$/m.test(s)
    );

    // The menu: both accounts with their windows; Esc keeps the account.
    await send(pane, "/account");
    screen = await pane.waitFor("ChatGPT account (the next request uses it)");
    assert.match(screen, /^❯ default {2}alpha@example\.com · plus · 5h 45% · 7d 20% \(active\)$/m);
    assert.match(screen, /^ {2}work {5}bravo@example\.com · pro · no usage seen yet$/m);
    await pane.keys("Escape");
    await pane.waitFor((s) => !s.includes("ChatGPT account (the next"));

    // A typo is one line naming the known accounts; the account stays.
    await send(pane, "/account wrok");
    screen = await pane.waitFor("✗ Unknown account");
    assert.match(
      screen,
      /^✗ Unknown account: wrok \(known: default, work\); did you mean work\?$/m,
    );

    await send(pane, "/account work");
    screen = await pane.waitFor(/^✓ Account: work/m);
    assert.match(
      screen,
      /^✓ Account: work \(bravo@example\.com, pro\) · from the next request on$/m,
    );
    assert.match(statusOf(screen), / · account: work$/);

    await send(pane, "second question");
    screen = await pane.waitFor(/^answer 1 from acct-bravo$/m);
    screen = await pane.waitFor(/work: 5h 92%$/m);
    assert.deepEqual(fake.requests.map(accountOf), [A.accountId, B.accountId]);
    assert.deepEqual(userTexts(fake.requests[1]), ["first question", "second question"]);
    assert.ok(
      JSON.stringify(fake.requests[1].body.input).includes("answer 0 from acct-alpha"),
      "the first answer goes with it",
    );
    assert.doesNotMatch(screen, /% of the 5h limit used/, "no warning before 92 % was known");

    // 92 % known: the next turn is preceded by one warning line, with the reset time.
    await send(pane, "third question");
    screen = await pane.waitFor(/^answer 2 from acct-bravo$/m);
    assert.match(
      screen,
      /^› third question\n! work: 92% of the 5h limit used \(resets \d\d:\d\d, in 4[67]m\) · \/account switches\nanswer 2 from acct-bravo$/m,
    );
    await send(pane, "fourth question");
    screen = await pane.waitFor(/^answer 3 from acct-bravo$/m);
    assert.equal(screen.match(/% of the 5h limit used/g)?.length, 1, "once per crossing");
    assert.equal(fake.requests[3].headers["chatgpt-account-id"], B.accountId);
    assert.deepEqual(fake.problems, []);
  } finally {
    await close();
  }
});

test("tmux: --rotate-accounts on the screen: one line says the switch, the meter shows the new account (both windows at 100 columns)", async () => {
  const { fake, pane, close } = await setup(
    (r, i) =>
      accountOf(r) === A.accountId ? { response: () => usageLimitResponse() } : answer(r, i),
    ["--rotate-accounts"],
    { width: 100, height: 30 },
  );
  try {
    await pane.waitFor(/^›/m);
    await send(pane, "hello");
    const screen = await pane.waitFor((s) =>
      /^answer 1 from acct-bravo$/m.test(s) && /work: 5h 92% · 7d 20%$/m.test(s)
    );
    assert.match(
      screen,
      /^› hello\nUsage limit on default: continuing on work\nanswer 1 from acct-bravo$/m,
    );
    assert.deepEqual(fake.requests.map(accountOf), [A.accountId, B.accountId]);
  } finally {
    await close();
  }
});
