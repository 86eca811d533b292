import { spawn, execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { dirname } from 'node:path';
import { sleep } from '@vigil/common';
import { logFile, pidFile } from '../paths';
import { childEnv } from '../config/cli.config';

/** A detached, supervised-by-pidfile child of the stack: its log goes to .vigil/logs/<name>.log. */
export interface StartSpec {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
  /** Run as this system user (root only), e.g. `postgres`. */
  user?: string;
}

/** Pid recorded for `name`, if its process is still alive. */
export function runningPid(name: string): number | undefined {
  const file = pidFile(name);
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

/** Start a process in its own session so it outlives the CLI; returns its pid. */
export function startDetached(spec: StartSpec): number {
  const log = logFile(spec.name);
  mkdirSync(dirname(log), { recursive: true });
  mkdirSync(dirname(pidFile(spec.name)), { recursive: true });
  const fd = openSync(log, 'a');
  let command = spec.command;
  let args = spec.args;
  if (spec.user && process.getuid?.() === 0) {
    // runuser keeps the process tree simple (no PAM session), unlike su.
    args = ['-u', spec.user, '--', command, ...args];
    command = 'runuser';
  }
  const child = spawn(command, args, {
    cwd: spec.cwd,
    env: childEnv(spec.env),
    detached: true,
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`could not start ${spec.name} (${spec.command})`);
  child.unref();
  writeFileSync(pidFile(spec.name), `${child.pid}\n`);
  return child.pid;
}

/** SIGTERM the process group, wait up to `graceMs`, then SIGKILL. Removes the pid file. */
export async function stopProcess(name: string, graceMs = 15_000): Promise<boolean> {
  const pid = runningPid(name);
  if (pid === undefined) {
    rmSync(pidFile(name), { force: true });
    return false;
  }
  const signalGroup = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-pid, sig);
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        /* already gone */
      }
    }
  };
  signalGroup('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) break;
    await sleep(100);
  }
  if (isAlive(pid)) signalGroup('SIGKILL');
  rmSync(pidFile(name), { force: true });
  return true;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie still answers kill(0); treat it as gone.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/\) Z /.test(stat);
  } catch {
    return false;
  }
}

/** True when something accepts TCP connections on host:port. */
export function portOpen(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const socket = createConnection({ port, host });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolvePromise(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Who listens on a TCP port, as `ss` reports it: the program names and pids, if anyone. */
export function portHolder(port: number): { text: string; pids: number[] } | undefined {
  try {
    const out = execFileSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const lines = out.split('\n').filter((l) => l.trim().length > 0);
    if (lines.length === 0) return undefined;
    const procs = new Map<string, number[]>();
    for (const m of lines.join(' ').matchAll(/\("([^"]+)",pid=(\d+)/g)) procs.set(m[1]!, [...(procs.get(m[1]!) ?? []), Number(m[2])]);
    if (procs.size === 0) return { text: 'another process (run as root to see which)', pids: [] };
    const pids = [...new Set([...procs.values()].flat())];
    const text = [...procs].map(([name, ps]) => `${name} (pid ${[...new Set(ps)].join(', ')})`).join(', ');
    return { text, pids };
  } catch {
    return undefined;
  }
}

/**
 * True when `pid` is one of `roots` or descends from one, read from /proc at the time of the call
 * (a snapshot of the process table taken earlier misses a PostgreSQL backend forked since, which holds
 * the listening socket until it closes it). A pid that has already exited counts as ours: whatever it
 * was, it no longer holds the port.
 */
export function descendsFrom(pid: number, roots: ReadonlySet<number>): boolean {
  let current = pid;
  for (let depth = 0; depth < 64; depth++) {
    if (roots.has(current)) return true;
    if (current <= 1) return false;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${current}/stat`, 'utf8');
    } catch {
      return depth === 0;
    }
    // The comm field may hold spaces and parentheses: the parent pid is the second field after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (!Number.isInteger(ppid)) return false;
    current = ppid;
  }
  return false;
}

/** Last `lines` lines of a component's log, for failure messages. */
export function tailLog(name: string, lines = 25): string {
  const file = logFile(name);
  if (!existsSync(file)) return '(no log yet)';
  const text = readFileSync(file, 'utf8').trimEnd().split('\n');
  return text.slice(-lines).join('\n');
}

/** Poll `check` until it returns true or `timeoutMs` passes; `alive` aborts early when the process died. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  options: { timeoutMs: number; intervalMs?: number; alive?: () => boolean; onTick?: (elapsedMs: number) => void },
): Promise<void> {
  const start = Date.now();
  for (;;) {
    if (await check().catch(() => false)) return;
    if (options.alive && !options.alive()) throw new Error(`${what}: the process exited`);
    const elapsed = Date.now() - start;
    if (elapsed > options.timeoutMs) throw new Error(`${what}: not healthy after ${Math.round(elapsed / 1000)} s`);
    options.onTick?.(elapsed);
    await sleep(options.intervalMs ?? 250);
  }
}
