/**
 * `pi models [pattern...] [--json]`: the known models (patterns use the `--models` glob
 * syntax) as a table — provider, id, name, context, reasoning, logged in — or JSON.
 * The user asked for the list, so a stale live Codex list is refreshed first, waiting at
 * most 3 seconds; offline, the cache or the built-ins answer.
 * @module
 */

import type { Deps } from "../../deps.ts";
import type { SkippedModel } from "../../models/models_file.ts";
import type { Model } from "../../models/types.ts";
import type { ParsedArgs } from "../args.ts";
import { openModelRegistry } from "../model_selection.ts";
import { oneLine } from "../../one_line.ts";
import { createStyle, wantsColor } from "../render.ts";

/** How long `pi models` (and a model lookup of `pi serve`) waits for the live list. */
export const LIVE_LIST_WAIT_MS = 3000;

/** `272000` → `272K`, `1047576` → `1.05M`. */
export function formatTokens(n: number): string {
  if (n >= 1_000_000) return `${Math.round(n / 10_000) / 100}M`;
  if (n >= 1000) return `${Math.round(n / 100) / 10}K`;
  return String(n);
}

/**
 * The table `pi models` prints. Provider, id, name and levels come from models.json or the
 * live list: each cell is one line without escape sequences (`oneLine`), so no model can
 * break the table or restyle the terminal (`--json` keeps them as they are, JSON-escaped).
 */
export function modelsTable(models: readonly Model[], loggedIn: (provider: string) => boolean) {
  const rows = [
    ["PROVIDER", "ID", "NAME", "CONTEXT", "REASONING", "LOGGED IN"],
    ...models.map((m) => [
      oneLine(m.provider),
      oneLine(m.id),
      oneLine(m.name),
      formatTokens(m.contextWindow),
      m.reasoning.length > 0 ? oneLine(m.reasoning.join(",")) : "-",
      loggedIn(m.provider) ? "yes" : "no",
    ]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) =>
    r.map((cell, i) => i === r.length - 1 ? cell : cell.padEnd(widths[i]))
      .join("  ")
  ).join("\n") + "\n";
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * The note on the models of models.json pi skips (pi-mono's shape lets them use an API pi
 * does not speak), or undefined when there are none:
 * `Skipped 2 models from models.json that use an API pi does not speak: openai-completions`.
 */
export function skippedNote(skipped: readonly SkippedModel[]): string | undefined {
  if (skipped.length === 0) return undefined;
  const sorted = (values: string[]) => [...new Set(values)].sort().map(oneLine).join(", ");
  const named = skipped.filter((m) => m.api !== undefined);
  const unnamed = skipped.filter((m) => m.api === undefined);
  const parts: string[] = [];
  if (named.length > 0) {
    parts.push(
      `${named.length === 1 ? "uses" : "use"} an API pi does not speak: ${
        sorted(named.map((m) => m.api!))
      }`,
    );
  }
  if (unnamed.length > 0) {
    parts.push(
      `${unnamed.length === 1 ? "names" : "name"} no API (${
        unnamed.length === 1 ? "provider" : "providers"
      } ${sorted(unnamed.map((m) => m.provider))})`,
    );
  }
  const what = `Skipped ${plural(skipped.length, "model", "models")} from models.json`;
  if (parts.length === 1) return `${what} that ${parts[0]}`;
  return `${what}: ${named.length} ${parts[0]}; ${unnamed.length} ${parts[1]}`;
}

/** Runs `pi models`. */
export async function runModels(
  args: ParsedArgs,
  deps: Deps,
  signal: AbortSignal,
): Promise<number> {
  const { registry } = openModelRegistry(deps);
  await registry.refresh({ timeoutMs: LIVE_LIST_WAIT_MS, signal });
  // Ctrl+C while waiting for the live list ends the command (exit 130), not the wait only.
  signal.throwIfAborted();
  const models = args.positionals.length > 0
    ? registry.scope(args.positionals).map((s) => s.model)
    : registry.getAll();
  const loggedIn = new Map<string, boolean>();
  const isLoggedIn = (provider: string) => {
    if (!loggedIn.has(provider)) loggedIn.set(provider, registry.hasKey(provider));
    return loggedIn.get(provider)!;
  };
  if (args.options.json) {
    const out = models.map((m) => ({ ...m, loggedIn: isLoggedIn(m.provider) }));
    deps.stdout.write(JSON.stringify(out, null, 2) + "\n");
  } else {
    deps.stdout.write(modelsTable(models, isLoggedIn));
  }
  // On stderr, so that the table and the JSON stay what scripts read.
  const note = skippedNote(registry.skippedModels);
  if (note !== undefined) {
    const style = createStyle(wantsColor(deps.env) && deps.stderr.isTerminal());
    deps.stderr.write(style.dim(note) + "\n");
  }
  return 0;
}
