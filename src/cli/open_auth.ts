/**
 * The one way CLI commands open the credential store, so that its warnings (a file or
 * directory whose permissions were tightened) are said once, the same way, on stderr;
 * and the subscription usage snapshot kept beside it.
 * @module
 */

import { UsageSnapshotStore } from "../ai/usage.ts";
import { AuthStorage } from "../auth/auth_storage.ts";
import type { Deps } from "../deps.ts";

/**
 * The latest `x-codex-*` rate-limit snapshot, kept in `<agent dir>/usage.json` (0600) so
 * that `pi auth status` and a new session's `/usage` can show it.
 */
export function openUsageStore(deps: Pick<Deps, "agentDir">): UsageSnapshotStore {
  return new UsageSnapshotStore({ path: `${deps.agentDir}/usage.json` });
}

/** The AuthStorage of this process's agent dir; warnings go to stderr unless `onWarning` takes them. */
export function openAuthStorage(
  deps: Deps,
  onWarning: (message: string) => void = (message) => deps.stderr.write(`pi: ${message}\n`),
): AuthStorage {
  return new AuthStorage(undefined, { deps, onWarning });
}
