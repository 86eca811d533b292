import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 17 (ASVS L2): user lifecycle and second factor on `users`; re-authentication time on
 * `sessions`; login throttling keyed by (account, address) and address with a progressive delay
 * (the old per-account hard lock is gone: its rows are dropped); settings an admin changes at run
 * time; four-eyes baseline acceptance requests.
 */
export class UserLifecycle1765000000000 implements MigrationInterface {
  name = 'UserLifecycle1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      alter table users
        add column must_change_password boolean not null default false,
        add column password_changed_at timestamptz,
        -- base32 TOTP secret (RFC 6238); set at enrolment, confirmed when totp_enabled_at is set
        add column totp_secret text,
        add column totp_enabled_at timestamptz,
        -- the last accepted time step: a code is accepted once (ASVS 2.8.4)
        add column totp_last_step bigint,
        -- argon2id hashes of the unused recovery codes
        add column recovery_code_hashes text[] not null default '{}'`);
    // The first admin (created by ensure-admin with a printed password) must choose a new one.
    await q.query(`update users set must_change_password = true where username = 'admin' and password_changed_at is null
                    and exists (select 1 from audit_log a where a.action = 'user.create' and a.target = users.username and a.details ? 'firstAdmin')`);
    await q.query(`alter table sessions add column authenticated_at timestamptz not null default now()`);
    await q.query(`delete from login_throttle`);
    await q.query(`comment on table login_throttle is 'failed logins per pair:<account>|<address> and address:<ip>; locked_until = earliest next attempt (progressive delay)'`);
    await q.query(`
      create table settings (
        key text primary key,
        value jsonb not null,
        updated_at timestamptz not null default now(),
        updated_by text
      )`);
    await q.query(`
      create table baseline_acceptance_requests (
        id bigserial primary key,
        alert_id text not null,
        endpoint_id uuid not null,
        program text not null,
        requested_by_id uuid,
        requested_by text not null,
        requested_at timestamptz not null default now(),
        status text not null default 'pending' check (status in ('pending', 'approved', 'rejected')),
        decided_by_id uuid,
        decided_by text,
        decided_at timestamptz,
        reason text,
        acceptance_id bigint
      )`);
    await q.query(`create index baseline_acceptance_requests_pending_idx on baseline_acceptance_requests (id) where status = 'pending'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop table baseline_acceptance_requests`);
    await q.query(`drop table settings`);
    await q.query(`alter table sessions drop column authenticated_at`);
    await q.query(`alter table users drop column must_change_password, drop column password_changed_at, drop column totp_secret, drop column totp_enabled_at, drop column totp_last_step, drop column recovery_code_hashes`);
  }
}
