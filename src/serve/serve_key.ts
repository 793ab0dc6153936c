/**
 * The bearer key of pi serve (CONTRACT.md: pi serve): `--key`, else `PI_SERVE_KEY`, else a
 * key generated once and kept in `<agent dir>/serve-key` (mode 0600), and the check of a
 * request's `Authorization` header against it.
 * @module
 */

import { readTextFileIfPresent } from "../atomic_file.ts";
import { fsErrorReason, PiError } from "../errors.ts";

/** The file that keeps a generated key, in the agent dir. */
export const SERVE_KEY_FILE = "serve-key";

/** Where the key came from, for the line pi serve prints. */
export type ServeKeySource = "option" | "env" | "file" | "generated";

/** The key pi serve checks, and where it came from. */
export interface ServeKey {
  /** The key. */
  key: string;
  /** `--key`, `PI_SERVE_KEY`, the key file, or a key just generated (and saved). */
  source: ServeKeySource;
  /** The key file (for `file` and `generated`). */
  path?: string;
}

/** What a key may look like: printable ASCII without spaces, 8 to 512 characters. */
const KEY_SHAPE = /^[\x21-\x7e]{8,512}$/;

/** A new key: `sk-pi-` and 32 random bytes in base64url. */
export function generateServeKey(randomBytes: (n: number) => Uint8Array): string {
  return `sk-pi-${randomBytes(32).toBase64({ alphabet: "base64url", omitPadding: true })}`;
}

function checkShape(key: string, from: string): string {
  if (!KEY_SHAPE.test(key)) {
    throw new PiError(
      "usage",
      `The key from ${from} must be 8 to 512 printable characters without spaces`,
      { hint: "choose another key (or leave it out: pi serve then uses <agent dir>/serve-key)" },
    );
  }
  return key;
}

function readKeyFile(path: string): string | undefined {
  let text: string | undefined;
  try {
    // Not a plain read: a FIFO put there would block the start forever.
    text = readTextFileIfPresent(path);
  } catch (err) {
    throw new PiError("io", `Cannot read ${path}: ${fsErrorReason(err)}`, { cause: err });
  }
  if (text === undefined) return undefined;
  const key = text.trim();
  if (!KEY_SHAPE.test(key)) {
    throw new PiError("config", `${path} does not hold a usable key`, {
      hint: "delete it, and pi serve makes a new one",
    });
  }
  // Someone made it readable to others: it is a password, take that back.
  try {
    const mode = Deno.statSync(path).mode;
    if (mode !== null && (mode & 0o077) !== 0) Deno.chmodSync(path, 0o600);
  } catch {
    // best effort
  }
  return key;
}

/**
 * Writes `key` to `path` only if no file is there yet: a temp file (0600, synced) linked to
 * its name, which fails when the name exists. So two servers starting at once agree on
 * one key: the second reads the first's.
 */
function createKeyFile(path: string, key: string): boolean {
  const temp = `${path}.${Deno.pid}.${crypto.randomUUID()}.tmp`;
  try {
    const file = Deno.openSync(temp, { write: true, createNew: true, mode: 0o600 });
    try {
      file.writeSync(new TextEncoder().encode(`${key}\n`));
      file.syncSync();
    } finally {
      file.close();
    }
    Deno.linkSync(temp, path);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.AlreadyExists) return false;
    throw new PiError("io", `Cannot write ${path}: ${fsErrorReason(err)}`, { cause: err });
  } finally {
    try {
      Deno.removeSync(temp);
    } catch {
      // never created
    }
  }
}

/**
 * The key: `--key` (`option`), else `PI_SERVE_KEY`, else `<agentDir>/serve-key`, made (0600)
 * with a new random key when it does not exist.
 */
export function resolveServeKey(
  option: string | undefined,
  deps: {
    env(name: string): string | undefined;
    agentDir: string;
    randomBytes(n: number): Uint8Array;
  },
): ServeKey {
  if (option !== undefined) return { key: checkShape(option, "--key"), source: "option" };
  const fromEnv = deps.env("PI_SERVE_KEY");
  if (fromEnv !== undefined && fromEnv !== "") {
    return { key: checkShape(fromEnv, "PI_SERVE_KEY"), source: "env" };
  }
  const path = `${deps.agentDir}/${SERVE_KEY_FILE}`;
  const existing = readKeyFile(path);
  if (existing !== undefined) return { key: existing, source: "file", path };
  try {
    Deno.mkdirSync(deps.agentDir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new PiError("io", `Cannot create ${deps.agentDir}: ${fsErrorReason(err)}`, {
      cause: err,
    });
  }
  const key = generateServeKey(deps.randomBytes);
  if (createKeyFile(path, key)) return { key, source: "generated", path };
  return { key: readKeyFile(path)!, source: "file", path };
}

/** Equal in time independent of where they differ (the length may show). */
function sameText(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  if (x.length !== y.length) return false;
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x[i] ^ y[i];
  return diff === 0;
}

/**
 * Checks an `Authorization` header: `missing` without a bearer key, `wrong` for another
 * key, `ok` for the key.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkBearer } from "./serve_key.ts";
 * assert.equal(checkBearer("Bearer sk-pi-secret", "sk-pi-secret"), "ok");
 * assert.equal(checkBearer("Bearer nope", "sk-pi-secret"), "wrong");
 * assert.equal(checkBearer(null, "sk-pi-secret"), "missing");
 * ```
 */
export function checkBearer(header: string | null, key: string): "ok" | "missing" | "wrong" {
  const match = header === null ? null : /^\s*bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) return "missing";
  return sameText(match[1], key) ? "ok" : "wrong";
}
