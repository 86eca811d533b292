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
import { parseScores, pct, summary } from './metrics.mjs';

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

const rows = parseScores(text);
const all = summary(rows);
console.log(`normal ${all.normal}, attack ${all.attack}`);
console.log(`ALL            AUC ${all.auc.toFixed(4)}  DR@1%FA ${pct(all.dr1)}  DR@5%FA ${pct(all.dr5)}`);
for (const k of [...new Set(rows.filter((r) => r.attack).map((r) => r.kind))].sort()) {
  const s = summary(rows, k);
  console.log(`${k.padEnd(24)} n=${String(s.attack).padStart(4)}  AUC ${s.auc.toFixed(4)}  DR@1%FA ${pct(s.dr1)}  DR@5%FA ${pct(s.dr5)}`);
}
