-- The stream analyzer's own bookkeeping.
--
-- analyzer_offsets: the next telemetry offset to process per (consumer group, topic, partition). It is
-- written in the same transaction as the alerts, activity and baseline checkpoints a batch produced,
-- so "what was written" and "where to resume" can never disagree. The row is also the fence between
-- two instances that briefly both believe they own a partition (during a rebalance, or a paused
-- zombie): a writer locks the row and commits only if next_offset is still what it started from.
create table if not exists analyzer_offsets (
  group_id     text not null,
  topic        text not null,
  partition    int not null,
  next_offset  bigint not null,
  updated_at   timestamptz not null default now(),
  primary key (group_id, topic, partition)
);

-- Alerts committed to PostgreSQL but not yet acknowledged by Kafka (vigil.alerts.v1). Inserted in the
-- batch's transaction, deleted after the produce; rows left by a crash are produced again by the
-- relay (at-least-once on the topic, with the alert's stable id as the header for deduplication).
create table if not exists alert_outbox (
  alert_id    text primary key,
  alert_time  timestamptz not null,
  created_at  timestamptz not null default now()
);
create index if not exists alert_outbox_created_idx on alert_outbox (created_at);

-- Endpoint status the analyzer keeps current from each batch (also added by the API's own migration).
alter table endpoints
  add column if not exists agent_version text,
  add column if not exists events_per_s double precision,
  add column if not exists drops bigint;
