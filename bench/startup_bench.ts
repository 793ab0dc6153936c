/**
 * Startup: `pi --version` and `pi --help` as processes, against `deno eval 0` (the baseline:
 * Deno's own floor) and `node -e 0` in the same run. Target: pi --version ≤ 1.1× deno eval 0.
 */

const MAIN = new URL("../main.ts", import.meta.url).pathname;

async function run(cmd: string, args: string[]): Promise<void> {
  const out = await new Deno.Command(cmd, { args, stdout: "null", stderr: "null", stdin: "null" })
    .output();
  if (out.code !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${out.code}`);
}

Deno.bench({
  name: "deno eval 0",
  group: "startup",
  baseline: true,
  n: 30,
  warmup: 3,
  async fn() {
    await run(Deno.execPath(), ["eval", "0"]);
  },
});

Deno.bench({
  name: "node -e 0",
  group: "startup",
  n: 30,
  warmup: 3,
  async fn() {
    await run("node", ["-e", "0"]);
  },
});

Deno.bench({
  name: "pi --version",
  group: "startup",
  n: 30,
  warmup: 3,
  async fn() {
    await run(Deno.execPath(), ["run", "-A", MAIN, "--version"]);
  },
});

Deno.bench({
  name: "pi --help",
  group: "startup",
  n: 30,
  warmup: 3,
  async fn() {
    await run(Deno.execPath(), ["run", "-A", MAIN, "--help"]);
  },
});
