/**
 * CONTRACT.md checked from the outside: `deno run -A main.ts …` as processes, files in temp
 * dirs, fakes on 127.0.0.1. Only what the other e2e files do not already check (see the
 * audit report). No fixed ports: the callback port is pinned to a free one with
 * PI_OAUTH_CALLBACK_PORT (tests/e2e/login_test.ts owns 1455 and 1457).
 */

import assert from "node:assert/strict";
import { childEnv, MAIN, REPO, spawnPi } from "./run_pi.ts";
import { HAS_TMUX, TmuxPane } from "./tmux.ts";
import { follow } from "../fixtures/browser_follow.ts";
import {
  freePort,
  makeAccessToken as makeIssuerToken,
  startFakeIssuer as startLoginIssuer,
  TEST_ACCOUNT_ID,
} from "../fixtures/fake_oauth_issuer.ts";
import {
  makeAccessToken as makeRefreshToken,
  startFakeIssuer as startRefreshIssuer,
} from "../fixtures/auth_fake_issuer.ts";
import { turnEvents } from "../fixtures/fake_codex_backend.ts";
import { makeJwt } from "../fixtures/jwt.ts";

const decoder = new TextDecoder();
const CLIENT_ID = "app_EMoamEEZ73f0CkXaXp7hrann";

// ---- processes ----

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function pi(
  args: string[],
  env: Record<string, string>,
  options: { stdin?: string | Uint8Array; cwd?: string } = {},
): Promise<Result> {
  const running = spawnPi(args, env, {
    stdin: options.stdin === undefined ? "null" : "piped",
    cwd: options.cwd,
  });
  if (options.stdin !== undefined) {
    await running.write(options.stdin).catch(() => {});
    await running.closeStdin();
  }
  return await running.done;
}

function kill(child: Deno.ChildProcess, signal: Deno.Signal = "SIGTERM"): void {
  try {
    child.kill(signal);
  } catch {
    // already gone
  }
}

/** A failure as the contract wants it: one line on stderr, `pi: …`, no stack trace. */
function assertOneLineError(result: Result, code: number): void {
  assert.equal(result.code, code, result.stderr);
  const lines = result.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `one line expected:\n${result.stderr}`);
  assert.match(lines[0], /^pi: /);
  assert.doesNotMatch(result.stderr, /^\s+at /m);
}

function assertNoSecrets(text: string, secrets: string[]): void {
  for (const secret of secrets) {
    assert.ok(!text.includes(secret), `a secret leaked: ${secret.slice(0, 12)}… in\n${text}`);
  }
  assert.doesNotMatch(text, /eyJ[A-Za-z0-9_-]{10,}/, "something JWT-like in output");
}

// ---- files ----

/** The line of a login's stderr that shows the authorize URL (captured). */
const AUTHORIZE_LINE = /^\s+(http:\/\/127\.0\.0\.1:\d+\/oauth\/authorize\?\S+)$/m;

/** The environment of a login in `dir` against a fake issuer, on a pinned callback port. */
function loginEnv(dir: string, issuer: string, port: number): Record<string, string> {
  return {
    HOME: dir,
    PI_CODING_AGENT_DIR: `${dir}/agent`,
    PI_OPENAI_CODEX_ISSUER: issuer,
    PI_OAUTH_CALLBACK_PORT: String(port),
  };
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "pi_contract_" }));
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function modeOf(path: string): number {
  return Deno.statSync(path).mode! & 0o777;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

async function writeAuth(agentDir: string, data: unknown): Promise<void> {
  await Deno.mkdir(agentDir, { recursive: true, mode: 0o700 });
  await Deno.writeTextFile(`${agentDir}/auth.json`, JSON.stringify(data, null, 2), {
    mode: 0o600,
  });
}

/** An access token (JWT) for `accountId`, far from expiry. */
function jwtFor(accountId: string, marker: string = crypto.randomUUID()): string {
  return makeJwt({
    exp: 4102444800,
    marker,
    "https://api.openai.com/auth": { chatgpt_account_id: accountId, chatgpt_plan_type: "plus" },
  });
}

function codexEntry(access: string, accountId: string, expires = 4102444800000) {
  return { type: "oauth", access, refresh: `rt-${crypto.randomUUID()}`, expires, accountId };
}

/**
 * Logs `<dir>/agent` in to openai-codex as `accountId`; the environment of a pi that uses
 * it against the ChatGPT backend at `baseUrl`.
 */
async function loggedIn(
  dir: string,
  accountId: string,
  baseUrl: string,
): Promise<{ agentDir: string; env: Record<string, string> }> {
  const agentDir = `${dir}/agent`;
  await writeAuth(agentDir, { "openai-codex": codexEntry(jwtFor(accountId), accountId) });
  return {
    agentDir,
    env: { HOME: dir, PI_CODING_AGENT_DIR: agentDir, PI_OPENAI_CODEX_BASE_URL: baseUrl },
  };
}

// ---- a recording backend (ChatGPT, OpenAI or Anthropic) ----

interface Seen {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Record<string, unknown> | undefined;
}

interface Backend {
  url: string;
  seen: Seen[];
  close(): Promise<void>;
}

function sseText(text: string): Response {
  return new Response(turnEvents({ text }).join(""), {
    headers: { "content-type": "text/event-stream" },
  });
}

function startBackend(
  answer: (seen: Seen, index: number) => Response = () => sseText("ok"),
): Backend {
  const seen: Seen[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    const text = await req.text();
    let body: Record<string, unknown> | undefined;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    const entry = {
      method: req.method,
      path: url.pathname,
      headers: Object.fromEntries(req.headers),
      body,
    };
    seen.push(entry);
    if (url.pathname.endsWith("/codex/models")) return Response.json({ models: [] });
    return answer(entry, seen.filter((s) => !s.path.endsWith("/codex/models")).length - 1);
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    seen,
    close: () => server.shutdown(),
  };
}

function responsesCalls(backend: Backend): Seen[] {
  return backend.seen.filter((s) => s.path.endsWith("/codex/responses"));
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 20_000) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

// =====================================================================================
// Command line: unknown names and usage errors
// =====================================================================================

Deno.test("usage errors: exit 2, one line, the contract's message shapes", async () => {
  await withDir(async (dir) => {
    const env = { HOME: dir, PI_CODING_AGENT_DIR: `${dir}/agent` };
    const cases: [string[], RegExp][] = [
      [["login", "nope"], /^pi: Unknown provider: nope \(known: openai-codex, anthropic, openai\)/],
      [["--mode", "nope", "-p", "hi"], /^pi: Unknown mode: nope \(known: text, json\)/],
      [
        ["--thinking", "nope", "-p", "hi"],
        /^pi: Unknown thinking: nope \(known: off, minimal, low, medium, high, xhigh\)/,
      ],
      [
        ["--provider", "nope", "-p", "hi"],
        /^pi: Unknown provider: nope \(known: openai-codex, anthropic, openai\)/,
      ],
      [["--model", "nope", "-p", "hi"], /^pi: Unknown model: nope \(known: .*openai-codex\//],
      [["--models", "zz*", "-p", "hi"], /^pi: No model matches pattern: zz\* \(known: /],
      [["models", "zz*"], /^pi: No model matches pattern: zz\* \(known: /],
      [
        ["logout", "nope"],
        /^pi: Unknown provider: nope \(known: openai-codex, anthropic, openai\)/,
      ],
      [["auth", "nope"], /^pi: Unknown subcommand: nope/],
      [["-p"], /^pi: No message given/],
    ];
    for (const [args, shape] of cases) {
      const result = await pi(args, env);
      assertOneLineError(result, 2);
      assert.match(result.stderr, shape, args.join(" "));
      assert.equal(result.stdout, "", args.join(" "));
    }
    assert.equal(await exists(`${dir}/agent/auth.json`), false);
  });
});

// =====================================================================================
// OAuth: the callback server, manual entry
// =====================================================================================

Deno.test("callback server (pinned port): 127.0.0.1 only, 404 elsewhere, 400 on a missing or wrong state and keeps waiting, success page, then the port is free", async () => {
  await withDir(async (dir) => {
    const issuer = startLoginIssuer();
    const port = freePort();
    const env = {
      HOME: dir,
      PI_CODING_AGENT_DIR: `${dir}/agent`,
      PI_OPENAI_CODEX_ISSUER: issuer.url,
      PI_OAUTH_CALLBACK_PORT: String(port),
      BROWSER: "true",
    };
    const login = spawnPi(["login", "openai-codex", "--no-browser"], env);
    try {
      const [, url] = await login.waitStderr(
        AUTHORIZE_LINE,
      );
      await login.waitStderr(new RegExp(`pi is waiting on http://localhost:${port}/auth/callback`));
      const authorize = new URL(url);
      assert.equal(
        authorize.searchParams.get("redirect_uri"),
        `http://localhost:${port}/auth/callback`,
      );

      const get = async (path: string) => {
        const r = await fetch(`http://127.0.0.1:${port}${path}`);
        await r.body?.cancel();
        return r.status;
      };
      assert.equal(await get("/"), 404);
      assert.equal(await get("/auth/callbackx?code=a&state=b"), 404);
      assert.equal(await get("/auth/callback?code=abc"), 400);
      assert.equal(await get("/auth/callback?code=abc&state=wrong"), 400);

      // Not reachable on any other interface of this machine.
      for (const nic of Deno.networkInterfaces()) {
        if (nic.family !== "IPv4" || nic.address.startsWith("127.")) continue;
        await assert.rejects(async () => {
          const conn = await Deno.connect({ hostname: nic.address, port });
          conn.close();
        }, `reachable on ${nic.address}`);
      }

      // The real redirect still completes the login, with a success page.
      const hops = await follow(url);
      const callback = hops.at(-1)!;
      assert.match(callback.url, /\/auth\/callback\?/);
      assert.equal(callback.status, 200);
      const page = await login.done;
      assert.equal(page.code, 0, page.stderr);
      assert.equal(issuer.tokenCalls.length, 1);
      assert.deepEqual(issuer.problems, []);
      // Shut down: the port can be bound again.
      Deno.listen({ hostname: "127.0.0.1", port }).close();
    } finally {
      kill(login.child);
      await login.done;
      await issuer.close();
    }
  });
});

Deno.test("callback server: the success page is HTML that says the tab can be closed", async () => {
  await withDir(async (dir) => {
    const issuer = startLoginIssuer();
    const port = freePort();
    const login = spawnPi(["login", "--no-browser"], loginEnv(dir, issuer.url, port));
    try {
      const [, url] = await login.waitStderr(
        AUTHORIZE_LINE,
      );
      const hops = await follow(url, { stopAtCallback: true });
      const callbackUrl = new URL(hops.at(-1)!.url);
      callbackUrl.hostname = "127.0.0.1";
      const response = await fetch(callbackUrl);
      const html = await response.text();
      assert.equal(response.status, 200);
      assert.match(response.headers.get("content-type") ?? "", /text\/html/);
      assert.match(html, /close/i);
      assert.equal((await login.done).code, 0);
    } finally {
      kill(login.child);
      await login.done;
      await issuer.close();
    }
  });
});

Deno.test("GET /cancel ends a waiting login: 'Login cancelled', exit 1, one line, port freed", async () => {
  await withDir(async (dir) => {
    const issuer = startLoginIssuer();
    const port = freePort();
    const login = spawnPi(["login", "--no-browser"], loginEnv(dir, issuer.url, port));
    try {
      await login.waitStderr(/pi is waiting on/);
      const r = await fetch(`http://127.0.0.1:${port}/cancel`);
      await r.body?.cancel();
      const result = await login.done;
      assert.equal(result.code, 1);
      const last = result.stderr.trimEnd().split("\n").at(-1)!;
      assert.match(last, /^pi: Login cancelled/);
      assert.equal(result.stderr.match(/^pi: /gm)?.length, 1);
      assert.doesNotMatch(result.stderr, /^\s+at /m);
      Deno.listen({ hostname: "127.0.0.1", port }).close();
      assert.equal(await exists(`${dir}/agent/auth.json`), false);
    } finally {
      kill(login.child);
      await login.done;
      await issuer.close();
    }
  });
});

Deno.test("a pinned busy port: 'Port N already in use', no /cancel sent, and manual entry as code=…&state=…, code#state or a bare code", async () => {
  const holderRequests: string[] = [];
  const holder = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    holderRequests.push(new URL(req.url).pathname);
    return new Response("someone else");
  });
  const port = holder.addr.port;
  try {
    for (const shape of ["query", "hash", "bare"] as const) {
      await withDir(async (dir) => {
        const issuer = startLoginIssuer();
        const login = spawnPi(["login", "--no-browser"], loginEnv(dir, issuer.url, port), {
          stdin: "piped",
        });
        try {
          await login.waitStderr(new RegExp(`^Port ${port} already in use`, "m"));
          const [, url] = await login.waitStderr(
            AUTHORIZE_LINE,
          );
          const hops = await follow(url, { stopAtCallback: true });
          const back = new URL(hops.at(-1)!.url);
          assert.equal(back.origin, `http://localhost:${port}`);
          const code = back.searchParams.get("code")!;
          const state = back.searchParams.get("state")!;
          const typed = shape === "query"
            ? `code=${encodeURIComponent(code)}&state=${encodeURIComponent(state)}`
            : shape === "hash"
            ? `${code}#${state}`
            : code;
          await login.write(`${typed}\n`);
          const result = await login.done;
          assert.equal(result.code, 0, `${shape}: ${result.stderr}`);
          assert.deepEqual(issuer.problems, []);
          assert.equal(
            issuer.tokenCalls[0].params.redirect_uri,
            `http://localhost:${port}/auth/callback`,
          );
          const auth = JSON.parse(await Deno.readTextFile(`${dir}/agent/auth.json`));
          assert.equal(auth["openai-codex"].accountId, TEST_ACCOUNT_ID);
          assertNoSecrets(
            result.stdout + result.stderr,
            issuer.issued.flatMap((t) => [t.access, t.refresh]),
          );
        } finally {
          await login.closeStdin();
          kill(login.child);
          await login.done;
          await issuer.close();
        }
      });
    }
    assert.deepEqual(holderRequests, [], "a pinned port gets no /cancel");
  } finally {
    await holder.shutdown();
  }
});

Deno.test("default agent dir ~/.pi/agent (0700) and default CODEX_HOME ~/.codex", async () => {
  await withDir(async (home) => {
    await Deno.mkdir(`${home}/.codex`);
    const access = makeIssuerToken({ accountId: "acct-default-home" });
    await Deno.writeTextFile(
      `${home}/.codex/auth.json`,
      JSON.stringify({
        tokens: {
          access_token: access,
          refresh_token: "rt-codex-home",
          account_id: "acct-default-home",
        },
      }),
    );
    const codexBefore = await Deno.readFile(`${home}/.codex/auth.json`);
    const codexStat = Deno.statSync(`${home}/.codex/auth.json`);
    const result = await pi(["login", "--from-codex"], { HOME: home });
    // Codex CLI's file is read only.
    assert.deepEqual(await Deno.readFile(`${home}/.codex/auth.json`), codexBefore);
    assert.equal(Deno.statSync(`${home}/.codex/auth.json`).mode, codexStat.mode);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(modeOf(`${home}/.pi/agent`), 0o700);
    assert.equal(modeOf(`${home}/.pi/agent/auth.json`), 0o600);
    const auth = JSON.parse(await Deno.readTextFile(`${home}/.pi/agent/auth.json`));
    assert.equal(auth["openai-codex"].accountId, "acct-default-home");
    assertNoSecrets(result.stdout + result.stderr, [access, "rt-codex-home"]);
  });
});

// =====================================================================================
// Refresh under lock, through the CLI
// =====================================================================================

Deno.test("refresh under lock: 6 `pi -p` at once with one expired token make exactly one refresh; auth.json renamed into place 0600, other entries kept, lock file kept", async () => {
  await withDir(async (dir) => {
    const accountId = "acct-refresh-e2e";
    const issuer = startRefreshIssuer({
      delayMs: 300,
      accountId,
      initialRefresh: "rt-initial-e2e-0001",
    });
    const backend = startBackend();
    try {
      const agentDir = `${dir}/agent`;
      const expired = makeRefreshToken(accountId, Math.floor(Date.now() / 1000) - 10, "old");
      await writeAuth(agentDir, {
        anthropic: { type: "api_key", key: "sk-ant-keep-1234567890", note: "kept" },
        "openai-codex": {
          type: "oauth",
          access: expired,
          refresh: "rt-initial-e2e-0001",
          expires: Date.now() - 10_000,
          accountId,
          extra: { kept: true },
        },
        "other-tool": { type: "whatever", nested: [1, 2] },
      });
      const authFile = `${agentDir}/auth.json`;
      const inodeBefore = Deno.statSync(authFile).ino;
      const env = {
        HOME: dir,
        PI_CODING_AGENT_DIR: agentDir,
        PI_OPENAI_CODEX_ISSUER: issuer.url,
        PI_OPENAI_CODEX_BASE_URL: backend.url,
      };
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) => pi(["-p", "--no-session", `hi ${i}`], env)),
      );
      for (const r of results) assert.equal(r.code, 0, r.stderr);
      assert.equal(issuer.refreshRequests, 1);
      const form = Object.fromEntries(issuer.bodies[0]);
      assert.deepEqual(form, {
        grant_type: "refresh_token",
        refresh_token: "rt-initial-e2e-0001",
        client_id: CLIENT_ID,
      });
      const calls = responsesCalls(backend);
      assert.equal(calls.length, 6);
      for (const c of calls) {
        assert.equal(c.headers.authorization, `Bearer ${issuer.currentAccess}`);
        assert.equal(c.headers["chatgpt-account-id"], accountId);
      }
      const after = JSON.parse(await Deno.readTextFile(authFile));
      assert.equal(after["openai-codex"].access, issuer.currentAccess);
      assert.equal(after["openai-codex"].refresh, issuer.currentRefresh);
      assert.ok(after["openai-codex"].expires > Date.now() + 3_000_000);
      assert.deepEqual(after["openai-codex"].extra, { kept: true });
      assert.deepEqual(after.anthropic, {
        type: "api_key",
        key: "sk-ant-keep-1234567890",
        note: "kept",
      });
      assert.deepEqual(after["other-tool"], { type: "whatever", nested: [1, 2] });
      assert.equal(modeOf(authFile), 0o600);
      assert.notEqual(Deno.statSync(authFile).ino, inodeBefore, "written as temp file + rename");
      // The lock: a sibling file, never auth.json.lock, still there afterwards; no temp files left.
      const names = [...Deno.readDirSync(agentDir)].map((e) => e.name).sort();
      assert.ok(!names.includes("auth.json.lock"), names.join(", "));
      const others = names.filter((n) =>
        n !== "auth.json" && !n.startsWith("models-cache") && n !== "usage.json"
      );
      assert.equal(others.length, 1, `one lock file expected: ${names.join(", ")}`);
      assert.ok(Deno.statSync(`${agentDir}/${others[0]}`).isFile);
      for (const r of results) {
        assertNoSecrets(r.stdout + r.stderr, [
          issuer.currentAccess,
          issuer.currentRefresh,
          expired,
        ]);
      }
    } finally {
      await backend.close();
      await issuer.close();
    }
  });
});

Deno.test("a refused refresh: one line 'Failed to refresh OAuth token … run /login (or pi login openai-codex)', exit 1, auth.json byte-identical, no token shown", async () => {
  await withDir(async (dir) => {
    const issuer = startRefreshIssuer({ delayMs: 0, initialRefresh: "rt-the-valid-one-000" });
    const backend = startBackend();
    try {
      const agentDir = `${dir}/agent`;
      const expired = makeRefreshToken("acc", Math.floor(Date.now() / 1000) - 10, "old");
      await writeAuth(agentDir, {
        "openai-codex": {
          type: "oauth",
          access: expired,
          refresh: "rt-already-used-by-someone-0123456789",
          expires: Date.now() - 10_000,
          accountId: "acc",
        },
        anthropic: { type: "api_key", key: "sk-ant-untouched-000" },
      });
      const before = await Deno.readFile(`${agentDir}/auth.json`);
      const result = await pi(["-p", "hi"], {
        HOME: dir,
        PI_CODING_AGENT_DIR: agentDir,
        PI_OPENAI_CODEX_ISSUER: issuer.url,
        PI_OPENAI_CODEX_BASE_URL: backend.url,
      });
      assertOneLineError(result, 1);
      assert.match(
        result.stderr,
        /Failed to refresh OAuth token.*run \/login \(or pi login openai-codex\)/,
      );
      assert.deepEqual(await Deno.readFile(`${agentDir}/auth.json`), before);
      assert.equal(responsesCalls(backend).length, 0);
      assertNoSecrets(result.stdout + result.stderr, [
        expired,
        "rt-already-used-by-someone-0123456789",
      ]);

      // An issuer that cannot be reached: the same shape, the file still untouched.
      const unreachable = await pi(["-p", "hi"], {
        HOME: dir,
        PI_CODING_AGENT_DIR: agentDir,
        PI_OPENAI_CODEX_ISSUER: `http://127.0.0.1:${freePort()}`,
        PI_OPENAI_CODEX_BASE_URL: backend.url,
      });
      assertOneLineError(unreachable, 1);
      assert.match(
        unreachable.stderr,
        /Failed to refresh OAuth token.*run \/login \(or pi login openai-codex\)/,
      );
      assert.deepEqual(await Deno.readFile(`${agentDir}/auth.json`), before);
    } finally {
      await backend.close();
      await issuer.close();
    }
  });
});

Deno.test("a 401 from the backend: one refresh, one retry with the new token, saved", async () => {
  await withDir(async (dir) => {
    const accountId = "acct-401";
    const issuer = startRefreshIssuer({
      delayMs: 0,
      accountId,
      initialRefresh: "rt-before-401-0001",
    });
    const backend = startBackend((_seen, i) =>
      i === 0
        ? Response.json({ error: { message: "token revoked" } }, { status: 401 })
        : sseText("after refresh")
    );
    try {
      const agentDir = `${dir}/agent`;
      const access = makeRefreshToken(accountId, Math.floor(Date.now() / 1000) + 3600, "fresh");
      await writeAuth(agentDir, {
        "openai-codex": {
          type: "oauth",
          access,
          refresh: "rt-before-401-0001",
          expires: Date.now() + 3600_000,
          accountId,
        },
      });
      const result = await pi(["-p", "--no-session", "hi"], {
        HOME: dir,
        PI_CODING_AGENT_DIR: agentDir,
        PI_OPENAI_CODEX_ISSUER: issuer.url,
        PI_OPENAI_CODEX_BASE_URL: backend.url,
      });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, "after refresh\n");
      assert.equal(issuer.refreshRequests, 1);
      const calls = responsesCalls(backend);
      assert.equal(calls.length, 2);
      assert.equal(calls[0].headers.authorization, `Bearer ${access}`);
      assert.equal(calls[1].headers.authorization, `Bearer ${issuer.currentAccess}`);
      const saved = JSON.parse(await Deno.readTextFile(`${agentDir}/auth.json`))["openai-codex"];
      assert.equal(saved.refresh, issuer.currentRefresh);
    } finally {
      await backend.close();
      await issuer.close();
    }
  });
});

// =====================================================================================
// The Responses request, key resolution, default model
// =====================================================================================

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

Deno.test("the Responses request: every header and body field of the contract; only listed endpoints are called", async () => {
  await withDir(async (dir) => {
    const backend = startBackend();
    try {
      const agentDir = `${dir}/agent`;
      const access = jwtFor("acct-shape");
      await writeAuth(agentDir, { "openai-codex": codexEntry(access, "acct-shape") });
      const result = await pi(["-p", "--thinking", "high", "hi there"], {
        HOME: dir,
        PI_CODING_AGENT_DIR: agentDir,
        PI_OPENAI_CODEX_BASE_URL: `${backend.url}/backend-api`,
      });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, "ok\n");
      for (const s of backend.seen) {
        assert.ok(
          ["POST /backend-api/codex/responses", "GET /backend-api/codex/models"].includes(
            `${s.method} ${s.path}`,
          ),
          `unexpected ${s.method} ${s.path}`,
        );
      }
      const [call] = responsesCalls(backend);
      const h = call.headers;
      assert.equal(h.authorization, `Bearer ${access}`);
      assert.equal(h["chatgpt-account-id"], "acct-shape");
      assert.equal(h["openai-beta"], "responses=experimental");
      assert.equal(h.originator, "pi");
      assert.match(h.session_id, UUID);
      assert.equal(h.accept, "text/event-stream");
      assert.match(h["content-type"], /^application\/json/);
      const b = call.body!;
      assert.equal(b.model, "gpt-5.2-codex");
      assert.equal(typeof b.instructions, "string");
      assert.ok((b.instructions as string).length > 0);
      assert.ok(Array.isArray(b.input));
      assert.match(JSON.stringify(b.input), /hi there/);
      assert.ok(Array.isArray(b.tools));
      assert.equal(b.tool_choice, "auto");
      assert.equal(typeof b.parallel_tool_calls, "boolean");
      assert.deepEqual(b.reasoning, { effort: "high", summary: "auto" });
      assert.equal(b.store, false);
      assert.equal(b.stream, true);
      assert.deepEqual(b.include, ["reasoning.encrypted_content"]);
      assert.equal(typeof b.prompt_cache_key, "string");
      assert.ok((b.prompt_cache_key as string).length > 0);
    } finally {
      await backend.close();
    }
  });
});

Deno.test("key resolution through the CLI: --api-key → stored OAuth → OPENAI_API_KEY; account id from the JWT claim; a non-JWT is refused saying so", async () => {
  await withDir(async (dir) => {
    const backend = startBackend();
    try {
      const agentDir = `${dir}/agent`;
      const stored = jwtFor("acct-stored");
      const fromEnv = jwtFor("acct-env");
      const fromFlag = jwtFor("acct-flag");
      await writeAuth(agentDir, { "openai-codex": codexEntry(stored, "acct-stored") });
      const env = {
        HOME: dir,
        PI_CODING_AGENT_DIR: agentDir,
        PI_OPENAI_CODEX_BASE_URL: backend.url,
        OPENAI_API_KEY: fromEnv,
      };
      const last = () => responsesCalls(backend).at(-1)!.headers;

      const flag = await pi(["-p", "--no-session", "--api-key", fromFlag, "hi"], env);
      assert.equal(flag.code, 0, flag.stderr);
      assert.equal(last().authorization, `Bearer ${fromFlag}`);
      assert.equal(last()["chatgpt-account-id"], "acct-flag");

      const oauth = await pi(["-p", "--no-session", "hi"], env);
      assert.equal(oauth.code, 0, oauth.stderr);
      assert.equal(last().authorization, `Bearer ${stored}`);
      assert.equal(last()["chatgpt-account-id"], "acct-stored");

      await writeAuth(agentDir, {});
      const envKey = await pi(["-p", "--no-session", "hi"], env);
      assert.equal(envKey.code, 0, envKey.stderr);
      assert.equal(last().authorization, `Bearer ${fromEnv}`);
      assert.equal(last()["chatgpt-account-id"], "acct-env");

      const count = responsesCalls(backend).length;
      for (
        const [args, extra] of [
          [["--api-key", "sk-proj-not-a-jwt-0123456789"], {}],
          [[], { OPENAI_API_KEY: "sk-proj-not-a-jwt-0123456789" }],
        ] as const
      ) {
        const refused = await pi(["-p", "--provider", "openai-codex", ...args, "hi"], {
          ...env,
          ...extra,
        });
        assertOneLineError(refused, 1);
        assert.match(refused.stderr, /not an access token \(JWT\)/);
        assertNoSecrets(refused.stderr, ["sk-proj-not-a-jwt-0123456789"]);
      }
      assert.equal(responsesCalls(backend).length, count, "a refused key is never sent");
      for (const r of [flag, oauth, envKey]) {
        assertNoSecrets(r.stdout + r.stderr, [stored, fromEnv, fromFlag]);
      }
    } finally {
      await backend.close();
    }
  });
});

Deno.test("default model: gpt-5.2-codex with a codex key; else the first model of anthropic, then openai; --models' first match wins; OPENAI_BASE_URL and ANTHROPIC_BASE_URL are used", async () => {
  await withDir(async (dir) => {
    const backend = startBackend(() =>
      Response.json({ error: { message: "no thanks" } }, { status: 400 })
    );
    try {
      const agentDir = `${dir}/agent`;
      await Deno.mkdir(agentDir);
      const base = { HOME: dir, PI_CODING_AGENT_DIR: agentDir };
      const listing = await pi(["models", "--json"], base);
      assert.equal(listing.code, 0, listing.stderr);
      const all = JSON.parse(listing.stdout) as { provider: string; id: string }[];
      const first = (p: string) => all.find((m) => m.provider === p)!.id;
      const modelOf = async (extra: Record<string, string>, args: string[] = []) => {
        const r = await pi(["-p", "--mode", "json", "--no-session", ...args, "hi"], {
          ...base,
          OPENAI_BASE_URL: `${backend.url}/openai/v1`,
          ANTHROPIC_BASE_URL: `${backend.url}/anthropic`,
          ...extra,
        });
        const line = JSON.parse(r.stdout.split("\n")[0]);
        assert.equal(line.type, "session", r.stdout + r.stderr);
        return { model: line.model as string, result: r };
      };
      const both = {
        ANTHROPIC_API_KEY: "sk-ant-test-000000000000",
        OPENAI_API_KEY: "sk-openai-test-0000000000",
      };
      const a = await modelOf(both);
      assert.equal(a.model, `anthropic/${first("anthropic")}`);
      assert.equal(a.result.code, 1);
      assert.equal(backend.seen.at(-1)!.path, "/anthropic/v1/messages");
      assert.equal(backend.seen.at(-1)!.headers["x-api-key"], both.ANTHROPIC_API_KEY);

      const o = await modelOf({ OPENAI_API_KEY: both.OPENAI_API_KEY });
      assert.equal(o.model, `openai/${first("openai")}`);
      assert.equal(backend.seen.at(-1)!.path, "/openai/v1/responses");
      assert.equal(backend.seen.at(-1)!.headers.authorization, `Bearer ${both.OPENAI_API_KEY}`);

      const c = await modelOf({
        ...both,
        OPENAI_API_KEY: jwtFor("acct-default"),
        PI_OPENAI_CODEX_BASE_URL: backend.url,
      });
      assert.equal(c.model, "openai-codex/gpt-5.2-codex");

      const scoped = await modelOf(both, ["--models", "openai/*,anthropic/*"]);
      assert.equal(scoped.model, `openai/${first("openai")}`);
      for (const r of [a, o, c, scoped]) {
        assertNoSecrets(r.result.stdout + r.result.stderr, [
          both.ANTHROPIC_API_KEY,
          both.OPENAI_API_KEY,
        ]);
      }
    } finally {
      await backend.close();
    }
  });
});

Deno.test("usage_limit_reached: one request, exit 1, one line with the reset time; a server message echoing the token is redacted", async () => {
  await withDir(async (dir) => {
    const agentDir = `${dir}/agent`;
    const access = jwtFor("acct-limit");
    await writeAuth(agentDir, { "openai-codex": codexEntry(access, "acct-limit") });
    const limited = startBackend(() =>
      Response.json({
        error: {
          type: "usage_limit_reached",
          message: "The usage limit has been reached",
          plan_type: "plus",
          resets_in_seconds: 3600,
        },
      }, { status: 429 })
    );
    const echoing = startBackend((seen) =>
      Response.json({ error: { message: `bad request for ${seen.headers.authorization}` } }, {
        status: 400,
      })
    );
    try {
      const env = { HOME: dir, PI_CODING_AGENT_DIR: agentDir };
      const r = await pi(["-p", "hi"], { ...env, PI_OPENAI_CODEX_BASE_URL: limited.url });
      assertOneLineError(r, 1);
      assert.match(r.stderr, /usage limit/i);
      assert.match(r.stderr, /resets/);
      assert.equal(responsesCalls(limited).length, 1, "not retried");

      const e = await pi(["-p", "hi"], { ...env, PI_OPENAI_CODEX_BASE_URL: echoing.url });
      assertOneLineError(e, 1);
      assertNoSecrets(e.stdout + e.stderr, [access, access.split(".")[1]]);
    } finally {
      await limited.close();
      await echoing.close();
    }
  });
});

Deno.test("HTTPS_PROXY carries backend and issuer requests (CONNECT); NO_PROXY bypasses it", async () => {
  const proxied: string[] = [];
  const direct: number[] = [];
  const proxy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const target = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const serve = async (listener: Deno.Listener, on: (first: Uint8Array) => void) => {
    for await (const conn of listener) {
      const buf = new Uint8Array(512);
      conn.read(buf).then((n) => on(buf.subarray(0, n ?? 0))).catch(() => {}).finally(() => {
        try {
          conn.close();
        } catch {
          // closed
        }
      });
    }
  };
  const loops = [
    serve(proxy, (b) => proxied.push(decoder.decode(b).split("\r\n")[0])).catch(() => {}),
    serve(target, (b) => direct.push(b[0])).catch(() => {}),
  ];
  const targetPort = (target.addr as Deno.NetAddr).port;
  try {
    await withDir(async (dir) => {
      const logged = await loggedIn(
        dir,
        "acct-proxy",
        `https://127.0.0.1:${targetPort}/backend-api`,
      );
      const env = {
        ...logged.env,
        HTTPS_PROXY: `http://127.0.0.1:${(proxy.addr as Deno.NetAddr).port}`,
      };
      const via = spawnPi(["-p", "--no-session", "hi"], env);
      try {
        await until(
          "a CONNECT at the proxy",
          () => proxied.some((l) => l.startsWith(`CONNECT 127.0.0.1:${targetPort} `)),
        );
        assert.equal(direct.length, 0);
      } finally {
        kill(via.child);
        await via.done;
      }
      proxied.length = 0;
      const bypass = spawnPi(["-p", "--no-session", "hi"], { ...env, NO_PROXY: "127.0.0.1" });
      try {
        await until("a direct TLS connection", () => direct.length > 0);
        assert.equal(direct[0], 0x16, "a TLS ClientHello");
        assert.deepEqual(proxied.filter((l) => l.includes(`127.0.0.1:${targetPort}`)), []);
      } finally {
        kill(bypass.child);
        await bypass.done;
      }
      // The issuer too (device login's first request).
      proxied.length = 0;
      const device = spawnPi(["login", "--device"], {
        ...env,
        PI_OPENAI_CODEX_ISSUER: `https://127.0.0.1:${targetPort}`,
      });
      try {
        await until(
          "the issuer's CONNECT at the proxy",
          () => proxied.some((l) => l.startsWith(`CONNECT 127.0.0.1:${targetPort} `)),
        );
      } finally {
        kill(device.child);
        await device.done;
      }
    });
  } finally {
    proxy.close();
    target.close();
    await Promise.all(loops);
  }
});

// =====================================================================================
// Files: corrupt, loose permissions
// =====================================================================================

Deno.test("a corrupt auth.json: every command names the path in one line (exit 1) and leaves it byte-identical; login stops before any request", async () => {
  await withDir(async (dir) => {
    const issuer = startLoginIssuer();
    try {
      const agentDir = `${dir}/agent`;
      await Deno.mkdir(agentDir, { mode: 0o700 });
      const path = `${agentDir}/auth.json`;
      const bytes = new TextEncoder().encode('{"openai-codex": {"type": "oauth", "access": ');
      await Deno.writeFile(path, bytes, { mode: 0o600 });
      const env = {
        HOME: dir,
        PI_CODING_AGENT_DIR: agentDir,
        PI_OPENAI_CODEX_ISSUER: issuer.url,
        PI_OAUTH_CALLBACK_PORT: String(freePort()),
        BROWSER: `${Deno.execPath()} run -A --quiet ${REPO}tests/fixtures/browser_follow.ts`,
      };
      for (
        const args of [["-p", "hi"], ["auth", "status"], ["models"], ["logout"], [
          "login",
          "openai-codex",
        ]]
      ) {
        const r = await pi(args, env);
        assert.equal(r.code, 1, `${args.join(" ")}: ${r.stderr}`);
        const last = r.stderr.trimEnd().split("\n").at(-1)!;
        assert.ok(last.includes(path), `${args.join(" ")}: ${r.stderr}`);
        assert.equal(r.stderr.match(/^pi: /gm)?.length, 1, r.stderr);
        assert.doesNotMatch(r.stderr, /^\s+at /m);
        assert.deepEqual(await Deno.readFile(path), bytes, args.join(" "));
      }
      assert.deepEqual(issuer.log, [], "login checked the file before opening the browser");
    } finally {
      await issuer.close();
    }
  });
});

Deno.test("auth.json 0644 in a 0755 dir: tightened to 0600/0700, said once each on stderr, then silence", async () => {
  await withDir(async (dir) => {
    const backend = startBackend();
    try {
      const { agentDir, env } = await loggedIn(dir, "acct-mode", backend.url);
      Deno.chmodSync(`${agentDir}/auth.json`, 0o644);
      Deno.chmodSync(agentDir, 0o755);
      const first = await pi(["-p", "--no-session", "hi"], env);
      assert.equal(first.code, 0, first.stderr);
      assert.equal(first.stdout, "ok\n");
      assert.equal(modeOf(`${agentDir}/auth.json`), 0o600);
      assert.equal(modeOf(agentDir), 0o700);
      const lines = first.stderr.trimEnd().split("\n");
      assert.equal(
        lines.filter((l) => l.includes(`${agentDir}/auth.json`)).length,
        1,
        first.stderr,
      );
      assert.equal(lines.filter((l) => /0700/.test(l)).length, 1, first.stderr);
      assert.equal(lines.length, 2, first.stderr);
      const second = await pi(["-p", "--no-session", "hi"], env);
      assert.equal(second.code, 0, second.stderr);
      assert.equal(second.stderr, "");
    } finally {
      await backend.close();
    }
  });
});

// =====================================================================================
// Pipes and odd input
// =====================================================================================

Deno.test("stdout closed by the reader (pi … | head): no crash, no stack trace, exit 0", async () => {
  await withDir(async (dir) => {
    const backend = startBackend(() => sseText("x".repeat(200_000)));
    try {
      const { env } = await loggedIn(dir, "acct-pipe", backend.url);
      for (
        const args of [["models"], ["models", "--json"], ["--help"], ["-p", "--no-session", "hi"], [
          "-p",
          "--mode",
          "json",
          "--no-session",
          "hi",
        ]]
      ) {
        const child = new Deno.Command(Deno.execPath(), {
          args: ["run", "-A", "--quiet", MAIN, ...args],
          cwd: REPO,
          env: childEnv(env),
          clearEnv: true,
          stdin: "null",
          stdout: "piped",
          stderr: "piped",
        }).spawn();
        await child.stdout.cancel(); // the reader is gone before pi writes anything
        const out = await child.output().catch(async () => ({
          code: (await child.status).code,
          stderr: new Uint8Array(),
        }));
        const stderr = decoder.decode(out.stderr);
        assert.equal(out.code, 0, `${args.join(" ")}: ${stderr}`);
        assert.doesNotMatch(stderr, /^\s+at |Broken pipe|error:/im, args.join(" "));
      }
    } finally {
      await backend.close();
    }
  });
});

Deno.test("echo … | pi -p: non-UTF-8 bytes become U+FFFD, a 1 MB message goes through", async () => {
  await withDir(async (dir) => {
    const backend = startBackend();
    try {
      const { env } = await loggedIn(dir, "acct-bytes", backend.url);
      const bytes = new Uint8Array([
        0x63,
        0x61,
        0x66,
        0xe9,
        0x20,
        0xff,
        0xfe,
        0x20,
        0x6f,
        0x6b,
        0x0a,
      ]);
      const odd = await pi(["-p", "--no-session"], env, { stdin: bytes });
      assert.equal(odd.code, 0, odd.stderr);
      assert.match(
        JSON.stringify(responsesCalls(backend).at(-1)!.body!.input),
        /caf\\ufffd \\ufffd\\ufffd ok|caf\uFFFD \uFFFD\uFFFD ok/,
      );

      const big = "a".repeat(1_000_000);
      const large = await pi(["-p", "--no-session"], env, { stdin: big });
      assert.equal(large.code, 0, large.stderr);
      assert.ok(JSON.stringify(responsesCalls(backend).at(-1)!.body!.input).includes(big));
    } finally {
      await backend.close();
    }
  });
});

// =====================================================================================
// Library (mod.ts)
// =====================================================================================

Deno.test("library: the README/CONTRACT example runs as written with --no-config against a fake issuer", async () => {
  await withDir(async (dir) => {
    const issuer = startLoginIssuer();
    try {
      const mod = new URL("../../mod.ts", import.meta.url).href;
      const browser = new URL("../fixtures/browser_follow.ts", import.meta.url).href;
      await Deno.writeTextFile(
        `${dir}/example.ts`,
        `import { AuthStorage, ModelRegistry } from "${mod}";
import { follow } from "${browser}";
const authStorage = new AuthStorage();              // or new AuthStorage(path)
const modelRegistry = new ModelRegistry(authStorage);
await authStorage.login("openai-codex", { onAuth: ({ url }) => { follow(url); }, onPrompt: async ({ message }) => await new Promise<string>(() => { void message; }) });
const apiKey = await authStorage.getApiKey("openai-codex");
console.log(JSON.stringify({ apiKey, available: modelRegistry.getAvailable().map((m) => m.provider + "/" + m.id) }));
`,
      );
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "--no-config", "--quiet", `${dir}/example.ts`],
        cwd: dir,
        env: childEnv({
          HOME: dir,
          PI_CODING_AGENT_DIR: `${dir}/agent`,
          PI_OPENAI_CODEX_ISSUER: issuer.url,
          PI_OAUTH_CALLBACK_PORT: String(freePort()),
          BROWSER: "true",
        }),
        clearEnv: true,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(out.code, 0, decoder.decode(out.stderr));
      const printed = JSON.parse(decoder.decode(out.stdout).trim().split("\n").at(-1)!);
      assert.equal(printed.apiKey, issuer.issued[0].access);
      assert.ok(printed.available.includes("openai-codex/gpt-5.2-codex"));
      assert.equal(modeOf(`${dir}/agent/auth.json`), 0o600);
      assert.deepEqual(issuer.problems, []);
    } finally {
      await issuer.close();
    }
  });
});

Deno.test("library: deno check --no-config mod.ts passes (importable by URL with no deno.json)", async () => {
  await withDir(async (dir) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["check", "--no-config", "--quiet", `${REPO}mod.ts`],
      cwd: dir,
      env: childEnv({ HOME: dir }),
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, decoder.decode(out.stderr));
  });
});

// =====================================================================================
// More refresh and retry behaviour
// =====================================================================================

/** Whether a process is blocked waiting for a flock on the file with this inode. */
function someoneWaitsForLock(ino: number): boolean {
  const locks = Deno.readTextFileSync("/proc/locks");
  return locks.split("\n").some((l) => /->\s+FLOCK/.test(l) && l.includes(`:${ino} `));
}

Deno.test({
  name:
    "refresh lock: while another process holds the sibling lock file (flock), pi waits; it then re-reads auth.json and uses the token refreshed meanwhile, with no refresh of its own",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    await withDir(async (dir) => {
      const accountId = "acct-lock-e2e";
      const issuer = startRefreshIssuer({ delayMs: 0, accountId, initialRefresh: "rt-lock-0001" });
      const backend = startBackend();
      try {
        const agentDir = `${dir}/agent`;
        const authFile = `${agentDir}/auth.json`;
        const stale = (refresh: string) => ({
          "openai-codex": {
            type: "oauth",
            access: makeRefreshToken(accountId, Math.floor(Date.now() / 1000) - 10, "old"),
            refresh,
            expires: Date.now() - 10_000,
            accountId,
          },
        });
        const env = {
          HOME: dir,
          PI_CODING_AGENT_DIR: agentDir,
          PI_OPENAI_CODEX_ISSUER: issuer.url,
          PI_OPENAI_CODEX_BASE_URL: backend.url,
        };
        // A first refresh shows which sibling file is the lock.
        await writeAuth(agentDir, stale("rt-lock-0001"));
        const first = await pi(["-p", "--no-session", "hi"], env);
        assert.equal(first.code, 0, first.stderr);
        assert.equal(issuer.refreshRequests, 1);
        const siblings = [...Deno.readDirSync(agentDir)].map((e) => e.name)
          .filter((n) => n !== "auth.json" && n !== "usage.json" && !n.startsWith("models-cache"));
        assert.equal(siblings.length, 1, siblings.join(", "));
        const lockPath = `${agentDir}/${siblings[0]}`;

        // Another process (here: this test) holds the lock; the credential is stale again.
        issuer.reset("rt-lock-0002");
        await writeAuth(agentDir, stale("rt-lock-0002"));
        const lock = await Deno.open(lockPath, { read: true, write: true });
        await lock.lock(true);
        const waiting = spawnPi(["-p", "--no-session", "hi"], env);
        try {
          const ino = Deno.statSync(lockPath).ino!;
          await until("pi to wait for the lock", () => someoneWaitsForLock(ino));
          assert.equal(issuer.refreshRequests, 0, "no refresh without the lock");
          // The holder refreshed meanwhile (temp + rename), then releases the lock.
          const fresh = jwtFor(accountId, "refreshed-by-another-process");
          const tmp = `${agentDir}/.other-tool.tmp`;
          await Deno.writeTextFile(
            tmp,
            JSON.stringify({
              "openai-codex": {
                type: "oauth",
                access: fresh,
                refresh: "rt-from-other-0003",
                expires: Date.now() + 3600_000,
                accountId,
              },
            }),
            { mode: 0o600 },
          );
          await Deno.rename(tmp, authFile);
          await lock.unlock();
          const result = await waiting.done;
          assert.equal(result.code, 0, result.stderr);
          assert.equal(issuer.refreshRequests, 0, "the refreshed token was used");
          assert.equal(responsesCalls(backend).at(-1)!.headers.authorization, `Bearer ${fresh}`);
          assert.ok(await exists(lockPath), "the lock file is never deleted");
          assert.equal(Deno.statSync(lockPath).ino, ino, "nor renamed or replaced");
        } finally {
          lock.close();
          kill(waiting.child);
          await waiting.done;
        }
      } finally {
        await backend.close();
        await issuer.close();
      }
    });
  },
});

Deno.test("a 503 and a stream dropped before any output are retried (JSON retry events), then the answer; exit 0", async () => {
  await withDir(async (dir) => {
    const backend = startBackend((_seen, i) => {
      if (i === 0) return new Response("busy", { status: 503, headers: { "retry-after": "0" } });
      if (i === 1) {
        return new Response(turnEvents({ text: "never shown" }).slice(0, 2).join(""), {
          headers: { "content-type": "text/event-stream" },
        });
      }
      return sseText("third time lucky");
    });
    try {
      const { env } = await loggedIn(dir, "acct-retry", backend.url);
      const result = await pi(["-p", "--mode", "json", "--no-session", "hi"], env);
      assert.equal(result.code, 0, result.stderr);
      const events = result.stdout.trimEnd().split("\n").map((l) => JSON.parse(l));
      assert.equal(events.filter((e) => e.type === "retry").length, 2);
      const end = events.at(-1);
      assert.equal(end.type, "end");
      assert.equal(end.reason, "stop");
      assert.equal(end.text, "third time lucky");
      assert.equal(responsesCalls(backend).length, 3);
    } finally {
      await backend.close();
    }
  });
});

// =====================================================================================
// In a terminal (tmux)
// =====================================================================================

/**
 * Runs pi in a private 100x30 tmux pane (stdin and stdout are a terminal); returns its exit
 * code and what the pane showed.
 */
async function inTerminal(
  dir: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; screen: string }> {
  const pane = await TmuxPane.start(dir, env, args, {
    width: 100,
    height: 30,
    term: "xterm-256color",
    join: true,
  });
  try {
    const code = await pane.exitCode();
    return { code, screen: await pane.screen() };
  } finally {
    await pane.kill();
  }
}

Deno.test({
  name:
    "pi -p with no message in a terminal: a usage error (exit 2) that does not wait or claim there is no terminal",
  ignore: !HAS_TMUX,
  fn: async () => {
    await withDir(async (dir) => {
      const { code, screen } = await inTerminal(dir, ["-p"], {
        HOME: dir,
        PI_CODING_AGENT_DIR: `${dir}/agent`,
      });
      assert.equal(code, 2, screen);
      assert.match(screen, /^pi: No message given/m);
      assert.doesNotMatch(screen, /no terminal/);
    });
  },
});

Deno.test("Ctrl+C while pi models waits for the live list: exit 130, 'Interrupted', nothing listed", async () => {
  await withDir(async (dir) => {
    let asked: () => void = () => {};
    const askedOnce = new Promise<void>((resolve) => asked = resolve);
    const closing = new AbortController();
    const hanging = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async () => {
      asked();
      await new Promise((resolve) => closing.signal.addEventListener("abort", resolve));
      return new Response("too late");
    });
    try {
      const { env } = await loggedIn(dir, "acct-int", `http://127.0.0.1:${hanging.addr.port}`);
      const models = spawnPi(["models"], env);
      try {
        await askedOnce;
        models.child.kill("SIGINT");
        const result = await models.done;
        assert.equal(result.code, 130, result.stderr);
        assert.match(result.stderr, /^pi: Interrupted/m);
        assert.equal(result.stdout, "");
      } finally {
        kill(models.child);
        await models.done;
      }
    } finally {
      closing.abort();
      await hanging.shutdown();
    }
  });
});

Deno.test({
  name:
    "Ctrl+C while pi waits for the refresh lock: exit 130 at once (not after the 30 s lock limit), auth.json untouched, no refresh",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    await withDir(async (dir) => {
      const issuer = startRefreshIssuer({ delayMs: 0, initialRefresh: "rt-int-lock-0001" });
      try {
        const agentDir = `${dir}/agent`;
        await writeAuth(agentDir, {
          "openai-codex": {
            type: "oauth",
            access: makeRefreshToken("acc", Math.floor(Date.now() / 1000) - 10, "old"),
            refresh: "rt-int-lock-0001",
            expires: Date.now() - 10_000,
            accountId: "acc",
          },
        });
        const before = await Deno.readFile(`${agentDir}/auth.json`);
        const env = {
          HOME: dir,
          PI_CODING_AGENT_DIR: agentDir,
          PI_OPENAI_CODEX_ISSUER: issuer.url,
        };
        // A first run whose refresh fails (issuer unreachable) creates the lock file.
        const probe = spawnPi(["-p", "--no-session", "hi"], {
          ...env,
          PI_OPENAI_CODEX_ISSUER: "http://127.0.0.1:9",
        });
        await probe.done;
        await Deno.writeFile(`${agentDir}/auth.json`, before, { mode: 0o600 });
        const siblings = [...Deno.readDirSync(agentDir)].map((e) => e.name)
          .filter((n) => n !== "auth.json" && n !== "usage.json" && !n.startsWith("models-cache"));
        assert.equal(siblings.length, 1, siblings.join(", "));
        const lockPath = `${agentDir}/${siblings[0]}`;

        const lock = await Deno.open(lockPath, { read: true, write: true });
        await lock.lock(true);
        const waiting = spawnPi(["-p", "--no-session", "hi"], env);
        let timer: ReturnType<typeof setTimeout> | undefined;
        try {
          const ino = Deno.statSync(lockPath).ino!;
          await until("pi to wait for the lock", () => someoneWaitsForLock(ino));
          waiting.child.kill("SIGINT");
          const result = await Promise.race([
            waiting.done,
            new Promise<undefined>((resolve) =>
              timer = setTimeout(() => resolve(undefined), 15_000)
            ),
          ]);
          assert.ok(result, "pi kept waiting for the lock after Ctrl+C");
          assert.equal(result.code, 130, result.stderr);
          assert.match(result.stderr, /^pi: Interrupted/m);
          assert.deepEqual(await Deno.readFile(`${agentDir}/auth.json`), before);
          assert.equal(issuer.refreshRequests, 0);
        } finally {
          clearTimeout(timer);
          lock.close();
          kill(waiting.child);
          await waiting.done;
        }
      } finally {
        await issuer.close();
      }
    });
  },
});

Deno.test("an auth.json saved with a byte order mark (Windows editors) is read, and kept valid on the next write", async () => {
  await withDir(async (dir) => {
    const backend = startBackend();
    try {
      const agentDir = `${dir}/agent`;
      const access = jwtFor("acct-bom");
      await writeAuth(agentDir, {});
      await Deno.writeTextFile(
        `${agentDir}/auth.json`,
        "\uFEFF" + JSON.stringify({
          "openai-codex": codexEntry(access, "acct-bom"),
          anthropic: { type: "api_key", key: "sk-ant-hand-added-0000" },
        }),
        { mode: 0o600 },
      );
      const env = {
        HOME: dir,
        PI_CODING_AGENT_DIR: agentDir,
        PI_OPENAI_CODEX_BASE_URL: backend.url,
      };
      const run = await pi(["-p", "--no-session", "hi"], env);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(responsesCalls(backend).at(-1)!.headers.authorization, `Bearer ${access}`);
      const logout = await pi(["logout", "anthropic"], env);
      assert.equal(logout.code, 0, logout.stderr);
      const after = JSON.parse(await Deno.readTextFile(`${agentDir}/auth.json`));
      assert.deepEqual(Object.keys(after), ["openai-codex"]);
    } finally {
      await backend.close();
    }
  });
});

Deno.test({
  name:
    'pi --mode json "msg" in a terminal writes JSON events and exits (never the interactive screen)',
  ignore: !HAS_TMUX,
  fn: async () => {
    await withDir(async (dir) => {
      const backend = startBackend(() => sseText("json in a terminal"));
      try {
        const { env } = await loggedIn(dir, "acct-tty", backend.url);
        const { code, screen } = await inTerminal(
          dir,
          ["--mode", "json", "--no-session", "msg"],
          env,
        );
        assert.equal(code, 0, screen);
        assert.match(screen, /^\{"type":"session"/m);
        assert.match(screen, /^\{"type":"end","reason":"stop".*"text":"json in a terminal"/m);
        assert.doesNotMatch(screen, /\/help for commands/);
      } finally {
        await backend.close();
      }
    });
  },
});

Deno.test("key order for an API-key provider: --api-key → stored api_key → ANTHROPIC_API_KEY", async () => {
  await withDir(async (dir) => {
    const backend = startBackend(() =>
      Response.json({
        type: "error",
        error: { type: "invalid_request_error", message: "stop here" },
      }, {
        status: 400,
      })
    );
    try {
      const agentDir = `${dir}/agent`;
      await writeAuth(agentDir, { anthropic: { type: "api_key", key: "sk-ant-stored-000000" } });
      const env = {
        HOME: dir,
        PI_CODING_AGENT_DIR: agentDir,
        ANTHROPIC_BASE_URL: backend.url,
        ANTHROPIC_API_KEY: "sk-ant-environment-0000",
      };
      const keyOfLastRequest = () => backend.seen.at(-1)!.headers["x-api-key"];
      const runtime = await pi([
        "-p",
        "--no-session",
        "--provider",
        "anthropic",
        "--api-key",
        "sk-ant-flag-000000",
        "hi",
      ], env);
      assertOneLineError(runtime, 1);
      assert.equal(keyOfLastRequest(), "sk-ant-flag-000000");
      const stored = await pi(["-p", "--no-session", "--provider", "anthropic", "hi"], env);
      assertOneLineError(stored, 1);
      assert.equal(keyOfLastRequest(), "sk-ant-stored-000000");
      await writeAuth(agentDir, {});
      const fromEnv = await pi(["-p", "--no-session", "--provider", "anthropic", "hi"], env);
      assertOneLineError(fromEnv, 1);
      assert.equal(keyOfLastRequest(), "sk-ant-environment-0000");
      for (const r of [runtime, stored, fromEnv]) {
        assert.match(r.stderr, /stop here/);
        assertNoSecrets(r.stdout + r.stderr, [
          "sk-ant-flag-000000",
          "sk-ant-stored-000000",
          "sk-ant-environment-0000",
        ]);
      }
    } finally {
      await backend.close();
    }
  });
});

Deno.test("every command's --help exits 0 and names its options; nothing is created", async () => {
  await withDir(async (dir) => {
    const env = { HOME: dir, PI_CODING_AGENT_DIR: `${dir}/agent` };
    const cases: [string[], RegExp[]][] = [
      [["--help"], [
        /--provider/,
        /--model /,
        /--models/,
        /--thinking/,
        /--api-key/,
        /--mode/,
        /--continue/,
        /--no-session/,
        /--version/,
        /-p, --print|--print/,
      ]],
      [["login", "--help"], [/--device/, /--no-browser/]],
      [["logout", "--help"], [/--all/]],
      [["auth", "status", "--help"], [/--json/]],
      [["models", "--help"], [/--json/]],
    ];
    for (const [args, wanted] of cases) {
      const r = await pi(args, env);
      assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
      for (const w of wanted) assert.match(r.stdout, w, args.join(" "));
    }
    assert.equal(await exists(`${dir}/agent`), false);
    assert.equal(await exists(`${dir}/.pi`), false);
  });
});

/** pi in a private 100x40 tmux pane (with 200 rows of scrollback), driven with keys. */
function startTerminal(dir: string, args: string[], env: Record<string, string>) {
  return TmuxPane.start(dir, env, args, {
    width: 100,
    height: 40,
    term: "xterm-256color",
    join: true,
    history: 200,
  });
}

/** Types `text` and Enter. */
async function enter(term: TmuxPane, text: string): Promise<void> {
  await term.type(text);
  await term.keys("Enter");
}

Deno.test({
  name:
    "interactive: /help lists every slash command; /session, /usage, /new answer; /quit exits 0",
  ignore: !HAS_TMUX,
  fn: async () => {
    await withDir(async (dir) => {
      const backend = startBackend((_s, i) => sseText(`answer number ${i}`));
      const { env } = await loggedIn(dir, "acct-slash", backend.url);
      const term = await startTerminal(dir, [], env);
      try {
        await term.waitFor(/^›/m);
        await enter(term, "first question");
        await term.waitFor("answer number 0");
        await enter(term, "/help");
        await term.waitFor((s) =>
          [
            "/login",
            "/logout",
            "/model",
            "/thinking",
            "/usage",
            "/session",
            "/new",
            "/help",
            "/quit",
          ]
            .every((c) => new RegExp(`^\\s+${c}\\b`, "m").test(s))
        );
        await enter(term, "/session");
        await term.waitFor(/^Session\n\s+id: [0-9a-f-]{36}/m);
        await enter(term, "/usage");
        await term.waitFor(/^Usage/m);
        await enter(term, "/new");
        await enter(term, "second question");
        await term.waitFor("answer number 1");
        const second = responsesCalls(backend)[1].body!.input as unknown[];
        assert.doesNotMatch(JSON.stringify(second), /first question/, "/new starts afresh");
        await enter(term, "/quit");
        assert.equal(await term.exitCode(), 0, await term.screen());
      } finally {
        await term.kill();
        await backend.close();
      }
    });
  },
});

Deno.test("tokens never reach the output, the model or the session through a tool (read auth.json, echo $OPENAI_API_KEY in pieces)", async () => {
  await withDir(async (dir) => {
    const agentDir = `${dir}/agent`;
    const access = jwtFor("acct-tools");
    const entry = codexEntry(access, "acct-tools");
    await writeAuth(agentDir, {
      "openai-codex": entry,
      anthropic: { type: "api_key", key: "sk-ant-stored-in-auth-json" },
    });
    const envKey = "sk-proj-environment-secret-0123456789";
    const backend = startBackend((_seen, i) =>
      i === 0
        ? new Response(
          turnEvents({
            calls: [
              { name: "read", arguments: { path: `${agentDir}/auth.json` } },
              {
                name: "bash",
                arguments: {
                  command:
                    `printf '%s' "\${OPENAI_API_KEY:0:12}"; sleep 0.3; printf '%s\\n' "\${OPENAI_API_KEY:12}"; echo visible`,
                },
              },
            ],
          }).join(""),
          { headers: { "content-type": "text/event-stream" } },
        )
        : sseText("done")
    );
    try {
      await Deno.mkdir(`${dir}/work`);
      const result = await pi(["-p", "--mode", "json", "hi"], {
        HOME: dir,
        PI_CODING_AGENT_DIR: agentDir,
        PI_OPENAI_CODEX_BASE_URL: backend.url,
        OPENAI_API_KEY: envKey,
      }, { cwd: `${dir}/work` });
      assert.equal(result.code, 0, result.stderr);
      const secrets = [
        access,
        entry.refresh,
        "sk-ant-stored-in-auth-json",
        envKey,
        envKey.slice(12),
      ];
      const sessions = [...Deno.readDirSync(`${agentDir}/sessions`)].flatMap((d) =>
        [...Deno.readDirSync(`${agentDir}/sessions/${d.name}`)].map((f) =>
          Deno.readTextFileSync(`${agentDir}/sessions/${d.name}/${f.name}`)
        )
      ).join("\n");
      const toModel = JSON.stringify(responsesCalls(backend)[1].body!.input);
      for (
        const [where, text] of [["output", result.stdout + result.stderr], ["session", sessions], [
          "model",
          toModel,
        ]]
      ) {
        for (const secret of secrets) {
          assert.ok(!text.includes(secret), `${where} has ${secret.slice(0, 14)}…`);
        }
      }
      // The tools still ran, and the rest of their output is there.
      assert.match(toModel, /openai-codex/);
      assert.match(toModel, /visible/);
      assert.match(toModel, /\[redacted\]/);
    } finally {
      await backend.close();
    }
  });
});

Deno.test("--models with a :level suffix: its first match is the model and the level its reasoning.effort; --thinking wins", async () => {
  await withDir(async (dir) => {
    const backend = startBackend();
    try {
      const { env } = await loggedIn(dir, "acct-scope", backend.url);
      const scope = "openai-codex/gpt-5.1-codex:high,openai-codex/*";
      const a = await pi(["-p", "--no-session", "--models", scope, "hi"], env);
      assert.equal(a.code, 0, a.stderr);
      let body = responsesCalls(backend).at(-1)!.body!;
      assert.equal(body.model, "gpt-5.1-codex");
      assert.deepEqual(body.reasoning, { effort: "high", summary: "auto" });
      const b = await pi(["-p", "--no-session", "--models", scope, "--thinking", "low", "hi"], env);
      assert.equal(b.code, 0, b.stderr);
      body = responsesCalls(backend).at(-1)!.body!;
      assert.equal(body.model, "gpt-5.1-codex");
      assert.equal((body.reasoning as { effort: string }).effort, "low");
    } finally {
      await backend.close();
    }
  });
});

Deno.test("the issuer sends error=access_denied to the callback (right state): a clear one-line failure, exit 1, port freed, nothing saved", async () => {
  await withDir(async (dir) => {
    const issuer = startLoginIssuer();
    const port = freePort();
    const login = spawnPi(["login", "--no-browser"], loginEnv(dir, issuer.url, port));
    try {
      const [, url] = await login.waitStderr(
        AUTHORIZE_LINE,
      );
      await login.waitStderr(/pi is waiting on/);
      const state = new URL(url).searchParams.get("state")!;
      const r = await fetch(
        `http://127.0.0.1:${port}/auth/callback?error=access_denied&error_description=${
          encodeURIComponent("The user said no")
        }&state=${encodeURIComponent(state)}`,
      );
      await r.body?.cancel();
      const result = await login.done;
      assert.equal(result.code, 1, result.stderr);
      assert.equal(result.stderr.match(/^pi: /gm)?.length, 1, result.stderr);
      assert.match(result.stderr, /^pi: .*access_denied/m);
      assert.doesNotMatch(result.stderr, /^\s+at /m);
      assert.equal(issuer.tokenCalls.length, 0);
      assert.equal(await exists(`${dir}/agent/auth.json`), false);
      Deno.listen({ hostname: "127.0.0.1", port }).close();
    } finally {
      kill(login.child);
      await login.done;
      await issuer.close();
    }
  });
});

Deno.test("a symlinked auth.json (dotfiles) stays a link: the refresh replaces the file it points to, 0600", async () => {
  await withDir(async (dir) => {
    const accountId = "acct-link";
    const issuer = startRefreshIssuer({ delayMs: 0, accountId, initialRefresh: "rt-link-0001" });
    const backend = startBackend();
    try {
      const agentDir = `${dir}/agent`;
      await Deno.mkdir(`${dir}/dotfiles`);
      await writeAuth(agentDir, {});
      const target = `${dir}/dotfiles/pi-auth.json`;
      await Deno.writeTextFile(
        target,
        JSON.stringify({
          "openai-codex": {
            type: "oauth",
            access: makeRefreshToken(accountId, Math.floor(Date.now() / 1000) - 10, "old"),
            refresh: "rt-link-0001",
            expires: Date.now() - 10_000,
            accountId,
          },
        }),
        { mode: 0o600 },
      );
      await Deno.remove(`${agentDir}/auth.json`);
      await Deno.symlink(target, `${agentDir}/auth.json`);
      const result = await pi(["-p", "--no-session", "hi"], {
        HOME: dir,
        PI_CODING_AGENT_DIR: agentDir,
        PI_OPENAI_CODEX_ISSUER: issuer.url,
        PI_OPENAI_CODEX_BASE_URL: backend.url,
      });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(issuer.refreshRequests, 1);
      assert.ok(Deno.lstatSync(`${agentDir}/auth.json`).isSymlink, "still a link");
      const saved = JSON.parse(await Deno.readTextFile(target))["openai-codex"];
      assert.equal(saved.refresh, issuer.currentRefresh);
      assert.equal(modeOf(target), 0o600);
      assert.deepEqual([...Deno.readDirSync(`${dir}/dotfiles`)].map((e) => e.name), [
        "pi-auth.json",
      ]);
    } finally {
      await backend.close();
      await issuer.close();
    }
  });
});
