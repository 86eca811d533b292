import { describe, expect, it } from 'vitest';
import { SqlFeatures } from './sql-features';

describe('SqlFeatures', () => {
  it('buckets with time_bucket on TimescaleDB and date_bin otherwise, with the same explicit origin', () => {
    const ts = new SqlFeatures(true);
    const pg = new SqlFeatures(false);
    expect([ts.bucketFunction, pg.bucketFunction]).toEqual(['time_bucket', 'date_bin']);
    expect(ts.bucketSql('$4', 'time')).toBe(`time_bucket($4::interval, time, origin => timestamptz '2000-01-03T00:00:00Z')`);
    expect(pg.bucketSql('$4', 'time')).toBe(`date_bin($4::interval, time, timestamptz '2000-01-03T00:00:00Z')`);
  });
});
