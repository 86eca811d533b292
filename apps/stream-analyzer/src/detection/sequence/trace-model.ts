import { ngramKeysByStart } from '../ngram-hash';
import { FrequencyProfile } from './frequency-profile';
import { SyscallLanguageModel } from './language-model';
import { NgramBagProfile, bagOfOrder } from './ngram-bag';

/** Tunables of the whole-trace model; the defaults are what the backtest uses. */
export interface TraceModelOptions {
  /** Highest n-gram order of the language model. */
  maxOrder: number;
  /** k values of the bag profiles (the online sequence detector's view at several k). */
  bagOrders: number[];
  /** Sliding window (syscalls) for the local-surprise score. */
  window: number;
  /** Prototype bound of the frequency profile. */
  maxPrototypes: number;
  /** Also count consecutive syscall pairs in the frequency profile (order-2 histogram). */
  frequencyPairs: boolean;
  /** Weights of the calibrated sub-scores, by name. */
  weights: Record<SubScoreName, number>;
}

/** The detectors' raw views of one trace. */
export type SubScoreName = 'meanSurprise' | 'peakSurprise' | 'bagRarity' | 'frequencyShift';
export type SubScores = Record<SubScoreName, number>;

export const DEFAULT_TRACE_MODEL_OPTIONS: TraceModelOptions = {
  maxOrder: 6,
  bagOrders: [2, 3, 4, 5, 6, 7, 8],
  window: 12,
  maxPrototypes: 4096,
  frequencyPairs: true,
  // the bag view is the weakest alone (it is what stide sees) and mostly repeats the language model
  weights: { meanSurprise: 1, peakSurprise: 1, bagRarity: 0.5, frequencyShift: 1 },
};

/**
 * The detectors trained together on whole traces (backtests, or any source with complete syscall
 * sequences): the sequence language model (mean and peak windowed surprise), the hashed k-gram bag
 * rarity at several k (what the online sequence detector computes from agent k-gram counts), and
 * the syscall frequency profile. Each raw score is put on a common scale by a robust z-score
 * against held-out normal traces (2-fold cross-fit on the training set), then combined.
 */
export class TraceAnomalyModel {
  private lm: SyscallLanguageModel;
  private bags: NgramBagProfile[];
  private freq: FrequencyProfile;
  /** Per sub-score robust location/scale of held-out normal scores. */
  private calibration: Record<SubScoreName, { median: number; scale: number }> | undefined;

  constructor(readonly options: TraceModelOptions = DEFAULT_TRACE_MODEL_OPTIONS) {
    this.lm = new SyscallLanguageModel(options.maxOrder);
    this.bags = options.bagOrders.map((k) => new NgramBagProfile(k));
    this.freq = new FrequencyProfile(options.maxPrototypes, 0.0);
  }

  /** Train on normal traces (symbol ids), calibrating sub-scores by 2-fold cross-fitting. */
  static train(traces: number[][], options: TraceModelOptions = DEFAULT_TRACE_MODEL_OPTIONS): TraceAnomalyModel {
    const model = new TraceAnomalyModel(options);
    for (const t of traces) model.learn(t);
    if (traces.length >= 4) {
      const held: SubScores[] = [];
      for (let fold = 0; fold < 2; fold++) {
        const part = new TraceAnomalyModel(options);
        traces.forEach((t, i) => i % 2 !== fold && part.learn(t));
        traces.forEach((t, i) => i % 2 === fold && held.push(part.subScores(t)));
      }
      model.calibration = calibrate(held);
    }
    return model;
  }

  /** Learn one normal trace. */
  learn(ids: number[]): void {
    if (ids.length === 0) return;
    this.lm.observe(ids);
    const K = Math.max(...this.options.bagOrders);
    const keys = ngramKeysByStart(ids, K);
    for (const b of this.bags) b.learn(bagOfOrder(keys, ids.length, K, b.k));
    this.freq.learn(histogram(ids, this.options.frequencyPairs));
  }

  /** Raw sub-scores of one trace (higher = more anomalous). */
  subScores(ids: number[]): SubScores {
    if (ids.length === 0) return { meanSurprise: 0, peakSurprise: 0, bagRarity: 0, frequencyShift: 0 };
    const nll = this.lm.negLogLikelihoods(ids);
    let sum = 0;
    for (const x of nll) sum += x;
    const w = Math.min(this.options.window, ids.length);
    let win = 0;
    for (let i = 0; i < w; i++) win += nll[i]!;
    let peak = win;
    for (let i = w; i < ids.length; i++) {
      win += nll[i]! - nll[i - w]!;
      if (win > peak) peak = win;
    }
    const K = Math.max(...this.options.bagOrders);
    const keys = ngramKeysByStart(ids, K);
    let rarity = 0;
    let orders = 0;
    for (const b of this.bags) {
      if (ids.length < b.k) continue;
      rarity += b.score(bagOfOrder(keys, ids.length, K, b.k)).rarity;
      orders++;
    }
    return {
      meanSurprise: sum / ids.length,
      peakSurprise: peak / w,
      bagRarity: orders ? rarity / orders : 0,
      frequencyShift: this.freq.shift(histogram(ids, this.options.frequencyPairs)),
    };
  }

  /** Combined anomaly score of one trace. */
  score(ids: number[]): number {
    const raw = this.subScores(ids);
    const names = Object.keys(raw) as SubScoreName[];
    if (!this.calibration) return names.reduce((s, n) => s + raw[n] * this.options.weights[n], 0);
    let total = 0;
    let wsum = 0;
    for (const n of names) {
      const c = this.calibration[n];
      const z = (raw[n] - c.median) / c.scale;
      total += this.options.weights[n] * z;
      wsum += this.options.weights[n];
    }
    return total / (wsum || 1);
  }
}

function histogram(ids: number[], pairs: boolean): Map<string, number> {
  const h = new Map<string, number>();
  for (let i = 0; i < ids.length; i++) {
    const k = String(ids[i]);
    h.set(k, (h.get(k) ?? 0) + 1);
    if (pairs && i > 0) {
      const p = `${ids[i - 1]},${k}`;
      h.set(p, (h.get(p) ?? 0) + 1);
    }
  }
  return h;
}

/** Robust location (median) and scale (MAD-based, floored) of each sub-score over held-out normal traces. */
function calibrate(rows: SubScores[]): Record<SubScoreName, { median: number; scale: number }> {
  const names = Object.keys(rows[0]!) as SubScoreName[];
  const out = {} as Record<SubScoreName, { median: number; scale: number }>;
  for (const n of names) {
    const xs = rows.map((r) => r[n]).sort((a, b) => a - b);
    const median = quantile(xs, 0.5);
    const mad = quantile(xs.map((x) => Math.abs(x - median)).sort((a, b) => a - b), 0.5);
    const iqr = quantile(xs, 0.75) - quantile(xs, 0.25);
    // MAD/IQR are 0 when most held-out traces score identically (repeated identical runs); then the
    // mean absolute deviation keeps one degenerate sub-score from dominating the sum.
    let scale = Math.max(1.4826 * mad, iqr / 1.349);
    if (scale < 1e-9) scale = (1.2533 * xs.reduce((s, x) => s + Math.abs(x - median), 0)) / xs.length;
    out[n] = { median, scale: scale > 1e-9 ? scale : 1 };
  }
  return out;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}
