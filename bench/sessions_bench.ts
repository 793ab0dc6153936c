/**
 * `pi sessions` over 1,000 generated sessions (target: under 150 ms as a process), against
 * `pi --version` (the startup floor) in the same run. The sessions are made the way pi writes
 * them: 1–10 prompts each, up to 3 tool calls a prompt with 0.5–6.5 KB results (38 MB in
 * all). "warm": the list cache holds every file (the usual case: only the files written
 * since the last listing are read, from where they ended); "cold": no cache, every file
 * scanned (the first listing after an upgrade, or with a new agent dir).
 *
 *     deno bench -A bench/sessions_bench.ts
 */

import { SESSION_LIST_CACHE_FILE } from "../src/agent/session_list.ts";
import { sessionDir } from "../src/agent/session_store.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const SESSIONS = 1000;

const root = await Deno.makeTempDir({ prefix: "pi_sessions_bench_" });
const agentDir = `${root}/agent`;
const cwd = `${root}/project`;
await Deno.mkdir(cwd);
globalThis.addEventListener("unload", () => Deno.removeSync(root, { recursive: true }));

/** Writes `count` sessions of `cwd` as pi writes them; returns their total size. */
function generate(count: number): number {
  const dir = sessionDir(agentDir, cwd);
  Deno.mkdirSync(dir, { recursive: true });
  let seed = 42;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const hex = (n: number) =>
    Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join("");
  const zero = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 };
  const usage = {
    input: 1000,
    output: 50,
    cacheRead: 0,
    cacheWrite: 0,
    totalTokens: 1050,
    cost: zero,
    reasoning: 0,
    listCost: zero,
    billed: false,
  };
  let total = 0;
  for (let s = 0; s < count; s++) {
    const id = `${hex(8)}-${hex(4)}-4${hex(3)}-8${hex(3)}-${hex(12)}`;
    const t0 = Date.UTC(2025, 0, 1) + s * 3_600_000;
    const time = new Date(t0).toISOString();
    const lines: unknown[] = [{ type: "session", version: 3, id, timestamp: time, cwd }];
    let parentId: string | null = null;
    const add = (entry: Record<string, unknown>) => {
      const { type, ...fields } = entry;
      const entryId = hex(8);
      lines.push({ type, id: entryId, parentId, timestamp: time, ...fields });
      parentId = entryId;
    };
    const assistant = (content: unknown[], stopReason: string) => ({
      role: "assistant",
      content,
      api: "openai-codex-responses",
      provider: "openai-codex",
      model: "gpt-5.2-codex",
      usage,
      stopReason,
      timestamp: t0,
    });
    add({ type: "model_change", provider: "openai-codex", modelId: "gpt-5.2-codex" });
    add({ type: "thinking_level_change", thinkingLevel: "medium" });
    const prompts = 1 + Math.floor(random() * 10);
    for (let p = 0; p < prompts; p++) {
      add({
        type: "message",
        message: {
          role: "user",
          content: `fix bug ${p} in the parser, then run the tests`,
          timestamp: t0,
        },
      });
      const calls = Math.floor(random() * 4);
      for (let c = 0; c < calls; c++) {
        const callId = `call_${hex(6)}|fc_${hex(6)}`;
        add({
          type: "message",
          message: assistant(
            [{ type: "toolCall", id: callId, name: "read", arguments: { path: "src/parser.ts" } }],
            "toolUse",
          ),
        });
        add({
          type: "message",
          message: {
            role: "toolResult",
            toolCallId: callId,
            toolName: "read",
            content: [{ type: "text", text: "x".repeat(500 + Math.floor(random() * 6000)) }],
            isError: false,
            timestamp: t0,
          },
        });
      }
      add({
        type: "message",
        message: assistant([{ type: "text", text: "Done. ".repeat(50) }], "stop"),
      });
    }
    const text = lines.map((l) => JSON.stringify(l)).join("\n") + "\n";
    total += text.length;
    Deno.writeTextFileSync(`${dir}/${time.replace(/[:.]/g, "-")}_${id}.jsonl`, text);
  }
  return total;
}

const bytes = generate(SESSIONS);
console.log(`${SESSIONS} sessions, ${(bytes / 1e6).toFixed(1)} MB, in ${agentDir}`);

async function pi(args: string[]): Promise<void> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    cwd,
    env: { PI_CODING_AGENT_DIR: agentDir },
    stdout: "null",
    stderr: "null",
    stdin: "null",
  }).output();
  if (out.code !== 0) throw new Error(`pi ${args.join(" ")} exited ${out.code}`);
}

// The cache, as the first listing leaves it.
await pi(["sessions"]);

Deno.bench({
  name: "pi --version (startup floor)",
  group: "sessions",
  baseline: true,
  n: 30,
  warmup: 3,
  async fn() {
    await pi(["--version"]);
  },
});

Deno.bench({
  name: "pi sessions, 1,000 sessions (warm)",
  group: "sessions",
  n: 30,
  warmup: 3,
  async fn() {
    await pi(["sessions"]);
  },
});

Deno.bench({
  name: "pi sessions --json, 1,000 sessions (warm)",
  group: "sessions",
  n: 30,
  warmup: 3,
  async fn() {
    await pi(["sessions", "--json"]);
  },
});

Deno.bench({
  name: "pi sessions, 1,000 sessions (cold: no cache)",
  group: "sessions",
  n: 15,
  warmup: 2,
  async fn(b) {
    Deno.removeSync(`${agentDir}/${SESSION_LIST_CACHE_FILE}`);
    b.start();
    await pi(["sessions"]);
    b.end();
  },
});
