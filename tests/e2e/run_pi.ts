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

/** A pi process still running: its output so far, and a way to wait for a line. */
export interface RunningPi {
  child: Deno.ChildProcess;
  /** Stdout so far. */
  stdout(): string;
  /** Stderr so far. */
  stderr(): string;
  /** Resolves with the match once stderr matches `pattern`. */
  waitStderr(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  write(text: string | Uint8Array): Promise<void>;
  closeStdin(): Promise<void>;
  done: Promise<PiResult>;
}

/** The environment of a pi child: PATH, DENO_DIR and `env`, nothing else of this process's. */
export function childEnv(env: Record<string, string>): Record<string, string> {
  return { PATH: Deno.env.get("PATH") ?? "", DENO_DIR, DENO_NO_UPDATE_CHECK: "1", ...env };
}

/**
 * Starts pi with only PATH, DENO_DIR and `env` in its environment, and follows its output
 * as it comes (for logins and other runs that a test talks to while they wait).
 */
export function spawnPi(
  args: string[],
  env: Record<string, string>,
  options: {
    stdin?: "piped" | "null";
    cwd?: string;
    /** A command that runs pi: deno's command line is appended to it (e.g. capsh …). */
    wrapper?: string[];
  } = {},
): RunningPi {
  const stdin = options.stdin ?? "null";
  const argv = [Deno.execPath(), "run", "-A", "--quiet", MAIN, ...args];
  const [command, ...rest] = [...options.wrapper ?? [], ...argv];
  const child = new Deno.Command(command, {
    args: rest,
    cwd: options.cwd ?? REPO,
    env: childEnv(env),
    clearEnv: true,
    stdin,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let out = "";
  let err = "";
  const listeners = new Set<() => void>();
  const pump = async (stream: ReadableStream<Uint8Array>, add: (s: string) => void) => {
    const d = new TextDecoder();
    for await (const chunk of stream) {
      add(d.decode(chunk, { stream: true }));
      for (const l of listeners) l();
    }
  };
  const pumps = Promise.all([
    pump(child.stdout, (s) => out += s),
    pump(child.stderr, (s) => err += s),
  ]);
  const writer = stdin === "piped" ? child.stdin.getWriter() : undefined;
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitStderr(pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = err.match(pattern);
          if (!m) return;
          clearTimeout(timer);
          listeners.delete(check);
          resolve(m);
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`timed out waiting for ${pattern}; stderr: ${err}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
    write: async (text) =>
      await writer!.write(typeof text === "string" ? new TextEncoder().encode(text) : text),
    closeStdin: async () => await writer?.close().catch(() => {}),
    done: (async () => {
      const status = await child.status;
      await pumps;
      return { code: status.code, stdout: out, stderr: err };
    })(),
  };
}
