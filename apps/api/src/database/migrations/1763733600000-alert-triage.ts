import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the API adds around the analyzer's `alerts` table (which it does not own): triage notes. No
 * foreign keys to `alerts`: it is partitioned or a hypertable. (`baseline_acceptances`, the control
 * table the analyzer reads, is part of the shared schema in libs/db, applied before these migrations.)
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
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop table alert_notes`);
  }
}
