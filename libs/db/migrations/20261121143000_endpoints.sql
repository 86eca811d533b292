-- Enrolled endpoints (agents). The key itself is never stored: only sha256(key). Keys are 256-bit
-- random, so a fast hash is enough (nothing to brute-force) and lets the gateway look a key up by
-- an index on the hash. Revocation = revoked_at set (the gateway's cache honours it within 10 s).
create table if not exists endpoints (
  id          uuid primary key,
  name        text not null check (length(name) between 1 and 200),
  key_hash    bytea not null unique check (length(key_hash) = 32),
  created_at  timestamptz not null default now(),
  revoked_at  timestamptz,
  last_seen_at timestamptz
);

create index if not exists endpoints_name_idx on endpoints (name);
