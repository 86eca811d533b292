import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/**
 * Failed-login counters per key (`pair:<account>|<address>` and `address:<ip>`), in PostgreSQL so
 * every API instance shares them. `locked_until` is the earliest moment the key may try again.
 */
@Injectable()
export class LoginThrottleRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The latest "try again at" among `keys` that is still in the future. */
  async waitUntil(keys: string[]): Promise<Date | undefined> {
    const rows = (await this.db.query(`select max(locked_until) as until from login_throttle where key = any($1) and locked_until > now()`, [keys])) as {
      until: Date | null;
    }[];
    return rows[0]?.until ?? undefined;
  }

  /**
   * Count one failure for `key` (a count older than `windowMs` since its last failure starts over) and
   * set its next allowed attempt to now + delay(failures), where `delayMs` maps the new count to a
   * delay. The count is one atomic upsert, so concurrent failures all count.
   */
  async recordFailure(key: string, windowMs: number, delayMs: (failures: number) => number): Promise<{ failures: number; nextAttemptAt: Date | null }> {
    const rows = (await this.db.query(
      `insert into login_throttle as t (key, failures, window_started_at) values ($1, 1, now())
       on conflict (key) do update set
         failures = case when t.window_started_at < now() - make_interval(secs => $2::double precision / 1000) then 1 else t.failures + 1 end,
         -- the time of the latest failure: the count is forgotten a window after the last one
         window_started_at = now()
       returning failures`,
      [key, windowMs],
    )) as { failures: number }[];
    const failures = rows[0]!.failures;
    const delay = delayMs(failures);
    if (delay <= 0) return { failures, nextAttemptAt: null };
    const set = (await this.db.query(
      `update login_throttle set locked_until = greatest(coalesce(locked_until, now()), now() + make_interval(secs => $2::double precision / 1000))
        where key = $1 returning locked_until`,
      [key, delay],
    )) as [{ locked_until: Date }[], number];
    return { failures, nextAttemptAt: set[0][0]?.locked_until ?? null };
  }

  async clear(key: string): Promise<void> {
    await this.db.query(`delete from login_throttle where key = $1`, [key]);
  }
}
