import { describe, expect, it } from 'vitest';
import { loadRuleSet } from './rules/rule-directory';
import { DEFAULT_ENGINE_OPTIONS, DetectionEngine } from './engine';
import { SEVERITY_RANK } from './finding';
import { adminWorkload } from '../../test/support/admin-workload';

const rules = loadRuleSet();
const MIN = 60_000;

describe('routine admin work after learning (the alert budget)', () => {
  it('raises no alert of severity medium or more once the endpoint has learned (30 min learning, then 2 h of other sessions)', () => {
    const e = new DetectionEngine(rules, { ...DEFAULT_ENGINE_OPTIONS, learningPeriodMs: 30 * MIN });
    const learning = adminWorkload({ endpointId: 'ep-admin', seed: 1, start: 0, batches: 180 });
    for (const b of learning) expect(e.processBatch(b).alerts).toEqual([]);
    const after = adminWorkload({ endpointId: 'ep-admin', seed: 2, start: 31 * MIN, batches: 720 });
    const results = after.map((b) => e.processBatch(b));
    const alerts = results.flatMap((r) => r.alerts);
    const loud = alerts.filter((a) => SEVERITY_RANK[a.severity] >= SEVERITY_RANK.medium).map((a) => `${a.severity} ${a.kind}: ${a.title} — ${a.evidence}`);
    expect(loud).toEqual([]);
    // nor does an open alert of a process tree rise to medium with later batches
    const rising = results.flatMap((r) => r.occurrences).filter((o) => o.severity && SEVERITY_RANK[o.severity] >= SEVERITY_RANK.medium);
    expect(rising).toEqual([]);
    // low findings stay few (novelties of rare variants), not a flood
    expect(alerts.length).toBeLessThan(20);
  }, 60_000);
});
