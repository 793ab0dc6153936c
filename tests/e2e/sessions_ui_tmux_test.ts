/**
 * What a user meets in a real terminal (tmux) with the sessions: the `pi -r` picker (type to
 * filter, Enter continues the right file, Esc and Ctrl+C leave everything as it was), and
 * /resume, /name, /fork and /rewind inside pi, against the fake Codex backend.
 */

import assert from "node:assert/strict";
import { type FakeTurn, type RecordedRequest } from "../fixtures/fake_codex_backend.ts";
import { inputShape, lines, pi, sessionFiles, withFakePanes } from "./session_env.ts";
import { HAS_TMUX } from "./tmux.ts";

/** `write <path> <text>` calls the write tool (then `Done.`); anything else: `Answer to: …`. */
function script(request: RecordedRequest): FakeTurn {
  const input = request.body.input as Record<string, unknown>[];
  const last = input[input.length - 1];
  if (last.type === "function_call_output") return { text: "Done." };
  const text = ((last.content as { text?: string }[]) ?? []).map((c) => c.text ?? "").join("");
  const m = /^write (\S+) (.*)$/.exec(text);
  if (m) return { calls: [{ name: "write", arguments: { path: m[1], content: m[2] } }] };
  return { text: `Answer to: ${text}` };
}

/** Every session file's bytes, by path. */
async function snapshot(agentDir: string): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  for (const f of await sessionFiles(agentDir)) out.set(f, await Deno.readFile(f));
  return out;
}

const idOf = async (path: string) => String((await lines(path))[0].id);
/** The editor's line (the one above the status line). */
const editorLine = (screen: string) => {
  const rows = screen.trimEnd().split("\n");
  return rows[rows.length - 2];
};

Deno.test({
  name:
    "pi -r: the picker of this directory's sessions; typing filters, Enter continues that file; Esc and Ctrl+C exit 0 with nothing changed",
  ignore: !HAS_TMUX,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withFakePanes(script, async (env, start) => {
      assert.equal((await pi(env, ["-p", "alpha question"])).code, 0);
      assert.equal((await pi(env, ["-p", "beta question"])).code, 0);
      const gamma = [
        "-p",
        "--model",
        "openai-codex/gpt-5.2",
        "--thinking",
        "high",
        "gamma question",
      ];
      assert.equal((await pi(env, gamma)).code, 0);
      const files = await sessionFiles(env.agentDir);
      const betaFile = (await Promise.all(
        files.map(async (f) => (await Deno.readTextFile(f)).includes("beta question") ? f : ""),
      )).find((f) => f !== "")!;
      const betaId = await idOf(betaFile);
      const before = await snapshot(env.agentDir);

      // Esc on the picker: exit 0, nothing written.
      let pane = await start(["-r"]);
      let screen = await pane.waitFor("Resume a session of this directory");
      assert.match(screen, /^Sessions of .+\/work$/m);
      assert.match(screen, /❯ now\s+2 msgs\s+gpt-5\.2\s+gamma question\n/);
      assert.match(screen, /^ {2}now\s+2 msgs\s+gpt-5\.2-codex\s+beta question$/m);
      assert.match(screen, /^ {2}now\s+2 msgs\s+gpt-5\.2-codex\s+alpha question$/m);
      await pane.keys("Escape");
      assert.equal(await pane.exitCode(), 0);
      assert.match(await pane.screen(), /No session selected/);
      assert.ok(await pane.sttyUnchanged());
      assert.deepEqual(await snapshot(env.agentDir), before);

      // Ctrl+C after a typo: the same.
      pane = await start(["-r"]);
      await pane.waitFor("Resume a session of this directory");
      await pane.type("zzz");
      await pane.waitFor("(nothing matches)");
      await pane.keys("Enter");
      await pane.keys("C-c");
      assert.equal(await pane.exitCode(), 0);
      assert.deepEqual(await snapshot(env.agentDir), before);

      // A typo, corrected; Enter continues the beta file under its id.
      pane = await start(["-r"], { width: 100, height: 30 });
      await pane.waitFor("Resume a session of this directory");
      await pane.type("bta");
      await pane.waitFor("(nothing matches)");
      await pane.keys("BSpace", "BSpace");
      await pane.type("eta");
      screen = await pane.waitFor((s) => s.includes("filter: beta") && !s.includes("gamma"));
      assert.match(screen, /❯ now\s+2 msgs\s+gpt-5\.2-codex\s+beta question/);
      await pane.keys("Enter");
      screen = await pane.waitFor((s) => /^›( |$)/m.test(s) && s.includes("Continuing"));
      assert.ok(screen.replace(/\n/g, "").includes(betaFile), screen);
      assert.match(screen, /› beta question\nAnswer to: beta question\n/);
      assert.doesNotMatch(screen, /alpha question|gamma question/);
      await pane.type("more beta");
      await pane.keys("Enter");
      await pane.waitFor("Answer to: more beta");
      const request = env.fake.requests.at(-1)!;
      assert.equal(request.headers["session_id"], betaId);
      assert.deepEqual(inputShape(request), [
        "user:beta question",
        "assistant:Answer to: beta question",
        "user:more beta",
      ]);
      await pane.keys("C-d");
      assert.equal(await pane.exitCode(), 0);
      const after = await snapshot(env.agentDir);
      assert.deepEqual([...after.keys()], [...before.keys()], "no new session file");
      for (const [f, bytes] of before) {
        if (f !== betaFile) assert.deepEqual(after.get(f), bytes, "the others are untouched");
      }

      // The session's model and thinking level come with it, unless a flag chose them.
      pane = await start(["-r"]);
      await pane.waitFor("Resume a session of this directory");
      await pane.type("gamma");
      await pane.waitFor("filter: gamma");
      await pane.keys("Enter");
      screen = await pane.waitFor((s) => /^›( |$)/m.test(s) && s.includes("Continuing"));
      assert.match(screen, /^Model: openai-codex\/gpt-5\.2 · thinking high$/m);
      assert.match(screen, /^openai-codex\/gpt-5\.2 · thinking high · /m);
      await pane.keys("C-d");
      assert.equal(await pane.exitCode(), 0);
      pane = await start(["-r", "--thinking", "low"]);
      await pane.waitFor("Resume a session of this directory");
      await pane.type("gamma");
      await pane.waitFor("filter: gamma");
      await pane.keys("Enter");
      screen = await pane.waitFor((s) => /^›( |$)/m.test(s) && s.includes("Continuing"));
      assert.match(screen, /^openai-codex\/gpt-5\.2 · thinking low · /m);
      await pane.keys("C-d");
      assert.equal(await pane.exitCode(), 0);

      // In a directory without sessions: a new one starts, and says so.
      await Deno.mkdir(`${env.work}/empty`);
      const empty = await start(["-r"], { cwd: `${env.work}/empty` });
      screen = await empty.waitFor((s) => /^›( |$)/m.test(s));
      assert.match(
        screen,
        /^! No saved sessions in \S+\/work\/empty:\s+starting\s+a\s+new\s+one$/m,
      );
      assert.doesNotMatch(screen, /Sessions of/);
      await empty.keys("C-d");
      assert.equal(await empty.exitCode(), 0);
    }),
});

Deno.test({
  name:
    "inside pi: /resume continues the session picked, /name names it (pi sessions lists the name), /fork puts the message back in the editor and leaves the original byte-identical",
  ignore: !HAS_TMUX,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withFakePanes(script, async (env, start) => {
      assert.equal((await pi(env, ["-p", "alpha question"])).code, 0);
      const [alphaFile] = await sessionFiles(env.agentDir);
      const alphaId = await idOf(alphaFile);

      const pane = await start([]);
      await pane.waitFor(/^›( |$)/m);
      await pane.type("/resume");
      await pane.keys("Enter");
      await pane.waitFor("Resume a session of this directory");
      await pane.type("alpah");
      await pane.waitFor("(nothing matches)");
      await pane.keys("BSpace", "BSpace");
      await pane.type("ha");
      await pane.waitFor("filter: alpha\n");
      await pane.keys("Enter");
      let screen = await pane.waitFor("Resumed");
      assert.match(screen, /› alpha question\nAnswer to: alpha question\n/);
      await pane.type("more alpha");
      await pane.keys("Enter");
      await pane.waitFor("Answer to: more alpha");
      assert.equal(env.fake.requests.at(-1)!.headers["session_id"], alphaId);

      // /name
      await pane.type("/name Alpha work");
      await pane.keys("Enter");
      await pane.waitFor("✓ Session named: Alpha work");
      const named = (await lines(alphaFile)).at(-1)!;
      assert.equal(named.type, "session_info");
      assert.equal(named.name, "Alpha work");
      await pane.type("/session");
      await pane.keys("Enter");
      await pane.waitFor("  name: Alpha work");

      // /fork: Esc first, then the newest message (#2).
      const bytes = await Deno.readFile(alphaFile);
      await pane.type("/fork");
      await pane.keys("Enter");
      screen = await pane.waitFor("Fork before which message?");
      assert.match(screen, /❯ #2 {2}more alpha\n {2}#1 {2}alpha question\n/);
      await pane.keys("Escape");
      await pane.waitFor("Fork cancelled");
      await pane.type("/fork");
      await pane.keys("Enter");
      await pane.waitFor("Fork before which message?");
      await pane.keys("Enter");
      screen = await pane.waitFor("The message is back in the editor");
      assert.equal(
        editorLine(screen).trimEnd(),
        "The message is back in the editor: edit it, Enter sends it",
      );
      assert.match(screen, /^› more alpha$/m);
      assert.match(screen, /Forked before message 2 of session [0-9a-f]{8}: new session/);
      await pane.type(" please");
      await pane.keys("Enter");
      await pane.waitFor("Answer to: more alpha please");
      const request = env.fake.requests.at(-1)!;
      const forkId = String(request.headers["session_id"]);
      assert.notEqual(forkId, alphaId);
      assert.deepEqual(inputShape(request), [
        "user:alpha question",
        "assistant:Answer to: alpha question",
        "user:more alpha please",
      ]);
      assert.deepEqual(await Deno.readFile(alphaFile), bytes, "the original is byte-identical");
      const forkFile = (await sessionFiles(env.agentDir)).find((f) => f.includes(forkId))!;
      const header = (await lines(forkFile))[0];
      assert.equal(header.parentSession, alphaId);
      await pane.keys("C-d");
      assert.equal(await pane.exitCode(), 0);

      const listed = await pi(env, ["sessions"]);
      assert.match(listed.stdout, new RegExp(`${alphaId.slice(0, 8)} .* Alpha work\\n`));
      const json = JSON.parse((await pi(env, ["sessions", "--json"])).stdout);
      assert.equal(json.find((s: { id: string }) => s.id === alphaId).name, "Alpha work");
    }),
});

Deno.test({
  name:
    "/rewind in pi: exact bytes back, a file created later deleted, the message back in the editor, the next request without the rewound messages",
  ignore: !HAS_TMUX,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withFakePanes(script, async (env, start) => {
      const original = new TextEncoder().encode("línea 1\r\nno newline at the end");
      await Deno.writeFile(`${env.work}/notes.txt`, original);
      const pane = await start([]);
      await pane.waitFor(/^›( |$)/m);
      await pane.type("hello");
      await pane.keys("Enter");
      await pane.waitFor("Answer to: hello");
      await pane.type("write notes.txt changed");
      await pane.keys("Enter");
      await pane.waitFor(/✓ write notes\.txt[\s\S]*Done\./);
      await pane.type("write later.txt made later");
      await pane.keys("Enter");
      await pane.waitFor(/✓ write later\.txt[\s\S]*Done\./);
      assert.equal(await Deno.readTextFile(`${env.work}/later.txt`), "made later");

      await pane.type("/rewind");
      await pane.keys("Enter");
      let screen = await pane.waitFor("Rewind to just before which message?");
      assert.match(
        screen,
        /❯ #3 {2}write later\.txt made later\n {2}#2 {2}write notes\.txt changed\n {2}#1 {2}hello\n/,
      );
      await pane.keys("Down", "Enter");
      screen = await pane.waitFor("Rewind to before message 2: what?");
      assert.match(screen, /❯ Files and conversation\n {2}Files only .*\n {2}Conversation only/);
      await pane.keys("Enter");
      screen = await pane.waitFor("Changes made by bash are not tracked and were not undone.");
      assert.match(screen, /^deleted later\.txt$/m);
      assert.match(screen, /^restored notes\.txt$/m);
      assert.match(screen, /^› write notes\.txt changed$/m, "the message is back in the editor");
      assert.deepEqual(await Deno.readFile(`${env.work}/notes.txt`), original);
      await assert.rejects(Deno.stat(`${env.work}/later.txt`), Deno.errors.NotFound);

      await pane.keys("C-u");
      await pane.type("something else");
      await pane.keys("Enter");
      await pane.waitFor("Answer to: something else");
      assert.deepEqual(inputShape(env.fake.requests.at(-1)!), [
        "user:hello",
        "assistant:Answer to: hello",
        "user:something else",
      ]);
      await pane.keys("C-d");
      assert.equal(await pane.exitCode(), 0);
    }),
});
