import { describe, expect, it } from 'vitest';
import { ALERT_COLUMNS, DETECTION_RULE_COLUMNS, INCIDENT_COLUMNS, PROCESS_COLUMNS, camelCased } from './rows';
import { migratedColumns } from './schema-columns';

describe('row types ~ migrations', () => {
  const tables = migratedColumns();
  it.each([
    ['alerts', ALERT_COLUMNS],
    ['detection_rules', DETECTION_RULE_COLUMNS],
    ['processes', PROCESS_COLUMNS],
    ['incidents', INCIDENT_COLUMNS],
  ] as const)('%s: the row type has exactly the migrated columns', (table, columns) => {
    expect([...columns].sort()).toEqual([...(tables.get(table) ?? [])].sort());
  });
});

describe('camelCased', () => {
  it('renames snake_case keys and keeps the values', () => {
    const at = new Date(0);
    expect(camelCased({ id: 'r1', tactic_name: 'Execution', baseline_never: false, published_at: at, false_positives: ['x'] })).toEqual({
      id: 'r1',
      tacticName: 'Execution',
      baselineNever: false,
      publishedAt: at,
      falsePositives: ['x'],
    });
  });
});
