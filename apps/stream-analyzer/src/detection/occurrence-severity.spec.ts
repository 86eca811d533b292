import { describe, expect, it } from 'vitest';
import { batch } from '../../test/support/fixtures';
import { CAT_CALLS, execOf, sessionCat, sessionShell } from '../../test/support/shell-tree';
import { DEFAULT_ENGINE_OPTIONS, DetectionEngine, type EngineOptions } from './engine';
import { loadRuleSet } from './rules/rule-directory';

const rules = loadRuleSet();
const S = 1_000;
const OPTS: EngineOptions = { ...DEFAULT_ENGINE_OPTIONS, learningPeriodMs: 90 * S };

describe("occurrences of a tree's alert", () => {
  it('keep what each pid added at its own severity: a medium finding and a low one in one batch are two rows', () => {
    const e = new DetectionEngine(rules, OPTS);
    let t = 0;
    for (; t <= 105 * S; t += 15 * S) e.processBatch(batch(t, [sessionShell({ execs: [execOf('/usr/bin/cat')] }), sessionCat()]));
    // the shell's first discovery tool opens the tree's alert (medium)
    const first = e.processBatch(batch(t, [sessionShell({ execs: [execOf('/usr/bin/who')] })]));
    const tree = first.alerts.find((a) => a.kind === 'novel-child-program')!;
    expect(tree.severity).toBe('medium');
    // next window: the shell starts another discovery tool (medium), cat makes a new ordinary call (low)
    t += 10 * S;
    const next = e.processBatch(batch(t, [sessionShell({ execs: [execOf('/usr/bin/ss')] }), sessionCat({ syscalls: { ...CAT_CALLS, statx: 2 } })]));
    const rows = next.occurrences.filter((o) => o.alertId === tree.id).map((o) => ({ pids: o.pids, severity: o.severity, dt: o.time - t, count: o.count }));
    expect(rows).toEqual([
      { pids: [600], severity: 'medium', dt: 0, count: 1 },
      { pids: [601], severity: 'low', dt: 1, count: 1 },
    ]);
  });
});
