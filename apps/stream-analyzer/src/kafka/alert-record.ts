import type { Alert as AvroAlert } from '@vigil/schemas';
import type { Alert } from '../detection/alert';

/** Header carrying the alert id on vigil.alerts.v1 (consumers deduplicate re-deliveries by it). */
export const ALERT_ID_HEADER = 'vigil-alert-id';

function text(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v) ?? '';
}

/** The Avro value (alert.v1.avsc) of an alert as committed to PostgreSQL. */
export function toAvroAlert(a: Alert, lastSeen = a.time): AvroAlert {
  return {
    id: a.id,
    endpointId: a.endpointId,
    time: a.time,
    program: a.program,
    pid: a.pid,
    ancestry: a.ancestry,
    kind: a.kind,
    detector: a.detector,
    severity: a.severity.toUpperCase() as AvroAlert['severity'],
    score: a.score,
    title: a.title,
    mitreTechnique: a.mitre,
    evidence: a.evidence,
    evidenceData: Object.fromEntries(Object.entries(a.data).map(([k, v]) => [k, text(v)])),
    batchId: a.batchId,
    count: a.count,
    firstSeen: a.time,
    lastSeen,
  };
}
