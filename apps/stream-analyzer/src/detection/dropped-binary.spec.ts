import { describe, expect, it } from 'vitest';
import { DEFAULT_ENGINE_OPTIONS, DetectionEngine, type EngineOptions } from './engine';
import { loadRuleSet } from './rules/rule-directory';
import type { ProcessActivity } from './telemetry';
import { batch, proc } from '../../test/support/fixtures';

const rules = loadRuleSet();
const S = 1_000;
const MIN = 60 * S;
const T0 = 1_700_000_000_000;
const OPTS: EngineOptions = { ...DEFAULT_ENGINE_OPTIONS, learningPeriodMs: 90 * S };
const DROPPED = '/var/tmp/.k/kworkerd';

/** A downloader writing `path` at `t`. */
const writer = (pid: number, t: number, path = DROPPED): ProcessActivity =>
  proc({ pid, ppid: 500, exe: '/usr/bin/wget', comm: 'wget', uid: 1000, ancestry: ['/usr/bin/bash'], files: [{ path, flags: 0o1101, ret: 3, count: 1, firstSeen: t }], network: [] });
/** A shell running `path` at `t` (the exec record is the shell's: fork+exec). */
const runner = (pid: number, t: number, path = DROPPED): ProcessActivity =>
  proc({ pid, ppid: 1, exe: '/usr/bin/bash', comm: 'bash', uid: 1000, ancestry: ['/usr/sbin/cron'], files: [], network: [], execs: [{ time: t, filename: path, argv: [path], ret: 0 }] });

const dropped = (alerts: { kind: string }[]) => alerts.filter((a) => a.kind === 'dropped-binary-executed');

/**
 * "Binary written and executed within minutes" (issue 15, defence evasion) across agent batches:
 * the engine remembers writes to where programs are dropped, and the rule sees them in a later batch,
 * whoever wrote the file — even during the endpoint's learning period (rules need no baseline).
 */
describe('a binary written in one batch and executed in a later one', () => {
  it('another process runs it three minutes later: one high alert naming the writer, during learning too', () => {
    const e = new DetectionEngine(rules, OPTS);
    expect(dropped(e.processBatch(batch(T0, [writer(600, T0 - 2 * S)])).alerts)).toEqual([]);
    const r = e.processBatch(batch(T0 + 3 * MIN, [runner(700, T0 + 3 * MIN - S)]));
    expect(e.endpointLearning('ep-1')!.learning).toBe(false);
    const [a] = dropped(r.alerts);
    expect(a).toMatchObject({ severity: 'high', mitre: 'T1105', program: '/usr/bin/bash' });
    expect(a!.evidence).toBe(`${DROPPED} was written by /usr/bin/wget and executed (${DROPPED})`);
    expect(a!.data).toMatchObject({ args: { written_by: '/usr/bin/wget', written_s_before: '181' } });

    const learning = new DetectionEngine(rules, { ...OPTS, learningPeriodMs: 7 * 86_400_000 });
    learning.processBatch(batch(T0, [writer(600, T0 - 2 * S)]));
    const during = learning.processBatch(batch(T0 + 2 * MIN, [runner(700, T0 + 2 * MIN)]));
    expect(learning.endpointLearning('ep-1')!.learning).toBe(true);
    expect(dropped(during.alerts)).toHaveLength(1);
  });

  it('the same process writes it and, a batch later, execs it in place', () => {
    const e = new DetectionEngine(rules, OPTS);
    e.processBatch(batch(T0, [writer(600, T0 - S)]));
    const self = proc({ ...writer(600, T0), files: [], execs: [{ time: T0 + 30 * S, filename: DROPPED, argv: [DROPPED], ret: 0 }] });
    expect(dropped(e.processBatch(batch(T0 + 40 * S, [self])).alerts)).toHaveLength(1);
  });

  it('nothing when the write is older than ten minutes, or the writer is a linker (a developer running a fresh build)', () => {
    const e = new DetectionEngine(rules, OPTS);
    e.processBatch(batch(T0, [writer(600, T0 - S)]));
    expect(dropped(e.processBatch(batch(T0 + 15 * MIN, [runner(700, T0 + 15 * MIN)])).alerts)).toEqual([]);

    const dev = new DetectionEngine(rules, OPTS);
    const app = '/home/alice/src/app/app';
    dev.processBatch(batch(T0, [proc({ ...writer(610, T0 - S, app), exe: '/usr/bin/x86_64-linux-gnu-ld.bfd', comm: 'ld' })]));
    expect(dropped(dev.processBatch(batch(T0 + MIN, [runner(710, T0 + MIN, app)])).alerts)).toEqual([]);
  });
});
