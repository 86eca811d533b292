import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The `endpoints` table belongs to the ingest gateway (libs/db migration 20261121143000_endpoints.sql,
 * which authenticates agents by `key_hash` = sha256 of the key, 32 raw bytes). Created here only when
 * absent, with the same definition, so the API also works on a database the gateway has not touched;
 * then the columns the API lists (agent version, rate, drops) are added if missing.
 * NOTE for the lead: the gateway's migration uses a plain `create table`: run libs/db's migrate()
 * before this one (or make that statement `if not exists`) when both land.
 */
export class EndpointsIfAbsent1763730060000 implements MigrationInterface {
  name = 'EndpointsIfAbsent1763730060000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      create table if not exists endpoints (
        id          uuid primary key,
        name        text not null check (length(name) between 1 and 200),
        key_hash    bytea not null unique check (length(key_hash) = 32),
        created_at  timestamptz not null default now(),
        revoked_at  timestamptz,
        last_seen_at timestamptz
      )`);
    await q.query(`create index if not exists endpoints_name_idx on endpoints (name)`);
    await q.query(`
      alter table endpoints
        add column if not exists agent_version text,
        add column if not exists events_per_s double precision,
        add column if not exists drops bigint`);
  }

  async down(): Promise<void> {
    // Shared with the gateway: never dropped from here.
  }
}
