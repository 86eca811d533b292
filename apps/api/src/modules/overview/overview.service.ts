import { Injectable } from '@nestjs/common';
import { ActivityService } from '../activity/activity.service';
import { chooseBucket, resolveRange, type TimeRange } from '../activity/time-range';
import type { AlertEntity, SeverityBucket } from '../alerts/alert.entity';
import { AlertsService } from '../alerts/alerts.service';
import type { EndpointCounts } from '../endpoints/endpoints.repository';
import { EndpointsService } from '../endpoints/endpoints.service';

const DAY_MS = 86_400_000;
/** The fleet's event rate is measured over this much time before `to`. */
export const RATE_WINDOW_MS = 300_000;
export const NEWEST_ALERTS = 10;

export interface Overview {
  range: TimeRange;
  widthMs: number;
  endpoints: EndpointCounts;
  eventsPerSecond: number;
  alertsBySeverity: SeverityBucket[];
  newestAlerts: AlertEntity[];
}

/** The dashboard: composed from the endpoints, activity and alerts services (no table of its own). */
@Injectable()
export class OverviewService {
  constructor(
    private readonly endpoints: EndpointsService,
    private readonly activity: ActivityService,
    private readonly alerts: AlertsService,
  ) {}

  async overview(q: { from?: string; to?: string; bucket?: string }): Promise<Overview> {
    const range = resolveRange(q.from, q.to, { defaultSpanMs: DAY_MS, maxSpanMs: 31 * DAY_MS });
    const widthMs = chooseBucket(range, q.bucket);
    const [endpoints, eventsPerSecond, alertsBySeverity, newest] = await Promise.all([
      this.endpoints.counts(),
      this.activity.eventsPerSecond({ from: new Date(range.to.getTime() - RATE_WINDOW_MS), to: range.to }),
      this.alerts.severityBuckets(range, widthMs),
      this.alerts.list({ from: range.from, to: range.to }, NEWEST_ALERTS),
    ]);
    return { range, widthMs, endpoints, eventsPerSecond, alertsBySeverity, newestAlerts: newest.items };
  }
}
