-- The partition maintenance functions run as their owner (SECURITY DEFINER), so the analyzer's own
-- role creates and drops partitions without any DDL privilege of its own (docs/security.md); with the
-- usual precautions: a fixed search_path, and no EXECUTE for PUBLIC (libs/db roles.ts grants it to the
-- analyzer's role only). Formerly applied by applyServiceGrants at provisioning: all DDL lives in the
-- migrations now, and re-applying it here is harmless on databases that already had it.
alter function vigil_ensure_partitions(text, date, int) security definer set search_path = public, pg_temp;
alter function vigil_drop_partitions(text, date) security definer set search_path = public, pg_temp;
revoke execute on function vigil_ensure_partitions(text, date, int) from public;
revoke execute on function vigil_drop_partitions(text, date) from public;
