/**
 * Approvals and the tool modes on the interactive screen, in-process with keystrokes against
 * the fake Codex backend (scripted tool calls): the question for an edit shows its diff while
 * the spinner says it waits for you; `y` runs the call, `a` runs it and later calls of that
 * tool without asking, `n` declines it (the model reads the decline), Esc stops the turn,
 * Ctrl+C too; reads are not asked about under `writes`, and under `all` they are asked one at
 * a time in call order. `/sandbox` and `/ask` change the modes (menu, argument, Tab, unknown
 * values, a sandbox that cannot run), and the status line shows them.
 */

import assert from "node:assert/strict";
import { DECLINED_TEXT, STOPPED_TEXT } from "../src/agent/approval.ts";
import { ApprovalPrompt } from "../src/cli/interactive/approval_prompt.ts";
import { WAITING } from "../src/cli/interactive/approvals.ts";
import { stripAnsi } from "../src/cli/render.ts";
import { SelectMenu } from "../src/cli/tui/select_menu.ts";
import {
  callOutputs,
  type FakeBackend,
  type FakeCall,
  turnEvents,
} from "./fixtures/fake_codex_backend.ts";
import { type AppHarness, withApp, withFakeCodexApp } from "./fixtures/interactive_app.ts";
import type { ToolModes } from "../src/cli/tool_control.ts";
import type { SandboxStatus } from "../src/agent/sandbox.ts";
import { until } from "./fixtures/processes.ts";

const ESC = "\x1b";
const CTRL_C = "\x03";

interface Env {
  h: AppHarness;
  fake: FakeBackend;
  /** A temp dir for the files the calls touch (absolute paths: the app's cwd is the repo). */
  dir: string;
}

/** A temp dir with `a.txt` for `fn` (removed after it). */
async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "pi-approve-" }));
  await Deno.writeTextFile(`${dir}/a.txt`, "one\ntwo\nthree\n");
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** An app under `modes` whose model makes `calls` (given the temp dir), then says "done". */
function withCalls(
  modes: Partial<ToolModes>,
  calls: (dir: string) => FakeCall[] | FakeCall[][],
  fn: (env: Env) => Promise<void>,
): Promise<void> {
  return withDir((dir) => {
    const made = calls(dir);
    const turns = (Array.isArray(made[0]) ? made as FakeCall[][] : [made as FakeCall[]])
      .flatMap((c) => [{ calls: c }, { text: "done" }]);
    return withFakeCodexApp(turns, { modes }, (h, fake) => fn({ h, fake, dir }));
  });
}

/** Waits (10 s at most) until `ready` holds. */
/** The open approval question (waits for it). */
async function question(h: AppHarness): Promise<ApprovalPrompt> {
  await until(() => h.app.host.top instanceof ApprovalPrompt, "the approval question");
  return h.app.host.top as ApprovalPrompt;
}

/** The live region as last drawn, without styles. */
function frame(h: AppHarness): string {
  return stripAnsi(h.written.at(-1) ?? "");
}

/** What the model read for each call of the turn before request `i`. */
function outputs(fake: FakeBackend, i: number): string[] {
  return callOutputs(fake.requests[i]);
}

const editTwo = (dir: string): FakeCall => ({
  name: "edit",
  arguments: { path: `${dir}/a.txt`, oldText: "two", newText: "2" },
});
const touch = (dir: string, name: string): FakeCall => ({
  name: "bash",
  arguments: { command: `touch ${dir}/${name}` },
});
const exists = (path: string) => Deno.stat(path).then(() => true, () => false);

const options = { sanitizeResources: false, sanitizeOps: false };

Deno.test({
  ...options,
  name: "ask writes: the edit's question shows its diff while the spinner waits; y runs it",
  fn: () =>
    withCalls({ ask: "writes" }, (dir) => [editTwo(dir)], async ({ h, fake, dir }) => {
      h.type("change it\r");
      const q = await question(h);
      assert.equal(q.question.title, `Edit ${dir}/a.txt?`);
      assert.equal(h.app.state.turn?.status, WAITING);
      const shown = frame(h);
      for (
        const row of [
          `Edit ${dir}/a.txt?`,
          "  @@ -1,3 +1,3 @@",
          "  -two",
          "  +2",
          "y yes · a always for edit · n no · Esc no, stop the turn",
          `${WAITING} (Ctrl+C to cancel)`,
          "sandbox off · ask writes",
        ]
      ) assert.ok(shown.includes(row), `${row} in:\n${shown}`);
      assert.equal(await Deno.readTextFile(`${dir}/a.txt`), "one\ntwo\nthree\n", "not yet");
      h.type("y");
      await h.idle();
      assert.equal(await Deno.readTextFile(`${dir}/a.txt`), "one\n2\nthree\n");
      assert.match(outputs(fake, 1)[0], /^Edited /);
      assert.ok(h.transcript().includes("done"), h.transcript().join("\n"));
      assert.equal(h.app.approvals.always.size, 0, "y is for this call only");
    }),
});

Deno.test({
  ...options,
  name: "a: runs the edit and the next edit without asking; bash is still asked (n declines it)",
  fn: () =>
    withCalls({ ask: "writes" }, (dir) => [
      [editTwo(dir), {
        name: "edit",
        arguments: { path: `${dir}/a.txt`, oldText: "three", newText: "3" },
      }, touch(dir, "made.txt")],
      [{ name: "edit", arguments: { path: `${dir}/a.txt`, oldText: "one", newText: "1" } }],
    ], async ({ h, fake, dir }) => {
      h.type("go\r");
      await question(h);
      h.type("a");
      const bash = await question(h);
      assert.equal(bash.question.title, "Run bash?", "the second edit was not asked about");
      assert.equal(await Deno.readTextFile(`${dir}/a.txt`), "one\n2\n3\n");
      h.type("n");
      await h.idle();
      assert.equal(await exists(`${dir}/made.txt`), false, "bash did not run");
      const [first, second, third] = outputs(fake, 1);
      assert.match(first, /^Edited /);
      assert.match(second, /^Edited /);
      assert.equal(third, DECLINED_TEXT);
      // A later prompt: `a` still holds for edit.
      h.type("again\r");
      await h.idle();
      assert.equal(await Deno.readTextFile(`${dir}/a.txt`), "1\n2\n3\n");
      assert.deepEqual([...h.app.approvals.always], ["edit"]);
    }),
});

Deno.test({
  ...options,
  name: "n: the file is unchanged and the model's next request carries the decline",
  fn: () =>
    withCalls({ ask: "writes" }, (dir) => [editTwo(dir)], async ({ h, fake, dir }) => {
      h.type("change it\r");
      await question(h);
      h.type("n");
      await h.idle();
      assert.equal(await Deno.readTextFile(`${dir}/a.txt`), "one\ntwo\nthree\n");
      assert.deepEqual(outputs(fake, 1), [DECLINED_TEXT]);
      assert.ok(
        h.transcript().some((l) => l.startsWith("✗ edit ") && l.endsWith(`→ ${DECLINED_TEXT}`)),
        h.transcript().join("\n"),
      );
    }),
});

Deno.test({
  ...options,
  name: "Esc: no, and the turn stops; the calls after it do not run either",
  fn: () =>
    withCalls(
      { ask: "writes" },
      (dir) => [editTwo(dir), touch(dir, "after.txt")],
      async ({ h, fake, dir }) => {
        h.type("change it\r");
        await question(h);
        h.type(ESC);
        await h.idle();
        assert.equal(h.app.host.top, undefined);
        assert.equal(await Deno.readTextFile(`${dir}/a.txt`), "one\ntwo\nthree\n");
        assert.equal(await exists(`${dir}/after.txt`), false);
        assert.equal(fake.requests.length, 1, "the model was not asked again");
        assert.equal(h.transcript().at(-1), "Stopped at the approval question");
        // The next prompt sends the declined and the unrun call with their results.
        h.type("ok\r");
        await h.idle();
        assert.deepEqual(outputs(fake, 1), [DECLINED_TEXT, STOPPED_TEXT]);
      },
    ),
});

Deno.test({
  ...options,
  name: "Ctrl+C at the question: it closes, the turn is interrupted, nothing runs",
  fn: () =>
    withCalls({ ask: "all" }, (dir) => [touch(dir, "x.txt")], async ({ h, fake, dir }) => {
      h.type("go\r");
      await question(h);
      h.type(CTRL_C);
      assert.equal(h.app.host.top, undefined);
      assert.equal(h.app.state.turn, undefined, "the prompt is back at once");
      assert.equal(h.transcript().at(-1), "Interrupted");
      await h.idle();
      assert.equal(await exists(`${dir}/x.txt`), false);
      assert.equal(fake.requests.length, 1);
      assert.equal(h.app.state.exitArmed, false, "one Ctrl+C does not arm the exit");
    }),
});

Deno.test({
  ...options,
  name: "writes: parallel reads never ask; all: they are asked one at a time, in call order",
  fn: async () => {
    const reads = (dir: string): FakeCall[] => [
      { name: "read", arguments: { path: `${dir}/a.txt` } },
      { name: "read", arguments: { path: `${dir}/b.txt` } },
    ];
    await withCalls({ ask: "writes" }, reads, async ({ h, fake }) => {
      let asked = 0;
      const open = h.app.open.bind(h.app);
      h.app.open = (w, s) => (asked++, open(w, s));
      h.type("read them\r");
      await h.idle();
      assert.equal(asked, 0);
      assert.match(outputs(fake, 1)[0], /two/);
    });
    await withCalls({ ask: "all" }, reads, async ({ h, fake, dir }) => {
      h.type("read them\r");
      const first = await question(h);
      assert.equal(first.question.title, `Read ${dir}/a.txt?`);
      h.type("y");
      const second = await question(h);
      assert.notEqual(second, first);
      assert.equal(second.question.title, `Read ${dir}/b.txt?`);
      h.type("n");
      await h.idle();
      const [a, b] = outputs(fake, 1);
      assert.match(a, /two/);
      assert.equal(b, DECLINED_TEXT);
    });
  },
});

Deno.test({
  ...options,
  name: "a typo or an empty Enter at the question answers nothing; the question stays",
  fn: () =>
    withCalls({ ask: "writes" }, (dir) => [editTwo(dir)], async ({ h, dir }) => {
      h.type("change it\r");
      const q = await question(h);
      h.type("t");
      h.type("\r");
      h.type("yes"); // typed fast, as one chunk: not an answer
      assert.equal(h.app.host.top, q);
      assert.ok(frame(h).includes("Answer with y, a, n or Esc"), frame(h));
      assert.equal(h.app.editor.text, "", "nothing typed reached the editor");
      h.type("y");
      await h.idle();
      assert.equal(await Deno.readTextFile(`${dir}/a.txt`), "one\n2\nthree\n");
    }),
});

Deno.test({
  ...options,
  name: "typing the next message as the question opens: its keys do not answer it",
  fn: () =>
    withDir(async (dir) => {
      // The model's answer waits until the test has typed.
      let release = () => {};
      const typed = new Promise<void>((r) => release = r);
      const events = turnEvents({ calls: [editTwo(dir)] }).join("");
      const script = [
        {
          response: () =>
            new Response(
              new ReadableStream({
                async start(controller) {
                  await typed;
                  controller.enqueue(new TextEncoder().encode(events));
                  controller.close();
                },
              }),
              { headers: { "content-type": "text/event-stream" } },
            ),
        },
        { text: "done" },
        { calls: [editTwo(dir)] },
        { text: "done" },
      ];
      await withFakeCodexApp(script, { modes: { ask: "writes" } }, async (h, fake) => {
        h.type("change it\r");
        await until(() => fake.requests.length === 1, "the request");
        h.type("and then");
        release();
        const q = await question(h);
        assert.notEqual(q.holdUntil, undefined, "answers are held a moment");
        assert.equal(h.app.editor.text, "and then", "what was typed stays in the editor");
        h.type(ESC);
        await h.idle();
        assert.equal(await Deno.readTextFile(`${dir}/a.txt`), "one\ntwo\nthree\n");
        h.type("\x15never mind\r"); // answered "done"
        await h.idle();
        // Not typing: nothing is held.
        h.type("change it\r");
        assert.equal((await question(h)).holdUntil, undefined);
        h.type("y");
        await h.idle();
        assert.equal(await Deno.readTextFile(`${dir}/a.txt`), "one\n2\nthree\n");
      });
    }),
});

Deno.test({
  ...options,
  name:
    "/ask: a menu without an argument, the argument, Tab, an unknown value; a new mode forgets a",
  fn: () =>
    withCalls({ ask: "writes" }, (dir) => [editTwo(dir)], async ({ h }) => {
      h.type("/as\t");
      assert.equal(h.app.editor.text, "/ask ");
      h.type("w\t");
      assert.equal(h.app.editor.text, "/ask writes ");
      h.type("\x15/ask \t");
      assert.equal(h.app.state.hint?.text, "never  writes  all");
      h.type("\x15/ask sometimes\r");
      await h.idle();
      assert.equal(
        h.transcript().at(-1),
        "✗ Unknown ask: sometimes (known: never, writes, all)",
      );
      assert.equal(h.app.tools.modes.ask, "writes");
      h.type("change it\r");
      await question(h);
      h.type("a");
      await h.idle();
      assert.deepEqual([...h.app.approvals.always], ["edit"]);
      h.type("/ask\r");
      const menu = await until(() => h.app.host.top instanceof SelectMenu, "the menu").then(() =>
        h.app.host.top as SelectMenu<string>
      );
      assert.equal(menu.title, "Ask before tools run, for this session");
      assert.deepEqual(menu.items.map((i) => i.label), ["never", "writes", "all"]);
      assert.equal(menu.index, 1, "the current mode is highlighted");
      h.type("\x1b[B\r"); // ↓ Enter: all
      await h.idle();
      assert.equal(h.app.tools.modes.ask, "all");
      assert.equal(
        h.transcript().at(-1),
        'Ask: all (asks before every tool); "always" for edit forgotten',
      );
      assert.equal(h.app.approvals.always.size, 0);
      assert.ok(frame(h).includes("sandbox off · ask all"), frame(h));
      h.type("/ask NEVER\r");
      await h.idle();
      assert.equal(h.app.tools.modes.ask, "never");
      assert.equal(h.transcript().at(-1), "Ask: never (tools run without asking)");
    }),
});

Deno.test({
  ...options,
  name:
    "/sandbox: menu, argument, Tab, unknown value; a sandbox that cannot run is said and not switched",
  fn: async () => {
    let ok = false;
    const probe = (): Promise<SandboxStatus> =>
      Promise.resolve(
        ok ? { ok: true } : {
          ok: false,
          reason: "bwrap (bubblewrap) is not installed",
          hint: "install bubblewrap (sudo apt install bubblewrap)",
        },
      );
    await withApp({ probe }, async (h) => {
      h.type("/sa\t");
      assert.equal(h.app.editor.text, "/sandbox ");
      h.type("r\t");
      assert.equal(h.app.editor.text, "/sandbox read-only ");
      h.type("\x15/sandbox strict\r");
      await h.idle();
      assert.equal(
        h.transcript().at(-1),
        "✗ Unknown sandbox: strict (known: off, workspace, read-only)",
      );
      h.type("/sandbox workspace\r");
      await h.idle();
      assert.equal(
        h.transcript().at(-1),
        "✗ bwrap (bubblewrap) is not installed: the sandbox stays off. To use workspace: install bubblewrap (sudo apt install bubblewrap)",
      );
      assert.equal(h.app.tools.modes.sandbox, "off");
      ok = true;
      h.type("/sandbox\r");
      await until(() => h.app.host.top instanceof SelectMenu, "the menu");
      const menu = h.app.host.top as SelectMenu<string>;
      assert.deepEqual(menu.items.map((i) => [i.label, i.hint]), [
        ["off", "no limits, current"],
        ["workspace", "writes only in this directory, no network"],
        ["read-only", "nothing written, no network"],
      ]);
      h.type("w"); // a first letter picks
      await h.idle();
      assert.equal(h.app.tools.modes.sandbox, "workspace");
      assert.equal(
        h.transcript().at(-1),
        "Sandbox: workspace (writes only in this directory, no network)",
      );
      assert.ok(frame(h).includes("sandbox workspace · ask never"), frame(h));
      assert.equal(h.app.runnerOptions().tools, h.app.tools.tools, "the runner gets the tools");
      h.type("/sandbox\r");
      await until(() => h.app.host.top instanceof SelectMenu, "the menu");
      h.type(ESC);
      await h.idle();
      assert.equal(h.app.tools.modes.sandbox, "workspace", "Esc changes nothing");
    });
  },
});

Deno.test({
  ...options,
  name: "started with a sandbox that cannot run: said once at the start, with the fix",
  fn: () =>
    withApp({
      modes: { sandbox: "read-only" },
      probe: () =>
        Promise.resolve({
          ok: false,
          reason: "bwrap (bubblewrap) is not installed",
          hint: "install bubblewrap",
        }),
    }, async (h) => {
      await until(() => h.transcript().some((l) => l.startsWith("! ")), "the warning");
      assert.deepEqual(h.transcript().filter((l) => l.startsWith("! ")), [
        "! bwrap (bubblewrap) is not installed; every tool call is refused (--sandbox read-only). To fix: install bubblewrap, or run pi with --sandbox off",
      ]);
      h.app.sayOnce(
        "bwrap (bubblewrap) is not installed; every tool call is refused (--sandbox read-only). To fix: install bubblewrap, or run pi with --sandbox off",
      );
      assert.equal(h.transcript().filter((l) => l.startsWith("! ")).length, 1, "said once");
    }),
});
