import { Module } from '@nestjs/common';
import { ActivityModule } from '../activity/activity.module';
import { AlertsModule } from '../alerts/alerts.module';
import { EndpointsModule } from '../endpoints/endpoints.module';
import { OverviewController } from './overview.controller';
import { OverviewService } from './overview.service';

/** The dashboard summary (fleet, event rate, alerts by severity, newest alerts). */
@Module({
  imports: [EndpointsModule, ActivityModule, AlertsModule],
  controllers: [OverviewController],
  providers: [OverviewService],
})
export class OverviewModule {}
