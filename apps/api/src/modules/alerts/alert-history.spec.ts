import { describe, expect, it } from 'vitest';
import type { AuditEntryEntity } from '../audit/audit-entry.entity';
import { AlertEntity, type AlertNoteEntity } from './alert.entity';
import { alertHistory, aroundAlert } from './alert-history';

const t = (m: number): Date => new Date(Date.UTC(2026, 11, 1, 10, m));

describe('alert history', () => {
  it('orders the raising batch, later occurrences, triage and notes by time; the raising batch appears once', () => {
    const alert = Object.assign(new AlertEntity(), { id: 'a', time: t(0), batchId: 'b0', title: 'nginx ran curl', detector: 'exec', severity: 'high', score: 0.9 });
    const audit = [
      { time: t(7), action: 'alert.status_change', actor: 'ana', details: { from: 'open', to: 'resolved' } },
      { time: t(3), action: 'alert.update', actor: 'bob', details: { assignee: null, previousAssignee: 'ana' } },
    ] as AuditEntryEntity[];
    const notes = [{ time: t(5), author: 'ana', text: 'benign' }] as AlertNoteEntity[];
    const occ = [
      { time: t(0), batchId: 'b0', count: 1, pids: [1] },
      { time: t(4), batchId: 'b4', count: 1, pids: [2] },
    ];
    const h = alertHistory(alert, occ, audit, notes);
    expect(h.map((e) => [e.time.getUTCMinutes(), e.type, e.summary])).toEqual([
      [0, 'raised', 'nginx ran curl'],
      [3, 'assignment', 'unassigned'],
      [4, 'occurrence', '1 more finding'],
      [5, 'note', 'benign'],
      [7, 'status_change', 'status open → resolved'],
    ]);
    expect(aroundAlert(t(60))).toEqual({ from: t(0), to: t(120) });
  });
});
