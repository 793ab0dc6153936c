/**
 * The Deps seam: everything that touches the outside world. `main.ts` builds the real
 * one with {@link createDeps}; tests build their own. No other module reads `Deno.env`
 * or the clock on its own.
 * @module
 */

import { PiError } from "./errors.ts";

/** A place text is written to (stdout, stderr). */
export interface Output {
  /** Writes all of `text`, synchronously. */
  write(text: string): void;
  /** Whether this is a terminal. */
  isTerminal(): boolean;
}

/** Where input comes from (stdin). */
export interface Input {
  /** Whether this is a terminal. */
  isTerminal(): boolean;
  /** The bytes, as a stream; read it once. */
  readonly readable: ReadableStream<Uint8Array>;
}

/** Everything pi needs from the outside world. */
export interface Deps {
  /** HTTP (honours `HTTPS_PROXY`/`NO_PROXY`, as Deno's fetch does). */
  fetch: typeof fetch;
  /** Epoch milliseconds. */
  now(): number;
  /** `n` cryptographically random bytes. */
  randomBytes(n: number): Uint8Array;
  /** An environment variable, or undefined. */
  env(name: string): string | undefined;
  /** The agent directory (`$PI_CODING_AGENT_DIR`, default `~/.pi/agent`). Not created here. */
  agentDir: string;
  /** The user's home directory. */
  homeDir: string;
  /** Opens `url` in a browser; false when that could not be done. */
  openUrl(url: string): Promise<boolean>;
  /** Standard output. */
  stdout: Output;
  /** Standard error. */
  stderr: Output;
  /** Standard input. */
  stdin: Input;
}

/** Expands `~` and `~/…` against `home`. */
export function expandHome(path: string, home: string): string {
  if (path === "~") return home;
  if (path.startsWith("~/")) return home + path.slice(1);
  return path;
}

/** The agent directory for an environment: `$PI_CODING_AGENT_DIR` or `<home>/.pi/agent`. */
export function resolveAgentDir(env: (name: string) => string | undefined, home: string): string {
  const fromEnv = env("PI_CODING_AGENT_DIR");
  if (fromEnv) return expandHome(fromEnv, home);
  return `${home}/.pi/agent`;
}

/**
 * `value`, the value of the environment variable `name`, as a base URL without trailing
 * slashes. Throws `PiError("config")` naming `name` unless it is an absolute http(s) URL.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { baseUrlFromEnv } from "./deps.ts";
 * assert.equal(baseUrlFromEnv("http://127.0.0.1:8080/", "MY_URL"), "http://127.0.0.1:8080");
 * assert.throws(() => baseUrlFromEnv("auth.example.com", "MY_URL"), /MY_URL is not/);
 * ```
 */
export function baseUrlFromEnv(value: string, name: string, fallback?: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== "http:" && url.protocol !== "https:")) {
    const shown = value.length > 80 ? `${value.slice(0, 80)}…` : value;
    throw new PiError("config", `${name} is not a valid http(s) URL: ${JSON.stringify(shown)}`, {
      hint: fallback === undefined
        ? `set it to a base URL such as https://…, or unset it`
        : `set it to a base URL such as ${fallback}, or unset it to use that`,
    });
  }
  let end = value.length;
  while (end > 0 && value[end - 1] === "/") end--;
  return value.slice(0, end);
}

function fileOutput(file: typeof Deno.stdout): Output {
  const encoder = new TextEncoder();
  return {
    write(text: string) {
      let bytes = encoder.encode(text);
      while (bytes.length > 0) {
        try {
          const n = file.writeSync(bytes);
          bytes = bytes.subarray(n);
        } catch (err) {
          // A closed pipe (`pi … | head`) is not an error worth a stack trace.
          if (err instanceof Deno.errors.BrokenPipe) return;
          throw err;
        }
      }
    },
    isTerminal: () => file.isTerminal(),
  };
}

/** The command that opens a URL on this platform, honouring `$BROWSER`. */
export function browserCommand(
  url: string,
  env: (name: string) => string | undefined,
  os: string,
): string[] {
  const browser = env("BROWSER");
  if (browser) return [...browser.trim().split(/\s+/), url];
  if (os === "darwin") return ["open", url];
  if (os === "windows") return ["cmd", "/c", "start", "", url];
  return ["xdg-open", url];
}

async function openUrlReal(
  url: string,
  env: (name: string) => string | undefined,
): Promise<boolean> {
  const [cmd, ...args] = browserCommand(url, env, Deno.build.os);
  try {
    const child = new Deno.Command(cmd, {
      args,
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    // A browser opener that exits non-zero at once (no display) counts as a failure;
    // one that keeps running (the browser itself) counts as success.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const result = await Promise.race([
      child.status.then((s) => s.success),
      new Promise<boolean>((resolve) => timer = setTimeout(() => resolve(true), 1500)),
    ]);
    clearTimeout(timer);
    child.unref();
    return result;
  } catch {
    return false;
  }
}

/** The real Deps, from this process's environment. Does no I/O. */
export function createDeps(): Deps {
  const env = (name: string) => Deno.env.get(name);
  const homeDir = env("HOME") ?? env("USERPROFILE") ?? ".";
  return {
    fetch: (input, init) => fetch(input, init),
    now: () => Date.now(),
    randomBytes: (n) => crypto.getRandomValues(new Uint8Array(n)),
    env,
    agentDir: resolveAgentDir(env, homeDir),
    homeDir,
    openUrl: (url) => openUrlReal(url, env),
    stdout: fileOutput(Deno.stdout),
    stderr: fileOutput(Deno.stderr),
    stdin: {
      isTerminal: () => Deno.stdin.isTerminal(),
      get readable() {
        return Deno.stdin.readable;
      },
    },
  };
}
