import type { Alert, AlertOccurrence } from '../detection/alert';
import type { BatchResult, DetectionEngine, EndpointCheckpoint, ProgramCheckpoint } from '../detection/engine';
import { programIdentity } from '../detection/identity';
import type { TelemetryBatch } from '../detection/telemetry';
import { summarizeBaseline, type BaselineSummary } from '../baselines/baseline-summary';

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

/** Endpoint status from its latest batch. */
export interface EndpointRow {
  endpointId: string;
  agentVersion: string;
  eventsPerS: number | null;
  drops: number;
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

/** Activity rows of one batch, one per program (exe), with the alerts the batch raised for it. */
export function activityRows(b: TelemetryBatch, alerts: Alert[]): ActivityRow[] {
  const byProgram = new Map<string, ActivityRow & { pids: Set<number> }>();
  for (const p of b.processes) {
    const program = programIdentity(p).exe;
    let row = byProgram.get(program);
    if (!row) {
      row = {
        time: b.windowEnd,
        windowStart: b.windowStart,
        endpointId: b.endpointId,
        batchId: b.batchId,
        program,
        processes: 0,
        syscalls: 0,
        syscallCounts: {},
        fileOpens: 0,
        execs: 0,
        netOps: 0,
        securityOps: 0,
        alerts: 0,
        pids: new Set(),
      };
      byProgram.set(program, row);
    }
    row.pids.add(p.pid);
    for (const [name, n] of Object.entries(p.syscalls)) {
      row.syscalls += n;
      row.syscallCounts[name] = (row.syscallCounts[name] ?? 0) + n;
    }
    for (const f of p.files) row.fileOpens += f.count;
    for (const o of p.network) row.netOps += o.count;
    row.execs += p.execs.length;
    row.securityOps += p.security.length;
  }
  for (const a of alerts) {
    const row = byProgram.get(a.program);
    if (row) row.alerts++;
  }
  return [...byProgram.values()].map(({ pids, ...row }) => ({ ...row, processes: pids.size }));
}

/** Process rows of one batch (argv: the last successful exec the process made, which is what it runs now). */
export function processRows(b: TelemetryBatch): ProcessRow[] {
  return b.processes.map((p) => {
    const exec = [...p.execs].reverse().find((e) => e.ret === 0);
    return {
      endpointId: b.endpointId,
      bootId: b.host.bootId,
      pid: p.pid,
      startTimeNs: String(p.startTimeNs),
      ppid: p.ppid,
      exe: p.exe,
      comm: p.comm,
      uid: p.uid,
      containerId: p.containerId ?? null,
      ancestry: p.ancestry,
      argv: exec ? exec.argv : null,
      firstSeen: b.windowStart,
      lastSeen: b.windowEnd,
      exitedAt: p.exited ? b.windowEnd : null,
      exitCode: p.exited ? (p.exitCode ?? null) : null,
    };
  });
}

/** Endpoint status row of a batch (events/s from the agent's own figure when it sent one). */
export function endpointRow(b: TelemetryBatch): EndpointRow {
  const stats = b.agentStats ?? {};
  const rate = stats.records_per_s ?? stats.events_per_second;
  return {
    endpointId: b.endpointId,
    agentVersion: b.agentVersion,
    eventsPerS: typeof rate === 'number' && Number.isFinite(rate) ? rate : null,
    drops: Object.values(b.drops).reduce((s, n) => s + n, 0),
    lastSeen: b.windowEnd,
  };
}

/**
 * Accumulates the rows of consecutive batches of one partition for one transaction. Rows that are
 * per-batch (alerts, occurrences, activity) are appended; per-entity rows (baselines, endpoints,
 * processes) keep only their latest version, taken from the engine when the set is sealed.
 */
export class WriteSetBuilder {
  private readonly set = emptyWriteSet();
  private readonly touched = new Map<string, { endpointId: string; programKey: string }>();
  private readonly endpoints = new Map<string, EndpointRow>();
  private readonly processes = new Map<string, ProcessRow>();

  /** Add one processed batch. */
  add(b: TelemetryBatch, result: BatchResult): void {
    const newIds = new Set(result.alerts.map((a) => a.id));
    this.set.alerts.push(...result.alerts);
    for (const o of result.occurrences) this.set.occurrences.push({ ...o, first: newIds.has(o.alertId) && o.batchId === b.batchId });
    this.set.activity.push(...activityRows(b, result.alerts));
    for (const row of processRows(b)) {
      const k = `${row.endpointId}/${row.bootId}/${row.pid}/${row.startTimeNs}`;
      const prev = this.processes.get(k);
      this.processes.set(
        k,
        prev
          ? { ...row, firstSeen: Math.min(prev.firstSeen, row.firstSeen), argv: row.argv ?? prev.argv, exitedAt: row.exitedAt ?? prev.exitedAt, exitCode: row.exitCode ?? prev.exitCode }
          : row,
      );
    }
    const ep = endpointRow(b);
    const prevEp = this.endpoints.get(ep.endpointId);
    if (!prevEp || prevEp.lastSeen <= ep.lastSeen) this.endpoints.set(ep.endpointId, ep);
    for (const p of b.processes) this.touch(b.endpointId, programIdentity(p).key);
  }

  /** Mark a program's checkpoint as changed (e.g. by an acceptance). */
  touch(endpointId: string, programKey: string): void {
    this.touched.set(`${endpointId}\u0000${programKey}`, { endpointId, programKey });
  }

  /** Record an applied acceptance. */
  accepted(id: number): void {
    this.set.acceptances.push(id);
  }

  get empty(): boolean {
    return this.touched.size === 0 && this.set.acceptances.length === 0;
  }

  /** The write set, with the checkpoints of every touched program as the engine holds them now. */
  seal(engine: DetectionEngine): WriteSet {
    const baselines: BaselineRow[] = [];
    for (const { endpointId, programKey } of this.touched.values()) {
      const b = engine.baseline(endpointId, programKey);
      const state = engine.checkpoint(endpointId, programKey);
      if (!b || !state) continue;
      baselines.push({
        endpointId,
        programKey,
        program: b.program.exe,
        phase: b.active ? 'active' : 'learning',
        runs: b.runs,
        firstSeen: Number.isFinite(b.firstSeen) ? b.firstSeen : b.lastSeen,
        lastSeen: b.lastSeen,
        activeSince: b.activeSince,
        summary: summarizeBaseline(b, engine.options.learningPeriodMs),
        state,
      });
    }
    const learning: EndpointLearningRow[] = [];
    for (const endpointId of this.endpoints.keys()) {
      const l = engine.endpointLearning(endpointId);
      const state = engine.endpointCheckpoint(endpointId);
      if (l && state) learning.push({ endpointId, learningFrom: l.learningFrom, learningUntil: l.learningUntil, lastBatch: l.lastBatch, state });
    }
    const incidents = [...new Set(this.set.alerts.flatMap((a) => (a.incidentId ? [a.incidentId] : [])))];
    return { ...this.set, baselines, endpoints: [...this.endpoints.values()], processes: [...this.processes.values()], learning, incidents };
  }
}
