-- Endpoint-first learning, incidents and fleet-wide acceptance (issue 14).
--
-- endpoint_learning: per endpoint, when its learning period started (its first batch, event time) and
-- ends, and the analyzer's endpoint-level state (recent writes for "dropped binary" evidence, open
-- incidents). Written by the stream analyzer in the same transaction as the batch's alerts and the
-- partition offset, so a restart or rebalance resumes the learning period where it was. No foreign key
-- to endpoints: the analyzer accepts whatever the gateway let through.
create table if not exists endpoint_learning (
  endpoint_id    uuid primary key,
  learning_from  timestamptz not null,
  learning_until timestamptz not null,
  last_batch     timestamptz not null,
  state          jsonb not null,
  updated_at     timestamptz not null default now()
);

-- incidents: the alerts of one process tree within minutes, told as one story. Rows are derived from
-- their alerts (recomputed in the analyzer's transaction whenever an alert joins); status, assignee and
-- note are the analyst's triage, which the API applies to the incident's alerts too.
create table if not exists incidents (
  id           text primary key,
  endpoint_id  uuid not null,
  first_seen   timestamptz not null,
  last_seen    timestamptz not null,
  severity     text not null check (severity in ('info', 'low', 'medium', 'high', 'critical')),
  title        text not null,
  alert_count  int not null default 0,
  techniques   text[] not null default '{}',
  programs     text[] not null default '{}',
  root_pid     int,
  root_program text,
  status       text not null default 'open' check (status in ('open', 'acknowledged', 'resolved', 'false_positive')),
  assignee     text,
  updated_at   timestamptz not null default now()
);
create index if not exists incidents_last_seen_idx on incidents (last_seen desc, id desc);
create index if not exists incidents_endpoint_idx on incidents (endpoint_id, last_seen desc);

alter table alerts add column if not exists incident_id text;
create index if not exists alerts_incident_idx on alerts (incident_id) where incident_id is not null;

-- A fleet-wide acceptance is one row per endpoint running the program; program_key names the build
-- on that endpoint (null: the alert's own program_key, as before).
alter table baseline_acceptances add column if not exists program_key text;
