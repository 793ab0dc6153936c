/**
 * Approvals: the --ask policy, the approvers (headless and asking), the gate in the agent
 * loop (declined calls are not run, the model reads the decline, a stop ends the turn),
 * and the question shown for a call (the diff of an edit) as plain values.
 */

import assert from "node:assert/strict";
import {
  type ApprovalAnswer,
  ApprovalGate,
  type Approver,
  createApprover,
  DECLINED_TEXT,
  headlessApprover,
  needsApproval,
  STOPPED_TEXT,
} from "../src/agent/approval.ts";
import { approvalQuestion, readApprovalQuestion } from "../src/agent/approval_question.ts";
import { diffLines, unifiedDiff } from "../src/agent/line_diff.ts";
import { runAgent } from "../src/agent/agent_loop.ts";
import { BUILTIN_TOOLS } from "../src/agent/tools/mod.ts";
import { resultText } from "../src/agent/tools/types.ts";
import type { ToolCall } from "../src/ai/types.ts";
import { scriptedModel } from "./fixtures/scripted_model.ts";

const call = (name: string, args: Record<string, unknown> = {}, id = name): ToolCall => ({
  type: "tool_call",
  id: `fc_${id}`,
  callId: id,
  name,
  arguments: args,
});

Deno.test("needsApproval: writes asks for bash, write, edit; all for every tool; never for none", () => {
  const tools = ["read", "write", "edit", "bash", "other"];
  assert.deepEqual(tools.filter((t) => needsApproval("writes", t)), ["write", "edit", "bash"]);
  assert.deepEqual(tools.filter((t) => needsApproval("all", t)), tools);
  assert.deepEqual(tools.filter((t) => needsApproval("never", t)), []);
});

Deno.test("headlessApprover: declines what needs asking, with the mode in the reason", async () => {
  let mode: "never" | "writes" | "all" = "writes";
  const approve = headlessApprover(() => mode);
  assert.deepEqual(await approve(call("bash"), {}), {
    decision: "decline",
    reason: "no terminal to ask (--ask writes)",
  });
  assert.deepEqual(await approve(call("read"), {}), { decision: "allow" });
  mode = "never";
  assert.deepEqual(await approve(call("bash"), {}), { decision: "allow" });
});

Deno.test("createApprover: y once, a always for that tool, n declines, Esc stops", async () => {
  const answers: ApprovalAnswer[] = ["yes", "always", "no", "stop"];
  const asked: string[] = [];
  const approve = createApprover(() => "writes", (c) => {
    asked.push(c.callId);
    return Promise.resolve(answers.shift()!);
  });
  assert.equal((await approve(call("bash", {}, "1"), {})).decision, "allow");
  assert.equal((await approve(call("edit", {}, "2"), {})).decision, "allow"); // always edit
  assert.equal((await approve(call("edit", {}, "3"), {})).decision, "allow"); // not asked
  assert.equal((await approve(call("read", {}, "4"), {})).decision, "allow"); // writes only
  assert.equal((await approve(call("bash", {}, "5"), {})).decision, "decline");
  assert.equal((await approve(call("write", {}, "6"), {})).decision, "stop");
  assert.deepEqual(asked, ["1", "2", "5", "6"]);
  assert.deepEqual([...approve.always], ["edit"]);
});

Deno.test("ApprovalGate: one question at a time in call order; after a stop nothing runs", async () => {
  const order: string[] = [];
  let open = 0;
  const approve: Approver = async (c) => {
    open++;
    assert.equal(open, 1, "one question at a time");
    order.push(c.callId);
    await new Promise((r) => setTimeout(r, 5));
    open--;
    if (c.callId === "b") return { decision: "decline", reason: "no" };
    if (c.callId === "c") return { decision: "stop", reason: "esc" };
    return { decision: "allow" };
  };
  const gate = new ApprovalGate(approve);
  const results = await Promise.all(
    ["a", "b", "c", "d"].map((id) => gate.check(call("x", {}, id))),
  );
  assert.deepEqual(order, ["a", "b", "c"]);
  assert.equal(results[0], undefined);
  assert.equal(resultText(results[1]!), DECLINED_TEXT);
  assert.equal(resultText(results[2]!), DECLINED_TEXT);
  assert.equal(resultText(results[3]!), STOPPED_TEXT);
  assert.equal(gate.declined("b"), "no");
  assert.equal(gate.declined("a"), undefined);
  assert.equal(gate.stopped, "esc");
  assert.equal(await new ApprovalGate(undefined).check(call("bash")), undefined);
});

Deno.test("agent loop: a declined call does not run; the model reads the decline; tool_declined", async () => {
  const cwd = await Deno.makeTempDir({ prefix: "pi_approve_" });
  try {
    const { stream, contexts } = scriptedModel([{
      calls: [
        { name: "bash", args: { command: "touch made.txt" } },
        { name: "read", args: { path: "nothing.txt" } },
      ],
    }]);
    const events = await Array.fromAsync(runAgent([], { role: "user", content: "go" }, {
      stream,
      systemPrompt: "S",
      tools: BUILTIN_TOOLS,
      cwd,
      approve: headlessApprover(() => "writes"),
    }));
    await assert.rejects(() => Deno.stat(`${cwd}/made.txt`));
    const declined = events.filter((e) => e.type === "tool_declined");
    assert.deepEqual(declined, [{
      type: "tool_declined",
      turn: 1,
      callId: "call_0",
      name: "bash",
      reason: "no terminal to ask (--ask writes)",
    }]);
    const kinds = events.map((e) =>
      e.type === "tool_result" || e.type === "tool_declined" ? `${e.type}:${e.callId}` : e.type
    );
    assert.ok(kinds.indexOf("tool_declined:call_0") < kinds.indexOf("tool_result:call_0"));
    // The second request carries the decline as the bash call's output; read still ran.
    const results = contexts[1].messages.filter((m) => m.role === "tool_result");
    assert.equal(results.length, 2);
    assert.deepEqual(results[0].role === "tool_result" && results[0].content, [
      { type: "text", text: DECLINED_TEXT },
    ]);
    assert.match(
      results[1].role === "tool_result" && results[1].content[0].type === "text"
        ? results[1].content[0].text
        : "",
      /not found/,
    );
    const end = events.at(-1)!;
    assert.equal(end.type === "end" && end.reason, "stop");
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

Deno.test("agent loop: a stop (Esc) declines the call, skips the rest, ends the run", async () => {
  const cwd = await Deno.makeTempDir({ prefix: "pi_approve_" });
  try {
    const { stream, contexts } = scriptedModel([{
      calls: [
        { name: "write", args: { path: "a.txt", content: "a" } },
        { name: "write", args: { path: "b.txt", content: "b" } },
      ],
    }]);
    const approve = createApprover(() => "all", () => Promise.resolve("stop"));
    const events = await Array.fromAsync(runAgent([], { role: "user", content: "go" }, {
      stream,
      systemPrompt: "S",
      tools: BUILTIN_TOOLS,
      cwd,
      approve,
    }));
    assert.deepEqual([...Deno.readDirSync(cwd)], []);
    assert.equal(contexts.length, 1, "no request after the stop");
    const outputs = events.flatMap((e) => e.type === "tool_result" ? [e.output] : []);
    assert.deepEqual(outputs, [DECLINED_TEXT, STOPPED_TEXT]);
    const end = events.at(-1)!;
    assert.equal(end.type, "end");
    assert.equal(end.type === "end" && end.reason, "aborted");
    assert.match(end.type === "end" ? end.error ?? "" : "", /Stopped: declined by the user/);
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

Deno.test("diffLines/unifiedDiff: minimal edits, hunks with context, new files, no newline", () => {
  const ops = diffLines(["a\n", "b\n", "c\n", "d\n"], ["a\n", "c\n", "x\n", "d\n"]);
  assert.equal(ops.map((o) => o.op).join(""), "=-=+=");
  const many = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`).join("\n") + "\n";
  const changed = many.replace("line 2\n", "LINE 2\n").replace("line 18\n", "LINE 18\n");
  assert.deepEqual(unifiedDiff(many, changed, { path: "f" }).filter((l) => l.startsWith("@@")), [
    "@@ -1,5 +1,5 @@",
    "@@ -15,6 +15,6 @@",
  ]);
  assert.deepEqual(unifiedDiff(undefined, "new\n", { path: "n.txt" }), [
    "--- /dev/null",
    "+++ b/n.txt",
    "@@ -0,0 +1,1 @@",
    "+new",
  ]);
  assert.deepEqual(unifiedDiff("a\nb", "a\nb\n", { path: "f" }).slice(2), [
    "@@ -1,2 +1,2 @@",
    " a",
    "-b",
    "\\ No newline at end of file",
    "+b",
  ]);
  assert.deepEqual(unifiedDiff("same\n", "same\n"), []);
});

Deno.test("diffLines: a big rewrite stays bounded and correct", () => {
  const a = Array.from({ length: 3000 }, (_, i) => `a${i}\n`);
  const b = Array.from({ length: 3000 }, (_, i) => `b${i}\n`);
  const ops = diffLines(a, b, 100);
  assert.equal(ops.filter((o) => o.op === "-").length, 3000);
  assert.equal(ops.filter((o) => o.op === "+").length, 3000);
});

Deno.test("approvalQuestion: bash shows the command; write and edit their diffs", () => {
  const bash = approvalQuestion(call("bash", { command: "rm -rf build\nmake", timeout: 60 }));
  assert.equal(bash.title, "Run bash?");
  assert.deepEqual(bash.body, ["$ rm -rf build", "$ make"]);
  assert.equal(bash.note, "timeout 60 s");
  assert.equal(bash.keys, "y yes · a always for bash · n no · Esc no, stop the turn");

  const edit = approvalQuestion(
    call("edit", { path: "src/a.ts", oldText: "const x = 1;", newText: "const x = 2;" }),
    { current: "// a\nconst x = 1;\nexport { x };\n" },
  );
  assert.equal(edit.title, "Edit src/a.ts?");
  assert.deepEqual(edit.body, [
    "--- a/src/a.ts",
    "+++ b/src/a.ts",
    "@@ -1,3 +1,3 @@",
    " // a",
    "-const x = 1;",
    "+const x = 2;",
    " export { x };",
  ]);
  const failing = approvalQuestion(
    call("edit", { path: "a", oldText: "nope", newText: "x" }),
    { current: "text\n" },
  );
  assert.match(failing.note ?? "", /the edit will fail: oldText was not found/);

  const created = approvalQuestion(call("write", { path: "n.md", content: "# hi\n" }));
  assert.equal(created.title, "Write n.md (new file)?");
  assert.deepEqual(created.body.slice(-1), ["+# hi"]);
  const over = approvalQuestion(call("write", { path: "n.md", content: "b\n" }), {
    current: "a\n",
  });
  assert.equal(over.title, "Overwrite n.md?");

  const long = approvalQuestion(call("bash", { command: "x\n".repeat(300) }), { maxLines: 10 });
  assert.equal(long.body.length, 10);
  assert.match(long.note ?? "", /291 more lines not shown/);
});

Deno.test("readApprovalQuestion: reads the file an edit changes", async () => {
  const cwd = await Deno.makeTempDir({ prefix: "pi_question_" });
  try {
    await Deno.writeTextFile(`${cwd}/f.txt`, "one\ntwo\n");
    const q = await readApprovalQuestion(
      call("edit", { path: "f.txt", oldText: "two", newText: "2" }),
      cwd,
    );
    assert.deepEqual(q.body.slice(-2), ["-two", "+2"]);
    const missing = await readApprovalQuestion(
      call("edit", { path: "gone.txt", oldText: "a", newText: "b" }),
      cwd,
    );
    assert.match(missing.note ?? "", /does not exist/);
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});
