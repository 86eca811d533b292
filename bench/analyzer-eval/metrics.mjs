// Ranking metrics of anomaly scores: labels come from the path (…/attack/<kind>/… is an attack).

import { prng } from '@vigil/common/prng';

/** Rows {path, score, attack, kind} from `path<TAB>score` lines. */
export function parseScores(text) {
  const rows = text
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [path, s] = l.split('\t');
      const m = /\/attack\/([^/]+)\//.exec(path) ?? /\/attack[^/]*\/([^/]+)/.exec(path);
      return { path, score: Number(s), attack: /\/attack/.test(path), kind: m ? m[1] : 'attack' };
    });
  if (rows.some((r) => !Number.isFinite(r.score))) throw new Error('non-numeric score in backtest output');
  return rows;
}

/** AUC by the Mann–Whitney statistic (ties count one half). */
export function auc(pos, neg) {
  const all = [...pos.map((s) => [s, 1]), ...neg.map((s) => [s, 0])].sort((a, b) => a[0] - b[0]);
  let rankSumPos = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j < all.length && all[j][0] === all[i][0]) j++;
    const avgRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (all[k][1]) rankSumPos += avgRank;
    i = j;
  }
  return (rankSumPos - (pos.length * (pos.length + 1)) / 2) / (pos.length * neg.length);
}

/** Detection rate at a false-alarm rate: threshold = smallest score with at most `far` of normals above it. */
export function drAt(pos, neg, far) {
  const sorted = [...neg].sort((a, b) => b - a);
  const allowed = Math.floor(far * sorted.length);
  const threshold = sorted[allowed] ?? -Infinity; // strictly above this is an alarm
  return pos.filter((s) => s > threshold).length / pos.length;
}

/** {auc, dr1, dr5, normal, attack} of labelled rows (optionally of one attack kind). */
export function summary(rows, kind) {
  const neg = rows.filter((r) => !r.attack).map((r) => r.score);
  const pos = rows.filter((r) => r.attack && (kind === undefined || r.kind === kind)).map((r) => r.score);
  return { auc: auc(pos, neg), dr1: drAt(pos, neg, 0.01), dr5: drAt(pos, neg, 0.05), normal: neg.length, attack: pos.length };
}

export const pct = (x) => `${(100 * x).toFixed(1)}%`;

/**
 * 95% bootstrap interval of the AUC (normals and attacks resampled separately, seeded): how far a
 * figure on a set this size moves by the draw of its traces alone.
 */
export function aucInterval(rows, rounds = 1000, seed = 1) {
  const neg = rows.filter((r) => !r.attack).map((r) => r.score);
  const pos = rows.filter((r) => r.attack).map((r) => r.score);
  const rand = prng(seed);
  const draw = (xs) => xs.map(() => xs[Math.floor(rand() * xs.length)]);
  const aucs = [];
  for (let i = 0; i < rounds; i++) aucs.push(auc(draw(pos), draw(neg)));
  aucs.sort((a, b) => a - b);
  return [aucs[Math.floor(0.025 * rounds)], aucs[Math.floor(0.975 * rounds)]];
}

