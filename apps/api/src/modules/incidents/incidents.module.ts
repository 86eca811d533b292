import { Module } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module';
import { AuditModule } from '../audit/audit.module';
import { IncidentsController } from './incidents.controller';
import { IncidentsRepository } from './incidents.repository';
import { IncidentsService } from './incidents.service';

/** Incidents: the analyzer's grouping of one process tree's alerts; triage here applies to those alerts. */
@Module({
  imports: [AlertsModule, AuditModule],
  controllers: [IncidentsController],
  providers: [IncidentsRepository, IncidentsService],
})
export class IncidentsModule {}
