import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { coverageMarkdown, coverageRows, withCoverage } from './coverage';
import { loadRuleSet } from './rule-directory';

const README = resolve(__dirname, '..', '..', '..', 'README.md');

describe('coverage table', () => {
  const catalogue = loadRuleSet().catalogue;

  it('the README carries the table generated from the rule files (regenerate: node apps/stream-analyzer/dist/main.js rules coverage --write)', () => {
    const readme = readFileSync(README, 'utf8');
    expect(withCoverage(readme, coverageMarkdown(catalogue)), 'README coverage table is stale').toBe(readme);
  });

  it('lists every rule once under its tactic and technique', () => {
    const rows = coverageRows(catalogue);
    const ids = rows.flatMap((r) => r.rules.map((x) => x.id));
    expect(ids.sort()).toEqual(catalogue.map((r) => r.id).sort());
    const shadow = rows.find((r) => r.rules.some((x) => x.id === 'credential-file-read'))!;
    expect(shadow).toMatchObject({ tactic: 'TA0006', tacticName: 'Credential Access', technique: 'T1003.008' });
  });

  it('covers every tactic the issue asks for', () => {
    const tactics = new Set(catalogue.map((r) => r.tactic));
    for (const t of ['TA0002', 'TA0003', 'TA0004', 'TA0005', 'TA0006', 'TA0007', 'TA0009', 'TA0010', 'TA0040']) expect(tactics).toContain(t);
  });
});
