import { describe, expect, it } from 'vitest';
import { DEFAULT_ENGINE_OPTIONS, DetectionEngine } from '../detection/engine';
import { loadRuleSet } from '../detection/rules/rule-directory';
import type { ProcessActivity, TelemetryBatch } from '../detection/telemetry';
import { batch, proc } from '../../test/support/fixtures';

const RULES = loadRuleSet();
const OPTS = { ...DEFAULT_ENGINE_OPTIONS, learningPeriodMs: 50_000 };

/** What the agent's urgent path does to a window: rule-relevant records first, without counts; the rest with the counts. */
function split(t: number, p: ProcessActivity): TelemetryBatch[] {
  const urgent = proc({ ...p, syscalls: {}, sequences: { k: 3, ngrams: [] }, files: p.files.filter((f) => f.flags !== 0), execs: p.execs, network: p.network, security: p.security });
  const window = proc({ ...p, files: p.files.filter((f) => f.flags === 0), execs: [], network: [], security: [] });
  return [batch(t - 5_000, [urgent], { agentStats: { urgent: 1 } }), batch(t, [window])];
}

const run = (i: number): ProcessActivity =>
  proc({
    startTimeNs: i,
    sequences: { k: 3, ngrams: [{ hash: 11, count: 4 }, { hash: 12, count: 2 }] },
    files: [
      { path: '/var/www/html/index.html', flags: 0, ret: 0, count: 5, firstSeen: 0 },
      { path: '/var/log/nginx/access.log', flags: 0o2101, ret: 0, count: 1, firstSeen: 0 },
    ],
  });

describe('urgent batches in the engine', () => {
  it('learn the same baseline and raise the same alerts as whole windows', () => {
    const whole = new DetectionEngine(RULES, OPTS);
    const parts = new DetectionEngine(RULES, OPTS);
    for (let i = 1; i <= 8; i++) {
      whole.processBatch(batch(i * 10_000, [run(i)]));
      for (const b of split(i * 10_000, run(i))) parts.processBatch(b);
    }
    const a = whole.baseline('ep-1', '/usr/sbin/nginx')!;
    const b = parts.baseline('ep-1', '/usr/sbin/nginx')!;
    // count-less process-windows teach the syscall and sequence profiles nothing
    expect(b.syscalls.observations).toBe(a.syscalls.observations);
    expect(b.sequences?.observations).toBe(a.sequences?.observations);
    expect(b.runs).toBe(a.runs);
    expect([...b.files.keys()].sort()).toEqual([...a.files.keys()].sort());
    expect(b.active).toBe(a.active);

    const odd = (): ProcessActivity =>
      proc({
        startTimeNs: 99n,
        syscalls: { read: 40, write: 40, openat: 10, close: 10, fstat: 10, accept: 5, ptrace: 1 },
        files: [
          { path: '/var/www/html/index.html', flags: 0, ret: 0, count: 5, firstSeen: 0 },
          { path: '/etc/shadow', flags: 0, ret: 0, count: 1, firstSeen: 0 },
          { path: '/etc/cron.d/job', flags: 0o1101, ret: 0, count: 1, firstSeen: 0 },
        ],
      });
    // alerts as they stand after every part (a process tree's alert is re-described by later parts)
    const kinds = (rs: ReturnType<DetectionEngine['processBatch']>[]): string[] => {
      const byId = new Map(rs.flatMap((r) => r.alerts).map((x) => [x.id, `${x.detector}:${x.kind}`]));
      for (const o of rs.flatMap((r) => r.occurrences)) if (o.update?.kind && byId.has(o.alertId)) byId.set(o.alertId, `${o.update.detector}:${o.update.kind}`);
      return [...byId.values()].sort();
    };
    const wholeAlerts = kinds([whole.processBatch(batch(100_000, [odd()]))]);
    const partAlerts = kinds(split(100_000, odd()).map((x) => parts.processBatch(x)));
    expect(wholeAlerts.length).toBeGreaterThan(0);
    expect(partAlerts).toEqual(wholeAlerts);
  });
});
