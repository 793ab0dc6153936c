// Entry modules that list their whole import tree up front (so that Deno loads it in one
// round rather than one round per level of nesting) list all of it: a module added deeper
// down without being listed fails here, naming it.
import assert from "node:assert/strict";

interface InfoDependency {
  code?: { specifier?: string };
  isDynamic?: boolean;
}
interface InfoModule {
  specifier: string;
  dependencies?: InfoDependency[];
}

const ROOT = new URL("../", import.meta.url);

async function graph(entry: string): Promise<Map<string, string[]>> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", new URL(entry, ROOT).pathname],
    cwd: ROOT.pathname,
    stdout: "piped",
    stderr: "inherit",
  }).output();
  assert.equal(out.code, 0, `deno info ${entry} failed`);
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as { modules: InfoModule[] };
  const edges = new Map<string, string[]>();
  for (const m of info.modules) {
    edges.set(
      m.specifier,
      (m.dependencies ?? [])
        .filter((d) => !d.isDynamic && d.code?.specifier)
        .map((d) => d.code!.specifier!),
    );
  }
  return edges;
}

/** The modules `entry` loads when it is imported (static imports, transitively). */
function closure(edges: Map<string, string[]>, entry: string): Set<string> {
  const seen = new Set<string>([entry]);
  const queue = [entry];
  while (queue.length > 0) {
    for (const next of edges.get(queue.shift()!) ?? []) {
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return seen;
}

/** The modules below `entry` that it does not import itself, minus those loaded before it. */
async function unlisted(entry: string, ...loadedBefore: string[]): Promise<string[]> {
  const href = new URL(entry, ROOT).href;
  const edges = await graph(entry);
  const direct = new Set(edges.get(href));
  const before = new Set<string>();
  for (const earlier of loadedBefore) {
    for (const s of closure(await graph(earlier), new URL(earlier, ROOT).href)) before.add(s);
  }
  return [...closure(edges, href)]
    .filter((s) => s !== href && !direct.has(s) && !before.has(s))
    .map((s) => s.slice(ROOT.href.length));
}

Deno.test("mod.ts imports every module of its tree itself", async () => {
  assert.deepEqual(await unlisted("mod.ts"), []);
});

Deno.test("pi models: the command imports every module it needs that main.ts has not loaded", async () => {
  assert.deepEqual(await unlisted("src/cli/commands/models.ts", "main.ts"), []);
});

Deno.test("the OAuth providers (loaded by AuthStorage to refresh) import their whole tree", async () => {
  assert.deepEqual(
    await unlisted("src/auth/oauth_providers.ts", "src/auth/auth_storage.ts"),
    [],
  );
});

Deno.test("pi and pi -p: the model selection, print mode and interactive mode import their trees", async () => {
  assert.deepEqual(await unlisted("src/cli/model_selection.ts", "main.ts"), []);
  const before = ["main.ts", "src/cli/model_selection.ts"];
  assert.deepEqual(await unlisted("src/cli/print_mode.ts", ...before), []);
  assert.deepEqual(await unlisted("src/cli/interactive.ts", ...before), []);
});
