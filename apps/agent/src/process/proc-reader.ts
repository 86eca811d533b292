import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** What /proc says about one process. */
export interface ProcSnapshot {
  pid: number;
  ppid: number;
  comm: string;
  /** Resolved executable path; `[comm]` for kernel threads, '' when unreadable. */
  exe: string;
  cmdline: string[];
  uid: number;
  gid: number;
  /** Start, ns since boot (from clock ticks, so 10 ms resolution). */
  startNs: number;
  cgroup: string;
  containerId: string | null;
}

const CLK_TCK = 100; // USER_HZ on x86-64 Linux

/**
 * Bytes of a command line kept from /proc, as the kernel keeps of an exec's argv (VIGIL_ARGV_MAX):
 * /proc can hold megabytes, and the telemetry contract allows 1,024 arguments of 4 KiB each, so a
 * process started with 2,000 arguments or one of 5,000 bytes got every batch it was in refused by
 * the gateway (a process running when the agent started could hide its host that way).
 */
export const CMDLINE_MAX_BYTES = 1024;

const read = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

/** The first `max` bytes of a file as UTF-8 ('' when unreadable). */
function readHead(path: string, max: number): string {
  try {
    return readFileSync(path).subarray(0, max).toString('utf8');
  } catch {
    return '';
  }
}

/** Container id from a cgroup path (docker, containerd/CRI, podman, systemd scopes). */
export function containerIdFromCgroup(cgroup: string): string | null {
  const m = /(?:docker-|cri-containerd-|crio-|libpod-|containerd-)?([0-9a-f]{64})(?:\.scope)?/.exec(cgroup);
  return m ? m[1]! : null;
}

/** Parse /proc/PID/stat (comm may contain spaces and parentheses). */
export function parseStat(text: string): { comm: string; ppid: number; startTicks: number } | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const rest = text.slice(close + 2).split(' ');
  // rest[0] = state (field 3); ppid is field 4, starttime field 22
  return { comm: text.slice(open + 1, close), ppid: Number(rest[1]), startTicks: Number(rest[19]) };
}

/** Snapshot of one process, or undefined if it is gone. */
export function readProc(pid: number, procRoot = '/proc'): ProcSnapshot | undefined {
  const dir = `${procRoot}/${pid}`;
  const stat = read(`${dir}/stat`);
  const parsed = stat ? parseStat(stat) : undefined;
  if (!parsed) return undefined;
  let exe = '';
  try {
    exe = readlinkSync(`${dir}/exe`).replace(/ \(deleted\)$/, '');
  } catch {
    // kernel threads have no exe; a process racing to exit may lose it
    exe = parsed.ppid === 2 || pid === 2 ? `[${parsed.comm}]` : '';
  }
  const status = read(`${dir}/status`) ?? '';
  const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1] ?? -1);
  const gid = Number(/^Gid:\s+(\d+)/m.exec(status)?.[1] ?? -1);
  const cmdline = readHead(`${dir}/cmdline`, CMDLINE_MAX_BYTES).split('\0');
  if (cmdline.at(-1) === '') cmdline.pop();
  const cgroupText = read(`${dir}/cgroup`) ?? '';
  const cgroup = /^0::(.*)$/m.exec(cgroupText)?.[1] ?? cgroupText.split('\n')[0]?.split(':').slice(2).join(':') ?? '';
  return {
    pid,
    ppid: parsed.ppid,
    comm: parsed.comm,
    exe,
    cmdline,
    uid,
    gid,
    startNs: (parsed.startTicks * 1e9) / CLK_TCK,
    cgroup,
    containerId: containerIdFromCgroup(cgroup),
  };
}

/** Every process id currently in /proc. */
export function listPids(procRoot = '/proc'): number[] {
  return readdirSync(procRoot)
    .filter((d) => /^\d+$/.test(d))
    .map(Number);
}

/** cgroup of a process (for processes first seen through events). */
export function readCgroup(pid: number, procRoot = '/proc'): string {
  const text = read(`${procRoot}/${pid}/cgroup`) ?? '';
  return /^0::(.*)$/m.exec(text)?.[1] ?? '';
}
