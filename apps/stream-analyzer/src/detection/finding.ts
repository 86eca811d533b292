import type { RuleSeverity } from '@vigil/common';
import type { Acceptance, ProgramBaseline } from './baseline';
import type { ProcessFeatures } from './features';
import type { ProgramIdentity } from './identity';
import type { ProcessActivity, TelemetryBatch } from './telemetry';

/** What a detection may raise: the rule severities of @vigil/common (`info` is never raised). */
export type Severity = RuleSeverity;
export const SEVERITY_RANK: Record<Severity, number> = { low: 1, medium: 2, high: 3, critical: 4 };

/** Detector names (stable: part of alert ids). */
export type DetectorName = 'syscall-frequency' | 'syscall-sequence' | 'file-access' | 'exec' | 'network' | 'program' | 'rule';

/** One deviation found in one process-window, before grouping into alerts. */
export interface Finding {
  detector: DetectorName;
  /** Grouping key within the detector (same key = same alert group), e.g. `read /etc/shadow`. */
  key: string;
  /** Alert kind shown to analysts, e.g. `novel-file-access`, or the rule id. */
  kind: string;
  title: string;
  severity: Severity;
  /** 0..100, higher = more anomalous/important. */
  score: number;
  mitre: string | null;
  /** Plain-words evidence ("read /etc/shadow — never seen in 1,204 runs over 3 days"). */
  evidence: string;
  /** Structured evidence. */
  data: Record<string, unknown>;
  /** What "accept into baseline" would teach (absent for rules, which baselines do not silence). */
  acceptance?: Acceptance;
  /** Findings that fold into one alert per program (e.g. new ports on one address); absent: one alert per `key`. */
  group?: FindingGroup;
  /** Each repeat tells the whole story so far (a count that grows): joining its open alert, it re-describes it. */
  redescribe?: boolean;
  /** An alert of its own that names its technique, not one more deviation of its process tree's alert. */
  standsAlone?: boolean;
}

/**
 * How repeated findings of one kind fold into one alert: every finding of a program with the same
 * group key joins one alert (count and examples), and when the distinct items of the open group
 * reach the engine's burst threshold one more alert names the burst (a port scan).
 */
export interface FindingGroup {
  /** e.g. `CONNECT INET 127.0.0.1`. */
  key: string;
  /** The distinct things this finding adds (e.g. the ports). */
  items: string[];
  /** Event time of the first and last item. */
  from: number;
  to: number;
  burst?: BurstSpec;
}

/** The alert raised when a group's distinct items pass the burst threshold within the window. */
export interface BurstSpec {
  kind: string;
  severity: Severity;
  mitre: string;
  /** Title and evidence for `distinct` items over `spanMs` (re-described as the burst grows). */
  describe: (distinct: number, spanMs: number, examples: string[]) => { title: string; evidence: string };
}

/** Everything a detector may look at; detectors are pure functions of this. */
export interface DetectionContext {
  batch: TelemetryBatch;
  process: ProcessActivity;
  program: ProgramIdentity;
  features: ProcessFeatures;
  /** The program's baseline on this endpoint (before this window is learned). */
  baseline: ProgramBaseline;
  /**
   * True while rules marked `baseline: never` must stay silent: only during the endpoint's own
   * learning period. Decided by the engine (the one place that owns the learning policy); a program
   * new to the endpoint and the fleet after that period gets no grace.
   */
  learning: boolean;
  thresholds: DetectionThresholds;
  /** Whether the endpoint (or the fleet) already runs the program at this path (rarity of a new child). */
  knownProgram?: (exe: string) => boolean;
  /**
   * The last write to a path where programs are dropped, from this batch or an earlier one of the
   * endpoint (the engine's recent-writes memory; undefined when there is none or none is kept).
   */
  recentWrite?: (path: string) => RecentWrite | undefined;
}

/** Who wrote a file recently on the endpoint (see the engine's recent-writes memory). */
export interface RecentWrite {
  exe: string;
  pid: number;
  /** When (ms, agent clock: the write-open's firstSeen). */
  time: number;
}

/** Tunable thresholds of the baseline detectors. */
export interface DetectionThresholds {
  /** Minimum syscalls in a window before a distribution shift is judged. */
  minCallsForShift: number;
  /** Frequency-profile distance (0..1) above which a window counts as shifted. */
  shiftDistance: number;
  /** Minimum k-gram occurrences in a window before the sequence detector judges it. */
  minNgramsForSequence: number;
  /** Share of never-seen k-gram occurrences above which a window is anomalous. */
  novelNgramShare: number;
  /** …and at least this many distinct never-seen k-grams (until the program's sequence model is calibrated). */
  novelNgramDistinct: number;
  /**
   * Calibrated sequence anomaly at which a window alerts: −log10 of the chance that one of the
   * program's normal windows is as unusual (4.5: beyond all of its last 256 by about 5 spreads).
   */
  sequenceAnomaly: number;
}

export const DEFAULT_THRESHOLDS: DetectionThresholds = {
  minCallsForShift: 200,
  shiftDistance: 0.3,
  minNgramsForSequence: 50,
  novelNgramShare: 0.05,
  novelNgramDistinct: 4,
  sequenceAnomaly: 4.5,
};

/** A detector: pure, no I/O. */
export type Detector = (ctx: DetectionContext) => Finding[];

/** "1,204 runs over 3 days" — how much history a "never seen" claim rests on. */
export function historyPhrase(b: ProgramBaseline): string {
  const runs = `${b.runs.toLocaleString('en-US')} run${b.runs === 1 ? '' : 's'}`;
  const span = Number.isFinite(b.firstSeen) ? b.lastSeen - b.firstSeen : 0;
  return `${runs} over ${humanDuration(span)}`;
}

/** 3 days / 5 hours / 12 minutes / 40 seconds. */
export function humanDuration(ms: number): string {
  const units: [number, string][] = [
    [86_400_000, 'day'],
    [3_600_000, 'hour'],
    [60_000, 'minute'],
    [1_000, 'second'],
  ];
  for (const [size, name] of units) {
    if (ms >= size) {
      const n = Math.floor(ms / size);
      return `${n} ${name}${n === 1 ? '' : 's'}`;
    }
  }
  return 'less than a second';
}

/** Clamp to 0..100 and round to one decimal. */
export function clampScore(x: number): number {
  return Math.round(Math.max(0, Math.min(100, x)) * 10) / 10;
}

/** List up to `max` items in words: "a, b and 3 more". */
export function listPhrase(items: string[], max = 5): string {
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}
