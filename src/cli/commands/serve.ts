/**
 * `pi serve [--host 127.0.0.1] [--port 8765] [--key <key>] [--account <name>]`: the
 * logged-in `openai-codex` subscription as an OpenAI-compatible API for other programs
 * (CONTRACT.md: pi serve). Prints `pi serve listening on http://<host>:<port>` and where
 * the key is, logs one line per request on stderr, and on SIGINT/SIGTERM stops accepting,
 * lets requests in flight finish (at most 10 s) and exits 0.
 * @module
 */

import { missingKeyError } from "../../ai/stream.ts";
import { UsageSnapshotStore } from "../../ai/usage.ts";
import type { Deps } from "../../deps.ts";
import { PiError } from "../../errors.ts";
import { applyAccountOptions } from "../account_options.ts";
import type { ModelRegistry } from "../../models/model_registry.ts";
import { resolveServeKey, type ServeKey } from "../../serve/serve_key.ts";
import { DEFAULT_GRACE_MS, type ServedModels, startServer } from "../../serve/server.ts";
import type { ParsedArgs } from "../args.ts";
import { openModelRegistry, stringOption } from "../model_selection.ts";
import { LIVE_LIST_WAIT_MS } from "./models.ts";
import { openUsageStore } from "../usage_store.ts";

/** The default port. */
const DEFAULT_SERVE_PORT = 8765;

/** The provider pi serve serves. */
const PROVIDER = "openai-codex";

/** `--port`: an integer 0–65535 (0: any free port). */
function parsePort(value: string | undefined): number {
  if (value === undefined) return DEFAULT_SERVE_PORT;
  const port = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(port) || port > 65535) {
    throw new PiError("usage", `Invalid port: ${value} (an integer from 0 to 65535)`, {
      hint: "e.g. pi serve --port 8765 (0: any free port)",
    });
  }
  return port;
}

/** The openai-codex models of the registry; an unknown id looks at the live list once more. */
function servedModels(registry: ModelRegistry): ServedModels {
  const find = (id: string) => registry.find(PROVIDER, id);
  return {
    list: async () => {
      await registry.refresh({ timeoutMs: LIVE_LIST_WAIT_MS });
      return registry.getAll().filter((m) => m.provider === PROVIDER);
    },
    find: async (id) => {
      const known = find(id);
      if (known) return known;
      await registry.refresh({ timeoutMs: LIVE_LIST_WAIT_MS });
      return find(id);
    },
  };
}

/** The line about the key: where it is, or the key itself when it was just made. */
function keyLine(key: ServeKey): string {
  switch (key.source) {
    case "generated":
      return `key: ${key.key} (new; kept in ${key.path})`;
    case "file":
      return `key: in ${key.path}`;
    case "env":
      return "key: from PI_SERVE_KEY";
    case "option":
      return "key: given with --key";
  }
}

/**
 * A usage store that keeps the latest snapshot in memory at once and writes usage.json at
 * most every few seconds (and at the stop): a busy server should not write the file on
 * every answer.
 */
function throttledUsageStore(deps: Deps): { store: UsageSnapshotStore; flush(): void } {
  const store = new UsageSnapshotStore();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const changed = new Set<string>();
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    if (changed.size === 0) return;
    const file = openUsageStore(deps);
    for (const entry of changed) {
      const latest = store.latest(entry);
      if (latest) file.update(latest);
    }
    changed.clear();
  };
  store.subscribe((snapshot) => {
    // Kept per account (its auth.json entry), as UsageSnapshotStore keys them.
    changed.add(snapshot.account ?? snapshot.provider);
    if (timer !== undefined) return;
    timer = setTimeout(flush, 5000);
    Deno.unrefTimer(timer);
  });
  return { store, flush };
}

/** Runs `pi serve` until `signal` (SIGINT/SIGTERM) aborts; returns 0 after the stop. */
export async function runServe(args: ParsedArgs, deps: Deps, signal: AbortSignal): Promise<number> {
  if (args.positionals.length > 0) {
    throw new PiError("usage", `pi serve takes no arguments: ${args.positionals[0]}`, {
      hint: "see pi serve --help",
    });
  }
  const hostname = stringOption(args.options, "host") ?? "127.0.0.1";
  const port = parsePort(stringOption(args.options, "port"));
  const { registry, authStorage } = openModelRegistry(deps);
  // --account (or PI_ACCOUNT) picks the ChatGPT account served; an unknown name is a usage
  // error listing the known ones. PI_ROTATE_ACCOUNTS=1 moves on at a usage limit.
  applyAccountOptions(authStorage, args.options, deps);
  const usage = throttledUsageStore(deps);
  if (!authStorage.hasKey(PROVIDER)) throw missingKeyError(PROVIDER);
  const key = resolveServeKey(stringOption(args.options, "key"), deps);
  let server;
  try {
    server = startServer({
      hostname,
      port,
      key: key.key,
      keys: authStorage,
      models: servedModels(registry),
      deps,
      usageStore: usage.store,
    });
  } catch (err) {
    if (err instanceof Deno.errors.AddrInUse) {
      throw new PiError("io", `Port ${port} on ${hostname} is already in use`, {
        cause: err,
        hint: "stop what uses it, or pass another --port (0: any free port)",
      });
    }
    if (
      err instanceof Deno.errors.AddrNotAvailable || err instanceof Deno.errors.PermissionDenied
    ) {
      throw new PiError("io", `Cannot listen on ${hostname}:${port}: ${(err as Error).message}`, {
        cause: err,
        hint: "check --host and --port",
      });
    }
    throw err;
  }
  deps.stdout.write(`pi serve listening on ${server.url}\n${keyLine(key)}\n`);
  if (!signal.aborted) {
    await new Promise<void>((resolve) =>
      signal.addEventListener("abort", () => resolve(), { once: true })
    );
  }
  const inFlight = server.active;
  deps.stderr.write(
    inFlight > 0
      ? `pi serve: stopping; waiting for ${inFlight} request${inFlight === 1 ? "" : "s"} (at most ${
        DEFAULT_GRACE_MS / 1000
      } s)\n`
      : "pi serve: stopping\n",
  );
  await server.stop();
  usage.flush();
  return 0;
}
