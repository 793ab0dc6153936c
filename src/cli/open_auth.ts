/**
 * The one way CLI commands open the credential store, so that its warnings (a file or
 * directory whose permissions were tightened) are said once, the same way, on stderr.
 * @module
 */

import { AuthStorage } from "../auth/auth_storage.ts";
import type { Deps } from "../deps.ts";
import { oneLine } from "../one_line.ts";

/**
 * The AuthStorage of this process's agent dir; warnings go to stderr (as one line, like every
 * error) unless `onWarning` takes them.
 */
export function openAuthStorage(
  deps: Deps,
  onWarning: (message: string) => void = (message) =>
    deps.stderr.write(`pi: ${oneLine(message)}\n`),
): AuthStorage {
  return new AuthStorage(undefined, { deps, onWarning });
}
