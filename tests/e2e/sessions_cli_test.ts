/**
 * The session commands as a user meets them, as processes against the fake Codex backend:
 * `pi sessions` (table and JSON, pi-mono's files included), `--session` by id, prefix and
 * path, `--fork`, `pi export` (HTML and Markdown, never a credential) and `pi rewind`
 * (exact bytes back, files created later deleted, the conversation branched).
 */

import assert from "node:assert/strict";
import { inputShape, lines, pi, type SessionEnv, sessionFiles, withFake } from "./session_env.ts";

/** The session directory of `cwd`, as pi-mono names it. */
function dirOf(env: SessionEnv, cwd = env.work): string {
  return `${env.agentDir}/sessions/--${cwd.slice(1).replaceAll("/", "-")}--`;
}

/** A session file as pi-mono 0.73 writes one (a tool call, a name, a label). */
async function writePiMonoSession(
  env: SessionEnv,
  options: { id: string; cwd?: string; time: string; prompt: string; name?: string },
): Promise<string> {
  const cwd = options.cwd ?? env.work;
  const dir = dirOf(env, cwd);
  await Deno.mkdir(dir, { recursive: true });
  const t = options.time;
  const ms = Date.parse(t);
  const usage = {
    input: 10,
    output: 5,
    cacheRead: 0,
    cacheWrite: 0,
    totalTokens: 15,
    cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 },
  };
  const entries: Record<string, unknown>[] = [
    { type: "session", version: 3, id: options.id, timestamp: t, cwd },
    {
      type: "model_change",
      id: "e0000001",
      parentId: null,
      timestamp: t,
      provider: "openai-codex",
      modelId: "gpt-5.2",
    },
    {
      type: "message",
      id: "e0000002",
      parentId: "e0000001",
      timestamp: t,
      message: { role: "user", content: [{ type: "text", text: options.prompt }], timestamp: ms },
    },
    {
      type: "message",
      id: "e0000003",
      parentId: "e0000002",
      timestamp: t,
      message: {
        role: "assistant",
        content: [{
          type: "toolCall",
          id: "call_pm|fc_pm",
          name: "bash",
          arguments: { command: "ls" },
        }],
        api: "openai-codex-responses",
        provider: "openai-codex",
        model: "gpt-5.2",
        usage,
        stopReason: "toolUse",
        timestamp: ms,
      },
    },
    {
      type: "message",
      id: "e0000004",
      parentId: "e0000003",
      timestamp: t,
      message: {
        role: "toolResult",
        toolCallId: "call_pm|fc_pm",
        toolName: "bash",
        content: [{ type: "text", text: "README.md" }],
        isError: false,
        timestamp: ms,
      },
    },
    {
      type: "message",
      id: "e0000005",
      parentId: "e0000004",
      timestamp: t,
      message: {
        role: "assistant",
        content: [{ type: "text", text: "pi-mono answered" }],
        api: "openai-codex-responses",
        provider: "openai-codex",
        model: "gpt-5.2",
        usage,
        stopReason: "stop",
        timestamp: ms,
      },
    },
    {
      type: "label",
      id: "e0000006",
      parentId: "e0000005",
      timestamp: t,
      targetId: "e0000002",
      label: "start",
    },
  ];
  if (options.name !== undefined) {
    entries.push({
      type: "session_info",
      id: "e0000007",
      parentId: "e0000006",
      timestamp: t,
      name: options.name,
    });
  }
  const path = `${dir}/${t.replace(/[:.]/g, "-")}_${options.id}.jsonl`;
  await Deno.writeTextFile(path, entries.map((e) => JSON.stringify(e)).join("\n") + "\n");
  const when = new Date(ms);
  await Deno.utime(path, when, when);
  return path;
}

async function sessionsJson(env: SessionEnv, args: string[] = []) {
  const out = await pi(env, ["sessions", "--json", ...args]);
  assert.equal(out.code, 0, out.stderr);
  return JSON.parse(out.stdout) as Record<string, unknown>[];
}

Deno.test("pi sessions: the cwd's sessions newest first (pi's and pi-mono's), --all every directory's, --json with exactly the contract's fields", async () => {
  await withFake([{ text: "one" }, { text: "two" }], async (env) => {
    const old = await writePiMonoSession(env, {
      id: "0aaaaaaa-1111-4222-8333-444444444444",
      time: "2025-01-02T03:04:05.000Z",
      prompt: "pi-mono question\nwith a second line",
      name: "Named in pi-mono",
    });
    const elsewhere = await writePiMonoSession(env, {
      id: "0bbbbbbb-1111-4222-8333-444444444444",
      cwd: `${env.dir}/other`,
      time: "2025-01-03T03:04:05.000Z",
      prompt: "in another directory",
    });
    assert.equal((await pi(env, ["-p", "first prompt"])).code, 0);
    assert.equal((await pi(env, ["-p", "-c", "second prompt"])).code, 0);
    const [mine] = (await sessionFiles(env.agentDir)).filter((f) => f !== old && f !== elsewhere);
    const mineId = String((await lines(mine))[0].id);

    const here = await sessionsJson(env);
    assert.deepEqual(here.map((s) => s.id), [mineId, "0aaaaaaa-1111-4222-8333-444444444444"]);
    for (const s of here) {
      assert.deepEqual(Object.keys(s), [
        "id",
        "name",
        "path",
        "cwd",
        "created",
        "modified",
        "messages",
        "firstMessage",
      ]);
    }
    assert.equal(here[0].name, null);
    assert.equal(here[0].path, mine);
    assert.equal(here[0].cwd, env.work);
    assert.equal(here[0].messages, 4);
    assert.equal(here[0].firstMessage, "first prompt");
    assert.equal(here[1].name, "Named in pi-mono");
    assert.equal(here[1].path, old);
    assert.equal(here[1].messages, 4, "user, tool call, tool result, answer");
    assert.equal(here[1].firstMessage, "pi-mono question\nwith a second line");
    assert.equal(here[1].created, "2025-01-02T03:04:05.000Z");
    assert.equal(here[1].modified, "2025-01-02T03:04:05.000Z");

    const all = await sessionsJson(env, ["--all"]);
    assert.deepEqual(all.map((s) => s.id), [
      mineId,
      "0bbbbbbb-1111-4222-8333-444444444444",
      "0aaaaaaa-1111-4222-8333-444444444444",
    ]);
    assert.equal(all[1].cwd, `${env.dir}/other`);

    const table = await pi(env, ["sessions"]);
    assert.equal(table.code, 0, table.stderr);
    const rows = table.stdout.trimEnd().split("\n");
    assert.match(rows[0], /^ID\s+MODIFIED\s+MSGS\s+MODEL\s+NAME \/ FIRST MESSAGE$/);
    assert.match(
      rows[1],
      new RegExp(`^${mineId.slice(0, 8)}\\s+now\\s+4\\s+gpt-5.2-codex\\s+first prompt$`),
    );
    assert.match(rows[2], /^0aaaaaaa\s+2025-01-02\s+4\s+gpt-5.2\s+Named in pi-mono$/);
    assert.equal(rows.length, 3);
    const allTable = await pi(env, ["sessions", "--all"]);
    assert.match(allTable.stdout, new RegExp(`0bbbbbbb.*${env.dir}/other\\s+in another directory`));
  });
});

Deno.test("pi sessions counts the messages on the conversation path (a rewound branch is not counted) and the last name", async () => {
  await withFake([], async (env) => {
    const path = await writePiMonoSession(env, {
      id: "0ccccccc-1111-4222-8333-444444444444",
      time: "2025-01-02T03:04:05.000Z",
      prompt: "question",
      name: "first name",
    });
    // A rewind to before the first user message, a new user message on that branch, then a
    // new name: the path is model_change → rewind → user.
    const more = [
      {
        type: "custom",
        id: "e0000008",
        parentId: "e0000001",
        timestamp: "2025-01-02T03:05:00.000Z",
        customType: "rewind",
        data: { toUserMessage: 1 },
      },
      {
        type: "message",
        id: "e0000009",
        parentId: "e0000008",
        timestamp: "2025-01-02T03:05:00.000Z",
        message: { role: "user", content: "asked again", timestamp: 1 },
      },
      {
        type: "session_info",
        id: "e000000a",
        parentId: "e0000009",
        timestamp: "2025-01-02T03:05:00.000Z",
        name: "second name",
      },
    ];
    // Listed once before the append (the list cache then holds the old state).
    assert.equal((await sessionsJson(env))[0].messages, 4);
    await Deno.writeTextFile(path, more.map((e) => JSON.stringify(e)).join("\n") + "\n", {
      append: true,
    });
    const [s] = await sessionsJson(env);
    assert.equal(s.messages, 1);
    assert.equal(s.firstMessage, "asked again");
    assert.equal(s.name, "second name");
  });
});

Deno.test("--session by id, unique prefix and path continues that file (not the newest); an ambiguous prefix is a usage error listing both; an unknown one fails", async () => {
  await withFake((_, i) => ({ text: `answer ${i}` }), async (env) => {
    assert.equal((await pi(env, ["-p", "--thinking", "high", "alpha question"])).code, 0);
    assert.equal((await pi(env, ["-p", "beta question"])).code, 0);
    const listed = await sessionsJson(env);
    const [beta, alpha] = listed;
    assert.equal(alpha.firstMessage, "alpha question");
    const betaBefore = await Deno.readFile(String(beta.path));

    for (
      const [i, which] of [String(alpha.id), String(alpha.id).slice(0, 6), String(alpha.path)]
        .entries()
    ) {
      const out = await pi(env, ["-p", "--session", which, `follow-up ${i}`]);
      assert.equal(out.code, 0, out.stderr);
      const request = env.fake.requests.at(-1)!;
      assert.equal(request.headers["session_id"], alpha.id, `by ${which}`);
      assert.deepEqual(inputShape(request).slice(0, 2), [
        "user:alpha question",
        "assistant:answer 0",
      ]);
      assert.equal(inputShape(request).at(-1), `user:follow-up ${i}`);
      // The continued session keeps its thinking level.
      assert.deepEqual(request.body.reasoning, { effort: "high", summary: "auto" });
    }
    assert.deepEqual(
      await Deno.readFile(String(beta.path)),
      betaBefore,
      "the other file is untouched",
    );
    const alphaLines = await lines(String(alpha.path));
    assert.equal(alphaLines.filter((e) => e.type === "message").length, 8);
    // A relative path works too.
    const relative = `../${String(alpha.path).slice(env.dir.length + 1)}`;
    const byRelative = await pi(env, ["-p", "--session", relative, "by relative path"]);
    assert.equal(byRelative.code, 0, byRelative.stderr);
    assert.equal(env.fake.requests.at(-1)!.headers["session_id"], alpha.id);

    // Two sessions whose ids start alike.
    for (
      const id of ["abcd0000-1111-4222-8333-444444444444", "abcd1111-1111-4222-8333-444444444444"]
    ) {
      await writePiMonoSession(env, { id, time: "2025-01-02T03:04:05.000Z", prompt: `q ${id}` });
    }
    const ambiguous = await pi(env, ["-p", "--session", "abcd", "hi"]);
    assert.equal(ambiguous.code, 2, ambiguous.stderr);
    assert.match(ambiguous.stderr, /abcd matches 2 sessions: abcd/);
    assert.match(ambiguous.stderr, /abcd0000-1111-4222-8333-444444444444 \(/);
    assert.match(ambiguous.stderr, /abcd1111-1111-4222-8333-444444444444 \(/);
    const unique = await pi(env, ["-p", "--session", "abcd1", "hi"]);
    assert.equal(unique.code, 0, unique.stderr);
    assert.equal(
      env.fake.requests.at(-1)!.headers["session_id"],
      "abcd1111-1111-4222-8333-444444444444",
    );
    const unknown = await pi(env, ["-p", "--session", "ffff", "hi"]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /No session matches ffff/);
    const both = await pi(env, ["-p", "--session", "abcd1", "--continue", "hi"]);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--continue and --session cannot be used together/);
  });
});

Deno.test("--fork copies the conversation into a new session whose header names parentSession; the original stays byte-identical", async () => {
  await withFake([
    { calls: [{ name: "bash", arguments: { command: "echo forked-tool" } }] },
    { text: "original answer" },
    { text: "fork answer" },
  ], async (env) => {
    assert.equal((await pi(env, ["-p", "--model", "gpt-5.2", "original question"])).code, 0);
    const [original] = await sessionFiles(env.agentDir);
    const before = await Deno.readFile(original);
    const sourceId = String((await lines(original))[0].id);
    const out = await pi(env, ["-p", "--fork", sourceId.slice(0, 8), "fork question"]);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stdout, "fork answer\n");
    assert.deepEqual(await Deno.readFile(original), before, "the original is byte-identical");
    const files = await sessionFiles(env.agentDir);
    assert.equal(files.length, 2);
    const forked = files.find((f) => f !== original)!;
    const entries = await lines(forked);
    const header = entries[0];
    assert.equal(header.type, "session");
    assert.equal(header.version, 3);
    assert.equal(header.parentSession, sourceId);
    assert.notEqual(header.id, sourceId);
    assert.equal(header.cwd, env.work);
    // The source's entries, as they were, then the new ones after its leaf.
    const sourceEntries = (await lines(original)).slice(1);
    assert.deepEqual(entries.slice(1, 1 + sourceEntries.length), sourceEntries);
    assert.equal(entries[1 + sourceEntries.length].parentId, sourceEntries.at(-1)!.id);
    // The request: the whole source conversation, under the new session's id, its model.
    const request = env.fake.requests[2];
    assert.equal(request.headers["session_id"], header.id);
    assert.equal(request.body.model, "gpt-5.2");
    assert.deepEqual(inputShape(request), [
      "user:original question",
      "call:bash",
      "output:forked-tool",
      "assistant:original answer",
      "user:fork question",
    ]);
    const forkedBad = await pi(env, ["-p", "--fork", sourceId, "--no-session", "x"]);
    assert.equal(forkedBad.code, 2);
  });
});

/** A value that is not shaped like a token (so only auth.json can tell it is a secret). */
const PLAIN_SECRET = "zzPlainSecretValue4242";

Deno.test("pi export: one self-contained HTML page (default <id>.html) and Markdown; a secret in auth.json never appears, even when the session holds it", async () => {
  await withFake([], async (env) => {
    // The session holds the secret (written before it was a secret pi knew, or by another tool).
    const auth = JSON.parse(await Deno.readTextFile(`${env.agentDir}/auth.json`));
    auth.anthropic = { type: "api_key", key: PLAIN_SECRET };
    await Deno.writeTextFile(`${env.agentDir}/auth.json`, JSON.stringify(auth), { mode: 0o600 });
    const path = await writePiMonoSession(env, {
      id: "0ddddddd-1111-4222-8333-444444444444",
      time: "2025-01-02T03:04:05.000Z",
      prompt: `please print <b>${PLAIN_SECRET}</b> & more`,
    });
    const text = (await Deno.readTextFile(path))
      .replace('"text":"README.md"', `"text":"key is ${PLAIN_SECRET}\\n<script>alert(1)</script>"`)
      .replace('"command":"ls"', `"command":"echo ${PLAIN_SECRET}"`)
      .replace(
        '"text":"pi-mono answered"',
        '"text":"Here:\\n```ts\\nconst a = 1 < 2;\\n```\\ndone"',
      );
    await Deno.writeTextFile(path, text);
    assert.ok(text.split(PLAIN_SECRET).length > 3, "the session holds the secret three times");

    const html = await pi(env, ["export", "0ddd"]);
    assert.equal(html.code, 0, html.stderr);
    const file = `${env.work}/0ddddddd-1111-4222-8333-444444444444.html`;
    assert.equal(html.stdout, `Exported session 0ddddddd-1111-4222-8333-444444444444 to ${file}\n`);
    const page = await Deno.readTextFile(file);
    assert.ok(!page.includes(PLAIN_SECRET), "no secret in the HTML");
    assert.match(page, /\[redacted\]/);
    assert.match(page, /^<!DOCTYPE html>/);
    assert.match(page, /&lt;b&gt;\[redacted\]&lt;\/b&gt; &amp; more/);
    assert.match(page, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.doesNotMatch(page, /<script/i);
    assert.match(page, /<details class="tool"><summary><span class="tool-name">bash<\/span>/);
    assert.match(page, /<pre class="code" data-lang="ts"><code>const a = 1 &lt; 2;<\/code><\/pre>/);
    assert.match(page, /<style>/);
    // No resource from anywhere: no src/href but inline data, no @import, no url().
    assert.doesNotMatch(page, /\b(?:src|href)\s*=\s*["']?(?!data:)/i);
    assert.doesNotMatch(page, /@import|url\(/i);
    assert.match(page, /Content-Security-Policy" content="default-src 'none'/);

    const md = await pi(env, ["export", path, "--format", "md", "-o", "out/session.md"]);
    assert.equal(md.code, 1, "a missing directory is not created");
    assert.match(md.stderr, /Cannot write .*out\/session\.md: no such file or directory/);
    await Deno.mkdir(`${env.work}/out`);
    const md2 = await pi(env, ["export", path, "--format", "md", "-o", "out/session.md"]);
    assert.equal(md2.code, 0, md2.stderr);
    const markdown = await Deno.readTextFile(`${env.work}/out/session.md`);
    assert.ok(!markdown.includes(PLAIN_SECRET), "no secret in the Markdown");
    assert.match(markdown, /^# please print <b>\[redacted\]<\/b> & more\n/);
    assert.match(markdown, /## User\n\nplease print/);
    assert.match(markdown, /\*\*Tool call: bash\*\* `echo \[redacted\]`/);
    assert.match(
      markdown,
      /Result:\n\n```\nkey is \[redacted\]\n<script>alert\(1\)<\/script>\n```/,
    );
    const stdout = await pi(env, ["export", "0ddd", "--format", "md", "-o", "-"]);
    assert.equal(stdout.stdout.split("\n")[0], "# please print <b>[redacted]</b> & more");
  });
});

Deno.test("pi rewind: exact bytes back, files created later deleted, the rewind entry branches from the entry before that message, and pi -c continues from there", async () => {
  await withFake([
    { calls: [{ name: "write", arguments: { path: "a.txt", content: "v1\n" } }] },
    { text: "did one" },
    {
      calls: [
        { name: "edit", arguments: { path: "a.txt", oldText: "v1", newText: "v2" } },
        { name: "write", arguments: { path: "sub/new.txt", content: "created" } },
      ],
    },
    { text: "did two" },
    { calls: [{ name: "write", arguments: { path: "a.txt", content: "v3" } }] },
    { text: "did three" },
    { text: "after rewind" },
  ], async (env) => {
    // Not UTF-8, CRLF, no final newline: restored byte for byte.
    const original = new Uint8Array([0xff, 0xfe, 0x41, 0x0d, 0x0a, 0x42]);
    await Deno.writeFile(`${env.work}/a.txt`, original, { mode: 0o640 });
    await Deno.chmod(`${env.work}/a.txt`, 0o640);
    for (const prompt of ["one", "two", "three"]) {
      const out = await pi(env, [...(prompt === "one" ? [] : ["-c"]), "-p", prompt]);
      assert.equal(out.code, 0, out.stderr);
    }
    assert.equal(await Deno.readTextFile(`${env.work}/a.txt`), "v3");
    assert.equal(await Deno.readTextFile(`${env.work}/sub/new.txt`), "created");
    const [file] = await sessionFiles(env.agentDir);
    const before = await lines(file);
    const sessionId = String(before[0].id);
    const users = before.filter((e) =>
      e.type === "message" && (e.message as { role: string }).role === "user"
    );

    // Checkpoints: private.
    const dir = `${env.agentDir}/checkpoints/${sessionId}`;
    assert.equal((await Deno.stat(`${env.agentDir}/checkpoints`)).mode! & 0o777, 0o700);
    assert.equal((await Deno.stat(dir)).mode! & 0o777, 0o700);
    assert.equal((await Deno.stat(`${dir}/index.jsonl`)).mode! & 0o777, 0o600);
    for await (const blob of Deno.readDir(`${dir}/blobs`)) {
      assert.equal((await Deno.stat(`${dir}/blobs/${blob.name}`)).mode! & 0o777, 0o600);
    }

    const out = await pi(env, ["rewind", "2"]);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(
      out.stdout,
      "restored a.txt\n" +
        "deleted sub/new.txt\n" +
        `Conversation rewound to before message 2 ("two"); the next prompt continues from there (pi --session ${sessionId}).\n` +
        "Changes made by bash are not tracked and were not undone.\n",
    );
    assert.equal(await Deno.readTextFile(`${env.work}/a.txt`), "v1\n");
    await assert.rejects(Deno.stat(`${env.work}/sub/new.txt`), Deno.errors.NotFound);
    const after = await lines(file);
    assert.deepEqual(after.slice(0, before.length), before, "the history stays in the file");
    const rewind = after[before.length];
    assert.deepEqual(Object.keys(rewind), [
      "type",
      "id",
      "parentId",
      "timestamp",
      "customType",
      "data",
    ]);
    assert.equal(rewind.type, "custom");
    assert.equal(rewind.customType, "rewind");
    assert.deepEqual(rewind.data, { toUserMessage: 2 });
    assert.equal(rewind.parentId, users[1].parentId, "the entry just before user message 2");

    const next = await pi(env, ["-p", "-c", "again"]);
    assert.equal(next.code, 0, next.stderr);
    assert.deepEqual(inputShape(env.fake.requests.at(-1)!), [
      "user:one",
      "call:write",
      "output:Wrote 3 bytes (1 line) to a.txt",
      "assistant:did one",
      "user:again",
    ]);
    const continued = (await lines(file)).at(-2)!; // the user message "again"
    assert.equal(continued.parentId, rewind.id);

    // Files only: the first message's moment — the original bytes and mode; no entry.
    const entriesBefore = (await lines(file)).length;
    const filesOnly = await pi(env, ["rewind", "1", "--files-only"]);
    assert.equal(filesOnly.code, 0, filesOnly.stderr);
    assert.equal(
      filesOnly.stdout,
      "restored a.txt\nChanges made by bash are not tracked and were not undone.\n",
    );
    assert.deepEqual(await Deno.readFile(`${env.work}/a.txt`), original);
    assert.equal((await Deno.stat(`${env.work}/a.txt`)).mode! & 0o777, 0o640);
    assert.equal((await lines(file)).length, entriesBefore, "the conversation is left as it is");

    // Files only again, to message 2 of the current path ("again"): the file as it was then.
    const forward = await pi(env, ["rewind", "2", "--files-only"]);
    assert.equal(forward.code, 0, forward.stderr);
    assert.equal(await Deno.readTextFile(`${env.work}/a.txt`), "v1\n");

    // Conversation only: an entry, the files untouched.
    const convOnly = await pi(env, ["rewind", "1", "--conversation-only"]);
    assert.equal(convOnly.code, 0, convOnly.stderr);
    assert.match(convOnly.stdout, /^Conversation rewound to before message 1 \("one"\)/);
    assert.match(convOnly.stdout, /bash are never tracked/);
    assert.equal(await Deno.readTextFile(`${env.work}/a.txt`), "v1\n");
    const last = (await lines(file)).at(-1)!;
    assert.deepEqual(last.data, { toUserMessage: 1 });
    assert.equal(last.parentId, users[0].parentId);

    // Out of range, not a number, both flags: usage errors.
    const range = await pi(env, ["rewind", "5", "--session", sessionId]);
    assert.equal(range.code, 2);
    assert.match(range.stderr, /No user message 5 in session .*: it has no user messages/);
    const both = await pi(env, ["rewind", "1", "--files-only", "--conversation-only"]);
    assert.equal(both.code, 2);
    const word = await pi(env, ["rewind", "x"]);
    assert.equal(word.code, 2);
  });
});

Deno.test("a corrupt line in the middle of a session: listed, continued with one warning naming the file and line, the rest of the file kept and sent", async () => {
  await withFake([{ text: "still fine" }], async (env) => {
    const path = await writePiMonoSession(env, {
      id: "0fffffff-1111-4222-8333-444444444444",
      time: "2025-01-02T03:04:05.000Z",
      prompt: "before the damage",
    });
    const rows = (await Deno.readTextFile(path)).split("\n");
    rows.splice(3, 0, '{"type":"message","id":"bad","par\u0000garbage');
    const damaged = rows.join("\n");
    await Deno.writeTextFile(path, damaged);
    const [listed] = await sessionsJson(env);
    assert.equal(listed.messages, 4);
    const out = await pi(env, ["-p", "--session", "0fffffff", "after the damage"]);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stderr, `pi: Skipped unreadable line 4 of ${path} (cut off or corrupt)\n`);
    assert.deepEqual(inputShape(env.fake.requests[0]), [
      "user:before the damage",
      "call:bash",
      "output:README.md",
      "assistant:pi-mono answered",
      "user:after the damage",
    ]);
    assert.ok((await Deno.readTextFile(path)).startsWith(damaged), "nothing of the file is lost");
  });
});
