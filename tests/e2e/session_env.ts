/**
 * Helpers for the session tests: a temp dir with an agent dir logged in to the fake Codex
 * backend, pi as a process in it, and requests and session files as short values.
 */

import assert from "node:assert/strict";
import {
  type FakeBackend,
  type FakeTurn,
  type RecordedRequest,
  startFakeCodex,
  writeFakeAuth,
} from "../fixtures/fake_codex_backend.ts";
import { DENO_DIR, MAIN } from "./run_pi.ts";

export interface SessionEnv {
  dir: string;
  /** Where pi runs. */
  work: string;
  agentDir: string;
  fake: FakeBackend;
}

export async function withFake(
  script: FakeTurn[] | ((request: RecordedRequest, index: number) => FakeTurn),
  fn: (env: SessionEnv) => Promise<void>,
  workName = "work",
  fakeOptions: { sessionIdOptional?: boolean } = {},
): Promise<void> {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "pi_sessions_e2e_" }));
  const agentDir = `${dir}/agent`;
  const token = await writeFakeAuth(agentDir);
  const work = `${dir}/${workName}`;
  await Deno.mkdir(work);
  const fake = startFakeCodex(script, { token, ...fakeOptions });
  try {
    await fn({ dir, work, agentDir, fake });
    assert.deepEqual(fake.problems, [], "every request was valid");
  } finally {
    await fake.close();
    await Deno.remove(dir, { recursive: true });
  }
}

export async function pi(env: SessionEnv, args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", MAIN, ...args],
    cwd: env.work,
    clearEnv: true,
    env: {
      PATH: Deno.env.get("PATH") ?? "",
      HOME: env.dir,
      DENO_DIR,
      PI_CODING_AGENT_DIR: env.agentDir,
      PI_OPENAI_CODEX_BASE_URL: env.fake.url,
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const d = new TextDecoder();
  return { code: out.code, stdout: d.decode(out.stdout), stderr: d.decode(out.stderr) };
}

/** The input of a request as short strings: `user:text`, `assistant:text`, `call:name`, `output:text`. */
export function inputShape(request: RecordedRequest): string[] {
  const out: string[] = [];
  for (const item of request.body.input as Record<string, unknown>[]) {
    if (item.type === "function_call") out.push(`call:${item.name}`);
    else if (item.type === "function_call_output") out.push(`output:${item.output}`);
    else if (item.type === "reasoning") out.push("reasoning");
    else if (item.role === "user" || item.role === "assistant") {
      const text = (item.content as { text?: string }[]).map((c) => c.text ?? "").join("");
      out.push(`${item.role}:${text}`);
    }
  }
  return out;
}

export async function sessionFiles(agentDir: string): Promise<string[]> {
  const files: string[] = [];
  for await (const dir of Deno.readDir(`${agentDir}/sessions`)) {
    for await (const f of Deno.readDir(`${agentDir}/sessions/${dir.name}`)) {
      files.push(`${agentDir}/sessions/${dir.name}/${f.name}`);
    }
  }
  return files.sort();
}

export async function lines(path: string): Promise<Record<string, unknown>[]> {
  return (await Deno.readTextFile(path)).trimEnd().split("\n").map((l) => JSON.parse(l));
}
