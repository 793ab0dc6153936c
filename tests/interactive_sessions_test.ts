/**
 * /resume, /fork, /name and /rewind on the screen, in-process with keystrokes (no tmux)
 * against the fake Codex backend, sessions saved in the harness's agent dir: each command's
 * pickers and prompts (type to filter, Enter, Esc, Ctrl+C), and what it leaves in the session
 * files and the next request.
 */

import assert from "node:assert/strict";
import { listSessions } from "../src/agent/session_list.ts";
import { sessionDir } from "../src/agent/session_store.ts";
import { sessionItems } from "../src/cli/interactive/sessions.ts";
import { decodeKeys } from "../src/cli/tui/keys.ts";
import { SelectMenu } from "../src/cli/tui/select_menu.ts";
import { TextPrompt } from "../src/cli/tui/text_prompt.ts";
import {
  type FakeBackend,
  type FakeTurn,
  type RecordedRequest,
} from "./fixtures/fake_codex_backend.ts";
import { type AppHarness, withFakeCodexApp } from "./fixtures/interactive_app.ts";
import { inputShape } from "./e2e/session_env.ts";
import { until } from "./fixtures/processes.ts";

const ESC = "\x1b";
const CTRL_C = "\x03";
const DOWN = "\x1b[B";

/** The last user text of a request. */
function lastUserText(request: RecordedRequest): string {
  const input = request.body.input as Record<string, unknown>[];
  const last = input[input.length - 1];
  if (last.type === "function_call_output") return "";
  return ((last.content as { text?: string }[]) ?? []).map((c) => c.text ?? "").join("");
}

/**
 * The fake model: `write <path> <text>` calls the write tool (then says `Done.`), anything
 * else is answered `Answer to: <text>`.
 */
function script(request: RecordedRequest): FakeTurn {
  const text = lastUserText(request);
  if (text === "") return { text: "Done." };
  const m = /^write (\S+) (.*)$/.exec(text);
  if (m) return { calls: [{ name: "write", arguments: { path: m[1], content: m[2] } }] };
  return { text: `Answer to: ${text}` };
}

/** Waits (with a deadline) until `ready` holds. */
/** The menu open on top (waits for it). */
async function menu(h: AppHarness): Promise<SelectMenu<unknown>> {
  await until(() => h.app.host.top instanceof SelectMenu, "a menu");
  return h.app.host.top as SelectMenu<unknown>;
}

/** The labels of a menu's visible items. */
function labels(m: SelectMenu<unknown>): string[] {
  return m.visible.map((i) => i.label);
}

async function send(h: AppHarness, text: string): Promise<void> {
  h.type(`${text}\r`);
  await h.idle();
}

function withApp(fn: (h: AppHarness, fake: FakeBackend) => Promise<void>): Promise<void> {
  return withFakeCodexApp(script, { noSession: false }, fn);
}

const sessionsOf = (h: AppHarness) => listSessions(h.dir, { cwd: Deno.cwd(), cache: false });

Deno.test({
  name:
    "/resume: the cwd's sessions newest first (this one `current`, the next highlighted), typing filters, Enter continues the one picked with its model and thinking level; Esc and Ctrl+C cancel",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withApp(async (h, fake) => {
      h.type("/resume\r");
      await h.idle();
      assert.match(h.transcript().at(-1)!, /^No saved sessions in .+ \(pi sessions --all/);

      await send(h, "alpha question");
      await send(h, "/model gpt-5.2");
      await send(h, "/thinking high");
      const alpha = { id: h.app.state.sessionId, path: h.app.state.runner!.path! };
      await send(h, "/new");
      await send(h, "/model gpt-5.2-codex");
      await send(h, "/thinking low");
      await send(h, "beta question");
      const beta = { id: h.app.state.sessionId, path: h.app.state.runner!.path! };
      assert.notEqual(alpha.id, beta.id);
      const betaBytes = await Deno.readFile(beta.path);

      h.type("/resume\r");
      let m = await menu(h);
      assert.equal(m.title, "Resume a session of this directory");
      assert.deepEqual(labels(m).map((l) => l.replace(/\s+/g, " ")), [
        "now 2 msgs gpt-5.2-codex beta question",
        "now 2 msgs gpt-5.2 alpha question",
      ]);
      assert.equal(m.visible[0].hint, "current");
      assert.equal(m.index, 1, "the newest other session is highlighted");
      h.type(ESC);
      await h.idle();
      assert.equal(h.transcript().at(-1), "Resume cancelled");
      assert.equal(h.app.state.sessionId, beta.id);

      h.type("/resume\r");
      m = await menu(h);
      h.type(CTRL_C);
      await h.idle();
      assert.equal(h.transcript().at(-1), "Resume cancelled");
      assert.equal(h.app.state.exitArmed, false, "Ctrl+C closed the picker only");

      h.type("/resume\r");
      m = await menu(h);
      h.type("alpa");
      assert.deepEqual(labels(m), [], "a typo matches nothing");
      h.type("\r");
      assert.equal(h.app.host.top, m, "Enter on no match leaves the picker open");
      h.type("\x7fha");
      assert.equal(m.visible.length, 1);
      h.type("\r");
      await h.idle();
      const shown = h.transcript();
      const at = shown.findIndex((l) => l.startsWith("Resumed "));
      assert.ok(at > 0, shown.join("\n"));
      assert.equal(
        shown[at - 1],
        `Left session ${beta.id.slice(0, 8)} (saved; /resume goes back to it)`,
      );
      assert.match(shown[at], new RegExp(`^Resumed .*${alpha.id}\\.jsonl \\(2 messages\\)$`));
      assert.deepEqual(shown.slice(at + 1), [
        "› alpha question",
        "Answer to: alpha question",
        "Model: openai-codex/gpt-5.2 · thinking high",
      ]);
      assert.equal(h.app.state.sessionId, alpha.id);
      assert.equal(h.app.state.model.id, "gpt-5.2", "the session's model came with it");
      assert.equal(h.app.level(), "high");

      await send(h, "more alpha");
      const request = fake.requests.at(-1)!;
      assert.equal(request.headers["session_id"], alpha.id);
      assert.deepEqual(inputShape(request), [
        "user:alpha question",
        "assistant:Answer to: alpha question",
        "user:more alpha",
      ]);
      assert.deepEqual(await Deno.readFile(beta.path), betaBytes, "the session left is as it was");
      assert.match(await Deno.readTextFile(alpha.path), /more alpha/);

      h.type("/resume\r");
      m = await menu(h);
      h.type(beta.id.slice(0, 8));
      assert.deepEqual(labels(m), [], "what is not shown (the id) is not matched");
      h.type("\x15alpha\r");
      await h.idle();
      assert.equal(h.transcript().at(-1), "That is the session you are in");
    }),
});

Deno.test({
  name:
    "/fork: this conversation's user messages newest first; the fork ends just before the one picked, whose text is back in the editor; the original stays byte-identical",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withApp(async (h, fake) => {
      h.type("/fork\r");
      await h.idle();
      assert.equal(
        h.transcript().at(-1),
        "Nothing to fork yet: no message was sent in this session",
      );

      // Pasted with an escape sequence: it goes back to the editor without it.
      await send(h, "\x1b[200~first\x1b[31m question\x1b[201~");
      await send(h, "second question\nin two lines");
      await send(h, "third question");
      const original = { id: h.app.state.sessionId, path: h.app.state.runner!.path! };
      const bytes = await Deno.readFile(original.path);

      h.type("/fork\r");
      let m = await menu(h);
      assert.equal(m.title, "Fork before which message? (the new session ends just before it)");
      assert.deepEqual(labels(m), [
        "#3  third question",
        "#2  second question in two lines",
        "#1  first question",
      ]);
      h.type(ESC);
      await h.idle();
      assert.equal(h.transcript().at(-1), "Fork cancelled");
      assert.equal(h.app.state.sessionId, original.id);

      h.type("/fork\r");
      m = await menu(h);
      h.type("sec\r");
      await h.idle();
      assert.equal(h.app.editor.text, "second question\nin two lines", "the text is back");
      assert.notEqual(h.app.state.sessionId, original.id);
      const forkId = h.app.state.sessionId;
      const shown = h.transcript();
      const at = shown.findIndex((l) => l.startsWith("Forked "));
      assert.equal(
        shown[at],
        `Forked before message 2 of session ${original.id.slice(0, 8)}: new session ${
          forkId.slice(0, 8)
        } (2 messages; saved with its first prompt)`,
      );
      assert.deepEqual(shown.slice(at + 1), ["› first question", "Answer to: first question"]);
      assert.deepEqual(await Deno.readFile(original.path), bytes);

      // Edited and sent: the new file, its header naming the original.
      h.type(" (edited)\r");
      await h.idle();
      const request = fake.requests.at(-1)!;
      assert.equal(request.headers["session_id"], forkId);
      assert.deepEqual(inputShape(request), [
        "user:first\x1b[31m question",
        "assistant:Answer to: first\x1b[31m question",
        "user:second question\nin two lines (edited)",
      ]);
      const forkPath = h.app.state.runner!.path!;
      assert.notEqual(forkPath, original.path);
      const header = JSON.parse((await Deno.readTextFile(forkPath)).split("\n")[0]);
      assert.equal(header.parentSession, original.id);
      assert.equal(header.id, forkId);
      assert.deepEqual(await Deno.readFile(original.path), bytes, "the original is untouched");

      // From the first message: a new, empty conversation.
      h.type("/fork\r");
      m = await menu(h);
      h.type(`${"\x1b[A"}\r`); // ↑ from the newest wraps to the oldest
      await h.idle();
      assert.equal(h.app.editor.text, "first question");
      assert.equal(h.app.state.runner!.messages.length, 0);
    }),
});

Deno.test({
  name:
    "/name <title> appends session_info (pi sessions lists it, /session shows it); /name alone shows it, or asks when there is none",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withApp(async (h) => {
      // No session file yet: /name asks; an empty Enter is no answer, Esc cancels.
      h.type("/name\r");
      await until(() => h.app.host.top instanceof TextPrompt, "the name prompt");
      h.type("\r");
      assert.ok(h.app.host.top instanceof TextPrompt, "an empty name is not an answer");
      h.type(ESC);
      await h.idle();
      assert.equal(h.transcript().at(-1), "The session was not named");
      assert.deepEqual(sessionsOf(h), [], "nothing was written");

      h.type("/name\r");
      await until(() => h.app.host.top instanceof TextPrompt, "the name prompt");
      h.type("Before any prompt\r");
      await h.idle();
      assert.equal(h.transcript().at(-1), "✓ Session named: Before any prompt");
      const [named] = sessionsOf(h);
      assert.equal(named.id, h.app.state.sessionId);
      assert.equal(named.name, "Before any prompt");
      assert.equal(named.messages, 0);

      await send(h, "hello there");
      await send(h, "/name  Parser refactor ");
      const lines = (await Deno.readTextFile(named.path)).trimEnd().split("\n").map((l) =>
        JSON.parse(l)
      );
      const last = lines.at(-1);
      assert.deepEqual(Object.keys(last), ["type", "id", "parentId", "timestamp", "name"]);
      assert.equal(last.type, "session_info");
      assert.equal(last.name, "Parser refactor");
      assert.equal(last.parentId, lines.at(-2).id);
      assert.equal(sessionsOf(h)[0].name, "Parser refactor");

      await send(h, "/name");
      assert.equal(
        h.transcript().at(-1),
        "Session name: Parser refactor (/name <title> renames it)",
      );
      await send(h, "/session");
      const shown = h.transcript();
      assert.equal(shown[shown.lastIndexOf("Session") + 1], "  name: Parser refactor");
    }),
});

Deno.test({
  name:
    "/rewind: pick the message, then files and conversation (default), files only or conversation only; exact bytes back, a later file deleted, the text back in the editor, the next request without the rewound messages",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "pi-rewind-screen-" }));
    try {
      await withApp(async (h, fake) => {
        const notes = `${dir}/notes.txt`;
        const later = `${dir}/later.txt`;
        await Deno.writeTextFile(notes, "original\r\nbytes\n");
        const before = await Deno.readFile(notes);
        await send(h, "hello");
        await send(h, `write ${notes} changed once`);
        await send(h, `write ${later} made later`);
        assert.equal(await Deno.readTextFile(notes), "changed once");
        assert.equal(await Deno.readTextFile(later), "made later");
        const path = h.app.state.runner!.path!;
        const fileBefore = await Deno.readFile(path);

        // Esc on either menu: nothing changes.
        h.type("/rewind\r");
        let m = await menu(h);
        assert.equal(m.title, "Rewind to just before which message?");
        assert.deepEqual(labels(m), [
          `#3  write ${later} made later`,
          `#2  write ${notes} changed once`,
          "#1  hello",
        ]);
        h.type(ESC);
        await h.idle();
        assert.equal(h.transcript().at(-1), "Rewind cancelled");
        h.type("/rewind\r");
        m = await menu(h);
        h.type(DOWN + "\r");
        m = await until(() => h.app.host.top !== m, "the second menu").then(() => menu(h));
        assert.equal(m.title, "Rewind to before message 2: what?");
        assert.deepEqual(labels(m), ["Files and conversation", "Files only", "Conversation only"]);
        h.type(CTRL_C);
        await h.idle();
        assert.equal(h.transcript().at(-1), "Rewind cancelled");
        assert.deepEqual(await Deno.readFile(path), fileBefore);
        assert.equal(await Deno.readTextFile(notes), "changed once");

        // Files and conversation (the default: Enter).
        h.type("/rewind\r");
        m = await menu(h);
        h.type("changed\r");
        await until(
          () => (h.app.host.top as SelectMenu<unknown>)?.title?.startsWith("Rewind to before"),
          "the second menu",
        );
        h.type("\r");
        await h.idle();
        assert.deepEqual(await Deno.readFile(notes), before, "the exact bytes are back");
        await assert.rejects(Deno.stat(later), Deno.errors.NotFound);
        const shown = h.transcript();
        const at = shown.lastIndexOf("› /rewind");
        assert.deepEqual(shown.slice(at + 1, at + 3).sort(), [
          `deleted ${later}`,
          `restored ${notes}`,
        ]);
        assert.match(
          shown[at + 3],
          /^Conversation rewound to before message 2 \("write .+…"\); its text is back in the editor\.$/,
        );
        assert.deepEqual(shown.slice(at + 4), [
          "Changes made by bash are not tracked and were not undone.",
        ]);
        assert.equal(h.app.editor.text, `write ${notes} changed once`);
        const entries = (await Deno.readTextFile(path)).trimEnd().split("\n").map((l) =>
          JSON.parse(l)
        );
        const rewind = entries.at(-1);
        assert.equal(rewind.customType, "rewind");
        assert.deepEqual(rewind.data, { toUserMessage: 2 });

        // The next request goes on from before message 2.
        h.type("\x15instead of that\r");
        await h.idle();
        assert.deepEqual(inputShape(fake.requests.at(-1)!), [
          "user:hello",
          "assistant:Answer to: hello",
          "user:instead of that",
        ]);

        // Files only: the conversation goes on as it is, the editor stays empty.
        await send(h, `write ${notes} third`);
        h.type("/rewind\r");
        m = await menu(h);
        h.type("\r"); // the newest: #3
        await until(
          () =>
            (h.app.host.top as SelectMenu<unknown>)?.title === "Rewind to before message 3: what?",
          "the second menu",
        );
        h.type(DOWN + "\r");
        await h.idle();
        assert.deepEqual(await Deno.readFile(notes), before);
        assert.equal(h.app.editor.text, "");
        assert.deepEqual(h.transcript().slice(-2), [
          `restored ${notes}`,
          "Changes made by bash are not tracked and were not undone.",
        ]);
        assert.equal(h.app.state.runner!.messages.length, 8, "the conversation is as it was");

        // Conversation only: files stay.
        h.type("/rewind\r");
        m = await menu(h);
        h.type("\r");
        await until(
          () =>
            (h.app.host.top as SelectMenu<unknown>)?.title === "Rewind to before message 3: what?",
          "the second menu",
        );
        h.type(`${DOWN}${DOWN}\r`);
        await h.idle();
        assert.deepEqual(await Deno.readFile(notes), before);
        assert.equal(h.app.editor.text, `write ${notes} third`);
        assert.equal(
          h.transcript().at(-1),
          "Files were left as they are (changes made by bash are never tracked).",
        );
        assert.equal(h.app.state.runner!.messages.length, 4);
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("the picker's rows: age, messages and model in columns, then the name or first message on one line", () => {
  const now = Date.parse("2025-06-01T12:00:00Z");
  const base = { cwd: "/p", created: "2025-06-01T10:00:00Z", path: "/x.jsonl" };
  const items = sessionItems([
    {
      ...base,
      id: "aaaa1111-x",
      modified: "2025-06-01T11:59:30Z",
      messages: 1,
      firstMessage: "fix\nthe \x1b[31mbug",
      model: "openai-codex/gpt-5.2",
    },
    {
      ...base,
      id: "bbbb2222-x",
      modified: "2025-05-30T12:00:00Z",
      messages: 12,
      name: "Parser",
      firstMessage: "x",
      parentSession: "cccc3333-y",
    },
    { ...base, id: "dddd4444-x", modified: "2025-06-01T09:00:00Z", messages: 0 },
  ], { now, current: "dddd4444-x" });
  assert.deepEqual(items.map(({ label, hint, value }) => ({ label, hint, id: value.id })), [
    { label: "now      1 msg   gpt-5.2  fix the bug", hint: undefined, id: "aaaa1111-x" },
    { label: "2d ago  12 msgs  -        Parser", hint: "fork of cccc3333", id: "bbbb2222-x" },
    { label: "3h ago   0 msgs  -        (no messages)", hint: "current", id: "dddd4444-x" },
  ]);
  // Typing filters on what the rows show, not on the session behind them.
  const picker = new SelectMenu("Resume", items);
  for (const key of decodeKeys("bbbb")) picker.onKey(key);
  assert.equal(picker.visible.length, 0);
  picker.filter = "object";
  assert.equal(picker.visible.length, 0, "a value that is not a string is not text");
  picker.filter = "parser 12";
  assert.deepEqual(picker.visible.map((i) => i.value.id), ["bbbb2222-x"]);
});

Deno.test({
  name:
    "a session of the earlier pi format: /resume opens it; /fork and /rewind of its old part say why not, of a later message work",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withApp(async (h, fake) => {
      const id = "0badc0de-0000-4000-8000-000000000001";
      const dir = sessionDir(h.dir, Deno.cwd());
      await Deno.mkdir(dir, { recursive: true });
      const path = `${dir}/2025-06-01T10-00-00-000Z_${id}.jsonl`;
      await Deno.writeTextFile(
        path,
        [
          { type: "session", version: 1, id, cwd: Deno.cwd(), timestamp: "2025-06-01T10:00:00Z" },
          { type: "message", message: { role: "user", content: "old question" } },
          {
            type: "message",
            message: {
              role: "assistant",
              content: [{ type: "text", text: "old answer" }],
              provider: "openai-codex",
              model: "gpt-5.2-codex",
            },
          },
        ].map((l) => JSON.stringify(l)).join("\n") + "\n",
      );
      h.type("/resume\r");
      await menu(h);
      h.type("old\r");
      await h.idle();
      assert.equal(h.app.state.sessionId, id);
      await send(h, "new question");
      const bytes = await Deno.readFile(path);

      h.type("/fork\r");
      let m = await menu(h);
      assert.deepEqual(labels(m), ["#2  new question", "#1  old question"]);
      h.type("\x1b[A\r");
      await h.idle();
      assert.match(h.transcript().at(-1)!, /^✗ Message 1 is in the part written by an earlier pi/);
      assert.equal(h.app.state.sessionId, id);

      h.type("/rewind\r");
      m = await menu(h);
      h.type("old\r");
      await until(
        () => (h.app.host.top as SelectMenu<unknown>)?.title?.startsWith("Rewind to before"),
        "the second menu",
      );
      h.type("\r");
      await h.idle();
      assert.match(
        h.transcript().at(-1)!,
        /^✗ Message 1 is in the part written by an earlier pi.*Files only$/,
      );
      assert.deepEqual(await Deno.readFile(path), bytes, "nothing was written");

      h.type("/fork\r");
      await menu(h);
      h.type("\r");
      await h.idle();
      assert.equal(h.app.editor.text, "new question");
      h.type("\r");
      await h.idle();
      assert.deepEqual(inputShape(fake.requests.at(-1)!), [
        "user:old question",
        "assistant:old answer",
        "user:new question",
      ]);
      assert.notEqual(h.app.state.sessionId, id);
      assert.deepEqual(await Deno.readFile(path), bytes, "the original is untouched");
    }),
});
