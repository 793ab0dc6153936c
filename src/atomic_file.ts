/**
 * Atomic file writes, the one way pi replaces a file: a temp file in the same directory
 * (created with the final mode) → write → fsync → rename → fsync the directory. A reader
 * sees the old file or the new one, never a torn one; a crash leaves at most a temp file.
 * A symbolic link (a dotfiles setup) is kept: the file it points to is replaced.
 * @module
 */

import { NotRegularFileError } from "./errors.ts";

/** The directory part of a path (`/` and `\` both separate). */
export function dirname(path: string): string {
  const i = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  if (i < 0) return ".";
  if (i === 0) return path.slice(0, 1);
  return path.slice(0, i);
}

/**
 * `path` (or a URL) without trailing `/` or `\` characters; `/` itself is kept. A loop, not
 * a regular expression: this runs at every start, where each new regular expression costs
 * a compilation (~0.05 ms).
 */
export function trimTrailingSlashes(path: string): string {
  let end = path.length;
  while (end > 1 && (path[end - 1] === "/" || path[end - 1] === "\\")) end--;
  return end === path.length ? path : path.slice(0, end);
}

/**
 * The text of `path`, or undefined when it does not exist. An absent file is the common
 * case at startup (no models.json yet), so the directory is looked at first: a NotFound
 * error costs far more than a directory listing (the first one in a process ~0.4 ms).
 */
export function readTextFileIfPresent(path: string): string | undefined {
  const dir = dirname(path);
  const name = path.slice(dir.length + 1);
  try {
    let found: Deno.DirEntry | undefined;
    for (const entry of Deno.readDirSync(dir)) {
      if (entry.name === name) {
        found = entry;
        break;
      }
    }
    if (!found) return undefined;
    // Reading a FIFO would wait for a writer forever, a device could never end: only a
    // regular file (or a link to one) is read.
    if (!found.isFile) checkRegularFile(path);
    return Deno.readTextFileSync(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw err;
  }
}

/**
 * Throws unless `path` (following links) is a regular file: `Deno.errors.IsADirectory`
 * for a directory, {@link NotRegularFileError} for a FIFO, socket or device, NotFound as is.
 */
export function checkRegularFile(path: string): void {
  const info = Deno.statSync(path);
  if (info.isFile) return;
  if (info.isDirectory) throw new Deno.errors.IsADirectory(`${path} is a directory`);
  throw new NotRegularFileError(path, fileKind(info));
}

/** What a file that is not a regular file is: `a FIFO`, `a socket`, `a device`. */
export function fileKind(info: Deno.FileInfo): string {
  if (info.isFifo) return "a FIFO";
  if (info.isSocket) return "a socket";
  if (info.isCharDevice || info.isBlockDevice) return "a device";
  if (info.isDirectory) return "a directory";
  return "not a regular file";
}

/** Options of {@link writeFileAtomic} and {@link writeFileAtomicSync}. */
export interface AtomicWriteOptions {
  /** Mode of the file (default 0o600). */
  mode?: number;
  /** Keep the mode of an existing file instead of `mode`. */
  keepMode?: boolean;
}

function tempPath(path: string): string {
  const dir = dirname(path);
  const base = path.slice(dir.length + 1);
  const suffix = crypto.getRandomValues(new Uint8Array(6)).toHex();
  return `${dir}/.${base}.${Deno.pid}.${suffix}.tmp`;
}

/** The file a write replaces: `path`, or the target of a symbolic link at `path`. */
function writeTarget(path: string): string {
  try {
    if (!Deno.lstatSync(path).isSymlink) return path;
    return Deno.realPathSync(path);
  } catch {
    return path; // missing, or a dangling link: written (replaced) as it is
  }
}

function existingMode(path: string): number | undefined {
  try {
    const info = Deno.statSync(path);
    if (info.isDirectory) throw new Deno.errors.IsADirectory(path);
    return info.mode === null ? undefined : info.mode & 0o7777;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw err;
  }
}

function syncDir(path: string): void {
  // Makes the rename itself durable; best effort (not possible everywhere).
  try {
    const handle = Deno.openSync(dirname(path), { read: true });
    try {
      handle.syncSync();
    } finally {
      handle.close();
    }
  } catch {
    // ignore
  }
}

/**
 * Checks that an atomic write of `link` (or the file it links to) can begin: creates its
 * temp file in the same directory and removes it again. Call it before something that
 * cannot be undone (a refresh request that spends a refresh token). Throws the file
 * system's error (`PermissionDenied` for a read-only directory).
 */
export function checkWritableSync(link: string): void {
  const temp = tempPath(writeTarget(link));
  Deno.openSync(temp, { write: true, createNew: true, mode: 0o600 }).close();
  Deno.removeSync(temp);
}

/**
 * Replaces the file at `link` (or the file it links to) with `text`, atomically and durably
 * (synchronous).
 */
export function writeFileAtomicSync(
  link: string,
  text: string,
  options: AtomicWriteOptions = {},
): void {
  const path = writeTarget(link);
  const mode = (options.keepMode ? existingMode(path) : undefined) ?? options.mode ?? 0o600;
  const temp = tempPath(path);
  try {
    const file = Deno.openSync(temp, { write: true, createNew: true, mode });
    try {
      if (Deno.build.os !== "windows") Deno.chmodSync(temp, mode);
      const bytes = new TextEncoder().encode(text);
      let written = 0;
      while (written < bytes.length) written += file.writeSync(bytes.subarray(written));
      file.syncSync();
    } finally {
      file.close();
    }
    Deno.renameSync(temp, path);
  } catch (err) {
    try {
      Deno.removeSync(temp);
    } catch {
      // nothing to clean up
    }
    throw err;
  }
  syncDir(path);
}

/**
 * Replaces the file at `link` (or the file it links to) with `text` (or bytes), atomically
 * and durably.
 */
export async function writeFileAtomic(
  link: string,
  text: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const path = writeTarget(link);
  const mode = (options.keepMode ? existingMode(path) : undefined) ?? options.mode ?? 0o600;
  const temp = tempPath(path);
  try {
    const file = await Deno.open(temp, { write: true, createNew: true, mode });
    try {
      if (Deno.build.os !== "windows") await Deno.chmod(temp, mode);
      const bytes = typeof text === "string" ? new TextEncoder().encode(text) : text;
      let written = 0;
      while (written < bytes.length) written += await file.write(bytes.subarray(written));
      await file.sync();
    } finally {
      file.close();
    }
    await Deno.rename(temp, path);
  } catch (err) {
    await Deno.remove(temp).catch(() => {});
    throw err;
  }
  syncDir(path);
}
