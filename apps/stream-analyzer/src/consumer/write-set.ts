import type { Alert } from '../detection/alert';
import { summarizeBaseline } from '../detection/baseline-summary';
import type { BatchResult, DetectionEngine } from '../detection/engine';
import { programIdentity } from '../detection/identity';
import type { TelemetryBatch } from '../detection/telemetry';
import { emptyWriteSet, type ActivityRow, type BaselineRow, type EndpointLearningRow, type EndpointRow, type ProcessRow, type WriteSet } from '../detection/write-set-rows';

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

/**
 * The argv of the image a process runs now. Agents send it (`argv`); `execs` are the calls the
 * process *made*, which after fork+exec are the parent's record of the child it started (bash's
 * `execs` hold awk's argv), so they say nothing about the process's own argv. For agents that did
 * not send `argv` (read through the current schema it is null), the last successful exec of its own
 * exe is taken (an exec in place), else null.
 */
export function currentArgv(p: TelemetryBatch['processes'][number]): string[] | null {
  if (p.argv) return p.argv;
  const own = [...p.execs].reverse().find((e) => e.ret === 0 && e.filename === p.exe);
  return own ? own.argv : null;
}

/** Process rows of one batch: exe, argv and parent as the agent knew them when it sent the batch. */
export function processRows(b: TelemetryBatch): ProcessRow[] {
  return b.processes.map((p) => ({
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
    argv: currentArgv(p),
    firstSeen: b.windowStart,
    lastSeen: b.windowEnd,
    exitedAt: p.exited ? b.windowEnd : null,
    exitCode: p.exited ? (p.exitCode ?? null) : null,
  }));
}

/**
 * Merge two rows of one process: the exe, comm, parent and argv of the row the agent took later
 * (larger lastSeen: an urgent batch may arrive before an older window) win — an exec between the
 * two replaced them; an argv missing from it is kept only while the exe is the same (an argv never
 * outlives the image it belongs to); times and exit accumulate.
 */
export function mergeProcessRow(a: ProcessRow, b: ProcessRow): ProcessRow {
  const [older, newer] = b.lastSeen >= a.lastSeen ? [a, b] : [b, a];
  return {
    ...newer,
    firstSeen: Math.min(a.firstSeen, b.firstSeen),
    lastSeen: newer.lastSeen,
    argv: newer.argv ?? (newer.exe === older.exe ? older.argv : null),
    containerId: newer.containerId ?? older.containerId,
    exitedAt: older.exitedAt ?? newer.exitedAt,
    exitCode: older.exitCode ?? newer.exitCode,
  };
}

/**
 * Drop causes that degrade a record without losing it (a string cut at its limit, an argument the
 * kernel could not read): counted and shown, but the endpoint is not "dropping events" for them.
 * Every other cause (ringbuf_full, *_map_full, task_storage, prog_missed, spool_evicted, causes added
 * later) is a loss.
 */
export const DEGRADED_CAUSES: ReadonlySet<string> = new Set(['string_truncated', 'read_failed']);

/** Lost and degraded totals of a batch's drop counters. */
export function dropTotals(drops: Record<string, number>): { lost: number; degraded: number } {
  let lost = 0;
  let degraded = 0;
  for (const [cause, n] of Object.entries(drops)) {
    if (DEGRADED_CAUSES.has(cause)) degraded += n;
    else lost += n;
  }
  return { lost, degraded };
}

/** An urgent batch (the agent's fast path): a few rule-relevant records, no counts, no drop figures. */
export function isUrgentBatch(b: TelemetryBatch): boolean {
  return (b.agentStats?.urgent ?? 0) > 0;
}

/** Endpoint status row of a batch (events/s from the agent's own figure when it sent one). */
export function endpointRow(b: TelemetryBatch): EndpointRow {
  const { lost, degraded } = dropTotals(b.drops);
  // the transport reports spool evictions in whatever batch comes next, urgent ones included
  if (isUrgentBatch(b)) return { endpointId: b.endpointId, agentVersion: b.agentVersion, eventsPerS: null, drops: lost > 0 ? lost : null, degraded: null, lastSeen: b.windowEnd };
  const stats = b.agentStats ?? {};
  const rate = stats.records_per_s ?? stats.events_per_second;
  return {
    endpointId: b.endpointId,
    agentVersion: b.agentVersion,
    eventsPerS: typeof rate === 'number' && Number.isFinite(rate) ? rate : null,
    drops: lost,
    degraded,
    lastSeen: b.windowEnd,
  };
}

/** The endpoint status after two rows: the later one's figures, the earlier's where the later has none. */
export function mergeEndpointRow(prev: EndpointRow, row: EndpointRow): EndpointRow {
  const [older, newer] = prev.lastSeen <= row.lastSeen ? [prev, row] : [row, prev];
  return {
    ...newer,
    eventsPerS: newer.eventsPerS ?? older.eventsPerS,
    drops: newer.drops ?? older.drops,
    degraded: newer.degraded ?? older.degraded,
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
      this.processes.set(k, prev ? mergeProcessRow(prev, row) : row);
    }
    const ep = endpointRow(b);
    const prevEp = this.endpoints.get(ep.endpointId);
    this.endpoints.set(ep.endpointId, prevEp ? mergeEndpointRow(prevEp, ep) : ep);
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
