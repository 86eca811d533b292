import { randomUUID } from 'node:crypto';
import type { TelemetryBatch } from '../generated/telemetry-batch.v1.generated';

/**
 * A realistic TelemetryBatch for tests and benches: `processes` processes with syscall counts,
 * n-grams, file opens, an exec and network operations.
 */
export function sampleTelemetryBatch(endpointId: string, sequence = 1, processes = 3): TelemetryBatch {
  const now = Date.now();
  return {
    endpointId,
    agentVersion: '0.1.0',
    batchId: randomUUID(),
    sequence,
    windowStart: now - 10_000,
    windowEnd: now,
    host: { hostname: 'test-host', kernel: '6.1.0-test', bootId: '2b7e1516-28ae-4d2a-abf7-158809cf4f3c', os: 'Debian 12' },
    processes: Array.from({ length: processes }, (_, i) => ({
      pid: 1000 + i,
      ppid: 1,
      startTimeNs: 123_456_789 + i,
      exe: `/usr/bin/prog${i}`,
      exeHash: null,
      comm: `prog${i}`,
      uid: 1000,
      gid: 1000,
      cgroup: '/user.slice',
      containerId: null,
      ancestry: ['/usr/bin/bash', '/usr/lib/systemd/systemd'],
      exited: false,
      exitCode: null,
      syscalls: { read: 1200 + i, write: 800, openat: 40, close: 40, mmap: 12, futex: 300, epoll_wait: 90 },
      sequences: { k: 3, ngrams: Array.from({ length: 20 }, (_, j) => ({ hash: 1_000_003 * (j + 1) + i, count: 10 + j })) },
      files: [
        { path: '/etc/ld.so.cache', flags: 0x80000, ret: 0, count: 1, firstSeen: now - 9_000 },
        { path: `/var/lib/prog${i}/state.db`, flags: 2, ret: 0, count: 5, firstSeen: now - 8_000 },
      ],
      execs: i === 0 ? [{ time: now - 5_000, filename: '/usr/bin/ls', argv: ['ls', '-l'], ret: 0 }] : [],
      network: [{ op: 'CONNECT', family: 'INET', addr: '10.0.0.1', port: 443, ret: 0, count: 2, firstSeen: now - 7_000 }],
      security: [],
      argv: null,
      ancestorPids: null,
    })),
    drops: { ringbuf_full: 0 },
    agentStats: { events_per_second: 1234.5 },
  };
}
