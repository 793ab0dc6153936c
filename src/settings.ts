/**
 * `<agent dir>/settings.json` (CONTRACT.md "Tool approval and sandbox"). The file is shared
 * with pi-mono, which writes keys of its own: pi reads `sandbox`, `ask`, `allowNetwork`, and
 * pi-mono's `defaultProvider`, `defaultModel` (an id) and `defaultThinkingLevel`, and
 * ignores every other key. Every key is optional and flags win. A known key with a bad
 * value, or a file that is not a JSON object, is a `config` error naming the file and the
 * key. pi never writes this file.
 * @module
 */

import { readTextFileIfPresent } from "./atomic_file.ts";
import { PiError } from "./errors.ts";
import { parseJsonText } from "./json_text.ts";
import type { ReasoningLevel } from "./models/types.ts";
import { describe, isObject } from "./models/models_check.ts";
import { THINKING_ORDER } from "./models/thinking.ts";
import { ASK_MODES, type AskMode, SANDBOX_MODES, type SandboxMode } from "./agent/tool_modes.ts";

/** What pi takes from settings.json; a key absent from the file is absent here. */
export interface Settings {
  /** Default of `--sandbox`. */
  sandbox?: SandboxMode;
  /** Default of `--ask`. */
  ask?: AskMode;
  /** Default of `--allow-network`. */
  allowNetwork?: boolean;
  /** pi-mono's: the provider of {@link Settings.defaultModel}. */
  defaultProvider?: string;
  /** pi-mono's: the model used when no flag gives one (an id). */
  defaultModel?: string;
  /** pi-mono's: the thinking level used when no flag gives one. */
  defaultThinkingLevel?: ReasoningLevel;
}

/** The file's name in the agent dir. */
const SETTINGS_FILE = "settings.json";

const HINT = "fix the file, or remove the key to use the default";

function bad(file: string, key: string, expected: string, value: unknown): never {
  throw new PiError("config", `${file}: ${key}: expected ${expected}, got ${describe(value)}`, {
    hint: HINT,
  });
}

function oneOf<T extends string>(
  file: string,
  key: string,
  value: unknown,
  allowed: readonly T[],
): T {
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
    bad(file, key, `one of ${allowed.map((v) => `"${v}"`).join(", ")}`, value);
  }
  return value as T;
}

function name(file: string, key: string, value: unknown): string {
  if (typeof value !== "string" || value.trim() === "") bad(file, key, "a non-empty string", value);
  return value.trim();
}

/**
 * Validates the parsed content of settings.json; `file` names it in errors.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateSettings } from "./settings.ts";
 * assert.deepEqual(
 *   validateSettings({ sandbox: "workspace", theme: "dark" }, "settings.json"),
 *   { sandbox: "workspace" },
 * );
 * assert.throws(
 *   () => validateSettings({ ask: "sometimes" }, "settings.json"),
 *   /settings.json: ask: expected one of "never", "writes", "all", got "sometimes"/,
 * );
 * ```
 */
export function validateSettings(data: unknown, file: string): Settings {
  if (!isObject(data)) {
    throw new PiError("config", `${file}: expected a JSON object, got ${describe(data)}`, {
      hint: HINT,
    });
  }
  const out: Settings = {};
  const has = (key: string) => data[key] !== undefined;
  if (has("sandbox")) out.sandbox = oneOf(file, "sandbox", data.sandbox, SANDBOX_MODES);
  if (has("ask")) out.ask = oneOf(file, "ask", data.ask, ASK_MODES);
  if (has("allowNetwork")) {
    if (typeof data.allowNetwork !== "boolean") {
      bad(file, "allowNetwork", "true or false", data.allowNetwork);
    }
    out.allowNetwork = data.allowNetwork;
  }
  if (has("defaultProvider")) {
    out.defaultProvider = name(file, "defaultProvider", data.defaultProvider);
  }
  if (has("defaultModel")) out.defaultModel = name(file, "defaultModel", data.defaultModel);
  if (has("defaultThinkingLevel")) {
    out.defaultThinkingLevel = oneOf(
      file,
      "defaultThinkingLevel",
      data.defaultThinkingLevel,
      THINKING_ORDER,
    );
  }
  return out;
}

/** Parses and validates the text of settings.json; `file` names it in errors. */
export function parseSettings(text: string, file: string): Settings {
  const parsed = parseJsonText(text);
  if (!parsed.ok) {
    throw new PiError("config", `${file}: invalid JSON at ${parsed.where}`, {
      hint: HINT,
      cause: parsed.cause,
    });
  }
  return validateSettings(parsed.value, file);
}

/**
 * Reads `<agentDir>/settings.json`: `{}` when there is none; a `config` PiError when it
 * cannot be read or is not valid. Never writes it.
 */
export function readSettings(agentDir: string): Settings {
  const path = `${agentDir}/${SETTINGS_FILE}`;
  let text: string | undefined;
  try {
    text = readTextFileIfPresent(path);
  } catch (err) {
    throw new PiError("config", `${path}: cannot be read (${(err as Error).name})`, {
      hint: "check the file's permissions",
      cause: err,
    });
  }
  return text === undefined ? {} : parseSettings(text, path);
}
