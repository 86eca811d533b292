#!/usr/bin/env node
// Score a labelled set with `analyzer backtest` and report AUC and detection rate at 1% / 5%
// false-alarm rate, overall and per attack kind.
//
// usage: node bench/analyzer-eval/evaluate.mjs --train DIR --test DIR [--scores FILE]
//   labels come from the path: …/attack/<kind>/… is an attack, anything else under --test is normal.
//   --scores FILE reads `path<TAB>score` lines instead of running the backtest.

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const root = resolve(import.meta.dirname, '..', '..');
let text;
if (opt('scores')) text = readFileSync(opt('scores'), 'utf8');
else {
  if (!opt('train') || !opt('test')) {
    console.error('usage: evaluate.mjs --train DIR --test DIR [--scores FILE]');
    process.exit(2);
  }
  const t0 = Date.now();
  text = execFileSync('node', [resolve(root, 'apps/stream-analyzer/dist/main.js'), 'backtest', '--train', opt('train'), '--test', opt('test')], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  console.log(`backtest took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

const rows = text
  .split('\n')
  .filter(Boolean)
  .map((l) => {
    const [path, s] = l.split('\t');
    const m = /\/attack\/([^/]+)\//.exec(path) ?? /\/attack[^/]*\/([^/]+)/.exec(path);
    return { path, score: Number(s), attack: /\/attack/.test(path), kind: m ? m[1] : 'attack' };
  });
if (rows.some((r) => !Number.isFinite(r.score))) throw new Error('non-numeric score in backtest output');

/** AUC by the Mann–Whitney statistic (ties count one half). */
function auc(pos, neg) {
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
function drAt(pos, neg, far) {
  const sorted = [...neg].sort((a, b) => b - a);
  const allowed = Math.floor(far * sorted.length);
  const threshold = sorted[allowed] ?? -Infinity; // strictly above this is an alarm
  return pos.filter((s) => s > threshold).length / pos.length;
}

const neg = rows.filter((r) => !r.attack).map((r) => r.score);
const pos = rows.filter((r) => r.attack);
const pct = (x) => `${(100 * x).toFixed(1)}%`;
console.log(`normal ${neg.length}, attack ${pos.length}`);
console.log(`ALL            AUC ${auc(pos.map((r) => r.score), neg).toFixed(4)}  DR@1%FA ${pct(drAt(pos.map((r) => r.score), neg, 0.01))}  DR@5%FA ${pct(drAt(pos.map((r) => r.score), neg, 0.05))}`);
const kinds = [...new Set(pos.map((r) => r.kind))].sort();
for (const k of kinds) {
  const p = pos.filter((r) => r.kind === k).map((r) => r.score);
  console.log(`${k.padEnd(24)} n=${String(p.length).padStart(4)}  AUC ${auc(p, neg).toFixed(4)}  DR@1%FA ${pct(drAt(p, neg, 0.01))}  DR@5%FA ${pct(drAt(p, neg, 0.05))}`);
}
