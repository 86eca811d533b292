import { describe, expect, it } from 'vitest';
import { caseContext } from './rule-cases';
import { loadRuleSet } from './rule-directory';

/**
 * Every shipped rule (native and Sigma) carries its own tests: process-windows that must fire it
 * and close benign look-alikes that must not. A rule without either kind of case fails here.
 */
const rules = loadRuleSet();

describe('rule catalogue', () => {
  it('loads every rules file of the directory', () => {
    expect(rules.ids.length).toBeGreaterThanOrEqual(50);
  });

  describe.each(rules.rules.map((r) => [r.meta.id, r] as const))('%s', (id, rule) => {
    it('has a matching and a near-miss case', () => {
      expect(rule.tests?.match.length ?? 0, `${rule.meta.file}: rule ${id} needs tests.match`).toBeGreaterThan(0);
      expect(rule.tests?.nomatch.length ?? 0, `${rule.meta.file}: rule ${id} needs tests.nomatch`).toBeGreaterThan(0);
    });

    it.each((rule.tests?.match ?? []).map((c, i) => [i, c] as const))('fires on match case %i', (_i, c) => {
      const kinds = rules.evaluate(caseContext(c)).map((f) => f.kind);
      expect(kinds, c.description ?? JSON.stringify(c)).toContain(id);
    });

    it.each((rule.tests?.nomatch ?? []).map((c, i) => [i, c] as const))('stays silent on near-miss case %i', (_i, c) => {
      const kinds = rules.evaluate(caseContext(c)).map((f) => f.kind);
      expect(kinds, c.description ?? JSON.stringify(c)).not.toContain(id);
    });
  });
});
