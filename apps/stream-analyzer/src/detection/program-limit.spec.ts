import { describe, expect, it } from 'vitest';
import { DEFAULT_ENGINE_OPTIONS, DetectionEngine, PROGRAMS_BEYOND_LIMIT, type EngineOptions } from './engine';
import { loadRuleSet } from './rules/rule-directory';
import { batch, proc } from '../../test/support/fixtures';

const rules = loadRuleSet();
const MIN = 60_000;
const LIMIT = 50;
// a window limit the floods below never reach, unless a test sets one
const OPTS: EngineOptions = { ...DEFAULT_ENGINE_OPTIONS, learningPeriodMs: 10 * MIN, groupWindowMs: 30 * MIN, maxProgramsPerEndpoint: LIMIT, maxNewProgramsPerWindow: 1_000_000, maxNewProgramsPerParent: 1_000_000 };

/** One short run of a program copied to its own path (a binary copied to many paths and run from each). */
const copy = (i: number) =>
  proc({ pid: 5000 + i, startTimeNs: i, exe: `/home/u/.cache/c/${i}/tool`, uid: 1000, gid: 1000, ancestry: ['/usr/bin/bash'], exited: true, exitCode: 0, network: [], files: [], syscalls: { execve: 1, read: 2, exit_group: 1 } });

/** 100 processes a batch, one batch a second of event time from `t`. */
function flood(engine: DetectionEngine, from: number, count: number, t: number) {
  const alerts = [];
  const occurrences = [];
  for (let b = 0; b < count / 100; b++) {
    const r = engine.processBatch(batch(t + b * 1000, Array.from({ length: 100 }, (_, j) => copy(from + b * 100 + j))));
    alerts.push(...r.alerts);
    occurrences.push(...r.occurrences);
  }
  return { alerts, occurrences };
}

describe('programs per endpoint are bounded (a binary copied to thousands of paths cannot grow the analyzer without end)', () => {
  it('keeps at most the limit of baselines plus one shared, and names the flood in one folded high alert', () => {
    const engine = new DetectionEngine(rules, OPTS);
    // after the endpoint's learning period: a known program first
    engine.processBatch(batch(0, [proc({ pid: 1 })]));
    const { alerts, occurrences } = flood(engine, 0, 2_000, 11 * MIN);
    expect([...engine.allBaselines()].length).toBe(LIMIT + 1);
    expect(engine.baseline('ep-1', PROGRAMS_BEYOND_LIMIT)).toBeDefined();

    const limit = alerts.filter((a) => a.kind === 'program-limit-reached');
    expect(limit).toHaveLength(1);
    expect(limit[0]).toMatchObject({ severity: 'high', mitre: 'T1562.001' });
    expect(limit[0]!.title).toContain('more than 50 distinct programs');
    // every process beyond the limit is counted on that one alert
    const counted = occurrences.filter((o) => o.alertId === limit[0]!.id).reduce((n, o) => n + o.count, 0);
    expect(counted).toBe(2_000 - (LIMIT - 1));
    // the programs below the limit were each a first run (new-program), the ones beyond it are not
    expect(alerts.filter((a) => a.kind === 'new-program').length).toBeLessThanOrEqual(LIMIT);
  });

  it('a program beyond the limit is still judged by the rules', () => {
    const engine = new DetectionEngine(rules, OPTS);
    engine.processBatch(batch(0, [proc({ pid: 1 })]));
    flood(engine, 0, 100, 11 * MIN);
    const r = engine.processBatch(
      batch(12 * MIN, [proc({ pid: 9999, startTimeNs: 9999, exe: '/home/u/.cache/x/cat', uid: 1000, ancestry: ['/usr/bin/bash'], files: [{ path: '/etc/shadow', flags: 0, ret: 0, count: 1, firstSeen: 0 }], network: [] })]),
    );
    expect(r.alerts.map((a) => a.kind)).toContain('credential-file-read');
  });

  it('counts restored baselines: after a checkpoint round trip the limit holds', () => {
    const engine = new DetectionEngine(rules, OPTS);
    engine.processBatch(batch(0, [proc({ pid: 1 })]));
    flood(engine, 0, 100, 11 * MIN);
    const again = new DetectionEngine(rules, OPTS);
    for (const b of engine.allBaselines()) again.restoreCheckpoint('ep-1', engine.checkpoint('ep-1', b.program.key)!);
    again.restoreEndpoint('ep-1', engine.endpointCheckpoint('ep-1')!);
    flood(again, 1_000, 500, 13 * MIN);
    expect([...again.allBaselines()].length).toBe(LIMIT + 1);
  });

  it('first runs beyond the window limit of one parent fold into one alert, and stand alone again once the window has passed', () => {
    const engine = new DetectionEngine(rules, { ...OPTS, maxProgramsPerEndpoint: 10_000, maxNewProgramsPerParent: 20 });
    engine.processBatch(batch(0, [proc({ pid: 1 })]));
    // every copy is started by the same shell (the fixture's ppid)
    const { alerts, occurrences } = flood(engine, 0, 300, 11 * MIN);
    const first = alerts.filter((a) => a.kind === 'new-program');
    expect(first).toHaveLength(20);
    const limit = alerts.filter((a) => a.kind === 'program-limit-reached');
    expect(limit).toHaveLength(1);
    expect(limit[0]!.title).toMatch(/more than 20 programs never seen before were started by bash \(pid 1\) within 30 minutes/);
    expect(occurrences.filter((o) => o.alertId === limit[0]!.id).reduce((n, o) => n + o.count, 0)).toBe(280);
    // 1 known + 20 of their own + 1 shared
    expect([...engine.allBaselines()].length).toBe(22);
    // another parent's first run still stands alone
    const other = engine.processBatch(batch(12 * MIN, [{ ...copy(5_000), ppid: 4242 }]));
    expect(other.alerts.map((a) => a.kind)).toContain('new-program');
    // an hour later the flooding parent's next new program is a first run of its own again
    const later = engine.processBatch(batch(11 * MIN + 90 * MIN, [copy(10_000)]));
    expect(later.alerts.map((a) => a.kind)).toContain('new-program');
  });

  it('a program exec\'d in place was started by its own process, not its parent: a harness running 30 commands that each end in a new program folds none of them', () => {
    const engine = new DetectionEngine(rules, { ...OPTS, maxProgramsPerEndpoint: 10_000, maxNewProgramsPerParent: 20 });
    engine.processBatch(batch(0, [proc({ pid: 1 })]));
    // `sh -c 'cc x.c -o ./t$i && ./t$i'`: the shell (child of the harness, pid 1) execs its last command in place
    const inPlace = (i: number) => {
      const p = copy(i);
      return { ...p, argv: ['./tool'], execs: [{ time: 0, filename: p.exe, argv: ['./tool'], ret: 0 }] };
    };
    const r = engine.processBatch(batch(11 * MIN, Array.from({ length: 30 }, (_, i) => inPlace(i))));
    expect(r.alerts.filter((a) => a.kind === 'new-program')).toHaveLength(30);
    expect(r.alerts.filter((a) => a.kind === 'program-limit-reached')).toEqual([]);
    // the same 30 as fork+exec children of that one process fold after 20
    const forked = engine.processBatch(batch(12 * MIN, Array.from({ length: 30 }, (_, i) => copy(100 + i))));
    expect(forked.alerts.filter((a) => a.kind === 'new-program')).toHaveLength(20);
    expect(forked.alerts.filter((a) => a.kind === 'program-limit-reached')).toHaveLength(1);
  });

  it("first runs from many parents beyond the endpoint's window limit fold too", () => {
    const engine = new DetectionEngine(rules, { ...OPTS, maxProgramsPerEndpoint: 10_000, maxNewProgramsPerWindow: 30, maxNewProgramsPerParent: 20 });
    engine.processBatch(batch(0, [proc({ pid: 1 })]));
    const r = engine.processBatch(batch(11 * MIN, Array.from({ length: 100 }, (_, i) => ({ ...copy(i), ppid: 2_000 + i }))));
    expect(r.alerts.filter((a) => a.kind === 'new-program')).toHaveLength(30);
    const limit = r.alerts.filter((a) => a.kind === 'program-limit-reached');
    expect(limit).toHaveLength(1);
    expect(limit[0]!.title).toContain('more than 30 programs never seen before ran on this endpoint within 30 minutes');
  });
});
