import { describe, expect, it } from 'vitest';
import { TelemetryBatchV1Schema, avroType, checkTelemetryInvariants, type TelemetryBatch } from '@vigil/schemas';
import { readCorpus } from './corpus';
import { attackPlan, batchEvents, percentile } from './simulate';
import { ATTACKS, ATTACK_PROGRAMS, PID_MAX, injectAttack, profileWindow, restamp, shiftPid, type SimulatedIdentity } from './variation';

const v1 = avroType(TelemetryBatchV1Schema);
const corpus = readCorpus();
const id = (n: number): SimulatedIdentity => ({ endpointId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`, hostname: `fleet-sim-test-${n}`, bootId: `boot-${n}`, pidOffset: 1 + n * 104_729 });
const NOW = Date.UTC(2026, 11, 6, 5, 0, 0);
/** Every time a batch carries, as the invariants check them. */
const times = (b: TelemetryBatch): number[] => [
  b.windowStart,
  b.windowEnd,
  ...b.processes.flatMap((p) => [...p.files.map((f) => f.firstSeen), ...p.execs.map((e) => e.time), ...p.network.map((n) => n.firstSeen), ...p.security.map((s) => s.time)]),
];

describe('shiftPid', () => {
  it('is a bijection on [2, PID_MAX) that keeps 0 and 1', () => {
    expect(shiftPid(0, 12345)).toBe(0);
    expect(shiftPid(1, 12345)).toBe(1);
    expect(shiftPid(PID_MAX - 1, 1)).toBe(2);
    const seen = new Set<number>();
    for (let pid = 2; pid < 5000; pid++) seen.add(shiftPid(pid, PID_MAX - 100));
    expect(seen.size).toBe(4998);
    for (const p of seen) expect(p >= 2 && p < PID_MAX).toBe(true);
  });
});

describe('restamp', () => {
  it('the recorded corpus is real agent telemetry: several hundred processes per batch', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(3);
    expect(corpus.reduce((n, b) => n + b.processes.length, 0)).toBeGreaterThan(500);
  });

  it('moves every time by the same amount so the window ends now, and the batch passes the gateway invariants', () => {
    for (const recorded of corpus) {
      const b = restamp(recorded, id(3), 7, NOW);
      expect(b.windowEnd).toBe(NOW);
      expect(b.windowEnd - b.windowStart).toBe(recorded.windowEnd - recorded.windowStart);
      for (const t of times(b)) expect(t).toBeLessThanOrEqual(NOW);
      expect(Math.min(...times(b))).toBe(Math.min(...times({ ...recorded, endpointId: '', batchId: '', sequence: 0 })) + (NOW - recorded.windowEnd));
      // The recorded batch is days old; re-stamped, it is within the gateway's 10-minute skew.
      expect(() => checkTelemetryInvariants(v1, v1.toBuffer(b), { now: NOW, maxFutureMs: 600_000, maxPastMs: 30 * 86_400_000 })).not.toThrow();
      expect(() => checkTelemetryInvariants(v1, v1.toBuffer(b), { now: NOW + 60 * 86_400_000, maxFutureMs: 600_000, maxPastMs: 30 * 86_400_000 })).toThrow();
    }
  });

  it('gives each endpoint its own ids, host and pids, keeping each parent link', () => {
    const recorded = corpus[0]!;
    const a = restamp(recorded, id(1), 1, NOW);
    const b = restamp(recorded, id(2), 1, NOW);
    expect([a.endpointId, a.host.hostname, a.host.bootId, a.sequence]).toEqual([id(1).endpointId, 'fleet-sim-test-1', 'boot-1', 1]);
    expect(a.batchId).not.toBe(b.batchId);
    expect(a.batchId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a.processes.map((p) => p.pid)).not.toEqual(b.processes.map((p) => p.pid));
    const byPid = new Map(recorded.processes.map((p, i) => [p.pid, i]));
    recorded.processes.forEach((p, i) => {
      const parent = byPid.get(p.ppid);
      if (parent !== undefined) expect(a.processes[i]!.ppid).toBe(a.processes[parent]!.pid);
      expect(a.processes[i]!.exe).toBe(p.exe);
      expect(a.processes[i]!.syscalls).toEqual(p.syscalls);
    });
    expect(new Set(a.processes.map((p) => `${p.pid} ${p.startTimeNs}`)).size).toBe(new Set(recorded.processes.map((p) => `${p.pid} ${p.startTimeNs}`)).size);
  });
});

describe('injectAttack', () => {
  it.each(ATTACKS)('%s: one new process under a live process, at the window end, still valid', (kind) => {
    const base = restamp(corpus.find((r) => r.processes.some((q) => q.pid > 1 && !q.exited))!, id(4), 2, NOW);
    const b = injectAttack(base, kind);
    expect(b.processes).toHaveLength(base.processes.length + 1);
    const p = b.processes.at(-1)!;
    expect(p.exe).toBe(ATTACK_PROGRAMS[kind]);
    expect(base.processes.some((q) => q.pid === p.pid)).toBe(false);
    // pids are reused within a window: the parent is the live process with that pid
    const parent = base.processes.find((q) => q.pid === p.ppid && !q.exited)!;
    expect(parent).toBeDefined();
    expect(p.ancestry).toEqual([parent.exe, ...parent.ancestry]);
    expect(times(b).every((t) => t <= NOW)).toBe(true);
    expect(() => checkTelemetryInvariants(v1, v1.toBuffer(b), { now: NOW, maxFutureMs: 600_000, maxPastMs: 86_400_000 })).not.toThrow();
  });
});

describe('injectAttack without a live process', () => {
  it('puts the attack under the first process (a window of only exited processes)', () => {
    const base = restamp(corpus.find((r) => r.processes.every((q) => q.exited))!, id(6), 1, NOW);
    const b = injectAttack(base, 'ptrace-attach');
    expect(b.processes.at(-1)!.ppid).toBe(base.processes[0]!.pid);
    expect(() => checkTelemetryInvariants(v1, v1.toBuffer(b), { now: NOW, maxFutureMs: 600_000, maxPastMs: 86_400_000 })).not.toThrow();
  });
});

describe('attackPlan', () => {
  it('spreads one attack per chosen endpoint, each kind in turn, at a middle batch', () => {
    const plan = attackPlan(100, 8, 9);
    expect([...plan.keys()]).toEqual([0, 12, 25, 37, 50, 62, 75, 87]);
    expect([...plan.values()].map((a) => a.kind)).toEqual([...ATTACKS, ...ATTACKS]);
    expect([...plan.values()].every((a) => a.index === 4)).toBe(true);
    expect(attackPlan(2, 4, 1).size).toBe(2);
  });
});

describe('figures', () => {
  it('percentile is nearest-rank', () => {
    expect(percentile([], 99)).toBe(0);
    expect(percentile([5, 1, 3], 50)).toBe(3);
    expect(percentile(Array.from({ length: 100 }, (_, i) => i + 1), 99)).toBe(99);
  });
  it('events count system calls and the records behind each list', () => {
    const b = injectAttack(restamp(corpus[0]!, id(5), 1, NOW), 'cron-persistence-write');
    const p = b.processes.at(-1)!;
    const one = { ...b, processes: [p] };
    expect(batchEvents(one)).toBe(Object.values(p.syscalls).reduce((a, c) => a + c, 0) + 1 /* exec */ + 1 /* cron write */);
  });
});

describe('profileWindow', () => {
  it('derives idle and web-server windows from a recorded one; busy-build is the recording', () => {
    const recorded = readCorpus()[2]!;
    expect(profileWindow(recorded, 'busy-build')).toBe(recorded);
    const idle = profileWindow(recorded, 'idle');
    expect(idle.processes.length).toBeGreaterThan(0);
    expect(idle.processes.length).toBeLessThanOrEqual(10);
    expect(idle.processes.every((p) => p.execs.length === 0 && p.network.length === 0)).toBe(true);
    const web = profileWindow(recorded, 'web-server');
    expect(web.processes.length).toBeLessThanOrEqual(40);
    expect(web.processes.some((p) => p.exe.endsWith('/nginx'))).toBe(true);
    expect(web.processes.every((p) => /\/(nginx|apache2|httpd|postgres|java|node|php-fpm[\d.]*|gunicorn|uwsgi|redis-server)$/.test(p.exe) || p.network.length > 0)).toBe(true);
  });
});
