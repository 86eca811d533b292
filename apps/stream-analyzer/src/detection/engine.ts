import { alertId, type Alert, type AlertOccurrence } from './alert';
import { ProgramBaseline, type Acceptance, type ProgramBaselineState } from './baseline';
import { execDetector } from './detectors/exec';
import { fileAccessDetector } from './detectors/file-access';
import { networkDetector } from './detectors/network';
import { syscallFrequencyDetector } from './detectors/syscall-frequency';
import { sequenceScore, syscallSequenceDetector } from './detectors/syscall-sequence';
import { extractFeatures } from './features';
import { DEFAULT_THRESHOLDS, SEVERITY_RANK, type DetectionContext, type DetectionThresholds, type Detector, type Finding } from './finding';
import { programIdentity } from './identity';
import type { RuleSet } from './rules/rule-set';
import type { TelemetryBatch } from './telemetry';

/** Engine settings. */
export interface EngineOptions {
  /** How long (event time) a new program's baseline learns before it alerts (VIGIL_BASELINE_LEARNING_PERIOD). */
  learningPeriodMs: number;
  /** Repeats of an alert group within this long (event time) count on the open alert instead of raising a new one. */
  groupWindowMs: number;
  /** A fleet baseline warm-starts a new endpoint's baseline only with at least this many runs… */
  fleetMinRuns: number;
  /** …seen on at least this many endpoints. */
  fleetMinEndpoints: number;
  thresholds: DetectionThresholds;
}

export const DEFAULT_ENGINE_OPTIONS: EngineOptions = {
  learningPeriodMs: 7 * 86_400_000,
  groupWindowMs: 3_600_000,
  fleetMinRuns: 20,
  fleetMinEndpoints: 2,
  thresholds: DEFAULT_THRESHOLDS,
};

/** Fleet baselines by program key (read-only for the engine; provided by the caller). */
export interface FleetBaselines {
  get(programKey: string): ProgramBaseline | undefined;
}

/** Result of one batch. */
export interface BatchResult {
  /** New alerts (idempotent by id). */
  alerts: Alert[];
  /** Every alert group this batch contributed to, new or open. */
  occurrences: AlertOccurrence[];
  /** Programs whose baseline was warm-started from the fleet in this batch. */
  warmStarted: string[];
  /** Per process-window anomaly score of an active baseline (the sequence detector's calibrated score). */
  scores: ProcessScore[];
}

/** One process-window's anomaly score (higher = more anomalous; ≈ 0 for a typical window of its program). */
export interface ProcessScore {
  pid: number;
  startTimeNs: bigint | number;
  programKey: string;
  score: number;
}

/** An open alert group: repeats within the group window join it. */
interface OpenGroup {
  alertId: string;
  lastSeen: number;
  count: number;
}

const BASELINE_DETECTORS: Detector[] = [syscallFrequencyDetector, syscallSequenceDetector, fileAccessDetector, execDetector, networkDetector];

/** Key of an (endpoint, program) baseline in the state. */
export function baselineKey(endpointId: string, programKey: string): string {
  return `${endpointId}\u0000${programKey}`;
}

/**
 * The detection engine: per-(endpoint, program) baselines, the baseline detectors and the known-bad
 * rules, grouping and deterministic alert ids. Pure: no I/O, time comes from the batches (event
 * time), so replaying the same batches from the same snapshot yields the same alerts.
 */
export class DetectionEngine {
  private readonly baselines = new Map<string, ProgramBaseline>();
  private readonly groups = new Map<string, OpenGroup>();

  constructor(
    private readonly rules: RuleSet,
    readonly options: EngineOptions = DEFAULT_ENGINE_OPTIONS,
    private readonly fleet: FleetBaselines = { get: () => undefined },
  ) {}

  /** Run one batch: detect against the baselines as they were, then learn the batch. */
  processBatch(batch: TelemetryBatch): BatchResult {
    const now = batch.windowEnd;
    const warmStarted: string[] = [];
    // findings grouped per (program, detector, key) within the batch
    const pending = new Map<string, { finding: Finding; first: Alert; count: number; pids: number[] }>();
    const learnQueue: [ProgramBaseline, ReturnType<typeof extractFeatures>, string][] = [];
    const scores: ProcessScore[] = [];

    for (const proc of batch.processes) {
      const program = programIdentity(proc);
      const key = baselineKey(batch.endpointId, program.key);
      let baseline = this.baselines.get(key);
      if (!baseline) {
        baseline = this.warmStart(program.key, batch.endpointId) ?? new ProgramBaseline(program);
        if (baseline.active) warmStarted.push(program.key);
        this.baselines.set(key, baseline);
      }
      baseline.updatePhase(now, this.options.learningPeriodMs);
      const features = extractFeatures(proc);
      const ctx: DetectionContext = { batch, process: proc, program, features, baseline, learning: !baseline.active, thresholds: this.options.thresholds };
      const findings = this.rules.evaluate(ctx);
      if (baseline.active) {
        for (const d of BASELINE_DETECTORS) findings.push(...d(ctx));
        const anomaly = sequenceScore(ctx)?.anomaly;
        if (anomaly !== undefined && anomaly !== null) scores.push({ pid: proc.pid, startTimeNs: proc.startTimeNs, programKey: program.key, score: anomaly });
      }
      for (const f of findings) {
        const gk = `${program.key}\u0000${f.detector}\u0000${f.key}`;
        const seen = pending.get(gk);
        if (seen) {
          seen.count++;
          if (!seen.pids.includes(proc.pid)) seen.pids.push(proc.pid);
          if (SEVERITY_RANK[f.severity] > SEVERITY_RANK[seen.first.severity]) seen.first.severity = f.severity;
          continue;
        }
        pending.set(gk, {
          finding: f,
          count: 1,
          pids: [proc.pid],
          first: {
            id: alertId(batch.batchId, f.detector, program.key, f.key),
            endpointId: batch.endpointId,
            batchId: batch.batchId,
            time: now,
            program: program.exe,
            programKey: program.key,
            exeHash: program.exeHash,
            pid: proc.pid,
            ppid: proc.ppid,
            uid: proc.uid,
            comm: proc.comm,
            ancestry: proc.ancestry,
            detector: f.detector,
            kind: f.kind,
            key: f.key,
            severity: f.severity,
            score: f.score,
            mitre: f.mitre,
            title: f.title,
            evidence: f.evidence,
            data: f.data,
            count: 1,
            acceptance: f.acceptance ?? null,
          },
        });
      }
      learnQueue.push([baseline, features, `${batch.host.bootId}/${proc.pid}/${String(proc.startTimeNs)}`]);
    }

    // learn after detecting, so a process's own window never hides its deviations
    for (const [baseline, features, runId] of learnQueue) baseline.learn(features, runId, batch.endpointId, now);

    const alerts: Alert[] = [];
    const occurrences: AlertOccurrence[] = [];
    for (const { first, count, pids } of pending.values()) {
      const gk = `${batch.endpointId}\u0000${first.programKey}\u0000${first.detector}\u0000${first.key}`;
      const open = this.groups.get(gk);
      if (open && now - open.lastSeen <= this.options.groupWindowMs && open.alertId !== first.id) {
        open.lastSeen = now;
        open.count += count;
        occurrences.push({ alertId: open.alertId, batchId: batch.batchId, time: now, count, pids });
        continue;
      }
      first.count = count;
      first.data = { ...first.data, pids };
      this.groups.set(gk, { alertId: first.id, lastSeen: now, count });
      alerts.push(first);
      occurrences.push({ alertId: first.id, batchId: batch.batchId, time: now, count, pids });
    }
    this.expireGroups(now);
    return { alerts, occurrences, warmStarted, scores };
  }

  /** Analyst "accept into baseline": teach the (endpoint, program) baseline; closes the alert group. */
  accept(endpointId: string, programKey: string, acceptance: Acceptance, time: number): boolean {
    const b = this.baselines.get(baselineKey(endpointId, programKey));
    if (!b) return false;
    b.accept(acceptance, time);
    for (const gk of [...this.groups.keys()]) if (gk.startsWith(`${endpointId}\u0000${programKey}\u0000`)) this.groups.delete(gk);
    return true;
  }

  /** The baseline of (endpoint, program), if any. */
  baseline(endpointId: string, programKey: string): ProgramBaseline | undefined {
    return this.baselines.get(baselineKey(endpointId, programKey));
  }

  /** Every baseline held (for fleet aggregation). */
  allBaselines(): IterableIterator<ProgramBaseline> {
    return this.baselines.values();
  }

  /** Serialisable state (checkpoints). `filter` selects endpoints (e.g. one partition's). */
  snapshot(filter: (endpointId: string) => boolean = () => true): EngineSnapshot {
    const baselines: EngineSnapshot['baselines'] = [];
    for (const [k, b] of this.baselines) {
      const endpointId = k.slice(0, k.indexOf('\u0000'));
      if (filter(endpointId)) baselines.push({ endpointId, state: b.toJSON() });
    }
    const groups: EngineSnapshot['groups'] = [];
    for (const [k, g] of this.groups) if (filter(k.slice(0, k.indexOf('\u0000')))) groups.push([k, g.alertId, g.lastSeen, g.count]);
    return { version: 1, baselines, groups };
  }

  /** Load a snapshot (adds to / replaces what is held for those endpoints). */
  restore(s: EngineSnapshot): void {
    if (s.version !== 1) throw new Error(`unsupported engine snapshot version ${String(s.version)}`);
    for (const { endpointId, state } of s.baselines) this.baselines.set(baselineKey(endpointId, state.program.key), ProgramBaseline.fromJSON(state));
    for (const [k, alertId, lastSeen, count] of s.groups) this.groups.set(k, { alertId, lastSeen, count });
  }

  /** Checkpoint of one (endpoint, program): its baseline and its open alert groups. */
  checkpoint(endpointId: string, programKey: string): ProgramCheckpoint | undefined {
    const b = this.baselines.get(baselineKey(endpointId, programKey));
    if (!b) return undefined;
    const prefix = `${endpointId}\u0000${programKey}\u0000`;
    const groups: ProgramCheckpoint['groups'] = [];
    for (const [k, g] of this.groups) {
      if (!k.startsWith(prefix)) continue;
      const rest = k.slice(prefix.length);
      const sep = rest.indexOf('\u0000');
      groups.push([rest.slice(0, sep), rest.slice(sep + 1), g.alertId, g.lastSeen, g.count]);
    }
    return { version: 1, baseline: b.toJSON(), groups };
  }

  /** Load a {@link checkpoint} (replaces what is held for that endpoint and program). */
  restoreCheckpoint(endpointId: string, c: ProgramCheckpoint): void {
    if (c.version !== 1) throw new Error(`unsupported program checkpoint version ${String(c.version)}`);
    const programKey = c.baseline.program.key;
    this.baselines.set(baselineKey(endpointId, programKey), ProgramBaseline.fromJSON(c.baseline));
    const prefix = `${endpointId}\u0000${programKey}\u0000`;
    for (const [detector, key, alertId, lastSeen, count] of c.groups) this.groups.set(`${prefix}${detector}\u0000${key}`, { alertId, lastSeen, count });
  }

  /** Drop everything held for endpoints matching `filter` (partition revoked). */
  forget(filter: (endpointId: string) => boolean): void {
    for (const k of [...this.baselines.keys()]) if (filter(k.slice(0, k.indexOf('\u0000')))) this.baselines.delete(k);
    for (const k of [...this.groups.keys()]) if (filter(k.slice(0, k.indexOf('\u0000')))) this.groups.delete(k);
  }

  private warmStart(programKey: string, endpointId: string): ProgramBaseline | undefined {
    const fleet = this.fleet.get(programKey);
    if (!fleet || !fleetQualifies(fleet, this.options)) return undefined;
    const b = fleet.clone();
    b.sources = new Set([endpointId]);
    return b;
  }

  private expireGroups(now: number): void {
    for (const [k, g] of this.groups) if (now - g.lastSeen > this.options.groupWindowMs) this.groups.delete(k);
  }
}

/** JSON form of the engine's state. */
export interface EngineSnapshot {
  version: 1;
  baselines: { endpointId: string; state: ProgramBaselineState }[];
  /** [group key, alert id, last seen, count]. */
  groups: [string, string, number, number][];
}

/**
 * JSON form of one (endpoint, program)'s state: baseline plus open groups [detector, key, alert id,
 * last seen, count]. Free of NUL characters (PostgreSQL jsonb refuses \u0000).
 */
export interface ProgramCheckpoint {
  version: 1;
  baseline: ProgramBaselineState;
  groups: [string, string, string, number, number][];
}

/** Whether a fleet baseline is enough to warm-start a new endpoint's (active, enough runs and endpoints). */
export function fleetQualifies(fleet: ProgramBaseline, options: Pick<EngineOptions, 'fleetMinRuns' | 'fleetMinEndpoints'>): boolean {
  return fleet.active && fleet.runs >= options.fleetMinRuns && fleet.sources.size >= options.fleetMinEndpoints;
}

/** Merge per-endpoint baselines of one program into a fleet baseline. */
export function fleetBaseline(baselines: ProgramBaseline[]): ProgramBaseline | undefined {
  if (baselines.length === 0) return undefined;
  const fleet = new ProgramBaseline(baselines[0]!.program);
  for (const b of baselines) fleet.merge(b);
  return fleet;
}
