import { kgramCounts, syscallNumber } from '@vigil/schemas';
import type { Alert, AlertOccurrence } from '../../src/detection/alert';
import type { ProcessActivity, TelemetryBatch } from '../../src/detection/telemetry';

/** A process-window builder with normal-looking defaults. */
export function proc(over: Partial<ProcessActivity> = {}): ProcessActivity {
  return {
    pid: 100,
    ppid: 1,
    startTimeNs: 1000,
    exe: '/usr/sbin/nginx',
    exeHash: null,
    // the kernel's comm is the executable's name (15 characters) unless a test says otherwise
    comm: (over.exe ?? '/usr/sbin/nginx').split('/').pop()!.slice(0, 15),
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

/** The x86-64 number of a syscall name (the generated table in @vigil/schemas); a name it lacks is a fixture's typo. */
function nr(name: string): number {
  const n = syscallNumber(name);
  if (n === undefined) throw new Error(`unknown syscall ${name}`);
  return n;
}

/** k-gram counts of a syscall-name sequence, hashed as the agent does. */
export function kgrams(names: string[], k = 3): { k: number; ngrams: { hash: number; count: number }[] } {
  return { k, ngrams: [...kgramCounts(names.map(nr), k)].map(([hash, count]) => ({ hash, count })) };
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
