import { createHash } from 'node:crypto';
import { SHELL_NAMES } from '@vigil/common';

/**
 * Program identity: the executable path, plus its content hash when the agent computed one, so
 * baselines survive pid churn and an upgraded (different) binary starts its own baseline.
 */
export interface ProgramIdentity {
  exe: string;
  exeHash: string | null;
  /** Stable key of the identity (state maps, alert ids). */
  key: string;
}

/**
 * Bytes of a path kept whole where PostgreSQL indexes it (program keys, the program column of alerts,
 * activity and baselines): a btree entry holds at most 2,704 bytes, and a path of incompressible
 * characters within PATH_MAX (any user can make one and run a program from it) would otherwise make
 * the database refuse the batch's rows, and the analyzer dead-letter the whole batch.
 */
export const INDEXED_PATH_BYTES = 1024;
/** Bytes of a longer path's start kept before its digest. */
const INDEXED_HEAD_BYTES = 900;

/**
 * A path as it is keyed and indexed: itself, or when longer than {@link INDEXED_PATH_BYTES} its start,
 * `…sha256:` and 16 hex digits of the whole's digest (no `#`: {@link programExe} reads `#` and 16 hex
 * digits at the end of a key as an exe hash, and must give this path back).
 */
export function indexedPath(path: string): string {
  if (Buffer.byteLength(path) <= INDEXED_PATH_BYTES) return path;
  const head = Buffer.from(path).subarray(0, INDEXED_HEAD_BYTES).toString('utf8').replace(/\uFFFD+$/, '');
  return `${head}…sha256:${createHash('sha256').update(path).digest('hex').slice(0, 16)}`;
}

/** Identity of the program a process runs. */
export function programIdentity(p: { exe: string; exeHash?: string | null }): ProgramIdentity {
  const exe = p.exe || '<unknown>';
  const exeHash = p.exeHash ? p.exeHash.toLowerCase() : null;
  const path = indexedPath(exe);
  return { exe, exeHash, key: exeHash ? `${path}#${exeHash.slice(0, 16)}` : path };
}

/** The executable path of a program key (`/usr/bin/bash#0123…` → `/usr/bin/bash`). */
export function programExe(key: string): string {
  const i = key.lastIndexOf('#');
  return i > 0 && /^[0-9a-f]{16}$/.test(key.slice(i + 1)) ? key.slice(0, i) : key;
}

/** Last path segment (`/usr/bin/bash` → `bash`). */
export function basename(path: string): string {
  const i = path.lastIndexOf('/');
  return i >= 0 ? path.slice(i + 1) : path;
}

/** Interactive / scripting shells: the usual targets of "spawned a shell" rules. */
export const SHELLS: ReadonlySet<string> = new Set(SHELL_NAMES);

/** True when the program is a shell. */
export function isShell(exe: string): boolean {
  return SHELLS.has(basename(exe));
}

/**
 * Interpreters and language runtimes: the program identity is the runtime, shared by unrelated
 * scripts (a web app, a test harness and a one-liner are all `node` or `python3`), so what the
 * program's baseline says of one (it serves the network) says nothing of another.
 */
const RUNTIME = /^(python[0-9.]*|pypy[0-9.]*|perl[0-9.]*|ruby[0-9.]*|php[0-9.]*|php-fpm[0-9.]*|node|nodejs|deno|bun|java|lua[0-9.]*|luajit|tclsh[0-9.]*|Rscript)$/;

/** True when the program is an interpreter or a language runtime. */
export function isRuntime(exe: string): boolean {
  return RUNTIME.test(basename(exe));
}
