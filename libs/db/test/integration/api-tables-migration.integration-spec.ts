import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '@vigil/testing';
import { MIGRATIONS_DIR, createPool, migrate, readMigrations, type Pool } from '../../src';

/** The migration that took over the API's former TypeORM migrations. */
const API_TABLES = '20261206073000';
/** What a database of that time has still to apply: the move and every migration after it. */
const SINCE_MOVE = readMigrations()
  .map((m) => m.version)
  .filter((v) => v >= API_TABLES);
const LEGACY = readFileSync(resolve(__dirname, '..', 'fixtures', 'typeorm-era-api-schema.sql'), 'utf8');
const [LEGACY_BEFORE_LIFECYCLE] = LEGACY.split('-- :user-lifecycle');

type Db = Awaited<ReturnType<typeof freshDatabase>>;

/** What a schema is made of, in a comparable form: columns, constraints, indexes, triggers. */
async function schemaOf(pool: Pool): Promise<Record<string, string[]>> {
  const rows = async (sql: string): Promise<string[]> => (await pool.query<{ r: string }>(sql)).rows.map((x) => x.r).sort();
  return {
    columns: await rows(`select table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '') as r
                           from information_schema.columns where table_schema = 'public'`),
    constraints: await rows(`select conrelid::regclass::text || ' ' || pg_get_constraintdef(oid) as r from pg_constraint where connamespace = 'public'::regnamespace`),
    indexes: await rows(`select indexdef as r from pg_indexes where schemaname = 'public'`),
    triggers: await rows(`select tgrelid::regclass::text || ' ' || tgname as r from pg_trigger where not tgisinternal`),
    tables: await rows(`select tablename as r from pg_tables where schemaname = 'public'`),
  };
}

/** A database as the API left it before the move: libs/db's older migrations, then the TypeORM-era DDL and its ledger. */
async function legacyDatabase(legacySql: string, ledger: string[]): Promise<{ db: Db; pool: Pool }> {
  const db = await freshDatabase('vigil_db_legacy');
  const pool = createPool(db.url);
  const dir = mkdtempSync(join(tmpdir(), 'vigil-migrations-'));
  try {
    cpSync(MIGRATIONS_DIR, dir, { recursive: true });
    rmSync(join(dir, `${API_TABLES}_api_tables.sql`));
    // only the migrations that existed before the move (later ones may build on the API's tables)
    for (const f of readdirSync(dir)) if (f.slice(0, 14) > API_TABLES) rmSync(join(dir, f));
    await migrate(pool, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  await pool.query(legacySql);
  await pool.query('create table api_migrations (id serial primary key, "timestamp" bigint not null, name varchar not null)');
  for (const [i, name] of ledger.entries()) await pool.query('insert into api_migrations ("timestamp", name) values ($1, $2)', [i, name]);
  return { db, pool };
}

describe('the API tables migration on databases that ran the former TypeORM migrations (real PostgreSQL)', () => {
  const opened: { db: Db; pool: Pool }[] = [];
  let fresh: { db: Db; pool: Pool };
  beforeAll(async () => {
    const db = await freshDatabase('vigil_db_fresh');
    fresh = { db, pool: createPool(db.url) };
    opened.push(fresh);
    await migrate(fresh.pool);
  });
  afterAll(async () => {
    for (const o of opened) {
      await o.pool.end();
      await o.db.drop();
    }
  });

  it('is recorded without changing data, leaves the same schema as a fresh database, and retires the TypeORM ledger', async () => {
    const legacy = await legacyDatabase(LEGACY, ['AuthAndAudit1763730000000', 'EndpointsIfAbsent1763730060000', 'AlertTriage1763733600000', 'AuditTargetIndex1764612000000', 'UserLifecycle1765000000000']);
    opened.push(legacy);
    const { pool } = legacy;
    await pool.query(`insert into users (username, password_hash, role, must_change_password, password_changed_at) values ('admin', 'x', 'admin', false, now())`);
    await pool.query(`insert into login_throttle values ('address:10.0.0.1', 3, now(), null)`);
    await pool.query(`insert into audit_log (action, target) values ('user.login', 'admin')`);

    expect(await migrate(pool)).toEqual(SINCE_MOVE);
    expect(await migrate(pool)).toEqual([]);

    expect((await pool.query('select count(*)::int as n from login_throttle')).rows[0].n).toBe(1);
    expect((await pool.query(`select must_change_password from users where username = 'admin'`)).rows[0].must_change_password).toBe(false);
    expect((await pool.query('select count(*)::int as n from audit_log')).rows[0].n).toBe(1);
    expect((await pool.query(`select to_regclass('api_migrations') as t`)).rows[0].t).toBeNull();
    expect(await schemaOf(pool)).toEqual(await schemaOf(fresh.pool));
    await expect(pool.query('delete from audit_log')).rejects.toThrow(/audit_log is append-only: DELETE refused/);
    // the partition functions run as their owner, whatever role calls them (no DDL by the analyzer)
    const definer = (await pool.query(`select proname, prosecdef, proconfig from pg_proc where proname in ('vigil_ensure_partitions', 'vigil_drop_partitions') order by 1`)).rows;
    expect(definer).toEqual([
      { proname: 'vigil_drop_partitions', prosecdef: true, proconfig: ['search_path=public, pg_temp'] },
      { proname: 'vigil_ensure_partitions', prosecdef: true, proconfig: ['search_path=public, pg_temp'] },
    ]);
  });

  it('completes a database that stopped before the user-lifecycle step, with the one-off data changes of that step', async () => {
    const legacy = await legacyDatabase(LEGACY_BEFORE_LIFECYCLE!, ['AuthAndAudit1763730000000', 'EndpointsIfAbsent1763730060000', 'AlertTriage1763733600000', 'AuditTargetIndex1764612000000']);
    opened.push(legacy);
    const { pool } = legacy;
    await pool.query(`insert into users (username, password_hash, role) values ('admin', 'x', 'admin'), ('ann', 'y', 'analyst')`);
    await pool.query(`insert into audit_log (action, target, details) values ('user.create', 'admin', '{"firstAdmin": true}')`);
    await pool.query(`insert into login_throttle values ('account:admin', 5, now(), now() + interval '1 hour')`);

    expect(await migrate(pool)).toEqual(SINCE_MOVE);

    const users = (await pool.query('select username, must_change_password from users order by username')).rows;
    expect(users).toEqual([
      { username: 'admin', must_change_password: true },
      { username: 'ann', must_change_password: false },
    ]);
    expect((await pool.query('select count(*)::int as n from login_throttle')).rows[0].n).toBe(0);
    expect(await schemaOf(pool)).toEqual(await schemaOf(fresh.pool));
  });
});
