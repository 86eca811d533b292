import type { MigrationInterface, QueryRunner } from 'typeorm';

/** An alert's history reads the audit entries about it (`target`): index them, the log only grows. */
export class AuditTargetIndex1764612000000 implements MigrationInterface {
  name = 'AuditTargetIndex1764612000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`create index if not exists audit_log_target_idx on audit_log (target, id) where target is not null`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop index if exists audit_log_target_idx`);
  }
}
