import { Injectable } from '@nestjs/common';
import { SqlFeatures, type BucketFunction } from '../../database/sql-features';
import { EndpointsService } from '../endpoints/endpoints.service';
import { type ActivityBucket, emptyBucket } from './activity.entity';
import { ActivityRepository } from './activity.repository';
import { bucketLabel, chooseBucket, fillBuckets, resolveRange, type TimeRange } from './time-range';

const DAY_MS = 86_400_000;
/** Activity is kept 30 days (retention): one query may span a little more. */
export const MAX_ACTIVITY_SPAN_MS = 31 * DAY_MS;

/** A gap-filled timeline. */
export interface Timeline {
  range: TimeRange;
  widthMs: number;
  bucketFunction: BucketFunction;
  buckets: ActivityBucket[];
}

@Injectable()
export class ActivityService {
  constructor(
    private readonly activity: ActivityRepository,
    private readonly endpoints: EndpointsService,
    private readonly features: SqlFeatures,
  ) {}

  /** The endpoint's (or one program's) timeline; unknown endpoints are NOT_FOUND, bad ranges VALIDATION_FAILED. */
  async timeline(endpointId: string, q: { program?: string; from?: string; to?: string; bucket?: string }): Promise<Timeline> {
    const range = resolveRange(q.from, q.to, { defaultSpanMs: DAY_MS, maxSpanMs: MAX_ACTIVITY_SPAN_MS });
    const widthMs = chooseBucket(range, q.bucket);
    await this.endpoints.get(endpointId);
    return this.window(endpointId, range, widthMs, q.program);
  }

  /** The timeline of [range) in buckets of `widthMs`, without checking the endpoint. */
  async window(endpointId: string, range: TimeRange, widthMs: number, program?: string): Promise<Timeline> {
    const rows = await this.activity.buckets(endpointId, range, widthMs, program);
    return { range, widthMs, bucketFunction: this.features.bucketFunction, buckets: fillBuckets(range, widthMs, rows, emptyBucket) };
  }

  eventsPerSecond(range: TimeRange): Promise<number> {
    return this.activity.eventsPerSecond(range);
  }

  /** Label of a width (`5m`). */
  label(widthMs: number): string {
    return bucketLabel(widthMs);
  }
}
