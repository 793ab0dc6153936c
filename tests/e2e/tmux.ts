/**
 * pi in a real terminal, for the tests: a private tmux server per pane (its own socket,
 * no user config) with one pane that runs `deno run -A --quiet main.ts …` with a clean
 * environment, then records pi's exit code and the terminal settings (`stty`). Keys go in
 * with `send-keys`, the screen comes out with `capture-pane`; waits poll the screen with a
 * deadline. `kill()` stops the server and removes its socket file and the pane's files.
 */

import { childEnv, MAIN } from "./run_pi.ts";

/** Whether a `tmux` binary is there (tests that need it are ignored without). */
export const HAS_TMUX = (() => {
  try {
    return new Deno.Command("tmux", { args: ["-V"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
})();

/** A test that drives pi in tmux: ignored where tmux is missing. */
export function tmuxTest(name: string, fn: () => Promise<void>): void {
  Deno.test({ name, ignore: !HAS_TMUX, sanitizeResources: false, sanitizeOps: false, fn });
}

/** This process's HOME and XDG_CACHE_HOME, for a pane's pi that uses this user's home. */
export const HOST_ENV: Record<string, string> = Object.fromEntries(
  ["HOME", "XDG_CACHE_HOME"].flatMap((name) => {
    const value = Deno.env.get(name);
    return value === undefined ? [] : [[name, value]];
  }),
);

/** `s` as one word for sh. */
export function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

export interface PaneOptions {
  /** Columns of the pane. */
  width: number;
  /** Rows of the pane. */
  height: number;
  /** The file `deno run` runs instead of main.ts. */
  script?: string;
  /** Where pi runs (default: `dir`). */
  cwd?: string;
  /**
   * TERM as pi sees it: by default the pane's own (what tmux sets); null runs pi with no
   * TERM at all.
   */
  term?: string | null;
  /** `screen()` joins the rows of a wrapped line into one (capture-pane -J). */
  join?: boolean;
  /** `screen()` also returns up to this many rows that scrolled off the top. */
  history?: number;
}

type ScreenTest = string | RegExp | ((screen: string) => boolean);

const decoder = new TextDecoder();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One private tmux server with one pane running pi. */
export class TmuxPane {
  /** The tmux socket name (`tmux -L`). */
  readonly socket = `pi-tmux-${crypto.randomUUID().slice(0, 8)}`;
  readonly #files: string;
  readonly #capture: string[];

  private constructor(files: string, capture: string[]) {
    this.#files = files;
    this.#capture = capture;
  }

  /**
   * Starts pi with `args` in a fresh pane, in `dir` (or `options.cwd`). `env` is all pi sees
   * besides PATH, DENO_DIR, DENO_NO_UPDATE_CHECK (childEnv) and TERM.
   */
  static async start(
    dir: string,
    env: Record<string, string>,
    args: string[],
    options: PaneOptions,
  ): Promise<TmuxPane> {
    const files = await Deno.makeTempDir({ prefix: "pi-tmux-" });
    const capture = ["capture-pane", "-p"];
    if (options.join) capture.push("-J");
    if (options.history) capture.push("-S", String(-options.history));
    const pane = new TmuxPane(files, capture);
    const file = (name: string) => shellQuote(`${files}/${name}`);
    const term = options.term === undefined
      ? `TERM="$TERM" `
      : options.term === null
      ? ""
      : `TERM=${shellQuote(options.term)} `;
    const vars = Object.entries(childEnv(env)).map(([k, v]) => `${k}=${shellQuote(v)}`);
    const script = [
      `cd ${shellQuote(options.cwd ?? dir)}`,
      `stty -g > ${file("stty-before")}`,
      `date +%s%N > ${file("start.ns")}`,
      `env -i ${term}${vars.join(" ")} ${shellQuote(Deno.execPath())} run -A --quiet ${
        shellQuote(options.script ?? MAIN)
      } ${args.map(shellQuote).join(" ")}`,
      `code=$?`,
      `stty -g > ${file("stty-after")}`,
      `stty -a > ${file("stty.txt")}`,
      `echo $code > ${file("exit.tmp")}`,
      `mv ${file("exit.tmp")} ${file("exit.txt")}`,
      `exec sleep 600`,
    ].join("\n");
    await Deno.writeTextFile(`${files}/pane.sh`, script);
    try {
      await pane.tmux(
        "new-session",
        "-d",
        "-x",
        String(options.width),
        "-y",
        String(options.height),
        `sh ${file("pane.sh")}`,
      );
    } catch (err) {
      await pane.kill();
      throw err;
    }
    return pane;
  }

  /** Runs a tmux command against this server; its stdout. */
  async tmux(...args: string[]): Promise<string> {
    const out = await new Deno.Command("tmux", {
      args: ["-L", this.socket, "-f", "/dev/null", ...args],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) throw new Error(`tmux ${args[0]} failed: ${decoder.decode(out.stderr)}`);
    return decoder.decode(out.stdout);
  }

  /** The screen as text (joined and with history as the pane was started with). */
  screen(): Promise<string> {
    return this.tmux(...this.#capture);
  }

  /** Types text literally. */
  async type(text: string): Promise<void> {
    await this.tmux("send-keys", "-l", text);
  }

  /** Sends tmux key names (Enter, C-c, Up, …). */
  async keys(...names: string[]): Promise<void> {
    await this.tmux("send-keys", ...names);
  }

  /** Waits until the screen contains / matches / satisfies `test`; returns that screen. */
  async waitFor(test: ScreenTest, timeoutMs = 20_000, pollMs = 40): Promise<string> {
    const ok = typeof test === "string"
      ? (s: string) => s.includes(test)
      : test instanceof RegExp
      ? (s: string) => test.test(s)
      : test;
    const deadline = Date.now() + timeoutMs;
    let screen = "";
    while (Date.now() < deadline) {
      screen = await this.screen();
      if (ok(screen)) return screen;
      await sleep(pollMs);
    }
    throw new Error(`timed out waiting for ${String(test)}; the screen:\n${screen}`);
  }

  /** Waits for pi to exit; its exit code. */
  async exitCode(timeoutMs = 20_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const text = await Deno.readTextFile(`${this.#files}/exit.txt`).catch(() => undefined);
      if (text !== undefined) return Number(text.trim());
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for pi to exit; the screen:\n${await this.screen()}`);
      }
      await sleep(25);
    }
  }

  /** `stty -a` in the pane after pi exited (call after `exitCode()`). */
  stty(): Promise<string> {
    return Deno.readTextFile(`${this.#files}/stty.txt`);
  }

  /** Whether `stty -g` after pi exited is what it was before pi started (after `exitCode()`). */
  async sttyUnchanged(): Promise<boolean> {
    const [before, after] = await Promise.all(
      ["stty-before", "stty-after"].map((f) => Deno.readTextFile(`${this.#files}/${f}`)),
    );
    return before === after;
  }

  /** Whether tmux shows the cursor. */
  async cursorVisible(): Promise<boolean> {
    return (await this.tmux("display-message", "-p", "#{cursor_flag}")).trim() === "1";
  }

  /** When the pane started pi (ns since the epoch, from `date +%s%N`). */
  async startedNs(): Promise<bigint> {
    return BigInt((await Deno.readTextFile(`${this.#files}/start.ns`)).trim());
  }

  /** Stops the tmux server (and pi) and removes its socket file and the pane's files. */
  async kill(): Promise<void> {
    await this.tmux("kill-server").catch(() => {});
    // tmux leaves its socket file behind.
    const base = Deno.env.get("TMUX_TMPDIR") ?? "/tmp";
    await Deno.remove(`${base}/tmux-${Deno.uid()}/${this.socket}`).catch(() => {});
    await Deno.remove(this.#files, { recursive: true }).catch(() => {});
  }
}
