import { api, call } from '../../../api/client';
import type { CoverageRow, DetectionRule } from '../types/rules';

export function fetchRules(): Promise<DetectionRule[]> {
  return call(api.GET('/api/rules'));
}

/** Tactic × technique rows, in the API's order (tactic, technique, id). */
export function coverageRows(rules: DetectionRule[]): CoverageRow[] {
  const rows = new Map<string, CoverageRow>();
  for (const r of rules) {
    const key = `${r.tactic} ${r.technique}`;
    const row = rows.get(key) ?? { tactic: r.tactic, tacticName: r.tacticName, technique: r.technique, rules: [] };
    row.rules.push(r);
    rows.set(key, row);
  }
  return [...rows.values()];
}
