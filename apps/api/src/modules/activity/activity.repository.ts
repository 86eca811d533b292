import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { SqlFeatures } from '../../database/sql-features';
import type { ActivityBucket } from './activity.entity';
import { bucketInterval, type TimeRange } from './time-range';

interface BucketRow {
  bucket: Date;
  syscalls: string;
  file_opens: string;
  execs: string;
  net_ops: string;
  processes: number;
  alerts: string;
}

/** Time-bucketed reads of the analyzer's `activity` table (one row per batch and program). */
@Injectable()
export class ActivityRepository {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly features: SqlFeatures,
  ) {}

  /**
   * Sums per bucket over [from, to) of one endpoint (and program). `processes` is the largest number of
   * processes seen in one batch window of the bucket (per-window counts of distinct processes cannot
   * be summed), hence the inner grouping by batch. Uses the (endpoint_id, program, time) primary key or
   * (endpoint_id, time) index and prunes partitions/chunks by time.
   */
  async buckets(endpointId: string, range: TimeRange, widthMs: number, program?: string): Promise<ActivityBucket[]> {
    const params: unknown[] = [endpointId, range.from, range.to, bucketInterval(widthMs)];
    if (program !== undefined) params.push(program);
    const rows = (await this.db.query(
      `select bucket, sum(syscalls)::text syscalls, sum(file_opens)::text file_opens, sum(execs)::text execs, sum(net_ops)::text net_ops,
              max(processes)::int processes, sum(alerts)::text alerts
         from (select ${this.features.bucketSql('$4', 'time')} bucket, batch_id,
                      sum(syscalls) syscalls, sum(file_opens) file_opens, sum(execs) execs, sum(net_ops) net_ops,
                      sum(processes) processes, sum(alerts) alerts
                 from activity
                where endpoint_id = $1::uuid and time >= $2 and time < $3 ${program !== undefined ? 'and program = $5' : ''}
                group by 1, batch_id) per_batch
        group by bucket order by bucket`,
      params,
    )) as BucketRow[];
    return rows.map((r) => ({
      bucket: r.bucket,
      syscalls: Number(r.syscalls),
      fileOpens: Number(r.file_opens),
      execs: Number(r.execs),
      netOps: Number(r.net_ops),
      processes: r.processes,
      alerts: Number(r.alerts),
    }));
  }

  /** System calls per second over [from, to) across every endpoint. */
  async eventsPerSecond(range: TimeRange): Promise<number> {
    const rows = (await this.db.query(`select coalesce(sum(syscalls), 0)::text n from activity where time >= $1 and time < $2`, [range.from, range.to])) as { n: string }[];
    return Number(rows[0]?.n ?? 0) / ((range.to.getTime() - range.from.getTime()) / 1000);
  }
}
