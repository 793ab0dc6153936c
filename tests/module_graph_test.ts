// Entry modules that list their whole import tree up front (side-effect imports, so that
// Deno loads it in one round rather than one round per level of nesting) list all of it,
// level by level: a module added deeper down without being listed, or a list out of
// breadth-first order (which loads measurably slower), fails here, naming the module.
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
const name = (href: string) => href.slice(ROOT.href.length);

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

/** Breadth-first depth of every module `entry` loads (static imports, transitively). */
function depths(edges: Map<string, string[]>, entry: string): Map<string, number> {
  const depth = new Map<string, number>([[entry, 0]]);
  const queue = [entry];
  while (queue.length > 0) {
    const at = queue.shift()!;
    for (const next of edges.get(at) ?? []) {
      if (!depth.has(next)) {
        depth.set(next, depth.get(at)! + 1);
        queue.push(next);
      }
    }
  }
  return depth;
}

/** A module's side-effect imports (`import "…";`: the lists), in source order, as URLs. */
async function listed(href: string): Promise<string[]> {
  const source = await Deno.readTextFile(new URL(href));
  return [...source.matchAll(/^import "([^"]+)";$/gm)].map((m) => new URL(m[1], href).href);
}

/** The graph as it would be without any of the lists. */
async function withoutLists(edges: Map<string, string[]>): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const [from, to] of edges) {
    const list = from.startsWith(ROOT.href) ? await listed(from) : [];
    out.set(from, to.filter((s) => !list.includes(s)));
  }
  return out;
}

/**
 * Checks `entry`: every module below it that is not loaded already (by `loadedBefore`)
 * is one of its own imports, and its list is in breadth-first order of the tree as it
 * would be without any of the lists.
 */
async function checkEntry(entry: string, ...loadedBefore: string[]): Promise<void> {
  const href = new URL(entry, ROOT).href;
  const edges = await graph(entry);
  const before = new Set<string>();
  for (const earlier of loadedBefore) {
    const url = new URL(earlier, ROOT).href;
    for (const s of depths(await graph(earlier), url).keys()) before.add(s);
  }
  const direct = new Set(edges.get(href));
  const unlisted = [...depths(edges, href).keys()]
    .filter((s) => s !== href && !direct.has(s) && !before.has(s));
  assert.deepEqual(unlisted.map(name), [], `${entry}: modules to add to its list`);

  const list = await listed(href);
  const depth = depths(await withoutLists(edges), href);
  const order = list.map((s) => [name(s), depth.get(s) ?? 0] as const);
  const sorted = [...order].sort((a, b) => a[1] - b[1]);
  assert.deepEqual(order, sorted, `${entry}: its list, level by level`);
}

Deno.test("mod.ts imports every module of its tree itself", async () => {
  await checkEntry("mod.ts");
});

Deno.test("pi models: the command imports every module it needs that main.ts has not loaded", async () => {
  await checkEntry("src/cli/commands/models.ts", "main.ts");
});

Deno.test("the OAuth providers (loaded by AuthStorage to refresh) import their whole tree", async () => {
  await checkEntry("src/auth/oauth_providers.ts", "src/auth/auth_storage.ts");
});

Deno.test("pi and pi -p: the model selection, print mode and interactive mode import their trees", async () => {
  await checkEntry("src/cli/model_selection.ts", "main.ts");
  const before = ["main.ts", "src/cli/model_selection.ts"];
  await checkEntry("src/cli/print_mode.ts", ...before);
  await checkEntry("src/cli/interactive.ts", ...before);
});
