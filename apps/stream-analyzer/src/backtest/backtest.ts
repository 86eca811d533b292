import { DEFAULT_ENGINE_OPTIONS, DetectionEngine } from '../detection/engine';
import type { RuleSet } from '../detection/rules/rule-set';
import { listTraceFiles, readTrace, TraceFormatError, type ParsedTrace } from './trace-files';
import { SymbolTable, traceBatch, traceWindows, type TraceTelemetryOptions } from './trace-telemetry';

/** One scored test file. */
export interface BacktestScore {
  path: string;
  score: number;
}

/** The agent's default `ngram_k` and a busy process's calls per batch window. */
export const DEFAULT_TRACE_OPTIONS: TraceTelemetryOptions = { k: 3, windowCalls: 20_000 };

/** Event time between replayed windows (one batch each). */
const STEP_MS = 1_000;

/** Training files are read and learned, test files read and scored. */
export type BacktestPhase = 'train' | 'test';

/** What a trace backtest read: files per layout, and files it could not read (with why). */
export interface BacktestReport {
  formats: Record<string, number>;
  skipped: { path: string; phase: BacktestPhase; why: string }[];
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
 * over its processes' windows. A training file that is not a trace is skipped; a test file that is
 * not one still gets its line, scored 0, and both are listed in `hooks.report`. Pure apart from
 * reading the files.
 */
export function runBacktest(trainDir: string, testDir: string, rules: RuleSet, options: TraceTelemetryOptions = DEFAULT_TRACE_OPTIONS, hooks: BacktestHooks = {}): BacktestScore[] {
  const report = hooks.report ?? { formats: {}, skipped: [] };
  const symbols = new SymbolTable();
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
  const windowsOf = (t: ParsedTrace) =>
    t.processes.map((p) => {
      pid++;
      return { pid, windows: traceWindows(p.calls, symbols.idsOf(p.calls), pid, options, p.threads) };
    });

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
    for (const p of t ? windowsOf(t) : []) {
      for (const w of p.windows) {
        const { sequence, time } = next();
        for (const s of engine.processBatch(traceBatch(w, sequence, time, STEP_MS)).scores) if (s.pid === p.pid) score = Math.max(score, s.score);
      }
    }
    hooks.progress?.('test', i + 1, testFiles.length);
    // a trace too short to form one k-gram says nothing about order
    return { path, score: Number.isFinite(score) ? score : 0 };
  });
}

/** `path<TAB>score` lines as the backtest contract prints them. */
export function formatScores(scores: BacktestScore[]): string {
  return scores.map((s) => `${s.path}\t${Number.isFinite(s.score) ? s.score.toFixed(6) : '0'}`).join('\n') + (scores.length ? '\n' : '');
}
