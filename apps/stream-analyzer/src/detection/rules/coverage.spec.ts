import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { coverageMarkdown, coverageRows, withCoverage } from './coverage';
import { loadRuleSet } from './rule-directory';
import { detectionCatalogue, ENGINE_DETECTIONS } from '../engine-detections';

const README = resolve(__dirname, '..', '..', '..', 'README.md');

describe('coverage table', () => {
  const catalogue = detectionCatalogue(loadRuleSet().catalogue);

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

  it("lists the engine's own detections beside the rules, marked as such, with ids no rule has", () => {
    const rules = loadRuleSet().catalogue;
    for (const d of ENGINE_DETECTIONS) expect(rules.map((r) => r.id)).not.toContain(d.id);
    const guessing = coverageRows(catalogue).find((r) => r.technique === 'T1110')!;
    expect(guessing.rules).toEqual([expect.objectContaining({ id: 'login-brute-force', source: 'engine' })]);
    expect(coverageMarkdown(catalogue)).toMatch(/`port-scan` \(high, engine\)/);
    // an operator's rule may not take an engine detection's id
    expect(() => detectionCatalogue([...rules, { ...rules[0]!, id: 'port-scan', file: 'sigma/mine.yml' }])).toThrow(/rule id port-scan \(sigma\/mine\.yml\) is the id of a detection of the engine itself/);
  });

  it('covers every tactic the issue asks for', () => {
    const tactics = new Set(catalogue.map((r) => r.tactic));
    for (const t of ['TA0002', 'TA0003', 'TA0004', 'TA0005', 'TA0006', 'TA0007', 'TA0009', 'TA0010', 'TA0040']) expect(tactics).toContain(t);
  });
});
