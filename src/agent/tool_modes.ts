/**
 * The values of `--sandbox` and `--ask` (CONTRACT.md "Tool approval and sandbox"), apart
 * from the code that applies them, so that parsing the command line loads nothing else.
 * @module
 */

/** The values of `--sandbox`. */
export const SANDBOX_MODES = ["off", "workspace", "read-only"] as const;
/** A sandbox mode: `off` (no limits), `workspace` (writes only in the cwd), `read-only`. */
export type SandboxMode = typeof SANDBOX_MODES[number];

/** The values of `--ask`. */
export const ASK_MODES = ["never", "writes", "all"] as const;
/** When pi asks before a tool runs. */
export type AskMode = typeof ASK_MODES[number];
