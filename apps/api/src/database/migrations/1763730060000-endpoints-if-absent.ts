import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The `endpoints` table is shared with the ingest gateway, whose libs/db migrations also create it:
 * created here only when absent, with the same columns, so either side may run first.
 * `key_hash` is the lowercase hex sha256 of the endpoint key's UTF-8 text.
 */
export class EndpointsIfAbsent1763730060000 implements MigrationInterface {
  name = 'EndpointsIfAbsent1763730060000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      create table if not exists endpoints (
        id uuid primary key default gen_random_uuid(),
        name text not null,
        key_hash text not null unique,
        created_at timestamptz not null default now(),
        revoked_at timestamptz,
        last_seen_at timestamptz,
        agent_version text,
        events_per_s double precision,
        drops bigint
      )`);
  }

  async down(): Promise<void> {
    // Shared with the gateway: never dropped from here.
  }
}
