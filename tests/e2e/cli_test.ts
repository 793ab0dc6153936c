import assert from "node:assert/strict";
import { REPO, runPi } from "./run_pi.ts";
import { VERSION } from "../../src/version.ts";
import { startFakeCodex, writeFakeAuth } from "../fixtures/fake_codex_backend.ts";

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test("pi --version prints the version and touches nothing", async () => {
  const home = await Deno.makeTempDir();
  try {
    const agentDir = `${home}/agent`;
    const result = await runPi(["--version"], {
      env: { HOME: home, PI_CODING_AGENT_DIR: agentDir },
    });
    assert.equal(result.code, 0);
    assert.equal(result.stdout, `pi ${VERSION}\n`);
    assert.equal(result.stderr, "");
    assert.equal(await exists(agentDir), false);
    assert.equal(await exists(`${home}/.pi`), false);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("pi --help and pi login --help print help and touch nothing", async () => {
  const home = await Deno.makeTempDir();
  try {
    const env = { HOME: home };
    const root = await runPi(["--help"], { env });
    assert.equal(root.code, 0);
    assert.match(root.stdout, /Usage:/);
    assert.match(root.stdout, /pi login/);
    assert.match(root.stdout, /--models <glob,glob>/);
    const login = await runPi(["login", "--help"], { env });
    assert.equal(login.code, 0);
    assert.match(login.stdout, /--device/);
    const status = await runPi(["auth", "status", "--help"], { env });
    assert.equal(status.code, 0);
    assert.match(status.stdout, /--json/);
    assert.equal(await exists(`${home}/.pi`), false);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("an unknown flag is a usage error naming it, on one line", async () => {
  const result = await runPi(["--frobnicate"]);
  assert.equal(result.code, 2);
  assert.equal(result.stdout, "");
  const lines = result.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1);
  assert.match(lines[0], /--frobnicate/);
});

Deno.test("a missing value and a bad choice exit 2", async () => {
  const missing = await runPi(["--model"]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--model/);
  const thinking = await runPi(["--thinking", "ultra", "-p", "hi"]);
  assert.equal(thinking.code, 2);
  assert.match(
    thinking.stderr,
    /Unknown thinking: ultra \(known: off, minimal, low, medium, high, xhigh\)/,
  );
});

Deno.test("pi with no terminal and no message exits 2 at once instead of waiting", async () => {
  const home = await Deno.makeTempDir();
  try {
    const result = await runPi([], { env: { HOME: home } });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /No message/);
    const print = await runPi(["-p"], { env: { HOME: home }, stdin: "" });
    assert.equal(print.code, 2);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("no stack trace unless PI_DEBUG=1", async () => {
  const plain = await runPi(["auth", "nope"]);
  assert.equal(plain.code, 2);
  assert.ok(!plain.stderr.includes("    at "), plain.stderr);
  const debug = await runPi(["auth", "nope"], { env: { PI_DEBUG: "1" } });
  assert.equal(debug.code, 2);
  assert.match(debug.stderr, / {4}at /);
});

Deno.test("the single-file build runs from another directory", async () => {
  const tasks = JSON.parse(await Deno.readTextFile(`${REPO}deno.json`)).tasks;
  assert.match(tasks.build, /deno bundle .*-o dist\/pi\.js main\.ts/);
  const out = await Deno.makeTempDir();
  try {
    const args = tasks.build.split(" ").slice(1).map((a: string) =>
      a === "dist/pi.js" ? `${out}/pi.js` : a
    );
    const build = await new Deno.Command(Deno.execPath(), {
      args,
      cwd: REPO,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(build.code, 0, new TextDecoder().decode(build.stderr));
    const result = await runPi(["--version"], { script: `${out}/pi.js`, cwd: out });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `pi ${VERSION}\n`);
    // What pi loads on demand (a command, the print mode, the streaming client) is in the
    // file too: a listing and a streamed answer work from it.
    const agentDir = `${out}/agent`;
    await writeFakeAuth(agentDir);
    const fake = startFakeCodex(() => ({ text: "Hello from the bundle." }));
    try {
      const env = { HOME: out, PI_CODING_AGENT_DIR: agentDir, PI_OPENAI_CODEX_BASE_URL: fake.url };
      const models = await runPi(["models", "openai-codex/*"], {
        script: `${out}/pi.js`,
        cwd: out,
        env,
      });
      assert.equal(models.code, 0, models.stderr);
      assert.match(models.stdout, /gpt-5\.2-codex/);
      const answer = await runPi(["-p", "--no-session", "hi"], {
        script: `${out}/pi.js`,
        cwd: out,
        env,
      });
      assert.equal(answer.code, 0, answer.stderr);
      assert.equal(answer.stdout.trim(), "Hello from the bundle.");
    } finally {
      await fake.close();
    }
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("pi -p with no key says so on one line and writes nothing", async () => {
  const home = await Deno.makeTempDir();
  try {
    const agentDir = `${home}/agent`;
    const result = await runPi(["-p", "hello"], {
      env: { HOME: home, PI_CODING_AGENT_DIR: agentDir },
    });
    assert.equal(result.code, 1);
    assert.equal(result.stdout, "");
    assert.equal(result.stderr.trimEnd().split("\n").length, 1);
    assert.match(result.stderr, /No API key for openai-codex; run pi login openai-codex/);
    assert.equal(await exists(agentDir), false);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
