/**
 * Helpers for the session tests: a temp dir with an agent dir logged in to the fake Codex
 * backend, pi as a process or in tmux panes in it, and requests and session files as short
 * values.
 */

import assert from "node:assert/strict";
import {
  type FakeBackend,
  type FakeTurn,
  type RecordedRequest,
  startFakeCodex,
  writeFakeAuth,
} from "../fixtures/fake_codex_backend.ts";
import { type PiResult, runPi } from "./run_pi.ts";
import { type PaneOptions, TmuxPane } from "./tmux.ts";

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

/** What pi sees of `env`: its HOME, the agent dir and the fake backend. */
export function piEnv(env: SessionEnv): Record<string, string> {
  return {
    HOME: env.dir,
    PI_CODING_AGENT_DIR: env.agentDir,
    PI_OPENAI_CODEX_BASE_URL: env.fake.url,
  };
}

/** Runs pi with `args` in `env.work` and waits for it to end. */
export function pi(env: SessionEnv, args: string[]): Promise<PiResult> {
  return runPi(args, { cwd: env.work, env: piEnv(env) });
}

/** Starts pi with `args` in a tmux pane (80×24 unless `options` say otherwise). */
export type StartPane = (args: string[], options?: Partial<PaneOptions>) => Promise<TmuxPane>;

/**
 * {@link withFake}, and `start` for pi in tmux panes: in `env.work`, with {@link piEnv} and
 * NO_COLOR. The panes are killed at the end.
 */
export function withFakePanes(
  script: FakeTurn[] | ((request: RecordedRequest, index: number) => FakeTurn),
  fn: (env: SessionEnv, start: StartPane) => Promise<void>,
): Promise<void> {
  return withFake(script, async (env) => {
    const panes: TmuxPane[] = [];
    try {
      await fn(env, async (args, options) => {
        const pane = await TmuxPane.start(env.dir, { ...piEnv(env), NO_COLOR: "1" }, args, {
          width: 80,
          height: 24,
          cwd: env.work,
          ...options,
        });
        panes.push(pane);
        return pane;
      });
    } finally {
      for (const pane of panes) await pane.kill();
    }
  });
}

/** models.json in the agent dir: `model` of openai-codex with a context window of `window`. */
export async function contextWindow(
  agentDir: string,
  window: number,
  model = "gpt-5.2-codex",
): Promise<void> {
  await Deno.writeTextFile(
    `${agentDir}/models.json`,
    JSON.stringify({
      providers: { "openai-codex": { models: { [model]: { contextWindow: window } } } },
    }),
  );
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
