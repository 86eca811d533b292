-- The API's own tables (users, sessions, login throttling, the audit log, triage notes, settings,
-- four-eyes acceptance requests), moved here from the API's former TypeORM migrations
-- (apps/api/src/database/migrations, ledger `api_migrations`) so that one runner and one ledger
-- (`schema_migrations`) own all DDL. The API's entities only map these tables.
--
-- A database that already ran the TypeORM migrations has every object below: each statement is
-- guarded (`if not exists`, or a check of the catalogue), so on such a database this migration changes
-- nothing but dropping the old ledger, and is recorded like any other. The one-off data steps of the
-- former user-lifecycle migration run only when its columns are added now.

create table if not exists users (
  id uuid primary key default gen_random_uuid(),
  username text not null,
  -- argon2id PHC string; the password itself is never stored
  password_hash text not null,
  role text not null check (role in ('admin', 'analyst')),
  created_at timestamptz not null default now(),
  disabled_at timestamptz
);
create unique index if not exists users_username_lower_uq on users (lower(username));

create table if not exists sessions (
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
);
create index if not exists sessions_user_idx on sessions (user_id);

create table if not exists login_throttle (
  -- 'pair:<lower(account)>|<address>' or 'address:<ip>'
  key text primary key,
  failures int not null,
  window_started_at timestamptz not null,
  -- earliest next attempt (progressive delay)
  locked_until timestamptz
);
comment on table login_throttle is 'failed logins per pair:<account>|<address> and address:<ip>; locked_until = earliest next attempt (progressive delay)';

create table if not exists audit_log (
  id bigserial primary key,
  time timestamptz not null default now(),
  actor_id uuid,
  actor text,
  action text not null,
  target text,
  source_address text,
  details jsonb not null default '{}'::jsonb
);
create index if not exists audit_log_time_idx on audit_log (time desc);
-- Append-only for everyone, the owner included: defence in depth behind the grants (libs/db roles.ts
-- gives no role UPDATE, DELETE or TRUNCATE on it).
create or replace function vigil_audit_log_append_only() returns trigger language plpgsql as $f$
begin
  raise exception 'audit_log is append-only: % refused', tg_op using errcode = 'insufficient_privilege';
end $f$;
create or replace trigger audit_log_append_only before update or delete on audit_log
  for each row execute function vigil_audit_log_append_only();
create or replace trigger audit_log_no_truncate before truncate on audit_log
  for each statement execute function vigil_audit_log_append_only();
-- an alert's history reads the audit entries about it (`target`); the log only grows
create index if not exists audit_log_target_idx on audit_log (target, id) where target is not null;

-- Triage notes on the analyzer's alerts. No foreign key to `alerts`: it is partitioned or a hypertable.
create table if not exists alert_notes (
  id bigserial primary key,
  alert_id text not null,
  time timestamptz not null default now(),
  author_id uuid,
  author text not null,
  text text not null
);
create index if not exists alert_notes_alert_idx on alert_notes (alert_id, id);

-- User lifecycle and second factor (issue 17, ASVS L2).
do $$
begin
  if not exists (select 1 from information_schema.columns
                  where table_schema = current_schema() and table_name = 'users' and column_name = 'must_change_password') then
    alter table users
      add column must_change_password boolean not null default false,
      add column password_changed_at timestamptz,
      -- base32 TOTP secret (RFC 6238); set at enrolment, confirmed when totp_enabled_at is set
      add column totp_secret text,
      add column totp_enabled_at timestamptz,
      -- the last accepted time step: a code is accepted once (ASVS 2.8.4)
      add column totp_last_step bigint,
      -- argon2id hashes of the unused recovery codes
      add column recovery_code_hashes text[] not null default '{}';
    -- a first admin created (with a printed password) before these columns must choose a new one
    update users set must_change_password = true where username = 'admin' and password_changed_at is null
      and exists (select 1 from audit_log a where a.action = 'user.create' and a.target = users.username and a.details ? 'firstAdmin');
    -- the old per-account hard locks have no meaning under the progressive delay
    delete from login_throttle;
  end if;
end
$$;
-- when the user last proved who they are (re-authentication before sensitive changes)
alter table sessions add column if not exists authenticated_at timestamptz not null default now();

-- Settings an admin changes at run time.
create table if not exists settings (
  key text primary key,
  value jsonb not null,
  updated_at timestamptz not null default now(),
  updated_by text
);

-- Four-eyes baseline acceptance: one analyst requests, another approves or rejects.
create table if not exists baseline_acceptance_requests (
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
);
create index if not exists baseline_acceptance_requests_pending_idx on baseline_acceptance_requests (id) where status = 'pending';

-- The TypeORM ledger is no longer read by anything: schema_migrations is the only one.
drop table if exists api_migrations;
