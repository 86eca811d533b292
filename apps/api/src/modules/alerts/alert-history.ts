import type { Timeline } from '../activity/activity.service';
import type { TimeRange } from '../activity/time-range';
import type { AuditEntryEntity } from '../audit/audit-entry.entity';
import type { AlertEntity, AlertNoteEntity, AlertOccurrence } from './alert.entity';

/** Most occurrences and most triage events shown in an alert's history (the newest ones). */
export const MAX_HISTORY = 500;
/** The program's timeline in an alert's detail: an hour either side of the alert, in 5-minute buckets. */
export const ALERT_ACTIVITY_SPAN_MS = 3_600_000;
export const ALERT_ACTIVITY_BUCKET_MS = 300_000;

export const HISTORY_TYPES = ['raised', 'occurrence', 'status_change', 'assignment', 'note', 'baseline_accept'] as const;
export type HistoryType = (typeof HISTORY_TYPES)[number];

/** One step in an alert's life. */
export interface HistoryEvent {
  time: Date;
  type: HistoryType;
  /** Who did it (username), null for the analyzer. */
  actor: string | null;
  /** One line for people. */
  summary: string;
  details: Record<string, unknown>;
}

export interface AlertDetail {
  alert: AlertEntity;
  notes: AlertNoteEntity[];
  history: HistoryEvent[];
  activity: Timeline;
}

/** The window of the program's activity shown with an alert. */
export function aroundAlert(time: Date): TimeRange {
  return { from: new Date(time.getTime() - ALERT_ACTIVITY_SPAN_MS), to: new Date(time.getTime() + ALERT_ACTIVITY_SPAN_MS) };
}

function auditEvent(e: AuditEntryEntity): HistoryEvent {
  const d = e.details;
  switch (e.action) {
    case 'alert.status_change':
      return { time: e.time, type: 'status_change', actor: e.actor, summary: `status ${String(d.from)} → ${String(d.to)}`, details: d };
    case 'baseline.accept':
      return { time: e.time, type: 'baseline_accept', actor: e.actor, summary: 'accepted into the baseline', details: d };
    case 'baseline.accept_requested':
      return { time: e.time, type: 'baseline_accept', actor: e.actor, summary: 'asked an admin to accept it into the baseline', details: d };
    case 'baseline.accept_approved':
      return { time: e.time, type: 'baseline_accept', actor: e.actor, summary: `approved ${String(d.requestedBy)}'s acceptance into the baseline`, details: d };
    case 'baseline.accept_rejected':
      return { time: e.time, type: 'baseline_accept', actor: e.actor, summary: `rejected ${String(d.requestedBy)}'s acceptance into the baseline`, details: d };
    default:
      return { time: e.time, type: 'assignment', actor: e.actor, summary: d.assignee ? `assigned to ${String(d.assignee)}` : 'unassigned', details: d };
  }
}

/**
 * Time-ordered history: the raising batch, every further batch that matched (occurrences), status
 * changes, assignments, notes and baseline acceptances. Ties keep that order (raised first).
 */
export function alertHistory(alert: AlertEntity, occurrences: AlertOccurrence[], audit: AuditEntryEntity[], notes: AlertNoteEntity[]): HistoryEvent[] {
  const events: HistoryEvent[] = [
    { time: alert.time, type: 'raised', actor: null, summary: alert.title, details: { batchId: alert.batchId, detector: alert.detector, severity: alert.severity, score: alert.score } },
    ...occurrences
      .filter((o) => o.batchId !== alert.batchId)
      .map((o): HistoryEvent => ({ time: o.time, type: 'occurrence', actor: null, summary: `${o.count} more finding${o.count === 1 ? '' : 's'}`, details: { batchId: o.batchId, count: o.count, pids: o.pids } })),
    ...audit.map(auditEvent),
    ...notes.map((n): HistoryEvent => ({ time: n.time, type: 'note', actor: n.author, summary: n.text, details: {} })),
  ];
  return events.map((e, i) => ({ e, i })).sort((a, b) => a.e.time.getTime() - b.e.time.getTime() || a.i - b.i).map(({ e }) => e);
}
