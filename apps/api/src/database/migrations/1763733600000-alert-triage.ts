import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the API adds around the analyzer's `alerts` table (which it does not own): triage notes, and
 * baseline acceptances — the control table the analyzer reads to fold a program's behaviour into its
 * baseline. No foreign keys to `alerts`: it may be partitioned or a hypertable.
 */
export class AlertTriage1763733600000 implements MigrationInterface {
  name = 'AlertTriage1763733600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      create table alert_notes (
        id bigserial primary key,
        alert_id text not null,
        time timestamptz not null default now(),
        author_id uuid,
        author text not null,
        text text not null
      )`);
    await q.query(`create index alert_notes_alert_idx on alert_notes (alert_id, id)`);
    await q.query(`
      create table if not exists baseline_acceptances (
        id bigserial primary key,
        time timestamptz not null default now(),
        alert_id text not null,
        endpoint_id uuid not null,
        program text not null,
        accepted_by text not null,
        -- set by the analyzer once the behaviour is part of the program's baseline
        applied_at timestamptz
      )`);
    await q.query(`create index if not exists baseline_acceptances_pending_idx on baseline_acceptances (id) where applied_at is null`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop table if exists baseline_acceptances`);
    await q.query(`drop table alert_notes`);
  }
}
