import type { Alert, AlertOccurrence } from './alert';
import type { BaselineSummary } from './baseline-summary';
import type { EndpointCheckpoint, ProgramCheckpoint } from './engine';

/*
 * What one database transaction of the analyzer writes, as rows: built from detection results by the
 * consumer's WriteSetBuilder (consumer/write-set.ts), written by the repository
 * (repositories/analyzer.repository.ts). Here, beside the detection types, so that the repository
 * depends on detection only and never on the consumer.
 */

/** One activity row: what one program did on one endpoint in one batch window. */
export interface ActivityRow {
  time: number;
  windowStart: number;
  endpointId: string;
  batchId: string;
  program: string;
  processes: number;
  syscalls: number;
  syscallCounts: Record<string, number>;
  fileOpens: number;
  execs: number;
  netOps: number;
  securityOps: number;
  alerts: number;
}

/** One process run as seen in a batch (upserted into `processes`). */
export interface ProcessRow {
  endpointId: string;
  bootId: string;
  pid: number;
  startTimeNs: string;
  ppid: number;
  exe: string;
  comm: string;
  uid: number;
  containerId: string | null;
  ancestry: string[];
  argv: string[] | null;
  firstSeen: number;
  lastSeen: number;
  exitedAt: number | null;
  exitCode: number | null;
}

/** The checkpoint of one (endpoint, program) after the transaction's batches. */
export interface BaselineRow {
  endpointId: string;
  programKey: string;
  program: string;
  phase: 'learning' | 'active';
  runs: number;
  firstSeen: number;
  lastSeen: number;
  activeSince: number | null;
  summary: BaselineSummary;
  state: ProgramCheckpoint;
}

/** Endpoint status from its latest window batch (urgent batches only move lastSeen: null = keep). */
export interface EndpointRow {
  endpointId: string;
  agentVersion: string;
  eventsPerS: number | null;
  /** Events lost in the window (ring buffer/maps full, kernel-skipped programs, evicted batches). */
  drops: number | null;
  /** Records delivered with a truncated string or an argument that could not be read: not lost. */
  degraded: number | null;
  lastSeen: number;
}

/** An endpoint's learning period and analyzer state (endpoint_learning). */
export interface EndpointLearningRow {
  endpointId: string;
  learningFrom: number;
  learningUntil: number;
  lastBatch: number;
  state: EndpointCheckpoint;
}

/** An occurrence row; `first` marks the alert's own first one (its count is already on the alert). */
export interface OccurrenceRow extends AlertOccurrence {
  first: boolean;
}

/** Everything one database transaction writes for a run of records of one partition. */
export interface WriteSet {
  alerts: Alert[];
  occurrences: OccurrenceRow[];
  activity: ActivityRow[];
  processes: ProcessRow[];
  baselines: BaselineRow[];
  endpoints: EndpointRow[];
  /** baseline_acceptances ids applied in this transaction. */
  acceptances: number[];
  learning: EndpointLearningRow[];
  /** Incidents whose alerts changed (their rows are recomputed from their alerts). */
  incidents: string[];
}

/** An empty write set. */
export function emptyWriteSet(): WriteSet {
  return { alerts: [], occurrences: [], activity: [], processes: [], baselines: [], endpoints: [], acceptances: [], learning: [], incidents: [] };
}
