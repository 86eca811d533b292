-- The tables the analyzer rewrites in place on every transaction — a baseline checkpoint per
-- touched program (`program_baselines.state`, up to MBs of JSON, stored out of line in TOAST), an
-- endpoint's learning state, a process row per window — leave a dead row version per rewrite.
-- bench/fleet measured that churn as most of the database's growth (a busy build host: ≈ 1.8 GiB a
-- day of dead baseline versions against 0.4 MiB of live baseline state per endpoint). With the
-- default thresholds (20% of the table dead before autovacuum) it piles up between vacuums; vacuum
-- these tables after a fixed number of dead rows instead, without throttling, so the space is reused
-- and the tables stay near their live size.
alter table program_baselines set (
  autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 500, autovacuum_vacuum_cost_delay = 0,
  toast.autovacuum_vacuum_scale_factor = 0, toast.autovacuum_vacuum_threshold = 2000, toast.autovacuum_vacuum_cost_delay = 0
);
alter table endpoint_learning set (
  autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 500, autovacuum_vacuum_cost_delay = 0,
  toast.autovacuum_vacuum_scale_factor = 0, toast.autovacuum_vacuum_threshold = 2000, toast.autovacuum_vacuum_cost_delay = 0
);
alter table processes set (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_cost_delay = 0);

-- activity.syscall_counts (a name → count histogram per program and window) was most of an activity
-- row's payload and nothing read it: the analyzer no longer writes it, so new rows carry the column's
-- default '{}'. The column stays: an analyzer of the previous version, still running during a rolling
-- upgrade after another service applied this migration, keeps writing its rows (a dropped column
-- would make its inserts fail, and that failure is the data's, so every batch would be dead-lettered).
comment on column activity.syscall_counts is 'no longer written (always {}): kept so an older analyzer can still insert';
