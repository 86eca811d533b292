import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Pool, PoolClient } from 'pg';

/** The project's migrations: `<14-digit UTC timestamp>_<name>.sql`, applied in name order. */
export const MIGRATIONS_DIR = resolve(__dirname, '..', 'migrations');

const FILE = /^(\d{14})_([a-z0-9_]+)\.sql$/;
/** Arbitrary constant: serialises concurrent runners (gateway and API starting together). */
const ADVISORY_LOCK = 0x5669_6769; // "Vigi"

/** One migration file. */
export interface Migration {
  version: string;
  name: string;
  sql: string;
  checksum: string;
}

/** The migrations in `dir`, sorted; a file not named `<timestamp>_<name>.sql` is an error. */
export function readMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((file) => {
      const m = FILE.exec(file);
      if (!m) throw new Error(`migration ${file} is not named <yyyymmddhhmmss>_<snake_name>.sql`);
      const sql = readFileSync(join(dir, file), 'utf8');
      return { version: m[1]!, name: m[2]!, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    })
    .map((m, i, all) => {
      // two files with one version would both claim the same schema_migrations row: refuse before applying any
      const twin = all.find((o, j) => j !== i && o.version === m.version);
      if (twin) throw new Error(`migrations ${m.version}_${m.name}.sql and ${twin.version}_${twin.name}.sql share the version ${m.version}: give one a later timestamp`);
      return m;
    });
}

/**
 * Apply every migration of `dir` not applied yet, each in its own transaction, under an advisory
 * lock. A migration whose file changed after it was applied is an error (migrations are never
 * edited after they land). Returns the versions applied now.
 */
export async function migrate(pool: Pool, dir: string = MIGRATIONS_DIR): Promise<string[]> {
  const migrations = readMigrations(dir);
  const client = await pool.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [ADVISORY_LOCK]);
    // Checked before any DDL: a service's own role (docs/security.md) may read schema_migrations but
    // create nothing, so with every migration applied (by the owner) this is a read-only check.
    const exists = (await client.query<{ t: string | null }>(`select to_regclass('schema_migrations')::text as t`)).rows[0]?.t !== null;
    if (!exists) {
      await client.query(`create table if not exists schema_migrations (
        version text primary key, name text not null, checksum text not null, applied_at timestamptz not null default now())`);
    }
    const done = new Map((await client.query<{ version: string; checksum: string }>('select version, checksum from schema_migrations')).rows.map((r) => [r.version, r.checksum]));
    const pending = migrations.filter((m) => !done.has(m.version));
    if (pending.length > 0 && !(await mayMigrate(client))) {
      throw new Error(
        `${pending.length} migration(s) pending (${pending.map((m) => `${m.version}_${m.name}`).join(', ')}) and the role ${await currentRole(client)} may not apply them: ` +
          'apply them as the owner first (./vigil up does; Compose: the migrate service; or set VIGIL_DATABASE_URL to the owner for one run)',
      );
    }
    const applied: string[] = [];
    for (const m of migrations) {
      const previous = done.get(m.version);
      if (previous !== undefined) {
        if (previous !== m.checksum) throw new Error(`migration ${m.version}_${m.name}.sql was edited after it was applied (checksum differs)`);
        continue;
      }
      await client.query('begin');
      try {
        await client.query(m.sql);
        await client.query('insert into schema_migrations (version, name, checksum) values ($1, $2, $3)', [m.version, m.name, m.checksum]);
        await client.query('commit');
      } catch (err) {
        await client.query('rollback');
        throw new Error(`migration ${m.version}_${m.name}.sql failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
      applied.push(m.version);
    }
    return applied;
  } finally {
    await client.query('select pg_advisory_unlock($1)', [ADVISORY_LOCK]).catch(() => undefined);
    client.release();
  }
}

async function currentRole(client: PoolClient): Promise<string> {
  return (await client.query<{ r: string }>('select current_user as r')).rows[0]!.r;
}

/** The role owns the schema_migrations table (the migration owner), or is a superuser. */
async function mayMigrate(client: PoolClient): Promise<boolean> {
  const { rows } = await client.query<{ ok: boolean }>(
    `select pg_has_role(current_user, c.relowner, 'USAGE') or r.rolsuper as ok
       from pg_class c, pg_roles r where c.oid = 'schema_migrations'::regclass and r.rolname = current_user`,
  );
  return rows[0]?.ok === true;
}
