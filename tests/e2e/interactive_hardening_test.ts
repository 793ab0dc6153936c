/**
 * The interactive screen as a new user meets it (issue 15), at 80x24 and 100x30: live
 * tool output as whole lines, URLs and paths printed unbroken (the terminal wraps them;
 * checked with `capture-pane -J`, which joins only the rows the terminal wrapped), hints
 * that go once they no longer apply, the editor after a failed send, Ctrl+P over a
 * `--models` scope of keyed and unkeyed providers, markdown, and the thinking-level
 * message said the same way by print mode and the screen. Against fake servers on
 * 127.0.0.1; waits poll the screen with a deadline.
 */

import assert from "node:assert/strict";
import {
  type FakeTurn,
  type RecordedRequest,
  startFakeCodex,
  writeFakeAuth,
} from "../fixtures/fake_codex_backend.ts";
import { freePort, startFakeIssuer } from "../fixtures/fake_oauth_issuer.ts";
import { runPi } from "./run_pi.ts";
import { HOST_ENV, TmuxPane, tmuxTest as test } from "./tmux.ts";

const SIZES = [[80, 24], [100, 30]] as const;

function startPane(
  dir: string,
  env: Record<string, string>,
  args: string[],
  [width, height]: readonly [number, number],
): Promise<TmuxPane> {
  return TmuxPane.start(dir, { ...HOST_ENV, ...env }, args, { width, height, join: true });
}

function ready(pane: TmuxPane): Promise<string> {
  return pane.waitFor((s) => /^›( |$)/m.test(s) && /\/\S+ · (not logged in|thinking)/.test(s));
}

async function tempDir(): Promise<string> {
  return await Deno.realPath(await Deno.makeTempDir({ prefix: "pi-hardening-" }));
}

function effort(request: RecordedRequest): unknown {
  return (request.body.reasoning as Record<string, unknown> | undefined)?.effort;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

/** Lines of the screen that are exactly `line`. */
const count = (screen: string, line: string) =>
  screen.split("\n").filter((l) => l.trimEnd() === line).length;

const LONG_URL = "https://example.com/docs/guides/" + "a-very-long-segment/".repeat(7) +
  "index.html?q=1";
const LIVE_URL = "https://example.org/still/streaming/" + "another-long-segment/".repeat(6) +
  "end";

for (const size of SIZES) {
  const at = `${size[0]}x${size[1]}`;

  test(`interactive ${at}: live bash output is whole lines; URLs and the session path are unbroken; markdown; the hint goes after Ctrl+C`, async () => {
    const dir = await tempDir();
    const agentDir = `${dir}/agent`;
    await writeFakeAuth(agentDir);
    const command = "printf 'alpha\\nbeta\\n'; while [ ! -e go ]; do sleep 0.05; done; " +
      "printf 'gamma\\n'; while [ ! -e done ]; do sleep 0.05; done";
    const script: FakeTurn[] = [
      { calls: [{ name: "bash", arguments: { command } }] },
      {
        text: `Read ${LONG_URL} for *more*, or [the guide](https://example.com/g).\n\n` +
          "| Name | Size |\n|------|-----:|\n| one | 1 |\n| three | 333 |\n",
        chunks: 5,
      },
      { hangAfter: `Partial answer with ${LIVE_URL}` },
    ];
    const fake = startFakeCodex(script);
    let pane: TmuxPane | undefined;
    try {
      pane = await startPane(
        dir,
        {
          PI_CODING_AGENT_DIR: agentDir,
          PI_OPENAI_CODEX_BASE_URL: fake.url,
          PI_OPENAI_CODEX_ISSUER: "http://127.0.0.1:9",
        },
        [],
        size,
      );
      await ready(pane);
      await pane.type("run it");
      await pane.keys("Enter");
      // Live output: alpha and beta as they came, then gamma on a line of its own.
      await pane.waitFor(/^ {2}beta$/m);
      await Deno.writeTextFile(`${dir}/go`, "");
      let screen = await pane.waitFor(/^ {2}gamma$/m);
      assert.match(screen, /^ {2}alpha\n {2}beta\n {2}gamma$/m);
      assert.doesNotMatch(screen, /betagamma/);
      await Deno.writeTextFile(`${dir}/done`, "");

      // The answer: the URL whole (the terminal wrapped it), italic and link rendered, the
      // table aligned.
      screen = await pane.waitFor(/^three │ +333$/m);
      assert.equal(count(screen, LONG_URL), 1, `URL unbroken:\n${screen}`);
      assert.match(screen, /^for more, or the guide \(https:\/\/example\.com\/g\)\.$/m);
      assert.match(screen, /^Name {2}│ Size$/m);
      assert.match(screen, /^one {3}│ {4}1$/m);
      assert.doesNotMatch(screen, /\*more\*|\|---/);

      // A long URL in the line still streaming: whole on screen while the spinner turns,
      // the live region drawn once (the cursor moves count the rows the terminal wrapped).
      await pane.type("go on");
      await pane.keys("Enter");
      screen = await pane.waitFor((s) => s.includes(LIVE_URL) && s.includes("Ctrl+C to cancel"));
      for (let i = 0; i < 3; i++) {
        screen = await pane.screen();
        assert.equal(count(screen, LIVE_URL), 1, screen);
        assert.equal(screen.split("\n").filter((l) => l.includes("Ctrl+C to cancel")).length, 1);
        assert.equal(screen.split("\n").filter((l) => l.startsWith("openai-codex/")).length, 1);
      }
      // Enter while it works: a hint, which goes when Ctrl+C ends the turn.
      await pane.type("next");
      await pane.keys("Enter");
      await pane.waitFor("Still working: wait, or Ctrl+C to cancel");
      await pane.keys("C-c");
      screen = await pane.waitFor((s) =>
        s.includes("Interrupted") && !s.includes("Ctrl+C to cancel")
      );
      assert.doesNotMatch(screen, /Still working/);
      assert.match(screen, /^› next$/m, "what was typed is still there, not sent");
      assert.equal(count(screen, LIVE_URL), 1, screen);

      // /session: the file's path whole on its line.
      await pane.keys("C-u");
      await pane.type("/session");
      await pane.keys("Enter");
      screen = await pane.waitFor(/messages: \d+/);
      const sessions = `${agentDir}/sessions`;
      const [sub] = [...Deno.readDirSync(sessions)].map((e) => e.name);
      const [file] = [...Deno.readDirSync(`${sessions}/${sub}`)].map((e) => e.name);
      const path = `${sessions}/${sub}/${file}`;
      assert.ok(path.length > size[0], "the path is longer than a row");
      assert.match(screen, new RegExp(`^(\\s+file: )?${escape(path)} *$`, "m"), screen);
      await pane.keys("C-d");
      assert.equal(await pane.exitCode(), 0);
    } finally {
      await pane?.kill();
      await fake.close();
      await Deno.remove(dir, { recursive: true });
    }
  });

  test(`interactive ${at}: a failed send keeps the message, and the next thing typed is not joined to it`, async () => {
    const dir = await tempDir();
    let pane: TmuxPane | undefined;
    try {
      pane = await startPane(
        dir,
        {
          PI_CODING_AGENT_DIR: `${dir}/agent`,
          PI_OPENAI_CODEX_ISSUER: "http://127.0.0.1:9",
        },
        [],
        size,
      );
      await pane.waitFor(/^› \/login$/m);
      // A person types over the offered /login, makes a typo, sends an empty line.
      await pane.type("helo");
      await pane.keys("BSpace");
      await pane.type("lo");
      await pane.keys("Enter");
      let screen = await pane.waitFor(/^✗ No key for openai-codex: run \/login first/m);
      assert.match(screen, /^› hello$/m, "the message is back as it was");
      // The next thing typed starts afresh.
      await pane.type("/model");
      screen = await pane.waitFor(/^› \/model$/m);
      assert.doesNotMatch(screen, /hello\/model/);
      assert.doesNotMatch(screen, /^Kept:/m, "the hint went with the kept text");
      await pane.keys("Enter");
      await pane.waitFor("Model (no provider has a key yet: /login)");
      await pane.keys("Escape");
      await pane.waitFor((s) => /^› ?$/m.test(s) && !s.includes("filter:"));
      // Empty Enter does nothing; ↑ brings the message back.
      await pane.keys("Enter");
      await pane.keys("Up");
      await pane.waitFor(/^› \/model$/m);
      await pane.keys("Up");
      await pane.waitFor(/^› hello$/m);
      // Sent again, kept again; moving the cursor edits it, visibly.
      await pane.keys("Enter");
      await pane.waitFor(/^Kept: Enter sends it again · typing starts anew/m);
      await pane.keys("End");
      await pane.type("!");
      await pane.waitFor(/^› hello!$/m);
      await pane.keys("C-c");
      await pane.waitFor(/^› ?$/m);
      await pane.keys("C-d");
      assert.equal(await pane.exitCode(), 0);
    } finally {
      await pane?.kill();
      await Deno.remove(dir, { recursive: true });
    }
  });

  test(`interactive ${at}: Ctrl+P cycles only models with a key, and a :level is for its model only`, async () => {
    const dir = await tempDir();
    const agentDir = `${dir}/agent`;
    await writeFakeAuth(agentDir);
    const fake = startFakeCodex([{ text: "From mini." }]);
    let pane: TmuxPane | undefined;
    try {
      pane = await startPane(dir, {
        PI_CODING_AGENT_DIR: agentDir,
        PI_OPENAI_CODEX_BASE_URL: fake.url,
        PI_OPENAI_CODEX_ISSUER: "http://127.0.0.1:9",
      }, [
        "--models",
        "openai-codex/gpt-5.2-codex,anthropic/claude-sonnet-4-5:high,openai-codex/gpt-5:low," +
        "openai-codex/gpt-5.1-codex-mini",
      ], size);
      await pane.waitFor(/openai-codex\/gpt-5\.2-codex · thinking medium/);
      await pane.keys("C-p");
      await pane.waitFor(/^openai-codex\/gpt-5 · thinking low/m);
      await pane.keys("C-p");
      let screen = await pane.waitFor(/^openai-codex\/gpt-5\.1-codex-mini · thinking medium/m);
      await pane.keys("C-p");
      screen = await pane.waitFor(/^openai-codex\/gpt-5\.2-codex · thinking medium/m);
      assert.doesNotMatch(screen, /anthropic|No key for/, "the model without a key is skipped");
      // Shift+Ctrl+P (CSI u) goes back, skipping it too.
      await pane.keys("-H", "1b", "5b", "31", "31", "32", "3b", "36", "75");
      screen = await pane.waitFor(/^openai-codex\/gpt-5\.1-codex-mini · thinking medium/m);
      assert.doesNotMatch(screen, /anthropic/);
      await pane.type("hi");
      await pane.keys("Enter");
      await pane.waitFor("From mini.");
      assert.equal(fake.requests[0].body.model, "gpt-5.1-codex-mini");
      assert.equal(effort(fake.requests[0]), "medium", "gpt-5's :low did not leak");
      assert.deepEqual(fake.problems, []);
      await pane.keys("C-d");
      assert.equal(await pane.exitCode(), 0);
    } finally {
      await pane?.kill();
      await fake.close();
      await Deno.remove(dir, { recursive: true });
    }
  });

  test(`interactive ${at}: a thinking level the model lacks is said in one line, as in print mode; one clamping rule`, async () => {
    const dir = await tempDir();
    const agentDir = `${dir}/agent`;
    await writeFakeAuth(agentDir);
    await writeLowHighModel(agentDir);
    const fake = startFakeCodex([{ text: "Mini answer." }, { text: "Low-high answer." }]);
    let pane: TmuxPane | undefined;
    const notice = "gpt-5.1-codex-mini does not support thinking level xhigh; using high";
    try {
      const env = {
        PI_CODING_AGENT_DIR: agentDir,
        PI_OPENAI_CODEX_BASE_URL: fake.url,
        PI_OPENAI_CODEX_ISSUER: "http://127.0.0.1:9",
      };
      pane = await startPane(
        dir,
        env,
        ["--model", "gpt-5.1-codex-mini", "--thinking", "xhigh"],
        size,
      );
      let screen = await pane.waitFor(/gpt-5\.1-codex-mini · thinking high/);
      assert.equal(count(screen, `pi: ${notice}`), 1, screen);
      await pane.type("/thinking xhigh");
      await pane.keys("Enter");
      screen = await pane.waitFor(new RegExp(`^${escape(notice)}$`, "m"));
      assert.doesNotMatch(screen, /has no thinking level/);
      await pane.type("/thinking banana");
      await pane.keys("Enter");
      await pane.waitFor(
        /^✗ Unknown thinking level: banana \(known: off, minimal, low, medium, high, xhigh;/m,
      );
      await pane.type("hi");
      await pane.keys("Enter");
      await pane.waitFor("Mini answer.");
      assert.equal(effort(fake.requests[0]), "high");
      // A models.json model with reasoning low and high: medium is sent as high, as -p does.
      await pane.type("/model my-low-high");
      await pane.keys("Enter");
      await pane.type("/thinking medium");
      await pane.keys("Enter");
      await pane.waitFor(/^my-low-high does not support thinking level medium; using high$/m);
      await pane.waitFor(/openai-codex\/my-low-high · thinking high/);
      await pane.type("again");
      await pane.keys("Enter");
      await pane.waitFor("Low-high answer.");
      assert.equal(fake.requests[1].body.model, "my-low-high");
      assert.equal(effort(fake.requests[1]), "high");
      await pane.keys("C-d");
      assert.equal(await pane.exitCode(), 0);
    } finally {
      await pane?.kill();
      await fake.close();
      await Deno.remove(dir, { recursive: true });
    }
  });

  test(`interactive ${at}: /login prints the authorize URL whole (the terminal wraps it)`, async () => {
    const dir = await tempDir();
    const issuer = startFakeIssuer();
    // A browser that only notes the URL it was given.
    await Deno.writeTextFile(
      `${dir}/browser.sh`,
      `#!/bin/sh\nprintf '%s' "$1" > '${dir}/url.txt'\n`,
    );
    await Deno.chmod(`${dir}/browser.sh`, 0o755);
    let pane: TmuxPane | undefined;
    try {
      pane = await startPane(
        dir,
        {
          PI_CODING_AGENT_DIR: `${dir}/agent`,
          PI_OPENAI_CODEX_ISSUER: issuer.url,
          PI_OAUTH_CALLBACK_PORT: String(freePort()),
          BROWSER: `${dir}/browser.sh`,
        },
        [],
        size,
      );
      await pane.waitFor(/^› \/login$/m);
      await pane.type("/login openai-codex");
      await pane.keys("Enter");
      const screen = await pane.waitFor(/^Open this URL to log in:$/m);
      let url = "";
      for (let i = 0; i < 200 && url === ""; i++) {
        url = await Deno.readTextFile(`${dir}/url.txt`).catch(() => "");
        if (url === "") await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(url.startsWith(`${issuer.url}/oauth/authorize?`), url);
      assert.ok(url.length > size[0]);
      assert.equal(count(await pane.screen(), url), 1, `the URL on one (joined) line:\n${screen}`);
      await pane.keys("C-c");
      await pane.waitFor("Login cancelled");
      await pane.keys("C-d");
      assert.equal(await pane.exitCode(), 0);
    } finally {
      await pane?.kill();
      await issuer.close();
      await Deno.remove(dir, { recursive: true });
    }
  });
}

/** models.json with an openai-codex model that reasons at low and high only. */
async function writeLowHighModel(agentDir: string): Promise<void> {
  await Deno.writeTextFile(
    `${agentDir}/models.json`,
    JSON.stringify({
      providers: {
        "openai-codex": {
          models: {
            "my-low-high": {
              api: "openai-codex-responses",
              provider: "openai-codex",
              id: "my-low-high",
              name: "My Low High",
              input: 1,
              output: 2,
              reasoning: ["low", "high"],
            },
          },
        },
      },
    }),
  );
}

Deno.test("print mode: a thinking level the model lacks is said on stderr in one line; the nearest is sent (ties up)", async () => {
  const dir = await tempDir();
  const agentDir = `${dir}/agent`;
  await writeFakeAuth(agentDir);
  await writeLowHighModel(agentDir);
  const fake = startFakeCodex([{ text: "one" }, { text: "two" }, { text: "three" }]);
  try {
    const env = {
      PI_CODING_AGENT_DIR: agentDir,
      PI_OPENAI_CODEX_BASE_URL: fake.url,
      PI_OPENAI_CODEX_ISSUER: "http://127.0.0.1:9",
    };
    const mini = await runPi(
      ["-p", "--no-session", "--model", "gpt-5.1-codex-mini", "--thinking", "xhigh", "hi"],
      { env, cwd: dir },
    );
    assert.equal(mini.code, 0, mini.stderr);
    assert.equal(
      mini.stderr,
      "pi: gpt-5.1-codex-mini does not support thinking level xhigh; using high\n",
    );
    assert.equal(effort(fake.requests[0]), "high");
    const lowHigh = await runPi(
      ["-p", "--no-session", "--model", "my-low-high", "--thinking", "medium", "hi"],
      { env, cwd: dir },
    );
    assert.equal(lowHigh.code, 0, lowHigh.stderr);
    assert.match(
      lowHigh.stderr,
      /^pi: my-low-high does not support thinking level medium; using high$/m,
    );
    assert.equal(effort(fake.requests[1]), "high");
    // A supported level, or none: nothing said.
    const quiet = await runPi(
      ["-p", "--no-session", "--model", "gpt-5.1-codex-mini", "--thinking", "high", "hi"],
      { env, cwd: dir },
    );
    assert.equal(quiet.stderr, "");
  } finally {
    await fake.close();
    await Deno.remove(dir, { recursive: true });
  }
});
