import { createHash } from 'node:crypto';
import type { Acceptance } from './baseline';
import type { TreeAcceptance } from './tree-fold';
import type { DetectorName, Severity } from './finding';

/** An alert as the analyzer emits it (written to PostgreSQL and vigil.alerts.v1). */
export interface Alert {
  /** Deterministic: uuid-shaped sha256 of (batch id, detector, program, key) — replays are idempotent. */
  id: string;
  endpointId: string;
  batchId: string;
  /** Event time (ms): the batch window's end. */
  time: number;
  program: string;
  programKey: string;
  exeHash: string | null;
  pid: number;
  ppid: number;
  uid: number;
  comm: string;
  ancestry: string[];
  detector: DetectorName;
  kind: string;
  /** Grouping key within the detector. */
  key: string;
  severity: Severity;
  score: number;
  mitre: string | null;
  title: string;
  evidence: string;
  data: Record<string, unknown>;
  /** Occurrences in the first batch (later batches add {@link AlertOccurrence}s). */
  count: number;
  /** What "accept into baseline" teaches, if the alert came from a baseline (per program for a tree's alert). */
  acceptance: Acceptance | TreeAcceptance | null;
  /** The incident (alerts of one process tree within minutes) it belongs to, if any. */
  incidentId: string | null;
}

/**
 * One batch's contribution to an alert group: the first batch's occurrence has the alert's own
 * id; repeats in later batches reference it. Keyed (alertId, batchId), so a replayed batch
 * overwrites rather than double-counts.
 */
export interface AlertOccurrence {
  alertId: string;
  batchId: string;
  time: number;
  count: number;
  pids: number[];
  /** The most severe finding this batch added (a tree's alert may rise over its batches). */
  severity?: Severity;
  /**
   * A grown burst re-describes its alert (title, evidence, data) with the new count; a repeat that
   * teaches more widens the alert's acceptance.
   */
  update?: { title?: string; evidence?: string; data?: Record<string, unknown>; acceptance?: Acceptance | TreeAcceptance; severity?: Severity; score?: number; mitre?: string | null; kind?: string; detector?: DetectorName; incidentId?: string };
}

/** The alert id for (batch, detector, program, key): a uuid-formatted prefix of sha256. */
export function alertId(batchId: string, detector: string, programKey: string, key: string): string {
  const h = createHash('sha256').update(`${batchId}\u0000${detector}\u0000${programKey}\u0000${key}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
