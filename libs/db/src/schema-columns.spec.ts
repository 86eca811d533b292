import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { migratedColumns } from './schema-columns';

describe('migratedColumns', () => {
  it('reads create table lists, then added, dropped and renamed columns, in migration order', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-cols-'));
    writeFileSync(
      join(dir, '20260101000000_a.sql'),
      `-- a comment, with (parentheses, and commas)
       create table if not exists t (
         id   bigint generated always as identity,
         kind text not null check (kind in ('a', 'b')),   -- commas inside a check
         at   numeric(10, 2),
         /* block */ "quoted" int,
         primary key (id, kind),
         constraint t_u unique (at)
       );
       create table if not exists t_default partition of t default;`,
    );
    writeFileSync(
      join(dir, '20260101000100_b.sql'),
      `alter table t add column if not exists extra jsonb, add column more text, drop column at;
       do $$ begin alter table only t rename column quoted to plain; end $$;
       alter table t add constraint t_c check (id > 0);
       alter table t set (autovacuum_vacuum_scale_factor = 0);`,
    );
    expect(Object.fromEntries(migratedColumns(dir))).toEqual({ t: ['id', 'kind', 'plain', 'extra', 'more'] });
  });

  it('knows the project tables, later columns included', () => {
    const tables = migratedColumns();
    expect(tables.get('alerts')).toContain('incident_id');
    expect(tables.get('alert_occurrences')).toContain('severity');
    expect(tables.get('users')).toContain('recovery_code_hashes');
    expect(tables.get('endpoints')).toEqual(expect.arrayContaining(['key_hash', 'agent_version', 'degraded']));
  });
});
