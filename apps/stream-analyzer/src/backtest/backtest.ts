import { DEFAULT_ENGINE_OPTIONS, DetectionEngine } from '../detection/engine';
import type { RuleSet } from '../detection/rules/rule-set';
import { listTraceFiles, readTraceTokens } from './trace-files';
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

/**
 * Trace backtest on the live engine: every trace becomes the telemetry the agent would send for it
 * (trace-telemetry.ts) and runs through {@link DetectionEngine} as one program on one endpoint.
 * The training traces arrive during the endpoint's learning period; the period then ends and
 * every test trace is scored by the engine's per-process anomaly score (the sequence detector's
 * calibrated score; the maximum over a trace's windows). Pure apart from reading the files.
 */
export function runBacktest(trainDir: string, testDir: string, rules: RuleSet, options: TraceTelemetryOptions = DEFAULT_TRACE_OPTIONS): BacktestScore[] {
  const symbols = new SymbolTable();
  const trainFiles = listTraceFiles(trainDir);
  if (trainFiles.length === 0) throw new Error(`no training traces under ${trainDir}`);
  const testFiles = listTraceFiles(testDir);
  const train = trainFiles.map((p) => {
    const tokens = readTraceTokens(p);
    return { tokens, ids: symbols.idsOf(tokens) };
  });

  const trainWindows = train.flatMap((t, i) => traceWindows(t.tokens, t.ids, i + 1, options));
  const engine = new DetectionEngine(rules, { ...DEFAULT_ENGINE_OPTIONS, learningPeriodMs: trainWindows.length * STEP_MS });
  let seq = 0;
  const next = (): { sequence: number; time: number } => ({ sequence: seq, time: ++seq * STEP_MS });
  for (const w of trainWindows) {
    const { sequence, time } = next();
    engine.processBatch(traceBatch(w, sequence, time, STEP_MS));
  }

  return testFiles.map((path, i) => {
    const tokens = readTraceTokens(path);
    const pid = trainFiles.length + i + 1;
    let score = Number.NEGATIVE_INFINITY;
    for (const w of traceWindows(tokens, symbols.idsOf(tokens), pid, options)) {
      const { sequence, time } = next();
      for (const s of engine.processBatch(traceBatch(w, sequence, time, STEP_MS)).scores) if (s.pid === pid) score = Math.max(score, s.score);
    }
    // a trace too short to form one k-gram says nothing about order
    return { path, score: Number.isFinite(score) ? score : 0 };
  });
}

/** `path<TAB>score` lines as the backtest contract prints them. */
export function formatScores(scores: BacktestScore[]): string {
  return scores.map((s) => `${s.path}\t${Number.isFinite(s.score) ? s.score.toFixed(6) : '0'}`).join('\n') + (scores.length ? '\n' : '');
}
