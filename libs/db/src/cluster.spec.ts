import { describe, expect, it } from 'vitest';
import { createDatabase, dropDatabase, dropRole, enableTimescale, ensureDatabase, ensureOwnerRole } from './cluster';
import type { Queryable } from './roles';

/** A Queryable that records each statement and answers the existence checks from `present`. */
function recorder(present: { role?: boolean; signal?: boolean; database?: boolean } = {}) {
  const sql: string[] = [];
  const db = {
    query: async (text: string) => {
      sql.push(text);
      if (text.includes('from pg_roles')) return { rowCount: present.role ? 1 : 0, rows: [] };
      if (text.includes('pg_has_role')) return { rowCount: 1, rows: [{ m: present.signal === true }] };
      if (text.includes('from pg_database')) return { rowCount: present.database ? 1 : 0, rows: [] };
      return { rowCount: 0, rows: [] };
    },
  } as unknown as Queryable;
  return { db, sql };
}

describe('cluster set-up', () => {
  it('creates a missing owner role with its password (quotes doubled) and lets it end service backends', async () => {
    const { db, sql } = recorder();
    expect(await ensureOwnerRole(db, 'vigil', "p'w")).toBe(true);
    expect(sql.filter((s) => !s.startsWith('select'))).toEqual([`create role "vigil" login createdb password 'p''w'`, 'grant pg_signal_backend to "vigil"']);
  });

  it('leaves an existing owner role and its membership alone', async () => {
    const { db, sql } = recorder({ role: true, signal: true });
    expect(await ensureOwnerRole(db, 'vigil', 'pw')).toBe(false);
    expect(sql.every((s) => s.startsWith('select'))).toBe(true);
  });

  it('creates the database only when missing, owned by the owner', async () => {
    const missing = recorder();
    expect(await ensureDatabase(missing.db, 'vigil', 'vigil')).toBe(true);
    expect(missing.sql.at(-1)).toBe('create database "vigil" owner "vigil"');
    const present = recorder({ database: true });
    expect(await ensureDatabase(present.db, 'vigil', 'vigil')).toBe(false);
    expect(present.sql).toHaveLength(1);
  });

  it('test databases and roles: create, drop with force, drop role, timescale', async () => {
    const { db, sql } = recorder();
    await createDatabase(db, 'vigil_test_x1');
    await dropDatabase(db, 'vigil_test_x1');
    await dropRole(db, 't1_api');
    await enableTimescale(db);
    expect(sql).toEqual(['create database "vigil_test_x1"', 'drop database if exists "vigil_test_x1" with (force)', 'drop role if exists "t1_api"', 'create extension if not exists timescaledb']);
  });

  it('refuses a name that is not a plain identifier', async () => {
    const { db } = recorder();
    await expect(createDatabase(db, 'x"; drop table alerts; --')).rejects.toThrow(/not a plain/);
  });
});
