import { DEFAULT_ENGINE_OPTIONS, DetectionEngine } from '../detection/engine';
import { SEVERITY_RANK } from '../detection/finding';
import type { RuleSet } from '../detection/rules/rule-set';
import type { ProcessActivity } from '../detection/telemetry';
import { listTraceFiles, readTrace, TraceFormatError, type ParsedTrace, type TraceProcess } from './trace-files';
import { imageAt, POOLED, ProgramNames, SymbolTable, TRACE_PROGRAM, traceBatch, traceImages, traceWindows, type TraceIdentity, type TraceTelemetryOptions } from './trace-telemetry';

/** One scored test file. */
export interface BacktestScore {
  path: string;
  score: number;
}

/** The agent's default `ngram_k` and a busy process's calls per batch window. */
export const DEFAULT_TRACE_OPTIONS: TraceTelemetryOptions = { k: 3, windowCalls: 20_000 };

/** Event time between replayed windows (one batch each). */
const STEP_MS = 1_000;

/**
 * What an alert adds to a test file's score, by its severity: an alert of medium or more on a
 * file's processes ranks the file above every file without one (the sequence score is a rank among
 * the program's normal windows, far below this), and a high alert above every medium one.
 */
const ALERT_SCORE = 1_000;

/** The trace processes of one file with the engine pids they replay as. */
interface ReplayedProcess {
  pid: number;
  windows: ProcessActivity[];
}

/** Training files are read and learned, test files read and scored. */
export type BacktestPhase = 'train' | 'test';

/** What a trace backtest read: files per layout, and files it could not read (with why). */
export interface BacktestReport {
  formats: Record<string, number>;
  skipped: { path: string; phase: BacktestPhase; why: string }[];
  /** What the arguments of layouts that record them said: processes whose program they named, and records by kind. */
  detail?: { processes: number; named: number; records: Record<string, number> };
}

export interface BacktestHooks {
  /** Called as files are read and scored (at most every few seconds is the caller's business). */
  progress?: (phase: BacktestPhase, done: number, total: number) => void;
  /** Filled with what was read. */
  report?: BacktestReport;
}

/**
 * Trace backtest on the live engine: every trace becomes the telemetry the agent would send for it
 * (trace-telemetry.ts) and runs through {@link DetectionEngine} as one program on one endpoint.
 * A trace file may hold one process (ADFA-LD) or several (UNM, strace -f, LID-DS, sysdig: see
 * {@link TraceFormat}); each process is a process of its own to the engine. The training traces
 * arrive during the endpoint's learning period; the period then ends and every test file is scored
 * by the engine's per-process anomaly score (the sequence detector's calibrated score), the maximum
 * over its processes' windows, raised by {@link ALERT_SCORE} per severity level above low of the
 * strongest alert the engine raised on its processes. A layout that records arguments gives each
 * process its program, lineage and records ({@link replayProcesses}), so rules, first runs and the
 * exec, file and network baselines judge it too. A training file that is not a trace is skipped; a test file that is
 * not one still gets its line, scored 0, and both are listed in `hooks.report`. Pure apart from
 * reading the files.
 */
export function runBacktest(trainDir: string, testDir: string, rules: RuleSet, options: TraceTelemetryOptions = DEFAULT_TRACE_OPTIONS, hooks: BacktestHooks = {}): BacktestScore[] {
  const report = hooks.report ?? { formats: {}, skipped: [] };
  const symbols = new SymbolTable();
  const programs = new ProgramNames();
  const trainFiles = listTraceFiles(trainDir);
  if (trainFiles.length === 0) throw new Error(`no training traces under ${trainDir}`);
  const testFiles = listTraceFiles(testDir);
  const read = (path: string, phase: BacktestPhase): ParsedTrace | null => {
    try {
      const t = readTrace(path);
      report.formats[t.format] = (report.formats[t.format] ?? 0) + 1;
      return t;
    } catch (e) {
      if (!(e instanceof TraceFormatError)) throw e;
      report.skipped.push({ path, phase, why: e.message });
      return null;
    }
  };
  let pid = 0;
  const windowsOf = (t: ParsedTrace): ReplayedProcess[] => {
    for (const p of t.processes) {
      if (!p.detail) continue;
      const d = (report.detail ??= { processes: 0, named: 0, records: {} });
      d.processes++;
      if (p.detail.comm !== undefined || p.detail.records.some((r) => r.kind === 'exec' && r.ret === 0)) d.named++;
      for (const r of p.detail.records) d.records[r.kind] = (d.records[r.kind] ?? 0) + 1;
    }
    return replayProcesses(t.processes, () => ++pid, symbols, options, programs);
  };

  const trainWindows = [];
  for (const [i, path] of trainFiles.entries()) {
    const t = read(path, 'train');
    if (t) for (const p of windowsOf(t)) trainWindows.push(...p.windows);
    hooks.progress?.('train', i + 1, trainFiles.length);
  }
  if (trainWindows.length === 0) throw new Error(`no readable training traces under ${trainDir}: ${report.skipped[0]?.why ?? ''}`);
  const engine = new DetectionEngine(rules, { ...DEFAULT_ENGINE_OPTIONS, learningPeriodMs: trainWindows.length * STEP_MS });
  let seq = 0;
  const next = (): { sequence: number; time: number } => ({ sequence: seq, time: ++seq * STEP_MS });
  for (const w of trainWindows) {
    const { sequence, time } = next();
    engine.processBatch(traceBatch(w, sequence, time, STEP_MS));
  }

  return testFiles.map((path, i) => {
    const t = read(path, 'test');
    let score = Number.NEGATIVE_INFINITY;
    let alert = 0;
    const procs = t ? windowsOf(t) : [];
    const pids = new Set(procs.map((p) => p.pid));
    for (const p of procs) {
      for (const w of p.windows) {
        const { sequence, time } = next();
        const result = engine.processBatch(traceBatch(w, sequence, time, STEP_MS));
        for (const s of result.scores) if (s.pid === p.pid) score = Math.max(score, s.score);
        // what the engine raised on the file's processes: a known-bad rule, a first run, a deviation
        for (const o of result.occurrences) if (o.severity && o.pids.some((x) => pids.has(x))) alert = Math.max(alert, SEVERITY_RANK[o.severity]);
      }
    }
    hooks.progress?.('test', i + 1, testFiles.length);
    // a trace too short to form one k-gram says nothing about order
    const sequenceScore = Number.isFinite(score) ? score : 0;
    return { path, score: alert >= SEVERITY_RANK.medium ? sequenceScore + (alert - SEVERITY_RANK.low) * ALERT_SCORE : sequenceScore };
  });
}

/**
 * The processes of one trace as the engine replays them, in order of first appearance, each with
 * its process-windows. Where the layout records arguments, a process knows its program (its exec,
 * or its parent's program when it forked without one; otherwise the trace's name for it, resolved
 * through `programs` to the path where a recording of the replay saw a program of that name exec'd),
 * its lineage and its records, and a forked child's first exec goes on its parent's window as the
 * agent sends it.
 */
export function replayProcesses(
  processes: readonly TraceProcess[],
  nextPid: () => number,
  symbols: SymbolTable,
  options: TraceTelemetryOptions,
  programs: ProgramNames = new ProgramNames(),
): ReplayedProcess[] {
  const byKey = new Map(processes.map((p) => [p.key, p]));
  for (const p of processes) for (const r of p.detail?.records ?? []) if (r.kind === 'exec' && r.ret === 0) programs.learn(r.filename);
  const pids = new Map(processes.map((p) => [p.key, nextPid()]));
  const identities = new Map<string, TraceIdentity>();
  const identity = (p: TraceProcess, depth = 0): TraceIdentity => {
    const known = identities.get(p.key);
    if (known) return known;
    const d = p.detail;
    if (!d) return POOLED;
    const parent = d.parent !== undefined && depth < 64 ? byKey.get(d.parent) : undefined;
    const up = parent ? identity(parent, depth + 1) : undefined;
    // the parent's program when it forked this one
    const image = up ? imageAt(up.images, d.forkedAt ?? 0) : undefined;
    const exe = image ? image.exe : d.comm !== undefined ? programs.resolve(d.comm) : null;
    const id: TraceIdentity = {
      images: traceImages({ exe, argv: image ? image.argv : null }, d.records),
      comm: d.comm ?? null,
      uid: d.uid ?? up?.uid ?? POOLED.uid,
      ppid: parent ? pids.get(parent.key)! : 1,
      ancestry: up ? [image!.exe ?? TRACE_PROGRAM, ...up.ancestry] : [],
      ancestorPids: up ? [pids.get(parent!.key)!, ...up.ancestorPids] : [],
      forked: up !== undefined,
      exitCode: d.exitCode ?? null,
      records: d.records,
    };
    identities.set(p.key, id);
    return id;
  };
  const out = processes.map((p) => {
    const pid = pids.get(p.key)!;
    const built = traceWindows(p.calls, symbols.idsOf(p.calls), pid, options, p.threads, identity(p));
    return { key: p.key, pid, ...built };
  });
  // a forked child's first exec is its parent's fork+exec: on the parent's window where it forked the child
  const byProcess = new Map(out.map((o) => [o.key, o]));
  for (const o of out) {
    const d = byKey.get(o.key)!.detail;
    const parent = d?.parent !== undefined ? byProcess.get(d.parent) : undefined;
    if (!parent || o.parentExecs.length === 0) continue;
    const w = parent.mains[Math.min(parent.mains.length - 1, Math.floor((d!.forkedAt ?? 0) / options.windowCalls))]!;
    w.execs.push(...o.parentExecs);
  }
  return out.map((o) => ({ pid: o.pid, windows: o.windows }));
}

/** `path<TAB>score` lines as the backtest contract prints them. */
export function formatScores(scores: BacktestScore[]): string {
  return scores.map((s) => `${s.path}\t${Number.isFinite(s.score) ? s.score.toFixed(6) : '0'}`).join('\n') + (scores.length ? '\n' : '');
}
