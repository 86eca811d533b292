import { Client, Pool, type ClientConfig, type PoolConfig } from 'pg';

export type { Client, Pool, PoolClient } from 'pg';

/** Settings of {@link createPool}: pg's own, plus where connection errors outside a query go. */
export interface CreatePoolOptions extends Omit<PoolConfig, 'connectionString'> {
  /**
   * Called when a connection breaks while no query is running on it (database restarted — 57P01 —
   * or unreachable). pg emits these as `error` events, which crash the process when nobody listens;
   * the broken client is discarded and the next query opens a new one, so a log line is enough.
   */
  onConnectionError?: (err: Error) => void;
}

/**
 * A pg connection pool for `url` (postgres://user:pass@host:port/db). Every pool and every client
 * it creates has an `error` listener: idle clients (the pool's own event) and checked-out clients
 * between two queries (pg emits on the client, and pg-pool listens only while it is idle).
 */
export function createPool(url: string, options: CreatePoolOptions = {}): Pool {
  const { onConnectionError = () => undefined, ...pgOptions } = options;
  const pool = new Pool({
    connectionString: url,
    max: 10,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    application_name: 'vigil',
    ...pgOptions,
  });
  pool.on('error', (err) => onConnectionError(err));
  pool.on('connect', (client) => client.on('error', (err) => onConnectionError(err)));
  return pool;
}

/**
 * One connection of its own, not pooled: for a session that must stay the same (LISTEN, a
 * superuser's provisioning over the local socket). Queries of services go through {@link createPool}.
 * The caller connects, listens for `error` and ends it.
 */
export function createClient(config: string | ClientConfig): Client {
  return new Client(config);
}
