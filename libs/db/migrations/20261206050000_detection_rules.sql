-- The rule catalogue the stream analyzer loaded (native YAML and Sigma rules), published by the
-- analyzer at start so the API can serve `GET /api/rules` without reading another app's files: the
-- table says what the running analyzers actually enforce, including an operator's own Sigma rules,
-- even when the API runs on another host. Every analyzer publishes the whole set in one transaction
-- (rows of rules no longer loaded are removed), so the last one to start wins.
create table if not exists detection_rules (
  id text primary key,
  tactic text not null,
  tactic_name text not null,
  technique text not null,
  title text not null,
  severity text not null,
  maturity text not null,
  source text not null,
  file text not null,
  event text not null,
  baseline_never boolean not null,
  rationale text not null,
  false_positives jsonb not null,
  exceptions jsonb not null,
  published_at timestamptz not null default now()
);
