import { describe, expect, it } from 'vitest';
import { ALERT_COLUMNS, DETECTION_RULE_COLUMNS, INCIDENT_COLUMNS, PROCESS_COLUMNS } from './rows';
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
