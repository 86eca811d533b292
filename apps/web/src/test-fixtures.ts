import type { Alert, AlertDetail } from './modules/alerts/types/alert';
import type { Endpoint } from './modules/endpoints/types/endpoint';

export const ENDPOINT: Endpoint = {
  id: '11111111-1111-4111-8111-111111111111',
  name: 'web-01',
  createdAt: '2026-12-01T10:00:00.000Z',
  revokedAt: null,
  lastSeenAt: new Date().toISOString(),
  agentVersion: '0.1.0',
  eventsPerS: 1520.5,
  drops: 0,
  degraded: 0,
  learning: { from: '2026-12-01T10:00:00.000Z', until: '2026-12-08T10:00:00.000Z', lastBatch: '2026-12-04T22:00:00.000Z', progress: 0.5, learning: true },
};

export function alert(n: number, over: Partial<Alert> = {}): Alert {
  return {
    id: `alert-${n}`,
    endpointId: ENDPOINT.id,
    time: new Date(Date.UTC(2026, 11, 1, 12, 0, 0) - n * 60_000).toISOString(),
    program: '/usr/bin/curl',
    programKey: '/usr/bin/curl',
    exeHash: null,
    pid: 4000 + n,
    ppid: 3999,
    uid: 1000,
    comm: 'curl',
    ancestry: ['/usr/bin/bash', '/usr/sbin/sshd', '/usr/lib/systemd/systemd'],
    kind: 'novel_syscall',
    detector: 'syscall-frequency',
    severity: 'high',
    score: 7.25,
    title: `curl made system calls it never made before #${n}`,
    mitre: 'T1059.004',
    evidence: 'curl called ptrace 12 times; its baseline of 40 runs never did.',
    count: 1,
    lastSeen: null,
    status: 'open',
    assignee: null,
    incidentId: null,
    ...over,
  } as Alert;
}

export function alertDetail(over: Partial<AlertDetail> = {}): AlertDetail {
  return {
    ...alert(1),
    evidenceData: { novelSyscalls: ['ptrace'], calls: 12 },
    acceptance: null,
    groupKey: 'novel:ptrace',
    batchId: 'batch-1',
    notes: [],
    history: [
      { time: '2026-12-01T11:59:00.000Z', type: 'raised', actor: null, summary: 'raised by syscall-frequency', details: {} },
      { time: '2026-12-01T12:05:00.000Z', type: 'status_change', actor: 'alice', summary: 'open → acknowledged', details: {} },
    ],
    activity: { from: '2026-12-01T11:00:00.000Z', to: '2026-12-01T13:00:00.000Z', bucket: '5m', buckets: [] },
    ...over,
  } as AlertDetail;
}
