/**
 * The strict reading of models.json: checks of one value each that throw a
 * `models.invalid_file` PiError naming the file and the JSON path of the bad value.
 * @module
 */

import { PiError } from "../errors.ts";
import { isKnownApi, KNOWN_APIS } from "./builtin_models.ts";
import type { ModelApi } from "./types.ts";
import { trimTrailingSlashes } from "../atomic_file.ts";

/**
 * A JSON path: object keys, and array indexes as numbers. It is shown as
 * `providers.ollama.models[1].contextWindow`.
 */
export type JsonPath = readonly (string | number)[];

/** `["providers", "ollama", "models", 1, "id"]` → `providers.ollama.models[1].id`. */
function formatPath(path: JsonPath): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? part : `.${part}`;
  }
  return out;
}

/** A value as the error message shows it: `"cheap"`, `5`, `an object`, `nothing`. */
export function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") {
    const shown = value.length > 40 ? `${value.slice(0, 37)}…` : value;
    return JSON.stringify(shown);
  }
  return String(value);
}

/** Whether `value` is a plain JSON object (not null, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Checks values of one file; every failure names the file and the JSON path. */
export class Checker {
  /** `file` names the file in errors. */
  constructor(readonly file: string) {}

  /** Throws `models.invalid_file`: `<file>: <path>: <what>`. */
  fail(path: JsonPath, what: string): never {
    const where = path.length === 0 ? "" : `${formatPath(path)}: `;
    throw new PiError("models.invalid_file", `${this.file}: ${where}${what}`, {
      hint: "fix the file, or move it away to use the built-in models",
    });
  }

  /** Throws `expected <expected>, got <value>` at `path`. */
  expected(path: JsonPath, expected: string, value: unknown): never {
    this.fail(path, `expected ${expected}, got ${describe(value)}`);
  }

  /** An object, any keys (a map keyed by id). */
  record(path: JsonPath, value: unknown): Record<string, unknown> {
    if (!isObject(value)) this.expected(path, "an object", value);
    return value;
  }

  /** An object whose keys are all in `keys`. */
  object(path: JsonPath, value: unknown, keys: readonly string[]): Record<string, unknown> {
    const obj = this.record(path, value);
    for (const key of Object.keys(obj)) {
      if (!keys.includes(key)) {
        this.fail([...path, key], `unknown field (known: ${keys.join(", ")})`);
      }
    }
    return obj;
  }

  /** A string that is not blank. */
  string(path: JsonPath, value: unknown): string {
    if (typeof value !== "string" || value.trim() === "") {
      this.expected(path, "a non-empty string", value);
    }
    return value;
  }

  /** A price: a finite number ≥ 0. */
  price(path: JsonPath, value: unknown): number {
    if (typeof value !== "number" || !Number.isFinite(value)) {
      this.expected(path, "a number", value);
    }
    if (value < 0) this.expected(path, "a number ≥ 0", value);
    return value;
  }

  /** A count of tokens: a positive integer. */
  count(path: JsonPath, value: unknown): number {
    if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) {
      this.expected(path, "a positive integer", value);
    }
    return value;
  }

  /** `true` or `false`. */
  boolean(path: JsonPath, value: unknown): boolean {
    if (typeof value !== "boolean") this.expected(path, "true or false", value);
    return value;
  }

  /** One of the wire APIs pi speaks. */
  api(path: JsonPath, value: unknown): ModelApi {
    if (!isKnownApi(value)) {
      this.expected(path, `one of ${KNOWN_APIS.map((a) => `"${a}"`).join(", ")}`, value);
    }
    return value;
  }

  /** An http(s) URL, without trailing slashes. */
  url(path: JsonPath, value: unknown): string {
    const text = this.string(path, value);
    let ok = false;
    try {
      const url = new URL(text);
      ok = url.protocol === "http:" || url.protocol === "https:";
    } catch {
      ok = false;
    }
    if (!ok) this.expected(path, "an http(s) URL", value);
    return trimTrailingSlashes(text);
  }
}
