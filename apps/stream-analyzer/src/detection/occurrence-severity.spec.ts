import { describe, expect, it } from 'vitest';
import { batch, proc } from '../../test/support/fixtures';
import { DEFAULT_ENGINE_OPTIONS, DetectionEngine, type EngineOptions } from './engine';
import { loadRuleSet } from './rules/rule-directory';
import type { ProcessActivity } from './telemetry';

const rules = loadRuleSet();
const S = 1_000;
const OPTS: EngineOptions = { ...DEFAULT_ENGINE_OPTIONS, learningPeriodMs: 90 * S };
const CAT = { read: 10, write: 10, openat: 4, close: 4, fstat: 4 };

const shell = (over: Partial<ProcessActivity> = {}): ProcessActivity =>
  proc({ pid: 600, ppid: 500, exe: '/usr/bin/bash', comm: 'bash', uid: 1000, ancestry: ['/usr/sbin/sshd', '/usr/lib/systemd/systemd'], files: [], network: [], ...over });
const cat = (over: Partial<ProcessActivity> = {}): ProcessActivity =>
  proc({ pid: 601, ppid: 600, exe: '/usr/bin/cat', comm: 'cat', uid: 1000, ancestry: ['/usr/bin/bash', '/usr/sbin/sshd'], files: [], network: [], syscalls: CAT, ...over });
const run = (filename: string) => ({ time: 0, filename, argv: [filename.split('/').pop()!], ret: 0 });

describe("occurrences of a tree's alert", () => {
  it('keep what each pid added at its own severity: a medium finding and a low one in one batch are two rows', () => {
    const e = new DetectionEngine(rules, OPTS);
    let t = 0;
    for (; t <= 105 * S; t += 15 * S) e.processBatch(batch(t, [shell({ execs: [run('/usr/bin/cat')] }), cat()]));
    // the shell's first discovery tool opens the tree's alert (medium)
    const first = e.processBatch(batch(t, [shell({ execs: [run('/usr/bin/who')] })]));
    const tree = first.alerts.find((a) => a.kind === 'novel-child-program')!;
    expect(tree.severity).toBe('medium');
    // next window: the shell starts another discovery tool (medium), cat makes a new ordinary call (low)
    t += 10 * S;
    const next = e.processBatch(batch(t, [shell({ execs: [run('/usr/bin/ss')] }), cat({ syscalls: { ...CAT, statx: 2 } })]));
    const rows = next.occurrences.filter((o) => o.alertId === tree.id).map((o) => ({ pids: o.pids, severity: o.severity, dt: o.time - t, count: o.count }));
    expect(rows).toEqual([
      { pids: [600], severity: 'medium', dt: 0, count: 1 },
      { pids: [601], severity: 'low', dt: 1, count: 1 },
    ]);
  });
});
