import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** What the audit log records (append-only list). */
export type AuditAction =
  | 'auth.login'
  | 'auth.login_failed'
  | 'auth.logout'
  | 'auth.denied'
  | 'auth.reauth'
  | 'auth.reauth_failed'
  | 'auth.totp_enabled'
  | 'auth.totp_disabled'
  | 'auth.recovery_code_used'
  | 'user.create'
  | 'user.password_change'
  | 'user.password_reset'
  | 'user.role_change'
  | 'user.disable'
  | 'user.enable'
  | 'user.sessions_revoked'
  | 'settings.change'
  | 'endpoint.enrol'
  | 'endpoint.rotate_key'
  | 'endpoint.revoke'
  | 'alert.status_change'
  | 'alert.update'
  | 'baseline.accept'
  | 'baseline.accept_requested'
  | 'baseline.accept_approved'
  | 'baseline.accept_rejected'
  | 'incident.update';

@Entity({ name: 'audit_log' })
export class AuditEntryEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  time!: Date;

  @Column({ name: 'actor_id', type: 'uuid', nullable: true })
  actorId!: string | null;

  /** Username of the actor (or the attempted username of a failed login), `cli` for the command line. */
  @Column({ type: 'text', nullable: true })
  actor!: string | null;

  @Column({ type: 'text' })
  action!: AuditAction;

  @Column({ type: 'text', nullable: true })
  target!: string | null;

  @Column({ name: 'source_address', type: 'text', nullable: true })
  sourceAddress!: string | null;

  @Column({ type: 'jsonb', default: () => `'{}'::jsonb` })
  details!: Record<string, unknown>;
}
