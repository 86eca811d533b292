import type { Alert, AlertOccurrence } from '../detection/alert';
import { kgramCounts } from '@vigil/schemas';
import type { ProcessActivity, TelemetryBatch } from '../detection/telemetry';

/** Syscall ids used to build k-gram fixtures (names → x86-64 numbers). */
export const NR: Record<string, number> = { read: 0, write: 1, open: 2, close: 3, stat: 4, fstat: 5, poll: 7, mmap: 9, mprotect: 10, brk: 12, accept: 43, connect: 42, socket: 41, clone: 56, execve: 59, exit_group: 231, openat: 257, ptrace: 101, dup2: 33 };

/** A process-window builder with normal-looking defaults. */
export function proc(over: Partial<ProcessActivity> = {}): ProcessActivity {
  return {
    pid: 100,
    ppid: 1,
    startTimeNs: 1000,
    exe: '/usr/sbin/nginx',
    exeHash: null,
    comm: 'nginx',
    uid: 33,
    gid: 33,
    cgroup: '',
    containerId: null,
    ancestry: ['/usr/lib/systemd/systemd'],
    exited: false,
    exitCode: null,
    syscalls: { read: 40, write: 40, openat: 10, close: 10, fstat: 10, accept: 5 },
    sequences: { k: 3, ngrams: [] },
    files: [{ path: '/var/www/html/index.html', flags: 0, ret: 0, count: 5, firstSeen: 0 }],
    execs: [],
    network: [{ op: 'ACCEPT', family: 'INET', addr: '10.0.0.5', port: 51234, ret: 0, count: 5, firstSeen: 0 }],
    security: [],
    argv: null,
    ancestorPids: null,
    ...over,
  };
}

let seq = 0;

/** A batch at event time `t` (ms) with the given processes. */
export function batch(t: number, processes: ProcessActivity[], over: Partial<TelemetryBatch> = {}): TelemetryBatch {
  seq++;
  return {
    endpointId: 'ep-1',
    agentVersion: 'test',
    batchId: `b-${t}-${seq}`,
    sequence: seq,
    windowStart: t - 10_000,
    windowEnd: t,
    host: { hostname: 'h', kernel: '6.8', bootId: 'boot-1', os: '' },
    processes,
    drops: {},
    agentStats: {},
    ...over,
  };
}

/** k-gram counts of a syscall-name sequence, hashed as the agent does. */
export function kgrams(names: string[], k = 3): { k: number; ngrams: { hash: number; count: number }[] } {
  return { k, ngrams: [...kgramCounts(names.map((n) => NR[n] ?? 500), k)].map(([hash, count]) => ({ hash, count })) };
}

/** Alerts with the latest re-description their occurrences carried. */
export function described(alerts: Alert[], occurrences: AlertOccurrence[]): Alert[] {
  const byId = new Map(alerts.map((a) => [a.id, { ...a }]));
  for (const o of occurrences) {
    const a = byId.get(o.alertId);
    if (!a) continue;
    if (o.batchId !== a.batchId) a.count += o.count;
    if (o.update) Object.assign(a, o.update);
  }
  return [...byId.values()];
}
