import { Pool, type PoolConfig } from 'pg';

export type { Pool, PoolClient } from 'pg';

/** A pg connection pool for `url` (postgres://user:pass@host:port/db). */
export function createPool(url: string, options: Omit<PoolConfig, 'connectionString'> = {}): Pool {
  return new Pool({
    connectionString: url,
    max: 10,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    application_name: 'vigil',
    ...options,
  });
}
