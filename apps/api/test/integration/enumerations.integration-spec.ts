import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client as PgClient } from 'pg';
import { ALERT_STATUSES, SEVERITIES, USER_ROLES } from '@vigil/common';
import { startApi, type TestApi } from './harness';

/**
 * The database's CHECK constraints on enumerated columns allow exactly the values of the lists in
 * @vigil/common that the API and (through the generated client) the web use: a value added to one
 * side only fails here, not in production.
 */
describe('enumerations: database constraints match @vigil/common', () => {
  let api: TestApi;
  let pg: PgClient;
  beforeAll(async () => {
    api = await startApi(); // every migration applied, as the API runs
    pg = new PgClient({ connectionString: api.databaseUrl });
    await pg.connect();
  });
  afterAll(async () => {
    await pg?.end();
    await api?.close();
  });

  /** Values the CHECK constraint on `table`.`column` allows (`column in ('a', 'b')` is stored as `= ANY (ARRAY['a'::text, …])`). */
  async function allowed(table: string, column: string): Promise<string[]> {
    const { rows } = await pg.query<{ def: string }>(
      `select pg_get_constraintdef(c.oid) as def
         from pg_constraint c join pg_attribute a on a.attrelid = c.conrelid and a.attnum = any (c.conkey)
        where c.contype = 'c' and c.conrelid = $1::regclass and a.attname = $2`,
      [table, column],
    );
    expect(rows, `one CHECK constraint on ${table}.${column}`).toHaveLength(1);
    return [...rows[0]!.def.matchAll(/'([^']*)'::text/g)].map((m) => m[1]!);
  }

  it.each([
    ['alerts', 'status', ALERT_STATUSES],
    ['incidents', 'status', ALERT_STATUSES],
    ['alerts', 'severity', SEVERITIES],
    ['incidents', 'severity', SEVERITIES],
    ['users', 'role', USER_ROLES],
  ] as const)('%s.%s', async (table, column, values) => {
    expect((await allowed(table, column)).sort()).toEqual([...values].sort());
  });
});
