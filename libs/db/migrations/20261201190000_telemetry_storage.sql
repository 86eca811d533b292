-- Detection output and telemetry: written by the stream analyzer, read by the API.
--
-- Every write the analyzer makes is idempotent, because a crash between the database commit and the
-- Kafka offset commit replays batches:
--   alerts              insert … on conflict (id, time) do nothing (id derives from batch, detector, key)
--   alert_occurrences   insert … on conflict do nothing; alerts.count is bumped only when the row is new
--   activity            one row per (batch, program): insert … on conflict do nothing
--   processes           upsert with greatest()/least(), which replays to the same row
--   program_baselines   last writer wins with the state as of the batch (checkpoint), guarded by offset
--
-- Time-series tables (alerts, alert_occurrences, activity) are TimescaleDB hypertables with compression
-- and retention when the extension is available, native range partitions (daily) otherwise; the
-- analyzer's maintenance creates partitions ahead and drops old ones in that case (see
-- vigil_ensure_partitions / vigil_drop_partitions below). Unique keys include `time` because both
-- hypertables and partitioned tables require the partitioning column in them.

do $$
declare
  ts boolean := exists (select 1 from pg_available_extensions where name = 'timescaledb');
  part text := case when ts then '' else ' partition by range (time)' end;
begin
  if ts then
    create extension if not exists timescaledb;
  end if;

  -- One alert (a group of repeated findings of one kind for one program on one endpoint).
  execute $ddl$
  create table if not exists alerts (
    id            text not null,
    time          timestamptz not null,            -- event time of the batch that raised it
    endpoint_id   uuid not null,
    batch_id      text not null,
    program       text not null,                   -- executable path
    program_key   text not null default '',        -- identity (path, or path@sha256 when hashed)
    exe_hash      text,
    pid           int not null,
    ppid          int,
    uid           int,
    comm          text,
    ancestry      text[] not null default '{}',    -- exe of parent, grandparent, … init
    kind          text not null,                   -- e.g. novel_syscall, sequence_anomaly, rule
    detector      text not null,
    group_key     text not null default '',        -- what repeats of the same deviation share
    severity      text not null check (severity in ('info', 'low', 'medium', 'high', 'critical')),
    score         double precision not null,
    title         text not null,
    mitre         text,                            -- ATT&CK technique id, e.g. T1003.008
    evidence      text not null,                   -- plain words
    evidence_data jsonb,                           -- the data behind them
    acceptance    jsonb,                           -- what "accept into baseline" teaches
    count         int not null default 1,          -- findings grouped into this alert
    last_seen     timestamptz,
    status        text not null default 'open' check (status in ('open', 'acknowledged', 'resolved', 'false_positive')),
    assignee      text,
    primary key (id, time)
  )$ddl$ || part;
  create index if not exists alerts_time_idx on alerts (time desc, id desc);
  create index if not exists alerts_endpoint_time_idx on alerts (endpoint_id, time desc);
  create index if not exists alerts_status_time_idx on alerts (status, time desc);
  create index if not exists alerts_severity_time_idx on alerts (severity, time desc);
  create index if not exists alerts_program_time_idx on alerts (program, time desc);
  create index if not exists alerts_id_idx on alerts (id);

  -- Each batch that contributed to an alert (idempotent count increments, the alert's history).
  execute $ddl$
  create table if not exists alert_occurrences (
    alert_id  text not null,
    batch_id  text not null,
    time      timestamptz not null,
    count     int not null,
    pids      int[] not null default '{}',
    primary key (alert_id, batch_id, time)
  )$ddl$ || part;

  -- Per-program activity, one row per (batch, program): the timelines bucket these.
  execute $ddl$
  create table if not exists activity (
    time           timestamptz not null,           -- batch window end
    window_start   timestamptz not null,
    endpoint_id    uuid not null,
    batch_id       text not null,
    program        text not null,
    processes      int not null,                   -- distinct processes of the program in the window
    syscalls       bigint not null,                -- total system calls
    syscall_counts jsonb not null default '{}',    -- name → count
    file_opens     bigint not null default 0,
    execs          int not null default 0,
    net_ops        bigint not null default 0,
    security_ops   int not null default 0,
    alerts         int not null default 0,         -- alerts raised for the program by this batch
    primary key (endpoint_id, program, time, batch_id)
  )$ddl$ || part;
  create index if not exists activity_endpoint_time_idx on activity (endpoint_id, time desc);

  if ts then
    perform create_hypertable('alerts', 'time', chunk_time_interval => interval '7 days', if_not_exists => true);
    perform create_hypertable('alert_occurrences', 'time', chunk_time_interval => interval '7 days', if_not_exists => true);
    perform create_hypertable('activity', 'time', chunk_time_interval => interval '1 day', if_not_exists => true);
    alter table activity set (timescaledb.compress, timescaledb.compress_segmentby = 'endpoint_id, program');
    perform add_compression_policy('activity', interval '2 days', if_not_exists => true);
    perform add_retention_policy('activity', interval '30 days', if_not_exists => true);
    perform add_retention_policy('alert_occurrences', interval '180 days', if_not_exists => true);
  else
    -- rows outside every daily partition still land (never lost); maintenance moves the window ahead
    execute 'create table if not exists alerts_default partition of alerts default';
    execute 'create table if not exists alert_occurrences_default partition of alert_occurrences default';
    execute 'create table if not exists activity_default partition of activity default';
  end if;
end
$$;

-- Create the daily partitions of `tbl` from `from_day` for `days` days (no-op on TimescaleDB).
create or replace function vigil_ensure_partitions(tbl text, from_day date, days int) returns int
language plpgsql as $$
declare
  d date;
  made int := 0;
  name text;
begin
  if exists (select 1 from pg_extension where extname = 'timescaledb') then return 0; end if;
  for i in 0 .. days - 1 loop
    d := from_day + i;
    name := format('%s_p%s', tbl, to_char(d, 'YYYYMMDD'));
    if not exists (select 1 from pg_class where relname = name) then
      -- a default partition holding rows of that day would block the attach: move them first
      execute format('create table %I (like %I including defaults including constraints)', name, tbl);
      execute format('insert into %I select * from %I where time >= %L and time < %L', name, tbl || '_default', d, d + 1);
      execute format('delete from %I where time >= %L and time < %L', tbl || '_default', d, d + 1);
      execute format('alter table %I attach partition %I for values from (%L) to (%L)', tbl, name, d, d + 1);
      made := made + 1;
    end if;
  end loop;
  return made;
end
$$;

-- Drop the daily partitions of `tbl` that end before `before_day` (retention without TimescaleDB).
create or replace function vigil_drop_partitions(tbl text, before_day date) returns int
language plpgsql as $$
declare
  r record;
  dropped int := 0;
begin
  if exists (select 1 from pg_extension where extname = 'timescaledb') then return 0; end if;
  for r in
    select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent
    where p.relname = tbl and c.relname ~ ('^' || tbl || '_p[0-9]{8}$')
      and to_date(right(c.relname, 8), 'YYYYMMDD') + 1 <= before_day
  loop
    execute format('drop table %I', r.relname);
    dropped := dropped + 1;
  end loop;
  return dropped;
end
$$;

select vigil_ensure_partitions(t, current_date - 1, 3) from unnest(array['alerts', 'alert_occurrences', 'activity']) t;

-- Processes seen per endpoint (the process tree at a moment): (boot, pid, start time) is one run.
create table if not exists processes (
  endpoint_id   uuid not null,
  boot_id       text not null,
  pid           int not null,
  start_time_ns bigint not null,
  ppid          int not null,
  exe           text not null,
  comm          text not null,
  uid           int not null,
  container_id  text,
  ancestry      text[] not null default '{}',
  argv          text[],
  first_seen    timestamptz not null,
  last_seen     timestamptz not null,
  exited_at     timestamptz,
  exit_code     int,
  primary key (endpoint_id, boot_id, pid, start_time_ns)
);
create index if not exists processes_endpoint_seen_idx on processes (endpoint_id, last_seen desc);

-- Per (endpoint, program) baseline: what the UI shows, and the analyzer's checkpoint of it.
create table if not exists program_baselines (
  endpoint_id   uuid not null,
  program_key   text not null,
  program       text not null,
  phase         text not null check (phase in ('learning', 'active')),
  runs          bigint not null default 0,
  first_seen    timestamptz not null,
  last_seen     timestamptz not null,
  active_since  timestamptz,
  summary       jsonb not null default '{}',       -- for people: top syscalls, file patterns, children, peers, recent changes
  state         jsonb not null,                    -- the analyzer's full serialised baseline
  updated_at    timestamptz not null default now(),
  primary key (endpoint_id, program_key)
);

-- "Accept into baseline" (written by the API, audited there; read and applied by the analyzer that owns
-- the endpoint's partition, which sets applied_at). Also created by the API's own migration if absent.
create table if not exists baseline_acceptances (
  id          bigserial primary key,
  time        timestamptz not null default now(),
  alert_id    text not null,
  endpoint_id uuid not null,
  program     text not null,
  accepted_by text not null,
  applied_at  timestamptz
);
create index if not exists baseline_acceptances_pending_idx on baseline_acceptances (id) where applied_at is null;
