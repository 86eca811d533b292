import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/** Failed-login counters per key (`account:<name>` / `address:<ip>`), in PostgreSQL so every API instance shares them. */
@Injectable()
export class LoginThrottleRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The latest lockout end among `keys` that is still in the future. */
  async lockedUntil(keys: string[]): Promise<Date | undefined> {
    const rows = (await this.db.query(
      `select max(locked_until) as until from login_throttle where key = any($1) and locked_until > now()`,
      [keys],
    )) as { until: Date | null }[];
    return rows[0]?.until ?? undefined;
  }

  /**
   * Count one failure for `key` in a window of `windowMs` (a new window starts when the old one is over);
   * reaching `maxFailures` locks the key for `lockoutMs`. One atomic statement: concurrent failures all count.
   */
  async recordFailure(key: string, maxFailures: number, windowMs: number, lockoutMs: number): Promise<{ failures: number; lockedUntil: Date | null }> {
    const rows = (await this.db.query(
      `insert into login_throttle as t (key, failures, window_started_at, locked_until)
       values ($1, 1, now(), case when 1 >= $2 then now() + make_interval(secs => $4::double precision / 1000) end)
       on conflict (key) do update set
         failures = case when t.window_started_at < now() - make_interval(secs => $3::double precision / 1000)
                         then 1 else t.failures + 1 end,
         window_started_at = case when t.window_started_at < now() - make_interval(secs => $3::double precision / 1000)
                                  then now() else t.window_started_at end,
         locked_until = case
           when (case when t.window_started_at < now() - make_interval(secs => $3::double precision / 1000)
                      then 1 else t.failures + 1 end) >= $2
           then now() + make_interval(secs => $4::double precision / 1000)
           else t.locked_until end
       returning failures, locked_until`,
      [key, maxFailures, windowMs, lockoutMs],
    )) as { failures: number; locked_until: Date | null }[];
    return { failures: rows[0]!.failures, lockedUntil: rows[0]!.locked_until };
  }

  async clear(key: string): Promise<void> {
    await this.db.query(`delete from login_throttle where key = $1`, [key]);
  }
}
