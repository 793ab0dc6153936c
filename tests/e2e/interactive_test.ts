/**
 * The interactive mode as a person uses it: `deno run -A main.ts` in a tmux pane
 * (80x24, a private tmux server per test), keys sent with `send-keys`, the screen read
 * with `capture-pane`, against fake servers on 127.0.0.1 (Codex backend, OAuth issuer).
 * Waits poll the screen with a deadline; no fixed sleeps. Timings are printed, not
 * asserted.
 */

import assert from "node:assert/strict";
import {
  type FakeTurn,
  functionOutputs,
  type RecordedRequest,
  startFakeCodex,
  turnEvents,
  writeFakeAuth,
} from "../fixtures/fake_codex_backend.ts";
import { freePort, startFakeIssuer, TEST_EMAIL, TEST_PLAN } from "../fixtures/fake_oauth_issuer.ts";
import { REPO } from "./run_pi.ts";
import { stoppedAt } from "../fixtures/browser_follow.ts";
import { HOST_ENV, TmuxPane, tmuxTest as test } from "./tmux.ts";

const BROWSER_SCRIPT = `${REPO}tests/fixtures/browser_follow.ts`;

/** pi in a fresh 80x24 pane (TERM as tmux sets it). */
function startPane(
  dir: string,
  env: Record<string, string>,
  args: string[] = [],
): Promise<TmuxPane> {
  return TmuxPane.start(dir, { ...HOST_ENV, ...env }, args, { width: 80, height: 24 });
}

/** Waits for the ready prompt (the status line is drawn below the editor). */
function ready(pane: TmuxPane): Promise<string> {
  return pane.waitFor((s) => /^›( |$)/m.test(s) && s.includes("openai-codex/"));
}

async function tempDir(): Promise<string> {
  return await Deno.realPath(await Deno.makeTempDir({ prefix: "pi-interactive-" }));
}

function effort(request: RecordedRequest): unknown {
  return (request.body.reasoning as Record<string, unknown> | undefined)?.effort;
}

test("interactive: an answer streams with its tool call; Ctrl+P switches model; /thinking high sets reasoning.effort", async () => {
  const dir = await tempDir();
  const agentDir = `${dir}/agent`;
  await writeFakeAuth(agentDir);
  const script: FakeTurn[] = [
    { calls: [{ name: "bash", arguments: { command: "echo $((6*7))" } }] },
    {
      text: "The answer is **42**.\n\n- first point\n- second point\n",
      reasoning: "Six times seven is forty-two",
      chunks: 6,
    },
    { text: "Second answer." },
    { text: "Third answer." },
    {
      response: () =>
        new Response(turnEvents({ text: "With limits." }).join(""), {
          headers: {
            "content-type": "text/event-stream",
            "x-codex-primary-used-percent": "23",
            "x-codex-primary-window-minutes": "300",
            "x-codex-primary-reset-after-seconds": "3600",
            "x-codex-secondary-used-percent": "61",
            "x-codex-secondary-window-minutes": "10080",
            "x-codex-secondary-reset-after-seconds": "200000",
          },
        }),
    },
  ];
  const fake = startFakeCodex(script);
  let pane: TmuxPane | undefined;
  try {
    pane = await startPane(dir, {
      PI_CODING_AGENT_DIR: agentDir,
      PI_OPENAI_CODEX_BASE_URL: fake.url,
      PI_OPENAI_CODEX_ISSUER: "http://127.0.0.1:9", // never called here
    }, ["--models", "openai-codex/gpt-5.2-codex,openai-codex/gpt-5"]);
    await ready(pane);
    await pane.type("what is 6*7?");
    await pane.keys("Enter");
    let screen = await pane.waitFor("second point");
    assert.match(screen, /^› what is 6\*7\?$/m);
    assert.match(screen, /^✓ bash echo \$\(\(6\*7\)\) → 42$/m, "one line for the tool call");
    assert.match(screen, /^The answer is 42\.$/m, "markdown bold rendered without markers");
    assert.match(screen, /^• first point$/m);
    assert.match(screen, /^▸ Thought \(5 words; Ctrl\+T shows it\)$/m, "thinking collapsed");
    await pane.keys("C-t");
    await pane.waitFor(/^Six times seven is forty-two$/m);
    // The token counts come with the end of the turn, which "second point" may precede.
    await pane.waitFor(
      /openai-codex\/gpt-5\.2-codex · thinking medium · ↑\d+ ↓\d+ · subscription/,
    );
    assert.equal(fake.requests.length, 2);
    assert.equal(String(functionOutputs(fake.requests[1])[0].output).trim(), "42");

    // Ctrl+P: the next model of the --models scope, used by the next request.
    await pane.keys("C-p");
    await pane.waitFor(/openai-codex\/gpt-5 · thinking/);
    await pane.type("next");
    await pane.keys("Enter");
    screen = await pane.waitFor("Second answer.");
    assert.equal(fake.requests[2].body.model, "gpt-5");
    assert.equal(fake.requests[1].body.model, "gpt-5.2-codex");
    assert.equal(effort(fake.requests[2]), "medium");

    // /thinking high: the next request asks for high effort.
    await pane.type("/thinking high");
    await pane.keys("Enter");
    await pane.waitFor(/thinking high ·/);
    await pane.type("and again");
    await pane.keys("Enter");
    await pane.waitFor("Third answer.");
    assert.equal(effort(fake.requests[3]), "high");
    assert.equal(fake.requests[3].body.model, "gpt-5");
    assert.deepEqual(fake.problems, []);

    // /usage: the latest rate-limit snapshot and this session's tokens.
    await pane.type("limits?");
    await pane.keys("Enter");
    await pane.waitFor("With limits.");
    await pane.type("/usage");
    await pane.keys("Enter");
    screen = await pane.waitFor("secondary (7-day window)");
    assert.match(screen, /^ {2}primary \(5h window\): 23% used, resets \S+.* \(in 1h 0m\)$/m);
    assert.match(screen, /^ {2}secondary \(7-day window\): 61% used, resets .* \(in 2d\)$/m);
    assert.match(screen, /this session: ↑\d+ ↓\d+ tokens, subscription \(would cost \$[\d.]+/);

    // /session names the session file; /new starts another.
    await pane.type("/session");
    await pane.keys("Enter");
    screen = await pane.waitFor(/messages: \d+/);
    const sessionPath = /file:\s*(\S+\.jsonl)/.exec(screen.replace(/\n(?! )/g, ""))?.[1];
    assert.ok(sessionPath?.startsWith(`${agentDir}/sessions/`), screen);
    const entries = (await Deno.readTextFile(sessionPath!)).trim().split("\n").map((l) =>
      JSON.parse(l)
    );
    assert.equal(entries[0].type, "session");
    assert.equal(entries.filter((e) => e.type === "message").length, 10);
    await pane.type("/new");
    await pane.keys("Enter");
    await pane.waitFor("New session");
    await pane.waitFor(/↑0 ↓0/);

    // Shift+Ctrl+P (kitty / CSI u form) goes back to the first model.
    await pane.keys("-H", "1b", "5b", "31", "31", "32", "3b", "36", "75");
    await pane.waitFor(/openai-codex\/gpt-5\.2-codex · thinking high/);

    // Shift+Tab cycles the thinking level (gpt-5.2-codex: low … xhigh; from high to xhigh).
    await pane.keys("BTab");
    await pane.waitFor(/gpt-5\.2-codex · thinking xhigh/);

    // /model: a menu filtered by typing.
    await pane.type("/model");
    await pane.keys("Enter");
    await pane.waitFor(/^❯ openai-codex\/gpt-5\.2-codex/m);
    await pane.type("codex mini");
    screen = await pane.waitFor("filter: codex mini");
    assert.match(screen, /^❯ openai-codex\/gpt-5\.1-codex-mini/m);
    const rows = screen.split("\n");
    const from = rows.findIndex((r) => r.startsWith("filter: codex mini"));
    const to = rows.findIndex((r) => r.startsWith("↑↓ move"));
    assert.deepEqual(
      rows.slice(from + 1, to),
      ["❯ openai-codex/gpt-5.1-codex-mini (GPT-5.1 Codex Mini)"],
      "only the match is listed",
    );
    await pane.keys("Enter");
    await pane.waitFor(/openai-codex\/gpt-5\.1-codex-mini · thinking high/, 20_000);

    // /help lists the commands; /quit exits 0.
    await pane.type("/help");
    await pane.keys("Enter");
    await pane.waitFor("Shift+Ctrl+P");
    // The list is longer than 24 rows: the rows that scrolled off the top are read too.
    screen = await pane.tmux("capture-pane", "-p", "-S", "-60");
    for (const c of ["/login", "/logout", "/model", "/thinking", "/usage", "/session", "/new"]) {
      assert.match(screen, new RegExp(`^ {2}${c} `, "m"));
    }
    await pane.type("/quit");
    await pane.keys("Enter");
    assert.equal(await pane.exitCode(), 0);
  } finally {
    await pane?.kill();
    await fake.close();
    await Deno.remove(dir, { recursive: true });
  }
});

test("interactive: Ctrl+C stops a streaming answer and the prompt comes back; Ctrl+D exits 0 with the terminal sane; NO_COLOR", async () => {
  const dir = await tempDir();
  const agentDir = `${dir}/agent`;
  await writeFakeAuth(agentDir);
  const fake = startFakeCodex([
    { hangAfter: "Partial answer that never ends" },
    { text: "After the interruption." },
    {
      response: () =>
        Response.json({ error: { message: "The model exploded\nbadly" } }, { status: 400 }),
    },
    { text: "Still alive." },
  ]);
  let pane: TmuxPane | undefined;
  try {
    pane = await startPane(dir, {
      PI_CODING_AGENT_DIR: agentDir,
      PI_OPENAI_CODEX_BASE_URL: fake.url,
      PI_OPENAI_CODEX_ISSUER: "http://127.0.0.1:9",
      NO_COLOR: "1",
    });
    await ready(pane);
    await pane.type("tell me a long story");
    await pane.keys("Enter");
    await pane.waitFor("Partial answer that never ends");
    assert.match(await pane.screen(), /Ctrl\+C to cancel/, "the spinner line is shown");
    const t0 = performance.now();
    await pane.keys("C-c");
    const screen = await pane.waitFor(
      (s) => s.includes("Interrupted") && !s.includes("Ctrl+C to cancel") && /^›$/m.test(s),
      5_000,
      5,
    );
    const ms = performance.now() - t0;
    console.log(`  Ctrl+C → prompt back: ${ms.toFixed(0)} ms (capture-pane polling, 5 ms)`);
    assert.match(screen, /^Partial answer that never ends$/m, "what arrived stays on screen");

    // NO_COLOR: no SGR colour/attribute sequences on the screen.
    const styled = await pane.tmux("capture-pane", "-p", "-e");
    const sgr = new RegExp("\x1b\\[[0-9;]*m", "g");
    const styles = (styled.match(sgr) ?? []).filter((m) => m !== "\x1b[0m" && m !== "\x1b[m");
    assert.deepEqual(styles, [], "no styles with NO_COLOR");

    // The conversation goes on after the interruption; `\` + Enter continues the input on
    // a new line, and ↑ brings back the earlier input.
    await pane.type("go on\\");
    await pane.keys("Enter");
    await pane.type("with a second line");
    await pane.waitFor(/^› go on\n {2}with a second line$/m);
    await pane.keys("Enter");
    await pane.waitFor("After the interruption.");
    assert.equal(fake.requests.length, 2);
    const input = fake.requests[1].body.input as { role?: string; content?: unknown }[];
    const lastUser = input.filter((i) => i.role === "user").at(-1);
    assert.match(JSON.stringify(lastUser?.content), /go on\\nwith a second line/);
    await pane.keys("Up");
    await pane.waitFor(/^› go on\n {2}with a second line$/m);
    // Ctrl+C on a prompt with text clears it (and does not exit).
    await pane.keys("C-c");
    await pane.waitFor((s) => /^›$/m.test(s));

    // An error during a turn: one line in the transcript, and the prompt comes back.
    await pane.type("break it");
    await pane.keys("Enter");
    const failed = await pane.waitFor(/^✗ .*exploded/m);
    assert.match(failed, /^✗ .*The model exploded badly/m);
    await pane.waitFor((s) => /^›$/m.test(s) && !s.includes("Ctrl+C to cancel"));
    await pane.type("again");
    await pane.keys("Enter");
    await pane.waitFor("Still alive.");

    // Ctrl+C on an idle prompt asks first; Ctrl+D exits.
    await pane.keys("C-c");
    await pane.waitFor("Press Ctrl+C again to exit");
    await pane.keys("C-d");
    assert.equal(await pane.exitCode(), 0);
    const stty = await pane.stty();
    assert.match(stty, /(^|\s)icanon(\s|$)/, "canonical mode back");
    assert.match(stty, /(^|\s)echo(\s|$)/, "echo back");
    assert.match(stty, /(^|\s)isig(\s|$)/, "signals back");
    assert.match(stty, /(^|\s)opost(\s|$)/, "output processing back");
    assert.equal(await pane.cursorVisible(), true, "cursor visible");
  } finally {
    await pane?.kill();
    await fake.close();
    await Deno.remove(dir, { recursive: true });
  }
});

test("interactive: /login (offered when there is no key) with a browser that follows the URL", async () => {
  const dir = await tempDir();
  const agentDir = `${dir}/agent`;
  const issuer = startFakeIssuer();
  const fake = startFakeCodex([]);
  let pane: TmuxPane | undefined;
  try {
    pane = await startPane(dir, {
      PI_CODING_AGENT_DIR: agentDir,
      PI_OPENAI_CODEX_BASE_URL: fake.url,
      PI_OPENAI_CODEX_ISSUER: issuer.url,
      PI_OAUTH_CALLBACK_PORT: String(freePort()),
      BROWSER: `${Deno.execPath()} run -A ${BROWSER_SCRIPT}`,
      BROWSER_LOG: `${dir}/browser.log`,
    });
    // No key: said at once, and /login is offered in the prompt.
    const first = await pane.waitFor(/^› \/login/m);
    assert.match(first, /No key for openai-codex/);
    await pane.keys("Enter");
    const menu = await pane.waitFor("ChatGPT Plus/Pro (Codex Subscription)");
    assert.match(menu, /^❯ ChatGPT Plus\/Pro \(Codex Subscription\)/m, "first in the menu");
    await pane.keys("Enter");
    const done = (await pane.waitFor("Logged in to")).replace(/\s+/g, " ");
    assert.match(
      done,
      new RegExp(
        `✓ Logged in to ChatGPT Plus/Pro \\(Codex Subscription\\) as ${TEST_EMAIL} \\(plan: ${TEST_PLAN}\\)`,
      ),
    );
    assert.match(done, /Open this URL to log in:/);
    // The callback won the race: the paste prompt is gone, the editor is back.
    const after = await pane.waitFor((s) => /^›$/m.test(s));
    assert.doesNotMatch(after, /paste the redirect URL/i);
    const auth = JSON.parse(await Deno.readTextFile(`${agentDir}/auth.json`));
    assert.equal(auth["openai-codex"].type, "oauth");
    assert.equal(auth["openai-codex"].accountId, "acct-test-1234");
    assert.equal((await Deno.stat(`${agentDir}/auth.json`)).mode! & 0o777, 0o600);
    assert.deepEqual(issuer.problems, []);
    // Logged in: the status line no longer warns.
    await pane.waitFor((s) => !s.includes("not logged in"));
    await pane.keys("C-d");
    assert.equal(await pane.exitCode(), 0);
  } finally {
    await pane?.kill();
    await fake.close();
    await issuer.close();
    await Deno.remove(dir, { recursive: true });
  }
});

test("interactive: /login with the callback port held completes from the pasted redirect URL", async () => {
  const dir = await tempDir();
  const agentDir = `${dir}/agent`;
  const issuer = startFakeIssuer();
  const fake = startFakeCodex([]);
  // Another program holds the pinned callback port.
  const holder = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (holder.addr as Deno.NetAddr).port;
  let pane: TmuxPane | undefined;
  try {
    pane = await startPane(dir, {
      PI_CODING_AGENT_DIR: agentDir,
      PI_OPENAI_CODEX_BASE_URL: fake.url,
      PI_OPENAI_CODEX_ISSUER: issuer.url,
      PI_OAUTH_CALLBACK_PORT: String(port),
      // A browser that signs in but stops at the callback (as a user copying the address).
      BROWSER: `${Deno.execPath()} run -A ${BROWSER_SCRIPT}`,
      BROWSER_LOG: `${dir}/browser.log`,
      BROWSER_STOP_AT_CALLBACK: "1",
    });
    await pane.waitFor(/^› \/login/m);
    // Typing replaces the offered "/login".
    await pane.type("/login openai-codex");
    await pane.waitFor(/^› \/login openai-codex$/m);
    await pane.keys("Enter");
    const asked = await pane.waitFor(/paste the (redirect )?URL/i);
    assert.match(asked, new RegExp(`Port ${port} already in use`));
    // The URL the browser ended on, from its log.
    const callback = await stoppedAt(`${dir}/browser.log`);
    assert.match(callback, new RegExp(`^http://localhost:${port}/auth/callback\\?code=`));
    await pane.type(callback);
    await pane.keys("Enter");
    const done = await pane.waitFor("Logged in to");
    assert.match(done, /✓ Logged in to ChatGPT Plus\/Pro \(Codex Subscription\) as /);
    const auth = JSON.parse(await Deno.readTextFile(`${agentDir}/auth.json`));
    assert.equal(auth["openai-codex"].type, "oauth");
    assert.deepEqual(issuer.problems, []);
    await pane.keys("C-d");
    assert.equal(await pane.exitCode(), 0);
  } finally {
    holder.close();
    await pane?.kill();
    await fake.close();
    await issuer.close();
    await Deno.remove(dir, { recursive: true });
  }
});

test("interactive: /logout lists saved providers, removes openai-codex after confirming, keeps the others", async () => {
  const dir = await tempDir();
  const agentDir = `${dir}/agent`;
  await writeFakeAuth(agentDir);
  const auth = JSON.parse(await Deno.readTextFile(`${agentDir}/auth.json`));
  auth.anthropic = { type: "api_key", key: "sk-ant-test-key-123456" };
  await Deno.writeTextFile(`${agentDir}/auth.json`, JSON.stringify(auth), { mode: 0o600 });
  const issuer = startFakeIssuer();
  const fake = startFakeCodex([]);
  let pane: TmuxPane | undefined;
  try {
    pane = await startPane(dir, {
      PI_CODING_AGENT_DIR: agentDir,
      PI_OPENAI_CODEX_BASE_URL: fake.url,
      PI_OPENAI_CODEX_ISSUER: issuer.url,
    });
    await ready(pane);
    await pane.type("/logout");
    await pane.keys("Enter");
    const menu = await pane.waitFor("Log out of (saved credentials)");
    assert.match(menu, /^❯ openai-codex — ChatGPT Plus\/Pro \(Codex Subscription\) \(OAuth\)/m);
    assert.match(menu, /^ {2}anthropic — anthropic \(API key\)/m);
    await pane.keys("Enter");
    const confirm = await pane.waitFor("Log out of ChatGPT Plus/Pro");
    assert.match(confirm, /^❯ No/m, "No is the default");
    // Nothing is removed before the answer.
    assert.ok(JSON.parse(await Deno.readTextFile(`${agentDir}/auth.json`))["openai-codex"]);
    await pane.type("y");
    const done = (await pane.waitFor("Logged out of")).replace(/\s+/g, " ");
    assert.match(
      done,
      /✓ Logged out of ChatGPT Plus\/Pro \(Codex Subscription\) \(token revoked\) \(still saved: anthropic\)/,
    );
    const after = JSON.parse(await Deno.readTextFile(`${agentDir}/auth.json`));
    assert.equal(after["openai-codex"], undefined);
    assert.equal(after.anthropic.key, "sk-ant-test-key-123456");
    assert.equal(issuer.revokeCalls.length, 1, "the token was revoked at the issuer");
    // The status line now says the provider has no key.
    await pane.waitFor("not logged in");

    // A narrower terminal: the screen is redrawn at the new width (the status line is cut
    // to fit, with "…"), nothing doubled.
    await pane.tmux("resize-window", "-x", "50", "-y", "24");
    const narrow = await pane.waitFor((s) =>
      s.split("\n").some((r) => r.startsWith("openai-codex/gpt") && r.endsWith("…"))
    );
    const rows = narrow.split("\n");
    assert.ok(rows.every((r) => r.length <= 50), narrow);
    assert.equal(rows.filter((r) => r.startsWith("› /logout")).length, 1, narrow);
    assert.equal(rows.filter((r) => r.startsWith("openai-codex/gpt")).length, 1, narrow);
    assert.match(narrow, /^pi — \/help/m);
    await pane.keys("C-d");
    assert.equal(await pane.exitCode(), 0);
  } finally {
    await pane?.kill();
    await fake.close();
    await issuer.close();
    await Deno.remove(dir, { recursive: true });
  }
});

test("interactive: time from start to a ready prompt (median of 10, printed)", async () => {
  const dir = await tempDir();
  const agentDir = `${dir}/agent`;
  await writeFakeAuth(agentDir);
  const fake = startFakeCodex([]);
  const times: number[] = [];
  try {
    for (let i = 0; i < 10; i++) {
      const pane = await startPane(dir, {
        PI_CODING_AGENT_DIR: agentDir,
        PI_OPENAI_CODEX_BASE_URL: fake.url,
        PI_OPENAI_CODEX_ISSUER: "http://127.0.0.1:9",
      }, ["--no-session"]);
      try {
        await pane.waitFor((s) => /^›( |$)/m.test(s) && s.includes("subscription"), 20_000, 2);
        const readyNs = BigInt(Date.now()) * 1_000_000n;
        const startNs = await pane.startedNs();
        times.push(Number(readyNs - startNs) / 1e6);
        await pane.keys("C-d");
        assert.equal(await pane.exitCode(), 0);
      } finally {
        await pane.kill();
      }
    }
    const sorted = [...times].sort((a, b) => a - b);
    const median = (sorted[4] + sorted[5]) / 2;
    console.log(
      `  start → ready prompt: median ${median.toFixed(0)} ms over 10 runs ` +
        `(min ${sorted[0].toFixed(0)}, max ${sorted[9].toFixed(0)}; includes deno startup)`,
    );
    assert.equal(times.length, 10);
  } finally {
    await fake.close();
    await Deno.remove(dir, { recursive: true });
  }
});

test("interactive: Ctrl+C during a running tool kills it, keeps the conversation valid", async () => {
  const dir = await tempDir();
  const agentDir = `${dir}/agent`;
  await writeFakeAuth(agentDir);
  const marker = `sleep 29.${Math.floor(Math.random() * 900 + 100)}`;
  const fake = startFakeCodex([
    { calls: [{ name: "bash", arguments: { command: `echo started; ${marker}` } }] },
    { text: "Fine." },
  ]);
  let pane: TmuxPane | undefined;
  const running = async () => {
    const out = await new Deno.Command("pgrep", { args: ["-f", marker], stdout: "piped" })
      .output();
    return new TextDecoder().decode(out.stdout).trim() !== "";
  };
  try {
    pane = await startPane(dir, {
      PI_CODING_AGENT_DIR: agentDir,
      PI_OPENAI_CODEX_BASE_URL: fake.url,
      PI_OPENAI_CODEX_ISSUER: "http://127.0.0.1:9",
    });
    await ready(pane);
    await pane.type("run it");
    await pane.keys("Enter");
    await pane.waitFor(/^ {2}started$/m);
    assert.equal(await running(), true);
    await pane.keys("C-c");
    const screen = await pane.waitFor((s) => s.includes("Interrupted") && /^›$/m.test(s));
    assert.match(screen, new RegExp(`^✗ bash echo started; ${marker} → \\(interrupted\\)$`, "m"));
    const deadline = Date.now() + 5_000;
    while (await running() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(await running(), false, "the command was killed");
    // The next request answers the cut call (the fake rejects a call without output).
    await pane.type("go on");
    await pane.keys("Enter");
    await pane.waitFor("Fine.");
    assert.deepEqual(fake.problems, []);
    assert.equal(functionOutputs(fake.requests[1]).length, 1);
    await pane.keys("C-d");
    assert.equal(await pane.exitCode(), 0);
  } finally {
    await pane?.kill();
    await fake.close();
    await Deno.remove(dir, { recursive: true });
  }
});

test("interactive: with no key, the offered /login does not keep Ctrl+D from exiting", async () => {
  const dir = await tempDir();
  let pane: TmuxPane | undefined;
  try {
    pane = await startPane(dir, { PI_CODING_AGENT_DIR: `${dir}/agent` });
    await pane.waitFor(/No key for openai-codex[\s\S]*› \/login/);
    await pane.keys("C-d");
    assert.equal(await pane.exitCode(), 0);
  } finally {
    await pane?.kill();
    await Deno.remove(dir, { recursive: true });
  }
});
