import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Users, server-side sessions, login throttling state and the audit log: the tables the API owns. */
export class AuthAndAudit1763730000000 implements MigrationInterface {
  name = 'AuthAndAudit1763730000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      create table users (
        id uuid primary key default gen_random_uuid(),
        username text not null,
        -- argon2id PHC string; the password itself is never stored
        password_hash text not null,
        role text not null check (role in ('admin', 'analyst')),
        created_at timestamptz not null default now(),
        disabled_at timestamptz
      )`);
    await q.query(`create unique index users_username_lower_uq on users (lower(username))`);
    await q.query(`
      create table sessions (
        id uuid primary key default gen_random_uuid(),
        -- sha256 of the session token (hex); the token itself only ever lives in the client's cookie
        token_hash text not null unique,
        user_id uuid not null references users(id) on delete cascade,
        created_at timestamptz not null default now(),
        last_seen_at timestamptz not null default now(),
        expires_at timestamptz not null,
        revoked_at timestamptz,
        source_address text,
        user_agent text
      )`);
    await q.query(`create index sessions_user_idx on sessions (user_id)`);
    await q.query(`
      create table login_throttle (
        -- 'account:<lower(username)>' or 'address:<ip>'
        key text primary key,
        failures int not null,
        window_started_at timestamptz not null,
        locked_until timestamptz
      )`);
    await q.query(`
      create table audit_log (
        id bigserial primary key,
        time timestamptz not null default now(),
        actor_id uuid,
        actor text,
        action text not null,
        target text,
        source_address text,
        details jsonb not null default '{}'::jsonb
      )`);
    await q.query(`create index audit_log_time_idx on audit_log (time desc)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop table audit_log`);
    await q.query(`drop table login_throttle`);
    await q.query(`drop table sessions`);
    await q.query(`drop table users`);
  }
}
