import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ActivityModule } from '../activity/activity.module';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { SettingsModule } from '../settings/settings.module';
import { BaselineRequestsController } from './baseline-requests.controller';
import { BaselineRequestsRepository } from './baseline-requests.repository';
import { BaselineRequestsService } from './baseline-requests.service';
import { AlertNoteEntity } from './alert.entity';
import { AlertsController } from './alerts.controller';
import { AlertsListener } from './alerts-listener';
import { AlertsRepository } from './alerts.repository';
import { AlertsService } from './alerts.service';

/**
 * Alert triage over the analyzer's `alerts` table (its schema belongs to the analyzer: this module
 * only reads it and sets `status`/`assignee`). Kept apart so a schema change there touches one folder.
 */
@Module({
  imports: [TypeOrmModule.forFeature([AlertNoteEntity]), AuditModule, AuthModule, ActivityModule, SettingsModule],
  controllers: [AlertsController, BaselineRequestsController],
  providers: [AlertsRepository, AlertsService, AlertsListener, BaselineRequestsRepository, BaselineRequestsService],
  exports: [AlertsService],
})
export class AlertsModule {}
