/**
 * The command line, declared once: the parser and the `--help` text both come from
 * {@link COMMANDS}. A small parser of our own (rather than `node:util` parseArgs) so that
 * every usage error names the bad word and suggests the closest known one.
 * @module
 */

import { PiError } from "../errors.ts";
import { closest } from "../did_you_mean.ts";
import { ASK_MODES, SANDBOX_MODES } from "../agent/tool_modes.ts";
import { THINKING_ORDER } from "../models/thinking.ts";

export { closest } from "../did_you_mean.ts";

/** One option of a command. */
export interface OptionSpec {
  /** Long name without dashes, e.g. `model`. */
  name: string;
  /** One-letter alias without the dash, e.g. `p`. */
  short?: string;
  /** `string` options take a value. */
  type: "boolean" | "string";
  /** Placeholder shown in help, e.g. `<id>`. */
  value?: string;
  /** Allowed values; anything else is a usage error listing them. */
  choices?: readonly string[];
  /** One line of help. */
  description: string;
}

/** One command (`pi`, `pi login`, `pi auth status`, …). */
export interface CommandSpec {
  /** Words after `pi`; empty for the root command. */
  path: readonly string[];
  /** Usage lines, without the leading `pi`. */
  usage: readonly string[];
  /** One line of description. */
  summary: string;
  /** Positional arguments for help. */
  args: readonly { name: string; description: string }[];
  /** Options (`--help` is added to every command). */
  options: readonly OptionSpec[];
}

const HELP: OptionSpec = {
  name: "help",
  short: "h",
  type: "boolean",
  description: "Show this help",
};

/** `--account <name>`: a ChatGPT account (CONTRACT.md: Accounts). */
const ACCOUNT: OptionSpec = {
  name: "account",
  type: "string",
  value: "<name>",
  description: "ChatGPT account to use (openai-codex; also PI_ACCOUNT)",
};

/** Every command and option of pi. */
export const COMMANDS: readonly CommandSpec[] = [
  {
    path: [],
    usage: ["[options] [message...]", "-p|--print [options] message"],
    summary: "A coding agent for the terminal; use your ChatGPT Plus/Pro subscription",
    args: [{
      name: "message",
      description: "Prompt; interactive when stdin and stdout are terminals",
    }],
    options: [
      {
        name: "print",
        short: "p",
        type: "boolean",
        description: "Print one answer (tools included) to stdout, then exit",
      },
      { name: "provider", type: "string", value: "<id>", description: "Provider to use" },
      {
        name: "model",
        type: "string",
        value: "<id|provider/id>",
        description: "Model to use",
      },
      {
        name: "models",
        type: "string",
        value: "<glob,glob>",
        description: "Models to cycle with Ctrl+P; the first match is the default",
      },
      {
        name: "thinking",
        type: "string",
        value: "<level>",
        choices: THINKING_ORDER,
        description: `Thinking level: ${THINKING_ORDER.join("|")}`,
      },
      {
        name: "api-key",
        type: "string",
        value: "<key>",
        description: "Key for this run (for openai-codex: an access token)",
      },
      {
        name: "mode",
        type: "string",
        value: "<mode>",
        choices: ["text", "json"],
        description: "Output: text, or json (one JSON event per line)",
      },
      {
        name: "continue",
        short: "c",
        type: "boolean",
        description: "Continue the newest session here",
      },
      {
        name: "session",
        type: "string",
        value: "<id|prefix|path>",
        description: "Continue that session (pi sessions lists them)",
      },
      {
        name: "resume",
        short: "r",
        type: "boolean",
        description: "Pick a session of this directory to continue (a terminal only)",
      },
      {
        name: "fork",
        type: "string",
        value: "<id|prefix|path>",
        description: "Start a new session with a copy of that one's conversation",
      },
      { name: "no-session", type: "boolean", description: "Do not save this session" },
      {
        name: "sandbox",
        type: "string",
        value: "<mode>",
        choices: SANDBOX_MODES,
        description: "Where tools may write: off, workspace (the cwd; bash in bwrap), read-only",
      },
      {
        name: "ask",
        type: "string",
        value: "<mode>",
        choices: ASK_MODES,
        description: "Ask before tools run: never, writes (bash, write, edit), all",
      },
      {
        name: "allow-network",
        type: "boolean",
        description: "Let sandboxed bash reach the network",
      },
      ACCOUNT,
      {
        name: "rotate-accounts",
        type: "boolean",
        description: "On a usage limit, go on with the next ChatGPT account below its limits",
      },
      { name: "version", short: "v", type: "boolean", description: "Print the version" },
    ],
  },
  {
    path: ["login"],
    usage: ["login [provider] [--device] [--no-browser] [--from-codex] [--account <name>]"],
    summary: "Log in (default: ChatGPT Plus/Pro, provider openai-codex) or save an API key",
    args: [{
      name: "provider",
      description: "openai-codex (ChatGPT login), anthropic or openai (API key)",
    }],
    options: [
      {
        name: "device",
        type: "boolean",
        description: "Log in with a device code (no browser here)",
      },
      {
        name: "no-browser",
        type: "boolean",
        description: "Print the login URL instead of opening it",
      },
      {
        name: "from-codex",
        type: "boolean",
        description: "Import the Codex CLI login from $CODEX_HOME/auth.json",
      },
      { ...ACCOUNT, description: "Save the ChatGPT login as this account (another login)" },
    ],
  },
  {
    path: ["logout"],
    usage: ["logout [provider] [--all] [--account <name>]"],
    summary: "Remove saved credentials",
    args: [{ name: "provider", description: "Provider to log out of" }],
    options: [
      {
        name: "all",
        type: "boolean",
        description: "Log out of every provider (with openai-codex: of every account)",
      },
      { ...ACCOUNT, description: "The ChatGPT account to log out of (openai-codex)" },
    ],
  },
  {
    path: ["auth", "status"],
    usage: ["auth status [--json]"],
    summary: "Show providers, where each key comes from, expiry and accounts (also: pi auth)",
    args: [],
    options: [{ name: "json", type: "boolean", description: "Print JSON" }],
  },
  {
    path: ["usage"],
    usage: ["usage [--json]"],
    summary: "Show the rate-limit windows of every ChatGPT account",
    args: [],
    options: [{ name: "json", type: "boolean", description: "Print JSON" }],
  },
  {
    path: ["models"],
    usage: ["models [pattern...] [--json]"],
    summary: "List known models (patterns use the --models glob syntax)",
    args: [{ name: "pattern", description: "e.g. openai-codex/* or gpt-5*" }],
    options: [{ name: "json", type: "boolean", description: "Print JSON" }],
  },
  {
    path: ["sessions"],
    usage: ["sessions [--all] [--json]"],
    summary: "List the saved sessions of this directory, newest first",
    args: [],
    options: [
      { name: "all", type: "boolean", description: "The sessions of every directory" },
      { name: "json", type: "boolean", description: "Print JSON" },
    ],
  },
  {
    path: ["export"],
    usage: ["export <session> [--format html|md] [-o file]"],
    summary: "Write a session as one self-contained HTML page or as Markdown",
    args: [{ name: "session", description: "Session id, unique id prefix or file" }],
    options: [
      {
        name: "format",
        type: "string",
        value: "<html|md>",
        choices: ["html", "md"],
        description: "html (default) or md",
      },
      {
        name: "output",
        short: "o",
        type: "string",
        value: "<file>",
        description: "Where to write it (default <session id>.html here; - for stdout)",
      },
    ],
  },
  {
    path: ["rewind"],
    usage: ["rewind <n> [--session <id>] [--files-only|--conversation-only]"],
    summary: "Go back to just before the n-th user message: files and conversation",
    args: [{ name: "n", description: "User message number (1 is the first)" }],
    options: [
      {
        name: "session",
        type: "string",
        value: "<id|prefix|path>",
        description: "The session (default: the newest of this directory)",
      },
      {
        name: "files-only",
        type: "boolean",
        description: "Restore the files, keep the conversation",
      },
      {
        name: "conversation-only",
        type: "boolean",
        description: "Rewind the conversation, keep the files",
      },
    ],
  },
  {
    path: ["serve"],
    usage: ["serve [--host h] [--port p] [--key k] [--account <name>]"],
    summary: "Serve the ChatGPT subscription as an OpenAI-compatible API (/v1)",
    args: [],
    options: [
      { name: "host", type: "string", value: "<host>", description: "Address (default 127.0.0.1)" },
      { name: "port", type: "string", value: "<port>", description: "Port (default 8765)" },
      {
        name: "key",
        type: "string",
        value: "<key>",
        description: "Bearer key clients send (default PI_SERVE_KEY, else <agent dir>/serve-key)",
      },
      ACCOUNT,
    ],
  },
];

/** The environment variables pi reads, for help and README. */
export const ENVIRONMENT: readonly [string, string][] = [
  ["PI_CODING_AGENT_DIR", "agent directory (default ~/.pi/agent)"],
  ["PI_OPENAI_CODEX_ISSUER", "OAuth issuer (default https://auth.openai.com)"],
  ["PI_OPENAI_CODEX_BASE_URL", "ChatGPT backend (default https://chatgpt.com/backend-api)"],
  ["PI_OAUTH_CALLBACK_PORT", "pin the login callback port (default 1455, then 1457)"],
  ["BROWSER", "command that opens a URL"],
  ["OPENAI_API_KEY", "key for openai; last fallback for openai-codex"],
  ["OPENAI_BASE_URL", "openai base URL (default https://api.openai.com/v1)"],
  ["ANTHROPIC_API_KEY", "key for anthropic"],
  ["ANTHROPIC_BASE_URL", "anthropic base URL (default https://api.anthropic.com)"],
  ["CODEX_HOME", "where the Codex CLI keeps auth.json (default ~/.codex)"],
  ["PI_ACCOUNT", "ChatGPT account to use (as --account)"],
  ["PI_ROTATE_ACCOUNTS", "1: as --rotate-accounts"],
  ["HTTPS_PROXY, NO_PROXY", "proxy for every request"],
  ["NO_COLOR", "no colour"],
  ["FORCE_HYPERLINK", "1: OSC 8 links on the screen; 0: never (default: known terminals)"],
  ["PI_SERVE_KEY", "bearer key of pi serve (default <agent dir>/serve-key)"],
  ["PI_DEBUG", "1: print stack traces"],
];

/** Parsed values of options: strings, booleans, or undefined when absent. */
export type OptionValues = Record<string, string | boolean | undefined>;

/** The result of parsing argv. */
export interface ParsedArgs {
  /** The command, e.g. `[]` for the root, `["auth", "status"]`. */
  command: readonly string[];
  /** Option values by long name. */
  options: OptionValues;
  /** Positional arguments. */
  positionals: string[];
}

function commandName(path: readonly string[]): string {
  return ["pi", ...path].join(" ");
}

function usageError(message: string, path: readonly string[], suggestion?: string): PiError {
  const help = `${commandName(path)} --help`;
  const hint = suggestion ? `did you mean ${suggestion}? See ${help}` : `see ${help}`;
  return new PiError("usage", message, { hint });
}

/**
 * The subcommand a group's bare name runs: `pi auth` is `pi auth status`. Every group has one
 * (tests/args_test.ts checks).
 */
export const DEFAULT_SUBCOMMANDS: Readonly<Record<string, string>> = { auth: "status" };

/** Finds the command that argv names, and where its own arguments start. */
function findCommand(argv: readonly string[]): { spec: CommandSpec; rest: string[] } {
  const groups = new Set(COMMANDS.filter((c) => c.path.length > 1).map((c) => c.path[0]));
  const first = argv[0];
  if (first !== undefined && groups.has(first)) {
    const subs = COMMANDS.filter((c) => c.path[0] === first).map((c) => c.path[1]);
    const second = argv[1];
    if (second === undefined || second.startsWith("-")) {
      // Every group has a default (`pi auth`, `pi auth --json`, `pi auth --help`).
      const fallback = DEFAULT_SUBCOMMANDS[first];
      const spec = COMMANDS.find((c) => c.path[0] === first && c.path[1] === fallback)!;
      return { spec, rest: argv.slice(1) };
    }
    const spec = COMMANDS.find((c) => c.path[0] === first && c.path[1] === second);
    if (!spec) {
      const guess = closest(second, subs);
      throw usageError(
        `Unknown subcommand: ${second} (known: ${subs.map((s) => `${first} ${s}`).join(", ")})`,
        [],
        guess && `${commandName([first, guess])}`,
      );
    }
    return { spec, rest: argv.slice(2) };
  }
  const sub = COMMANDS.find((c) => c.path.length === 1 && c.path[0] === first);
  if (sub) return { spec: sub, rest: argv.slice(1) };
  return { spec: COMMANDS[0], rest: [...argv] };
}

/**
 * Parses argv (without the program name). Throws a `usage` PiError naming the bad word.
 *
 * `--name value`, `--name=value`, `-x`, and `--` (the rest are positionals) are understood.
 */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const { spec, rest } = findCommand(argv);
  const options: OptionValues = {};
  const positionals: string[] = [];
  const specs = [...spec.options, HELP];
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i];
    if (word === "--") {
      positionals.push(...rest.slice(i + 1));
      break;
    }
    if (!word.startsWith("-") || word === "-") {
      positionals.push(word);
      continue;
    }
    let name: string;
    let inline: string | undefined;
    let option: OptionSpec | undefined;
    if (word.startsWith("--")) {
      const eq = word.indexOf("=");
      name = eq === -1 ? word.slice(2) : word.slice(2, eq);
      inline = eq === -1 ? undefined : word.slice(eq + 1);
      option = specs.find((o) => o.name === name);
    } else {
      name = word.slice(1);
      option = specs.find((o) => o.short === name);
    }
    if (!option) {
      const known = specs.map((o) => `--${o.name}`);
      const guess = closest(word.startsWith("--") ? `--${name}` : word, known);
      throw usageError(`Unknown option: ${word.split("=")[0]}`, spec.path, guess);
    }
    if (option.type === "boolean") {
      if (inline !== undefined) {
        throw usageError(`Option --${option.name} takes no value`, spec.path);
      }
      options[option.name] = true;
      continue;
    }
    let value = inline;
    if (value === undefined) {
      const next = rest[i + 1];
      if (next === undefined || (next.startsWith("-") && next !== "-" && next.length > 1)) {
        throw usageError(
          `Missing value for --${option.name} ${option.value ?? ""}`.trim(),
          spec.path,
        );
      }
      value = next;
      i++;
    }
    if (option.choices && !option.choices.includes(value)) {
      const guess = closest(value, option.choices);
      throw usageError(
        `Unknown ${option.name}: ${value} (known: ${option.choices.join(", ")})`,
        spec.path,
        guess,
      );
    }
    options[option.name] = value;
  }
  return { command: spec.path, options, positionals };
}

function optionLine(o: OptionSpec): [string, string] {
  const short = o.short ? `-${o.short}, ` : "    ";
  const value = o.type === "string" ? ` ${o.value ?? "<value>"}` : "";
  return [`${short}--${o.name}${value}`, o.description];
}

function table(rows: readonly [string, string][], indent = "  "): string {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `${indent}${left.padEnd(width)}  ${right}`).join("\n");
}

/** The `--help` text of a command, generated from its declaration. */
export function helpText(path: readonly string[]): string {
  const spec = COMMANDS.find((c) => c.path.join(" ") === path.join(" ")) ?? COMMANDS[0];
  const lines: string[] = [];
  lines.push(`${commandName(spec.path)} — ${spec.summary}`, "", "Usage:");
  const usages = spec.path.length === 0 ? COMMANDS.flatMap((c) => c.usage) : spec.usage;
  for (const u of usages) lines.push(`  pi ${u}`);
  if (spec.path.length === 0) {
    lines.push("", "Commands:");
    lines.push(table(COMMANDS.slice(1).map((c) => [c.path.join(" "), c.summary])));
  }
  if (spec.args.length > 0) {
    lines.push("", "Arguments:");
    lines.push(table(spec.args.map((a) => [a.name, a.description])));
  }
  lines.push("", "Options:");
  lines.push(table([...spec.options, HELP].map(optionLine)));
  if (spec.path.length === 0) {
    lines.push("", "Environment:");
    lines.push(table(ENVIRONMENT));
    // Every slash command (src/cli/interactive/commands.ts; tests/args_test.ts checks).
    lines.push(
      "",
      "Exit codes: 0 done, 1 failure, 2 usage error, 130 interrupted (Ctrl+C),",
      "143 terminated (SIGTERM), 129 hangup (SIGHUP).",
      "",
      "In the interactive prompt (/help there says more):",
      "  /login, /logout, /model, /thinking, /usage, /account, /session, /new,",
      "  /resume, /fork, /name, /rewind, /compact, /sandbox, /ask, /help, /quit.",
    );
  }
  return lines.join("\n") + "\n";
}
