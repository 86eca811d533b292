import { createHash } from 'node:crypto';
import type { ProcessActivity as AvroProcess, TelemetryBatch as AvroBatch } from '@vigil/schemas';
import { kgrams } from './fixtures';

/**
 * Telemetry scenarios for integration tests and benches, as the agent sends them (Avro shape):
 * a web worker behaving normally, and the same worker reading /etc/shadow, spawning /bin/sh,
 * connecting to a new port and making system calls it never made. Deterministic from a seed.
 */

/** A stable uuid from text (batch and endpoint ids that replays reproduce). */
export function uuidOf(text: string): string {
  const h = createHash('sha256').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}


const LOOP = ['accept', 'read', 'openat', 'fstat', 'read', 'close', 'write', 'close'];

/** One normal window of the web worker (run `i` of program `exe`). */
export function normalProcess(i: number, exe = '/usr/sbin/nginx', t = 0): AvroProcess {
  const pid = 1000 + (i % 30_000);
  return {
    pid,
    ppid: 1,
    startTimeNs: i * 1_000_000,
    exe,
    exeHash: null,
    comm: exe.slice(exe.lastIndexOf('/') + 1).slice(0, 15),
    uid: 33,
    gid: 33,
    cgroup: '/system.slice/nginx.service',
    containerId: null,
    ancestry: ['/usr/lib/systemd/systemd'],
    exited: true,
    exitCode: 0,
    syscalls: { read: 40 + (i % 5), write: 40, openat: 10, close: 10, fstat: 10, accept: 5 },
    sequences: kgrams(Array.from({ length: 6 + (i % 4) }, () => LOOP).flat()),
    files: [
      { path: `/proc/${pid}/status`, flags: 0, ret: 0, count: 1, firstSeen: t },
      { path: '/var/www/html/index.html', flags: 0, ret: 0, count: 3, firstSeen: t },
      { path: `/tmp/upload_${'Ab3dE9'.slice(i % 3)}${i}x7Qz`, flags: 0o1101, ret: 0, count: 1, firstSeen: t },
    ],
    execs: [{ time: t, filename: '/usr/bin/logger', argv: ['logger', '-t', 'web', `req-${i}`], ret: 0 }],
    network: [{ op: 'ACCEPT', family: 'INET', addr: `10.0.0.${i % 200}`, port: 40000 + (i % 20_000), ret: 0, count: 2, firstSeen: t }],
    security: [],
    argv: null,
    ancestorPids: null,
  };
}

/** The same worker compromised: credential read, shell, new outbound port, new syscalls and sequences. */
export function attackProcess(i: number, exe = '/usr/sbin/nginx', t = 0): AvroProcess {
  return {
    ...normalProcess(i, exe, t),
    syscalls: { read: 40, write: 40, openat: 10, close: 10, fstat: 10, accept: 5, ptrace: 1, dup2: 3, socket: 1, connect: 1 },
    files: [{ path: '/etc/shadow', flags: 0, ret: 0, count: 1, firstSeen: t }],
    execs: [{ time: t, filename: '/bin/sh', argv: ['sh', '-c', 'id'], ret: 0 }],
    network: [{ op: 'CONNECT', family: 'INET', addr: '203.0.113.9', port: 4444, ret: 0, count: 1, firstSeen: t }],
    sequences: kgrams(['socket', 'connect', 'dup2', 'dup2', 'dup2', 'execve', 'read', 'write', 'ptrace', 'read', 'write', 'ptrace'].flatMap((x) => [x, x]).concat(Array(60).fill('read'))),
  };
}

/** A batch of `processes` on `endpointId` for the window ending at `t` (ms). */
export function scenarioBatch(endpointId: string, sequence: number, t: number, processes: AvroProcess[], windowMs = 1_000): AvroBatch {
  return {
    endpointId,
    agentVersion: '0.1.0-test',
    batchId: uuidOf(`${endpointId}/${sequence}`),
    sequence,
    windowStart: t - windowMs,
    windowEnd: t,
    host: { hostname: `host-${endpointId.slice(0, 8)}`, kernel: '6.1.0', bootId: uuidOf(`boot/${endpointId}`), os: 'Debian 12' },
    processes,
    drops: { ringbuf_full: sequence % 3 },
    agentStats: { records_per_s: 100 + (sequence % 10) },
  };
}

/** Options of {@link endpointStream}. */
export interface StreamOptions {
  /** Event time of the first batch. */
  start: number;
  /** Event time between batches. */
  stepMs: number;
  batches: number;
  /** Batch indexes (0-based) whose worker is compromised. */
  attackAt: number[];
  /** Processes per batch. */
  processes?: number;
  /** Programs the endpoint runs (each gets its processes). */
  programs?: string[];
}

/** One endpoint's batches in order: normal windows, with attacks at the given indexes. */
export function endpointStream(endpointId: string, o: StreamOptions): AvroBatch[] {
  const programs = o.programs ?? ['/usr/sbin/nginx'];
  const per = o.processes ?? 1;
  const attacks = new Set(o.attackAt);
  return Array.from({ length: o.batches }, (_, b) => {
    const t = o.start + b * o.stepMs;
    const procs: AvroProcess[] = [];
    for (const exe of programs)
      for (let j = 0; j < per; j++) {
        const run = b * per + j;
        procs.push(attacks.has(b) && j === 0 && exe === programs[0] ? attackProcess(run, exe, t) : normalProcess(run, exe, t));
      }
    return scenarioBatch(endpointId, b + 1, t, procs);
  });
}
