/** Which time-bucketing function the database offers (TimescaleDB's `time_bucket`, else PostgreSQL's `date_bin`). */
export type BucketFunction = 'time_bucket' | 'date_bin';

/**
 * Every bucket boundary is aligned to this instant, for both functions: TimescaleDB's own default origin
 * for sub-month widths of `timestamptz` (a Monday), given explicitly so that `time_bucket` and `date_bin`
 * (which needs one) put every row into the same bucket.
 */
export const BUCKET_ORIGIN = '2000-01-03T00:00:00Z';

/** What the connected database supports, detected once at start (see DatabaseModule). */
export class SqlFeatures {
  constructor(
    /** Whether the timescaledb extension is installed in this database. */
    readonly timescale: boolean,
  ) {}

  get bucketFunction(): BucketFunction {
    return this.timescale ? 'time_bucket' : 'date_bin';
  }

  /**
   * SQL for the start of the bucket of `column`, `widthParam` being a placeholder bound to an interval
   * text such as '300 seconds'. Both branches give identical answers (same origin, fixed-width buckets).
   */
  bucketSql(widthParam: string, column: string): string {
    const origin = `timestamptz '${BUCKET_ORIGIN}'`;
    return this.timescale
      ? `time_bucket(${widthParam}::interval, ${column}, origin => ${origin})`
      : `date_bin(${widthParam}::interval, ${column}, ${origin})`;
  }
}
