/**
 * `<agent dir>/models.json`: custom models and providers, merged over the built-ins
 * (CONTRACT.md: models.json). Reading is strict: a malformed file is a
 * `models.invalid_file` error naming the file and the JSON path of the bad field (or the
 * line and column of a JSON syntax error); it never silently drops models, and pi never
 * writes this file.
 * @module
 */

import { PiError } from "../errors.ts";
import { KNOWN_APIS, PROVIDER_APIS } from "./builtin_models.ts";
import type { Model, ModelApi, ModelCost, ReasoningLevel } from "./types.ts";
import { readTextFileIfPresent, trimTrailingSlashes } from "../atomic_file.ts";

/** The fields of a model a models.json entry sets (the rest come from the built-in or defaults). */
export type ModelFields = Partial<Omit<Model, "cost">> & { cost?: Partial<ModelCost> };

/** One model from models.json: which model, and the fields it sets. */
export interface ModelEntry {
  /** Provider id (the key under `providers`). */
  provider: string;
  /** Model id (the key under `models`). */
  id: string;
  /** Fields given in the file, provider-level `api`/`baseUrl` included. */
  fields: ModelFields;
}

/** The reasoning levels `"reasoning": true` stands for. */
export const DEFAULT_REASONING: readonly ReasoningLevel[] = ["low", "medium", "high"];

const LEVELS: readonly string[] = ["off", "minimal", "low", "medium", "high", "xhigh"];
const MODEL_KEYS = [
  "api",
  "provider",
  "id",
  "name",
  "description",
  "baseUrl",
  "contextWindow",
  "maxOutput",
  "reasoning",
  "input",
  "output",
  "cacheRead",
  "cacheWrite",
  "billed",
  "inputs",
];
const PROVIDER_KEYS = ["api", "baseUrl", "models"];
const ROOT_KEYS = ["$schema", "providers"];

type Json = unknown;

function describe(value: Json): string {
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

function isObject(value: Json): value is Record<string, Json> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Collects the context of errors: the file and the JSON path. */
class Checker {
  constructor(readonly file: string) {}

  fail(path: string[], what: string): never {
    const where = path.length === 0 ? "" : `${path.join(".")}: `;
    throw new PiError("models.invalid_file", `${this.file}: ${where}${what}`, {
      hint: "fix the file, or move it away to use the built-in models",
    });
  }

  expected(path: string[], expected: string, value: Json): never {
    this.fail(path, `expected ${expected}, got ${describe(value)}`);
  }

  object(path: string[], value: Json, keys: readonly string[]): Record<string, Json> {
    if (!isObject(value)) this.expected(path, "an object", value);
    for (const key of Object.keys(value)) {
      if (!keys.includes(key)) {
        this.fail([...path, key], `unknown field (known: ${keys.join(", ")})`);
      }
    }
    return value;
  }

  string(path: string[], value: Json): string {
    if (typeof value !== "string" || value.trim() === "") {
      this.expected(path, "a non-empty string", value);
    }
    return value;
  }

  price(path: string[], value: Json): number {
    if (typeof value !== "number" || !Number.isFinite(value)) {
      this.expected(path, "a number", value);
    }
    if (value < 0) this.expected(path, "a number ≥ 0", value);
    return value;
  }

  count(path: string[], value: Json): number {
    if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) {
      this.expected(path, "a positive integer", value);
    }
    return value;
  }

  api(path: string[], value: Json): ModelApi {
    if (typeof value !== "string" || !(KNOWN_APIS as readonly string[]).includes(value)) {
      this.expected(path, `one of ${KNOWN_APIS.map((a) => `"${a}"`).join(", ")}`, value);
    }
    return value as ModelApi;
  }

  url(path: string[], value: Json): string {
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

function parseModel(
  check: Checker,
  path: string[],
  value: Json,
  provider: string,
  id: string,
  providerDefaults: { api?: ModelApi; baseUrl?: string },
): ModelEntry {
  const obj = check.object(path, value, MODEL_KEYS);
  const fields: ModelFields = {};
  const at = (key: string) => [...path, key];
  if (obj.provider !== undefined && obj.provider !== provider) {
    check.expected(at("provider"), `"${provider}" (the provider it is listed under)`, obj.provider);
  }
  if (obj.id !== undefined && obj.id !== id) {
    check.expected(at("id"), `"${id}" (the key it is listed under)`, obj.id);
  }
  const api = obj.api !== undefined ? check.api(at("api"), obj.api) : providerDefaults.api;
  if (api !== undefined) fields.api = api;
  else if (PROVIDER_APIS[provider] === undefined) {
    check.fail(
      at("api"),
      `missing: a new provider must name its api (one of ${
        KNOWN_APIS.map((a) => `"${a}"`).join(", ")
      })`,
    );
  }
  if (obj.name !== undefined) fields.name = check.string(at("name"), obj.name);
  if (obj.description !== undefined) {
    if (typeof obj.description !== "string") {
      check.expected(at("description"), "a string", obj.description);
    }
    fields.description = obj.description;
  }
  const baseUrl = obj.baseUrl !== undefined
    ? check.url(at("baseUrl"), obj.baseUrl)
    : providerDefaults.baseUrl;
  if (baseUrl !== undefined) fields.baseUrl = baseUrl;
  if (obj.contextWindow !== undefined) {
    fields.contextWindow = check.count(at("contextWindow"), obj.contextWindow);
  }
  if (obj.maxOutput !== undefined) fields.maxOutput = check.count(at("maxOutput"), obj.maxOutput);
  if (obj.reasoning !== undefined) {
    const r = obj.reasoning;
    if (typeof r === "boolean") fields.reasoning = r ? [...DEFAULT_REASONING] : [];
    else if (Array.isArray(r)) {
      fields.reasoning = r.map((level, i) => {
        if (typeof level !== "string" || !LEVELS.includes(level)) {
          check.expected(
            [...path, "reasoning", String(i)],
            `one of ${LEVELS.join(", ")}`,
            level,
          );
        }
        return level as ReasoningLevel;
      });
    } else {
      check.expected(at("reasoning"), "true, false or a list of levels", r);
    }
  }
  const cost: Partial<ModelCost> = {};
  for (const key of ["input", "output", "cacheRead", "cacheWrite"] as const) {
    if (obj[key] !== undefined) cost[key] = check.price(at(key), obj[key]);
  }
  if (Object.keys(cost).length > 0) fields.cost = cost;
  if (obj.billed !== undefined) {
    if (typeof obj.billed !== "boolean") check.expected(at("billed"), "true or false", obj.billed);
    fields.billed = obj.billed;
  }
  if (obj.inputs !== undefined) {
    const inputs = obj.inputs;
    if (!Array.isArray(inputs) || inputs.length === 0) {
      check.expected(at("inputs"), 'a list like ["text", "image"]', inputs);
    }
    fields.inputs = inputs.map((kind, i) => {
      if (kind !== "text" && kind !== "image") {
        check.expected([...path, "inputs", String(i)], '"text" or "image"', kind);
      }
      return kind;
    });
  }
  return { provider, id, fields };
}

/**
 * Validates the parsed content of models.json. `file` names the file in errors.
 * Throws `PiError("models.invalid_file")` naming the JSON path of the first bad field.
 */
export function validateModelsFile(data: Json, file: string): ModelEntry[] {
  const check = new Checker(file);
  const root = check.object([], data, ROOT_KEYS);
  if (root.providers === undefined) return [];
  const providers = check.object(["providers"], root.providers, Object.keys(root.providers ?? {}));
  const entries: ModelEntry[] = [];
  for (const [provider, providerValue] of Object.entries(providers)) {
    const path = ["providers", provider];
    if (provider.trim() === "" || provider.includes("/")) {
      check.fail(path, "a provider id must be non-empty and contain no '/'");
    }
    const obj = check.object(path, providerValue, PROVIDER_KEYS);
    const defaults: { api?: ModelApi; baseUrl?: string } = {};
    if (obj.api !== undefined) defaults.api = check.api([...path, "api"], obj.api);
    if (obj.baseUrl !== undefined) defaults.baseUrl = check.url([...path, "baseUrl"], obj.baseUrl);
    if (obj.models === undefined) continue;
    const models = check.object([...path, "models"], obj.models, Object.keys(obj.models ?? {}));
    for (const [id, modelValue] of Object.entries(models)) {
      if (id.trim() === "") check.fail([...path, "models", id], "a model id must be non-empty");
      entries.push(parseModel(check, [...path, "models", id], modelValue, provider, id, defaults));
    }
  }
  return entries;
}

/** Where a JSON syntax error is: 1-based line and column, and what is wrong. */
export interface JsonErrorLocation {
  /** 1-based line. */
  line: number;
  /** 1-based column (in characters). */
  column: number;
  /** What is wrong, e.g. `expected ',' or '}'`. */
  reason: string;
}

class SyntaxAt extends Error {
  constructor(readonly offset: number, reason: string) {
    super(reason);
  }
}

/** Finds the first JSON syntax error in `text`, or undefined when it is valid JSON. */
export function locateJsonError(text: string): JsonErrorLocation | undefined {
  let i = 0;
  const n = text.length;
  const ws = () => {
    while (i < n && " \t\n\r".includes(text[i])) i++;
  };
  const shown = (ch: string | undefined) => ch === undefined ? "end of file" : JSON.stringify(ch);
  const unexpected = (what?: string): never => {
    const got = i >= n ? "unexpected end of file" : `unexpected ${shown(text[i])}`;
    throw new SyntaxAt(i, what ? `${got}, expected ${what}` : got);
  };
  const string = () => {
    i++; // opening quote
    while (true) {
      if (i >= n) unexpected("a closing '\"'");
      const ch = text[i];
      if (ch === '"') {
        i++;
        return;
      }
      if (ch === "\\") {
        const esc = text[i + 1];
        if (esc === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
            i += 2;
            unexpected("four hex digits after \\u");
          }
          i += 6;
        } else if (esc !== undefined && '"\\/bfnrt'.includes(esc)) i += 2;
        else {
          i++;
          unexpected('an escape like \\n or \\"');
        }
      } else if (ch < " ") unexpected("a closing '\"' (control characters must be escaped)");
      else i++;
    }
  };
  const number = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0] === "-" || m[0] === "") unexpected("a value");
    i += m![0].length;
  };
  const value = (): void => {
    ws();
    const ch = text[i];
    if (ch === "{") {
      i++;
      ws();
      if (text[i] === "}") {
        i++;
        return;
      }
      while (true) {
        ws();
        if (text[i] !== '"') unexpected("a property name in double quotes");
        string();
        ws();
        if (text[i] !== ":") unexpected("':' after a property name");
        i++;
        value();
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "}") {
          i++;
          return;
        }
        unexpected("',' or '}'");
      }
    }
    if (ch === "[") {
      i++;
      ws();
      if (text[i] === "]") {
        i++;
        return;
      }
      while (true) {
        value();
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "]") {
          i++;
          return;
        }
        unexpected("',' or ']'");
      }
    }
    if (ch === '"') return string();
    if (ch === "-" || (ch >= "0" && ch <= "9")) return number();
    for (const word of ["true", "false", "null"]) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return;
      }
    }
    unexpected("a value");
  };
  try {
    value();
    ws();
    if (i < n) unexpected("nothing after the end of the JSON value");
    return undefined;
  } catch (err) {
    if (!(err instanceof SyntaxAt)) throw err;
    const before = text.slice(0, err.offset);
    const lines = before.split(/\r\n|\r|\n/);
    return { line: lines.length, column: lines[lines.length - 1].length + 1, reason: err.message };
  }
}

/** Parses and validates the text of models.json; `file` names the file in errors. */
export function parseModelsFile(text: string, file: string): ModelEntry[] {
  const body = text.startsWith("\uFEFF") ? text.slice(1) : text;
  let data: Json;
  try {
    data = JSON.parse(body);
  } catch (err) {
    const where = locateJsonError(body);
    const detail = where
      ? `line ${where.line}, column ${where.column}: ${where.reason}`
      : (err as Error).message.replace(/,?\s*".*" is not valid JSON/s, "");
    throw new PiError("models.invalid_file", `${file}: invalid JSON at ${detail}`, {
      hint: "fix the file, or move it away to use the built-in models",
      cause: err,
    });
  }
  return validateModelsFile(data, file);
}

/**
 * Reads and validates models.json at `path`. A missing file means no custom models;
 * any other read error, bad JSON or a bad field is a `models.invalid_file` PiError.
 * Never writes the file.
 */
export function readModelsFile(path: string): ModelEntry[] {
  let text: string | undefined;
  try {
    text = readTextFileIfPresent(path);
  } catch (err) {
    throw new PiError("models.invalid_file", `${path}: cannot be read (${(err as Error).name})`, {
      hint: "check the file's permissions",
      cause: err,
    });
  }
  if (text === undefined) return [];
  return parseModelsFile(text, path);
}

/** The defaults of a new model (one that is not a built-in) for a provider and api. */
export function newModelDefaults(provider: string, id: string, api: ModelApi): Model {
  return {
    id,
    name: id,
    provider,
    api,
    contextWindow: 128_000,
    maxOutput: 16_384,
    reasoning: [],
    cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
    billed: api !== "openai-codex-responses",
    inputs: ["text"],
  };
}

/**
 * Merges models.json entries over `base`: the same provider/id replaces the model in place
 * (fields not given are kept), a new id is added at the end.
 */
export function mergeModelEntries(base: readonly Model[], entries: readonly ModelEntry[]): Model[] {
  const out = [...base];
  for (const entry of entries) {
    const index = out.findIndex((m) => m.provider === entry.provider && m.id === entry.id);
    const { cost, ...rest } = entry.fields;
    const previous = index >= 0 ? out[index] : newModelDefaults(
      entry.provider,
      entry.id,
      entry.fields.api ?? PROVIDER_APIS[entry.provider],
    );
    const merged: Model = {
      ...previous,
      ...rest,
      cost: { ...previous.cost, ...cost },
    };
    if (index >= 0) out[index] = merged;
    else out.push(merged);
  }
  return out;
}
