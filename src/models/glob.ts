/**
 * The `--models` pattern syntax, as pure functions: a comma list of globs (`*` any run of
 * characters, `?` one character) matched against `provider/id` or the bare id, each with
 * an optional `:level` thinking suffix (`openai-codex/gpt-5.2-codex:high`). Matching is
 * case-insensitive; order is kept and duplicates are removed.
 * @module
 */

import { THINKING_ORDER } from "./thinking.ts";
import type { Model, ReasoningLevel } from "./types.ts";

/**
 * One pattern of a `--models` list, split into the glob and its thinking level.
 */
export interface ModelPattern {
  /** The pattern as the user wrote it (trimmed), suffix included. */
  source: string;
  /** The glob without the `:level` suffix. */
  glob: string;
  /** The thinking level from the suffix, if any. */
  thinking?: ReasoningLevel;
}

/**
 * A model picked by a pattern, with the thinking level the pattern asked for.
 */
export interface ScopedModel {
  /** The model. */
  model: Model;
  /** Thinking level from a `:level` suffix. */
  thinking?: ReasoningLevel;
}

/**
 * The result of matching patterns: the models in order, and the patterns that matched none.
 */
export interface ScopeMatch {
  /** Matched models, in pattern order then listing order, without duplicates. */
  models: ScopedModel[];
  /** Patterns (as written) that matched no model. */
  unmatched: string[];
}

/**
 * Splits a trailing `:level` off a pattern or model spec when `level` is a known thinking
 * level. Other colons stay (some model ids contain them, e.g. `…-v1:0`).
 */
export function splitThinking(spec: string): { base: string; thinking?: ReasoningLevel } {
  const colon = spec.lastIndexOf(":");
  if (colon > 0) {
    const suffix = spec.slice(colon + 1).toLowerCase();
    if ((THINKING_ORDER as readonly string[]).includes(suffix)) {
      return { base: spec.slice(0, colon), thinking: suffix as ReasoningLevel };
    }
  }
  return { base: spec };
}

/**
 * Parses a comma list (`"a/*, b:high"`) or a list of such lists into patterns.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parsePatterns } from "./glob.ts";
 * const patterns = parsePatterns("openai-codex/*, claude-*:high");
 * assert.deepEqual(patterns.map((p) => p.glob), ["openai-codex/*", "claude-*"]);
 * assert.equal(patterns[1].thinking, "high");
 * ```
 */
export function parsePatterns(input: string | readonly string[]): ModelPattern[] {
  const parts = (typeof input === "string" ? [input] : input).flatMap((s) => s.split(","));
  const out: ModelPattern[] = [];
  for (const raw of parts) {
    const source = raw.trim();
    if (source === "") continue;
    const { base, thinking } = splitThinking(source);
    out.push(thinking === undefined ? { source, glob: base } : { source, glob: base, thinking });
  }
  return out;
}

/** A case-insensitive RegExp that matches the whole of a string against a glob. */
export function globToRegExp(glob: string): RegExp {
  let source = "";
  for (const ch of glob) {
    if (ch === "*") source += ".*";
    else if (ch === "?") source += ".";
    else source += ch.replace(/[.+^${}()|[\]\\/-]/g, "\\$&");
  }
  return new RegExp(`^${source}$`, "is");
}

/** Whether a glob matches a model's `provider/id` or its bare id. */
export function matchesModel(glob: string | RegExp, model: Model): boolean {
  const re = typeof glob === "string" ? globToRegExp(glob) : glob;
  return re.test(`${model.provider}/${model.id}`) || re.test(model.id);
}

/**
 * Matches patterns against models: pattern order is kept (within one pattern, the models'
 * order), a model already picked is not picked again, and patterns that match nothing are
 * reported in `unmatched`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { matchPatterns, parsePatterns } from "./glob.ts";
 * const { models, unmatched } = matchPatterns(parsePatterns("openai-codex/*:high"), []);
 * assert.equal(models.length, 0);
 * assert.deepEqual(unmatched, ["openai-codex/*:high"]);
 * ```
 */
export function matchPatterns(
  patterns: readonly ModelPattern[],
  models: readonly Model[],
): ScopeMatch {
  const picked: ScopedModel[] = [];
  const seen = new Set<string>();
  const unmatched: string[] = [];
  for (const pattern of patterns) {
    const re = globToRegExp(pattern.glob);
    let any = false;
    for (const model of models) {
      if (!matchesModel(re, model)) continue;
      any = true;
      const key = `${model.provider}/${model.id}`;
      if (seen.has(key)) continue;
      seen.add(key);
      picked.push(
        pattern.thinking === undefined ? { model } : { model, thinking: pattern.thinking },
      );
    }
    if (!any) unmatched.push(pattern.source);
  }
  return { models: picked, unmatched };
}
