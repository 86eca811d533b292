-- Issue 14.5: `drops` counts only events actually lost (ring buffer or map full, programs the
-- kernel skipped, spooled batches evicted); records that arrived with a truncated string or an
-- argument that could not be read are not lost, and are counted apart in `degraded` (latest batch).
alter table endpoints
  add column if not exists degraded bigint;
