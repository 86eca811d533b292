import { Injectable } from '@nestjs/common';
import { ApiError, ApiErrorCode } from '../../errors/api-error';
import type { AlertChange } from '../alerts/alerts.service';
import { AlertsService } from '../alerts/alerts.service';
import type { Actor } from '../audit/audit.service';
import { AuditService } from '../audit/audit.service';
import type { IncidentAlertEntity, IncidentEntity, IncidentProcessEntity } from './incident.entity';
import { type IncidentFilter, IncidentsRepository } from './incidents.repository';

/** An incident told as one story: its alerts in time order and the process tree they came from. */
export interface IncidentStory {
  incident: IncidentEntity;
  alerts: IncidentAlertEntity[];
  processes: IncidentProcessEntity[];
}

@Injectable()
export class IncidentsService {
  constructor(
    private readonly incidents: IncidentsRepository,
    private readonly alerts: AlertsService,
    private readonly audit: AuditService,
  ) {}

  list(f: IncidentFilter): Promise<IncidentEntity[]> {
    return this.incidents.list(f);
  }

  async story(id: string): Promise<IncidentStory> {
    const incident = await this.incidents.find(id);
    if (!incident) throw new ApiError(ApiErrorCode.NotFound, `no incident ${id}`);
    const alerts = await this.incidents.alerts(id);
    const pids = [...new Set(alerts.flatMap((a) => (a.ppid !== null && a.ppid > 1 ? [a.pid, a.ppid] : [a.pid])))];
    return { incident, alerts, processes: await this.incidents.processes(incident, pids) };
  }

  /**
   * Triage of the incident, applied to each of its alerts (each alert's change audited as if made on
   * the alert), plus one `incident.update` audit entry.
   */
  async update(id: string, change: AlertChange, actor: Actor): Promise<void> {
    const r = await this.incidents.update(id, { status: change.status, assignee: change.assignee });
    if (!r) throw new ApiError(ApiErrorCode.NotFound, `no incident ${id}`);
    if (r.alertIds.length > 0) await this.alerts.update(r.alertIds, change, actor);
    await this.audit.record(actor, {
      action: 'incident.update',
      target: id,
      details: { alerts: r.alertIds.length, ...(change.status !== undefined ? { from: r.oldStatus, to: change.status } : {}), ...(change.assignee !== undefined ? { assignee: change.assignee, previousAssignee: r.oldAssignee } : {}) },
    });
  }
}
