import { TraceAnomalyModel } from '../detection/sequence/trace-model';
import { SymbolTable, listTraceFiles, readTraceTokens } from './trace-files';

/** One scored test file. */
export interface BacktestScore {
  path: string;
  score: number;
}

/**
 * Train the trace detectors on every file under `trainDir` and score every file under `testDir`
 * (higher = more anomalous). Pure apart from reading the files.
 */
export function runBacktest(trainDir: string, testDir: string): BacktestScore[] {
  const symbols = new SymbolTable();
  const train = listTraceFiles(trainDir).map((p) => symbols.idsOf(readTraceTokens(p)));
  if (train.length === 0) throw new Error(`no training traces under ${trainDir}`);
  const model = TraceAnomalyModel.train(train);
  return listTraceFiles(testDir).map((path) => ({ path, score: model.score(symbols.idsOf(readTraceTokens(path))) }));
}

/** `path<TAB>score` lines as the backtest contract prints them. */
export function formatScores(scores: BacktestScore[]): string {
  return scores.map((s) => `${s.path}\t${Number.isFinite(s.score) ? s.score.toFixed(6) : '0'}`).join('\n') + (scores.length ? '\n' : '');
}
