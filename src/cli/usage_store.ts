/**
 * The subscription usage snapshot kept beside auth.json, for `pi auth status` and `/usage`.
 * @module
 */

import { UsageSnapshotStore } from "../ai/usage.ts";
import type { Deps } from "../deps.ts";

/**
 * The latest `x-codex-*` rate-limit snapshot, kept in `<agent dir>/usage.json` (0600) so
 * that `pi auth status` and a new session's `/usage` can show it.
 */
export function openUsageStore(deps: Pick<Deps, "agentDir">): UsageSnapshotStore {
  return new UsageSnapshotStore({ path: `${deps.agentDir}/usage.json` });
}
