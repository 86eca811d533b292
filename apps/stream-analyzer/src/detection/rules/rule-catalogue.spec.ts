import { describe, expect, it } from 'vitest';
import { ruleCaseFailures } from './rule-cases';
import { loadRuleSet } from './rule-directory';

/**
 * Every shipped rule (native and Sigma) carries its own tests: process-windows that must fire it
 * and close benign look-alikes that must not, run through the whole rule set as `rules check` runs
 * them. A rule without either kind of case fails here.
 */
const rules = loadRuleSet();
const failures = ruleCaseFailures(rules);

describe('rule catalogue', () => {
  it('loads every rules file of the directory', () => {
    expect(rules.ids.length).toBeGreaterThanOrEqual(50);
  });

  describe.each(rules.rules.map((r) => [r.meta.id, r] as const))('%s', (id, rule) => {
    it('has a matching and a near-miss case, fires on every match case and stays silent on every near-miss', () => {
      expect(failures.filter((f) => f.rule === id), rule.meta.file).toEqual([]);
    });
  });
});
