-- An alert of a process tree folds the baseline findings of many batches and its severity may rise
-- over them: each occurrence keeps the severity of what its batch added, so "what did this batch (or
-- this process) contribute" reads right after the alert rose. Nullable and without a constraint:
-- TimescaleDB adds only such columns to a hypertable with compression on; the analyzer writes one of
-- the alert severities.
alter table alert_occurrences add column if not exists severity text;
