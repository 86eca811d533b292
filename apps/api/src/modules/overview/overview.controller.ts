import { Controller, Get, Query } from '@nestjs/common';
import { ApiCookieAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { bucketLabel } from '../activity/time-range';
import { toAlertDto } from '../alerts/alerts.controller';
import { Roles } from '../auth/auth.decorators';
import { OverviewDto, OverviewQueryDto } from './dtos/overview.dto';
import { OverviewService } from './overview.service';

@ApiTags('overview')
@ApiCookieAuth()
@Roles('analyst')
@Controller('overview')
export class OverviewController {
  constructor(private readonly overview: OverviewService) {}

  @Get()
  @ApiOkResponse({ type: OverviewDto })
  async get(@Query() q: OverviewQueryDto): Promise<OverviewDto> {
    const o = await this.overview.overview(q);
    return {
      from: o.range.from.toISOString(),
      to: o.range.to.toISOString(),
      bucket: bucketLabel(o.widthMs),
      endpoints: { total: o.endpoints.total, online: o.endpoints.online, offline: o.endpoints.total - o.endpoints.online },
      eventsPerSecond: o.eventsPerSecond,
      drops: o.endpoints.drops,
      degraded: o.endpoints.degraded,
      alertsBySeverity: o.alertsBySeverity.map((b) => ({ bucket: b.bucket.toISOString(), info: b.info, low: b.low, medium: b.medium, high: b.high, critical: b.critical })),
      newestAlerts: o.newestAlerts.map(toAlertDto),
    };
  }
}
