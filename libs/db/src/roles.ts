import type { Pool, PoolClient } from 'pg';
import { ident, literal } from './sql-text';

/**
 * Least privilege inside the database (docs/security.md): the owner role applies the migrations and
 * owns every table; each service logs in with a role of its own that may only do what it does:
 *
 * - gateway: read the columns of `endpoints` that authenticate a key;
 * - analyzer: its tables (alerts, activity, processes, baselines, offsets, outbox), the endpoint
 *   columns it reports, and the partition maintenance functions (SECURITY DEFINER: they run as the
 *   owner, so the analyzer itself creates and drops nothing);
 * - api: every table, but `audit_log` only SELECT and INSERT (append-only for the application), and
 *   the migration ledgers read-only.
 *
 * No service role may UPDATE, DELETE or TRUNCATE `audit_log`; a trigger (migration
 * 20261206073000_api_tables.sql) refuses it to anyone, the owner included, as defence in depth.
 */

/** The three services that connect to PostgreSQL. */
export type DbService = 'gateway' | 'analyzer' | 'api';

/** Role names by service (`./vigil up` and Compose use these; tests pass names of their own). */
export type ServiceRoles = Record<DbService, string>;

export const DEFAULT_SERVICE_ROLES: ServiceRoles = { gateway: 'vigil_gateway', analyzer: 'vigil_analyzer', api: 'vigil_api' };

/** Tables the analyzer writes (and reads). */
export const ANALYZER_TABLES = ['alerts', 'alert_occurrences', 'activity', 'processes', 'program_baselines', 'baseline_acceptances', 'analyzer_offsets', 'alert_outbox', 'endpoint_learning', 'incidents', 'detection_rules'];
/** Columns of `endpoints` the analyzer updates (agent version, rate, lost and degraded records, last seen). */
const ANALYZER_ENDPOINT_COLUMNS = ['agent_version', 'events_per_s', 'drops', 'degraded', 'last_seen_at'];
/** Columns the gateway reads to authenticate a key. */
const GATEWAY_ENDPOINT_COLUMNS = ['id', 'key_hash', 'revoked_at'];
const MIGRATION_LEDGERS = ['schema_migrations'];
const PARTITION_FUNCTIONS = ['vigil_ensure_partitions(text, date, int)', 'vigil_drop_partitions(text, date)'];

/** Anything with `query` (a pg Client, Pool or PoolClient). */
export interface Queryable {
  query: PoolClient['query'];
}

/**
 * Create or update a service login role: LOGIN, the given password, and nothing else (no superuser,
 * no createdb/createrole, no replication, no bypassrls). Needs a role with CREATEROLE (the cluster's
 * superuser in the local stack, the bootstrap user in Compose).
 */
export async function ensureLoginRole(admin: Queryable, name: string, password: string): Promise<void> {
  const exists = (await admin.query('select 1 from pg_roles where rolname = $1', [name])).rowCount !== 0;
  const attrs = `login nosuperuser nocreatedb nocreaterole noreplication nobypassrls noinherit password ${literal(password)}`;
  await admin.query(`${exists ? 'alter' : 'create'} role ${ident(name)} ${exists ? 'with ' : ''}${attrs}`);
}

/**
 * (Re)apply every service role's grants on the current database, as the owner, after the
 * migrations. Idempotent: each role's privileges are first revoked
 * and then granted again, so a table added by a later migration gets exactly what the list says.
 */
export async function applyServiceGrants(pool: Pool, roles: ServiceRoles = DEFAULT_SERVICE_ROLES): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const tables = new Set(
      (
        await client.query<{ t: string }>(
          `select c.relname as t from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition`,
        )
      ).rows.map((r) => r.t),
    );
    const db = (await client.query<{ d: string }>('select current_database() as d')).rows[0]!.d;
    const all = [roles.gateway, roles.analyzer, roles.api];
    for (const r of all) {
      await client.query(`revoke all on all tables in schema public from ${ident(r)}`);
      await client.query(`revoke all on all sequences in schema public from ${ident(r)}`);
      await client.query(`grant connect on database ${ident(db)} to ${ident(r)}`);
      await client.query(`grant usage on schema public to ${ident(r)}`);
      for (const t of MIGRATION_LEDGERS) if (tables.has(t)) await client.query(`grant select on ${ident(t)} to ${ident(r)}`);
    }
    // Gateway: authenticate keys, nothing else.
    if (tables.has('endpoints')) await client.query(`grant select (${GATEWAY_ENDPOINT_COLUMNS.join(', ')}) on endpoints to ${ident(roles.gateway)}`);

    // Analyzer: its own tables, what it reports about endpoints, partition maintenance as the owner.
    for (const t of ANALYZER_TABLES) if (tables.has(t)) await client.query(`grant select, insert, update, delete on ${ident(t)} to ${ident(roles.analyzer)}`);
    if (tables.has('endpoints')) {
      await client.query(`grant select on endpoints to ${ident(roles.analyzer)}`);
      await client.query(`grant update (${ANALYZER_ENDPOINT_COLUMNS.join(', ')}) on endpoints to ${ident(roles.analyzer)}`);
    }
    await client.query(`grant usage, select on all sequences in schema public to ${ident(roles.analyzer)}, ${ident(roles.api)}`);
    for (const f of PARTITION_FUNCTIONS) {
      if ((await client.query<{ p: string | null }>('select to_regprocedure($1)::text as p', [f])).rows[0]?.p === null) continue;
      // SECURITY DEFINER with a fixed search_path and no EXECUTE for PUBLIC: migration 20261206073100.
      await client.query(`grant execute on function ${f} to ${ident(roles.analyzer)}`);
    }

    // API: everything it serves, the audit log append-only, the ledgers read-only (above).
    for (const t of tables) {
      if (MIGRATION_LEDGERS.includes(t)) continue;
      const privileges = t === 'audit_log' ? 'select, insert' : 'select, insert, update, delete';
      await client.query(`grant ${privileges} on ${ident(t)} to ${ident(roles.api)}`);
    }
    await client.query('commit');
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
