import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '@vigil/testing';
import { EndpointsRepository, createPool, hashEndpointKey, migrate, migratedColumns, type Pool } from '../../src';

describe('migrations and endpoints (real PostgreSQL)', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let pool: Pool;
  beforeAll(async () => {
    db = await freshDatabase('vigil_db_test');
    pool = createPool(db.url);
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  it('applies migrations once, concurrently safe, and stores only key hashes', async () => {
    const [first, second] = await Promise.all([migrate(pool), migrate(pool)]);
    expect([...first!, ...second!].sort()).toEqual((await pool.query('select version from schema_migrations order by 1')).rows.map((r) => r.version));
    expect(await migrate(pool)).toEqual([]);

    const repo = new EndpointsRepository(pool);
    const { endpoint, key } = await repo.create('web-01');
    const stored = (await pool.query('select * from endpoints where id = $1', [endpoint.id])).rows[0];
    expect(JSON.stringify(stored)).not.toContain(key.slice(4));
    expect(await repo.activeIdByKeyHash(hashEndpointKey(key))).toBe(endpoint.id);
    expect(await repo.activeIdByKeyHash(hashEndpointKey(key + 'x'))).toBeUndefined();
    expect(await repo.revoke(endpoint.id)).toBe(true);
    expect(await repo.activeIdByKeyHash(hashEndpointKey(key))).toBeUndefined();
  });

  it('migratedColumns() (read from the SQL text) is the migrated schema: every table, every column', async () => {
    await migrate(pool);
    const rows = (
      await pool.query<{ table_name: string; column_name: string }>(
        `select c.relname as table_name, a.attname as column_name
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
         join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
         where n.nspname = current_schema() and c.relkind in ('r', 'p') and not c.relispartition and c.relname <> 'schema_migrations'
         order by 1`,
      )
    ).rows;
    const actual = new Map<string, string[]>();
    for (const r of rows) actual.set(r.table_name, [...(actual.get(r.table_name) ?? []), r.column_name]);
    const sorted = (m: Map<string, string[]>) => Object.fromEntries([...m].map(([t, cs]) => [t, [...cs].sort()]));
    expect(sorted(migratedColumns())).toEqual(sorted(actual));
  });

  it('rotates the key of a live endpoint only: a revoked endpoint stays revoked', async () => {
    const repo = new EndpointsRepository(pool);
    const { endpoint, key } = await repo.create('web-02');
    const rotated = await repo.rotateKey(endpoint.id);
    expect(rotated).toBeDefined();
    expect(await repo.activeIdByKeyHash(hashEndpointKey(key))).toBeUndefined();
    expect(await repo.activeIdByKeyHash(hashEndpointKey(rotated!))).toBe(endpoint.id);
    expect(await repo.revoke(endpoint.id)).toBe(true);
    expect(await repo.rotateKey(endpoint.id)).toBeUndefined();
    expect(await repo.activeIdByKeyHash(hashEndpointKey(rotated!))).toBeUndefined();
    expect((await pool.query('select revoked_at from endpoints where id = $1', [endpoint.id])).rows[0].revoked_at).not.toBeNull();
  });
});
