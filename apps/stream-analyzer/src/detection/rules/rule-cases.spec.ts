import { describe, expect, it } from 'vitest';
import { ruleCaseFailures } from './rule-cases';
import { RuleSet } from './rule-set';

const rule = (id: string, tests: string) =>
  `  - id: ${id}\n    title: t\n    technique: T1003.008\n    severity: high\n    maturity: stable\n    rationale: r\n    falsePositives: [none]\n    evidence: "{program} {target}"\n    event: file\n    file: { path: { equals: [/etc/shadow] } }\n    tests: ${tests}\n`;
const set = (...rules: string[]) => RuleSet.parse(`version: 1\ntactic: TA0006\nrules:\n${rules.join('')}`, 'mine.yaml');
const shadow = '{ exe: /usr/bin/cat, files: [{ path: /etc/shadow, flags: O_RDONLY }] }';
const hosts = '{ description: a harmless read, exe: /usr/bin/cat, files: [{ path: /etc/hosts, flags: O_RDONLY }] }';

describe('ruleCaseFailures (rules check)', () => {
  it('passes a rule that fires on its match cases and not on its near-misses', () => {
    expect(ruleCaseFailures(set(rule('good', `{ match: [${shadow}], nomatch: [${hosts}] }`)))).toEqual([]);
  });

  it('names the rule, file and case that fails, both ways', () => {
    const failures = ruleCaseFailures(set(rule('wrong-way-round', `{ match: [${hosts}], nomatch: [${shadow}] }`)));
    expect(failures).toEqual([
      { rule: 'wrong-way-round', file: 'mine.yaml', kind: 'match', index: 0, description: 'a harmless read' },
      { rule: 'wrong-way-round', file: 'mine.yaml', kind: 'nomatch', index: 0, description: expect.stringContaining('/etc/shadow') },
    ]);
  });
});
