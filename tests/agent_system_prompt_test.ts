import assert from "node:assert/strict";
import { buildSystemPrompt, formatDate, loadContextFiles } from "../src/agent/system_prompt.ts";
import { BUILTIN_TOOLS } from "../src/agent/tools/mod.ts";

Deno.test("system prompt names pi, every tool, the cwd and the injected date", () => {
  const now = new Date(2026, 0, 15, 10, 30).getTime(); // local time
  const prompt = buildSystemPrompt({ cwd: "/work/proj", now, tools: BUILTIN_TOOLS });
  assert.match(prompt, /You are pi, a coding agent/);
  for (const name of ["read", "write", "edit", "bash"]) {
    assert.match(prompt, new RegExp(`^- ${name}: `, "m"));
  }
  assert.match(prompt, /Working directory: \/work\/proj/);
  assert.match(prompt, /Today's date: 2026-01-15 \(Thursday\)/);
  assert.doesNotMatch(prompt, /Project instructions/);
  assert.equal(formatDate(new Date(2024, 1, 29).getTime()), "2024-02-29 (Thursday)");
});

Deno.test("AGENTS.md from the agent dir, the parents and the cwd are included in order", async () => {
  const root = await Deno.makeTempDir({ prefix: "pi_prompt_" });
  try {
    const agentDir = `${root}/agent`;
    const cwd = `${root}/repo/pkg`;
    await Deno.mkdir(agentDir, { recursive: true });
    await Deno.mkdir(cwd, { recursive: true });
    await Deno.writeTextFile(`${agentDir}/AGENTS.md`, "GLOBAL RULE");
    await Deno.writeTextFile(`${root}/repo/AGENTS.md`, "REPO RULE");
    await Deno.writeTextFile(`${cwd}/AGENTS.md`, "PKG RULE");
    await Deno.mkdir(`${root}/repo/AGENTS.md.d`);
    const files = await loadContextFiles(agentDir, cwd);
    assert.deepEqual(files.map((f) => f.content), ["GLOBAL RULE", "REPO RULE", "PKG RULE"]);
    assert.deepEqual(files.map((f) => f.path), [
      `${agentDir}/AGENTS.md`,
      `${root}/repo/AGENTS.md`,
      `${cwd}/AGENTS.md`,
    ]);
    const prompt = buildSystemPrompt({ cwd, now: 0, tools: BUILTIN_TOOLS, contextFiles: files });
    const order = ["GLOBAL RULE", "REPO RULE", "PKG RULE"].map((t) => prompt.indexOf(t));
    assert.ok(order[0] > 0 && order[0] < order[1] && order[1] < order[2]);
    // The agent dir being the cwd does not include the file twice.
    assert.equal((await loadContextFiles(cwd, cwd)).length, 2);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
