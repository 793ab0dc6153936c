/** Runs `deno run -A main.ts …` as a process, the way a user would run pi. */

export const REPO = new URL("../../", import.meta.url).pathname;
export const MAIN = `${REPO}main.ts`;

/**
 * Deno's cache for child processes. Tests give children a temp HOME; without this they would
 * look for the cache under it and download deno.json's npm packages on every run.
 */
export const DENO_DIR = Deno.env.get("DENO_DIR") ||
  `${Deno.env.get("XDG_CACHE_HOME") || `${Deno.env.get("HOME")}/.cache`}/deno`;

export interface PiResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunPiOptions {
  env?: Record<string, string>;
  stdin?: string;
  cwd?: string;
  script?: string;
}

/** Runs pi with a clean environment (only PATH, HOME, DENO_DIR and what `env` adds). */
export async function runPi(args: string[], options: RunPiOptions = {}): Promise<PiResult> {
  const baseEnv: Record<string, string> = { PATH: Deno.env.get("PATH") ?? "", DENO_DIR };
  for (const name of ["HOME"]) {
    const value = Deno.env.get(name);
    if (value !== undefined) baseEnv[name] = value;
  }
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", options.script ?? MAIN, ...args],
    cwd: options.cwd ?? REPO,
    env: { ...baseEnv, ...options.env },
    clearEnv: true,
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin));
    await writer.close();
  }
  const out = await child.output();
  const decoder = new TextDecoder();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}
