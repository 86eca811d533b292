import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync, fsyncSync } from 'node:fs';
import { join } from 'node:path';

/**
 * File handling for a directory the agent (root) owns but that an attacker on the host might try to
 * redirect: every open is O_NOFOLLOW (a symlink fails with ELOOP instead of being followed), every
 * file is checked to be a regular file after opening (fstat, so there is no check-then-use race),
 * and writes go to a fresh O_EXCL temp name renamed into place (rename replaces a planted link
 * itself, never its target).
 */

/** Why a path in the spool was refused (a symlink, a device, a FIFO…); names the path and the reason. */
export class UnsafeSpoolPathError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`refusing ${path}: ${reason}`);
    this.name = 'UnsafeSpoolPathError';
  }
}

const KINDS: Array<[number, string]> = [
  [constants.S_IFLNK, 'a symbolic link (never followed in the spool)'],
  [constants.S_IFDIR, 'a directory'],
  [constants.S_IFIFO, 'a FIFO'],
  [constants.S_IFSOCK, 'a socket'],
  [constants.S_IFCHR, 'a character device'],
  [constants.S_IFBLK, 'a block device'],
];

/** What a non-regular file mode is, in words. */
export function describeFileType(mode: number): string {
  const t = mode & constants.S_IFMT;
  return KINDS.find(([k]) => k === t)?.[1] ?? 'not a regular file';
}

function unsafeOpen(path: string, err: unknown): never {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ELOOP') throw new UnsafeSpoolPathError(path, 'it is a symbolic link (opened with O_NOFOLLOW; the spool never follows links)');
  throw err;
}

/** Read a regular file without following a symlink at `path`. */
export function readFileNoFollow(path: string): Buffer {
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO planted under the name must not block the agent in open().
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    return unsafeOpen(path, err);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new UnsafeSpoolPathError(path, `it is ${describeFileType(st.mode)}, not a regular file`);
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Write `data` to `path` atomically (temp file + fsync + rename) with `mode`, never following a link:
 * the temp name is created with O_CREAT|O_EXCL|O_NOFOLLOW after removing whatever was there.
 */
export function writeFileNoFollow(path: string, data: Buffer | string, mode = 0o600, fsync = true): void {
  const tmp = `${path}.tmp`;
  rmSync(tmp, { force: true }); // unlinks a planted link itself, not its target
  let fd: number;
  try {
    fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
  } catch (err) {
    return unsafeOpen(tmp, err);
  }
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    if (fsync) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/**
 * Create the spool directory (0700) or check the existing one: it must be a real directory (not a
 * symlink to one), owned by this process's user, and writable by nobody else — otherwise another
 * user could plant links or replace batches. Throws UnsafeSpoolPathError saying which.
 */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  if (st.isSymbolicLink()) throw new UnsafeSpoolPathError(dir, 'the spool directory is a symbolic link; point spool_dir at the real directory');
  if (!st.isDirectory()) throw new UnsafeSpoolPathError(dir, `spool_dir is ${describeFileType(st.mode)}, not a directory`);
  const uid = process.geteuid?.();
  if (uid !== undefined && st.uid !== uid) throw new UnsafeSpoolPathError(dir, `the spool directory is owned by uid ${st.uid}, not by the agent (uid ${uid})`);
  if ((st.mode & 0o022) !== 0) {
    throw new UnsafeSpoolPathError(dir, `the spool directory is writable by ${st.mode & 0o020 ? 'its group' : 'others'} (mode ${(st.mode & 0o7777).toString(8)}); chmod 700 it`);
  }
}

/** lstat-based listing: regular files by name, and what was refused (links, devices…) with the reason. */
export function listRegularFiles(dir: string, names: string[]): { files: Array<{ name: string; bytes: number }>; refused: UnsafeSpoolPathError[] } {
  const files: Array<{ name: string; bytes: number }> = [];
  const refused: UnsafeSpoolPathError[] = [];
  for (const name of names) {
    const st = lstatSync(join(dir, name));
    if (st.isFile()) files.push({ name, bytes: st.size });
    else refused.push(new UnsafeSpoolPathError(join(dir, name), `it is ${describeFileType(st.mode)}; left alone and not sent`));
  }
  return { files, refused };
}
