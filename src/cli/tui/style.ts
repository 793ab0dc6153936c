/**
 * Text styles for a terminal: bold, dim, colours (none under `NO_COLOR` or a `dumb` TERM),
 * and OSC 8 hyperlinks where the terminal is known to support them. No I/O: the
 * environment is passed in.
 * @module
 */

/** Text styles; every one is the identity when colour is off. */
export interface Style {
  /** Whether styles emit ANSI. */
  readonly color: boolean;
  /** Bold. */
  bold(s: string): string;
  /** Dim (thinking, hints). */
  dim(s: string): string;
  /** Italic. */
  italic(s: string): string;
  /** Red (errors). */
  red(s: string): string;
  /** Green (success). */
  green(s: string): string;
  /** Yellow (warnings). */
  yellow(s: string): string;
  /** Cyan (code, names). */
  cyan(s: string): string;
  /** Inverse (the selected menu row). */
  inverse(s: string): string;
  /** Whether {@link Style.link} emits OSC 8 hyperlinks. */
  readonly hyperlinks: boolean;
  /** `text` as a hyperlink to `url` (OSC 8), or `text` alone when hyperlinks are off. */
  link(text: string, url: string): string;
}

function sgr(open: number, close: number): (s: string) => string {
  return (s) => `\x1b[${open}m${s}\x1b[${close}m`;
}

/** `text` as an OSC 8 hyperlink to `url` (bytes outside printable ASCII percent-encoded). */
export function osc8(text: string, url: string): string {
  const safe = url.replace(/[^\x21-\x7e]/gu, (c) => {
    try {
      return encodeURIComponent(c);
    } catch {
      return "%EF%BF%BD"; // a lone surrogate
    }
  });
  return `\x1b]8;;${safe}\x1b\\${text}\x1b]8;;\x1b\\`;
}

/**
 * Styles, with ANSI when `color` is true and OSC 8 hyperlinks when `hyperlinks` is true
 * (see {@link supportsHyperlinks}).
 */
export function createStyle(color: boolean, hyperlinks = false): Style {
  const link = hyperlinks ? osc8 : (text: string) => text;
  if (!color) {
    const id = (s: string) => s;
    return {
      color,
      bold: id,
      dim: id,
      italic: id,
      red: id,
      green: id,
      yellow: id,
      cyan: id,
      inverse: id,
      hyperlinks,
      link,
    };
  }
  return {
    color,
    bold: sgr(1, 22),
    dim: sgr(2, 22),
    italic: sgr(3, 23),
    red: sgr(31, 39),
    green: sgr(32, 39),
    yellow: sgr(33, 39),
    cyan: sgr(36, 39),
    inverse: sgr(7, 27),
    hyperlinks,
    link,
  };
}

/** Whether colour is wanted: `NO_COLOR` unset (or empty) and `TERM` not `dumb`. */
export function wantsColor(env: (name: string) => string | undefined): boolean {
  const noColor = env("NO_COLOR");
  if (noColor !== undefined && noColor !== "") return false;
  return env("TERM") !== "dumb";
}

function versionAtLeast(version: string, want: readonly number[]): boolean {
  const have = version.split(/[.\-a-z]/i).map((n) => Number(n) || 0);
  for (let i = 0; i < want.length; i++) {
    if ((have[i] ?? 0) !== want[i]) return (have[i] ?? 0) > want[i];
  }
  return true;
}

/**
 * Whether to print OSC 8 hyperlinks, decided conservatively from the environment: never
 * under `NO_COLOR`, a `dumb` or missing `TERM`, GNU screen or CI; in tmux from 3.4 on
 * (it passes links to terminals that support them and drops them otherwise); in
 * terminals known to support them (Windows Terminal, kitty, Ghostty, WezTerm, iTerm2 3.1+,
 * VS Code 1.72+, foot, Alacritty, VTE 0.50+: GNOME Terminal, Tilix, …). `FORCE_HYPERLINK`
 * (`1` / `0`) decides when set. Elsewhere the URL itself is printed, unbroken.
 */
export function supportsHyperlinks(env: (name: string) => string | undefined): boolean {
  const force = env("FORCE_HYPERLINK");
  if (force !== undefined && force !== "") return !/^(0|false|no|off)$/i.test(force.trim());
  if (!wantsColor(env)) return false;
  const term = env("TERM") ?? "";
  if (term === "" || (env("CI") ?? "") !== "") return false;
  const program = env("TERM_PROGRAM") ?? "";
  const version = env("TERM_PROGRAM_VERSION") ?? "";
  if (program === "tmux") return versionAtLeast(version, [3, 4]);
  if ((env("TMUX") ?? "") !== "" || term.startsWith("screen")) return false;
  if ((env("WT_SESSION") ?? "") !== "") return true;
  if ((env("KITTY_WINDOW_ID") ?? "") !== "" || term === "xterm-kitty") return true;
  if (program === "ghostty" || term === "xterm-ghostty") return true;
  if (program === "WezTerm") return true;
  if (program === "iTerm.app") return versionAtLeast(version, [3, 1]);
  if (program === "vscode") return versionAtLeast(version, [1, 72]);
  if (term.startsWith("foot") || term === "alacritty") return true;
  return Number(env("VTE_VERSION") ?? "0") >= 5000;
}
