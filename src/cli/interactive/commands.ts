/**
 * The slash commands as values, in one table ({@link SLASH_COMMANDS}) that /help, dispatch
 * and Tab completion read. A command is one module in commands/ exporting a
 * {@link SlashCommand}; adding one is adding its file and its line in the table.
 *
 * A command's `run(app, arg)` gets the {@link App}: `app.state` (model, session runner,
 * totals, …), `app.print` / `info` / `error` for the transcript, `app.menu`, `app.ask`,
 * `app.confirm` or `app.open(widget)` for a question (undefined when cancelled), and
 * `app.beginWork(label)` / `app.endWork()` around work that shows the spinner and stops on
 * Ctrl+C or Escape (its signal). It runs after the work before it; a throw is one `✗` line.
 * @module
 */

import { closest } from "../../did_you_mean.ts";
import type { App } from "./app.ts";
import { account } from "./commands/account.ts";
import { ask } from "./commands/ask.ts";
import { compact } from "./commands/compact.ts";
import { fork } from "./commands/fork.ts";
import { help } from "./commands/help.ts";
import { login } from "./commands/login.ts";
import { logout } from "./commands/logout.ts";
import { model } from "./commands/model.ts";
import { name } from "./commands/name.ts";
import { newSession } from "./commands/new.ts";
import { quit } from "./commands/quit.ts";
import { sandbox } from "./commands/sandbox.ts";
import { resume } from "./commands/resume.ts";
import { rewind } from "./commands/rewind.ts";
import { session } from "./commands/session.ts";
import { thinking } from "./commands/thinking.ts";
import { usage } from "./commands/usage.ts";

/** One slash command. */
export interface SlashCommand {
  /** The name typed after `/` (lower case): `model` is `/model`. */
  name: string;
  /** Other names it answers to (`/models`): shown beside its name in /help, not completed. */
  aliases?: readonly string[];
  /** One line for /help. */
  summary: string;
  /** The arguments Tab completes after `/name ` (all of them; those that fit are offered). */
  args?: (app: App) => readonly string[];
  /**
   * Runs it with the text after the name (trimmed; "" when none). Commands run one at a
   * time, after the work before them; a throw becomes one `✗` line.
   */
  run(app: App, arg: string): void | Promise<void>;
}

/** Options of {@link pickChoice}. */
export interface ChoiceOptions<T extends string> {
  /** What the argument names, for the error: `Unknown ${what}: …`. */
  what: string;
  /** The values the argument may name (lower case), listed in the error as `known:`. */
  known: readonly T[];
  /** Said after the known values in the error (`; gpt-5 supports low, high`). */
  knownNote?: string;
  /** The menu's title. */
  title: string;
  /** The values the menu offers (default: {@link known}). */
  choices?: readonly T[];
  /** The value now: highlighted first, its hint says `current`. */
  current: T;
  /** What a value means, beside it in the menu. */
  hint?: (value: T) => string;
  /** Whether typing filters the menu (default: the menu's). */
  filterable?: boolean;
}

/**
 * The value a command's argument names (any case), or without an argument the one picked
 * from a menu of the choices (the current one says `current`). Undefined when the argument
 * names none of them (said as one `✗` line) or the menu was cancelled (redrawn): the
 * command then does nothing.
 */
export async function pickChoice<T extends string>(
  app: App,
  arg: string,
  options: ChoiceOptions<T>,
): Promise<T | undefined> {
  const { known, current, hint } = options;
  if (arg !== "") {
    const asked = arg.toLowerCase();
    if ((known as readonly string[]).includes(asked)) return asked as T;
    app.error(
      `Unknown ${options.what}: ${arg} (known: ${known.join(", ")}${options.knownNote ?? ""})`,
    );
    return undefined;
  }
  const choices = options.choices ?? known;
  const picked = await app.menu(
    options.title,
    choices.map((value) => {
      const hints = [hint?.(value), value === current ? "current" : undefined];
      return { label: value, value, hint: hints.filter((h) => h).join(", ") || undefined };
    }),
    {
      initial: choices.indexOf(current),
      ...(options.filterable !== undefined ? { filterable: options.filterable } : {}),
    },
  );
  if (picked === undefined) app.render();
  return picked;
}

/** The slash commands, in the order /help lists them. */
export const SLASH_COMMANDS: readonly SlashCommand[] = [
  login,
  logout,
  model,
  thinking,
  usage,
  account,
  session,
  newSession,
  resume,
  fork,
  name,
  rewind,
  compact,
  sandbox,
  ask,
  help,
  quit,
];

/** Splits `/name arg…` into the command name (lower case) and its argument. */
export function parseSlash(text: string): { name: string; arg: string } | undefined {
  const m = /^\/(\S+)\s*([\s\S]*)$/.exec(text.trim());
  return m ? { name: m[1].toLowerCase(), arg: m[2].trim() } : undefined;
}

/** The command called `name` (or one of its aliases). */
export function findCommand(
  commands: readonly SlashCommand[],
  name: string,
): SlashCommand | undefined {
  return commands.find((c) => c.name === name || c.aliases?.includes(name));
}

/** `Unknown command /name (known: /login, /logout, …)`. */
export function unknownCommand(commands: readonly SlashCommand[], name: string): string {
  const guess = closest(name.toLowerCase(), commands.map((c) => c.name));
  const hint = guess === undefined ? "" : `; did you mean /${guess}?`;
  return `Unknown command /${name}${hint} (known: ${commands.map((c) => `/${c.name}`).join(", ")})`;
}

/**
 * The rows of /help's command list: the name, and the summary with the aliases after it
 * (`exit pi (also /exit, /q)`), so the name column stays narrow enough for 80 columns.
 */
export function helpRows(commands: readonly SlashCommand[]): [string, string][] {
  return commands.map((c) => [
    `/${c.name}`,
    c.aliases?.length
      ? `${c.summary} (also ${c.aliases.map((a) => `/${a}`).join(", ")})`
      : c.summary,
  ]);
}

/**
 * What Tab does to `text`: undefined when it is not a slash command being typed (nothing
 * to do); else the completed `text` when one choice fits, the `choices` when several do, or
 * neither when none does. The name completes while no space is typed; after it, the
 * command's {@link SlashCommand.args}.
 */
export function completeCommand(
  commands: readonly SlashCommand[],
  text: string,
  app: App,
): { text?: string; choices?: string[] } | undefined {
  if (!text.startsWith("/")) return undefined;
  const space = text.indexOf(" ");
  if (space === -1) {
    const hits = commands.map((c) => `/${c.name}`).filter((c) => c.startsWith(text));
    if (hits.length === 1) return { text: hits[0] + " " };
    return hits.length > 1 ? { choices: hits } : {};
  }
  const command = findCommand(commands, text.slice(1, space).toLowerCase());
  if (!command?.args) return undefined;
  const typed = text.slice(space).trimStart();
  if (typed.includes(" ")) return undefined;
  const hits = command.args(app).filter((a) => a.startsWith(typed));
  if (hits.length === 1) return { text: `${text.slice(0, space)} ${hits[0]} ` };
  return hits.length > 1 ? { choices: hits } : {};
}
