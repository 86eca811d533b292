import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { concatMap, filter, from, type Observable, share, Subject, takeUntil } from 'rxjs';
import { ApiError, ApiErrorCode } from '../../errors/api-error';
import type { Actor } from '../audit/audit.service';
import { AuditService } from '../audit/audit.service';
import { ActivityService } from '../activity/activity.service';
import { SettingsService } from '../settings/settings.service';
import { BaselineRequestsService } from './baseline-requests.service';
import { fillBuckets, type TimeRange } from '../activity/time-range';
import type { AlertEntity, AlertNoteEntity, AlertStatus, SeverityBucket } from './alert.entity';
import { ALERT_ACTIVITY_BUCKET_MS, type AlertDetail, alertHistory, aroundAlert, MAX_HISTORY } from './alert-history';
import { AlertsListener } from './alerts-listener';
import { type AlertFilter, AlertsRepository } from './alerts.repository';
import { decodeCursor, encodeCursor } from './cursor';

/** A change to one or more alerts. */
export interface AlertChange {
  status?: AlertStatus;
  assignee?: string | null;
  note?: string;
}

@Injectable()
export class AlertsService implements OnModuleDestroy {
  private readonly destroyed = new Subject<void>();
  /** Committed alerts, fetched once per notification and shared by every stream subscriber. */
  private readonly live: Observable<AlertEntity>;

  constructor(
    private readonly alerts: AlertsRepository,
    private readonly listener: AlertsListener,
    private readonly audit: AuditService,
    private readonly activity: ActivityService,
    private readonly settings: SettingsService,
    private readonly requests: BaselineRequestsService,
  ) {
    this.live = listener.alertIds.pipe(
      concatMap((id) => from(this.alerts.findById(id).catch(() => undefined))),
      filter((a): a is AlertEntity => a !== undefined),
      takeUntil(this.destroyed),
      share(),
    );
  }

  onModuleDestroy(): void {
    this.destroyed.next();
  }

  async list(f: AlertFilter, limit: number, cursorText?: string): Promise<{ items: AlertEntity[]; nextCursor: string | null }> {
    const cursor = cursorText === undefined ? undefined : decodeCursor(cursorText);
    if (cursorText !== undefined && !cursor) throw new ApiError(ApiErrorCode.ValidationFailed, 'cursor: not a cursor returned by this API');
    const items = await this.alerts.page(f, limit, cursor);
    const last = items[items.length - 1];
    return { items, nextCursor: items.length === limit && last ? encodeCursor({ time: last.time.toISOString(), id: last.id }) : null };
  }

  async get(id: string): Promise<{ alert: AlertEntity; notes: AlertNoteEntity[] }> {
    const alert = await this.alerts.findById(id);
    if (!alert) throw new ApiError(ApiErrorCode.NotFound, `no alert ${id}`);
    return { alert, notes: await this.alerts.notesOf(id) };
  }

  /**
   * The alert with everything an analyst decides on: notes, its history (the batches that raised it
   * and every triage step, time-ordered) and the program's activity around it.
   */
  async detail(id: string): Promise<AlertDetail> {
    const { alert, notes } = await this.get(id);
    const [occurrences, audit, activity] = await Promise.all([
      this.alerts.occurrences(id, MAX_HISTORY),
      this.audit.about(id, ['alert.status_change', 'alert.update', 'baseline.accept', 'baseline.accept_requested', 'baseline.accept_approved', 'baseline.accept_rejected'], MAX_HISTORY),
      this.activity.window(alert.endpointId, aroundAlert(alert.time), ALERT_ACTIVITY_BUCKET_MS, alert.program),
    ]);
    return { alert, notes, history: alertHistory(alert, occurrences, audit, notes), activity };
  }

  /** Alerts per bucket and severity over the range, gap-filled. */
  async severityBuckets(range: TimeRange, widthMs: number): Promise<SeverityBucket[]> {
    const rows = await this.alerts.severityBuckets(range, widthMs);
    return fillBuckets(range, widthMs, rows, (bucket) => ({ bucket, info: 0, low: 0, medium: 0, high: 0, critical: 0 }));
  }

  /** Triage: status, assignee, a note; every status change is audited with its old and new value. */
  async update(ids: string[], change: AlertChange, actor: Actor): Promise<number> {
    const unique = [...new Set(ids)];
    const changed = await this.alerts.update(unique, { status: change.status, assignee: change.assignee });
    if (changed.length === 0) throw new ApiError(ApiErrorCode.NotFound, unique.length === 1 ? `no alert ${unique[0]}` : 'none of these alerts exist');
    for (const c of changed) {
      if (change.status !== undefined && change.status !== c.oldStatus) {
        await this.audit.record(actor, { action: 'alert.status_change', target: c.id, details: { from: c.oldStatus, to: change.status } });
      }
      if (change.assignee !== undefined && change.assignee !== c.oldAssignee) {
        await this.audit.record(actor, { action: 'alert.update', target: c.id, details: { assignee: change.assignee, previousAssignee: c.oldAssignee } });
      }
      if (change.note) await this.alerts.addNote(c.id, { id: actor.id, username: actor.username }, change.note);
    }
    return changed.length;
  }

  /**
   * Queue the alert's program behaviour for the analyzer's baseline of that endpoint, or (`fleet`) of
   * every endpoint running the program — one step for a novelty that recurs on every run; audited.
   * With four-eyes acceptance on, a non-admin's acceptance becomes a request an admin decides on
   * (fleet-wide acceptance is then an admin's alone).
   */
  async acceptIntoBaseline(id: string, actor: Actor, scope: 'endpoint' | 'fleet' = 'endpoint'): Promise<{ acceptanceId: string | null; requestId: string | null; endpoints: number }> {
    const alert = await this.alerts.findById(id);
    if (!alert) throw new ApiError(ApiErrorCode.NotFound, `no alert ${id}`);
    if (actor.role !== 'admin' && (await this.settings.get()).fourEyesBaselineAcceptance) {
      if (scope === 'fleet') throw new ApiError(ApiErrorCode.Forbidden, 'four-eyes baseline acceptance is on: fleet-wide acceptance needs an admin');
      const request = await this.requests.request({ id, endpointId: alert.endpointId, program: alert.program }, actor);
      return { acceptanceId: null, requestId: request.id, endpoints: 0 };
    }
    if (scope === 'fleet') {
      if (alert.acceptance === null) throw new ApiError(ApiErrorCode.Conflict, `alert ${id} comes from a rule: there is no behaviour to accept into a baseline`);
      const programs = acceptedPrograms(alert.acceptance, alert.program);
      const ids = await this.alerts.insertFleetAcceptances({ alertId: id, programs, acceptedBy: actor.username });
      if (ids.length === 0) throw new ApiError(ApiErrorCode.Conflict, `no endpoint has a pending-free baseline of ${programs.join(', ')} to accept into`);
      await this.audit.record(actor, { action: 'baseline.accept', target: id, details: { scope: 'fleet', acceptanceIds: ids, endpoints: ids.length, program: alert.program, programs, kind: alert.kind } });
      return { acceptanceId: ids[0]!, requestId: null, endpoints: ids.length };
    }
    const acceptanceId = await this.alerts.insertBaselineAcceptance({ alertId: id, endpointId: alert.endpointId, program: alert.program, acceptedBy: actor.username });
    await this.audit.record(actor, { action: 'baseline.accept', target: id, details: { acceptanceId, endpointId: alert.endpointId, program: alert.program } });
    return { acceptanceId, requestId: null, endpoints: 1 };
  }

  /** New alerts as they are committed. */
  stream(): Observable<AlertEntity> {
    return this.live;
  }
}

/**
 * The programs an acceptance teaches: the alert's program, or for a process tree's alert (acceptance
 * `{ byProgram: { "<exe>#<hash prefix>": … } }`, see the analyzer's detection/tree-fold.ts) each
 * program of the tree.
 */
export function acceptedPrograms(acceptance: unknown, program: string): string[] {
  const byProgram = (acceptance as { byProgram?: unknown } | null)?.byProgram;
  if (typeof byProgram !== 'object' || byProgram === null) return [program];
  return [...new Set(Object.keys(byProgram).map((k) => k.replace(/#[0-9a-f]{16}$/, '')))].sort();
}
