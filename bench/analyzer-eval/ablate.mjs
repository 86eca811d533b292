#!/usr/bin/env node
// Sub-score ablation for the backtest model: AUC / DR@1% of each detector view alone and of the
// combination, on a labelled set (same layout as evaluate.mjs). For tuning, not part of the product.
// usage: node bench/analyzer-eval/ablate.mjs TRAIN_DIR TEST_DIR
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
const require = createRequire(import.meta.url);
const root = resolve(import.meta.dirname, '..', '..');
const { TraceAnomalyModel, DEFAULT_TRACE_MODEL_OPTIONS } = require(resolve(root, 'apps/stream-analyzer/dist/detection/sequence/trace-model.js'));
const { SymbolTable, listTraceFiles, readTraceTokens } = require(resolve(root, 'apps/stream-analyzer/dist/backtest/trace-files.js'));
const [trainDir, testDir] = process.argv.slice(2);
const sym = new SymbolTable();
const train = listTraceFiles(trainDir).map((p) => sym.idsOf(readTraceTokens(p)));
const tests = listTraceFiles(testDir).map((p) => ({ attack: /\/attack/.test(p), ids: sym.idsOf(readTraceTokens(p)) }));
function auc(pos, neg) {
  let s = 0;
  for (const p of pos) for (const n of neg) s += p > n ? 1 : p === n ? 0.5 : 0;
  return s / (pos.length * neg.length);
}
function dr(pos, neg, far) {
  const t = [...neg].sort((a, b) => b - a)[Math.floor(far * neg.length)];
  return pos.filter((s) => s > t).length / pos.length;
}
const report = (name, scores) => {
  const pos = scores.filter((_, i) => tests[i].attack), neg = scores.filter((_, i) => !tests[i].attack);
  console.log(`${name.padEnd(40)} AUC ${auc(pos, neg).toFixed(4)}  DR@1% ${(100 * dr(pos, neg, 0.01)).toFixed(1)}%  DR@5% ${(100 * dr(pos, neg, 0.05)).toFixed(1)}%`);
};
const model = TraceAnomalyModel.train(train, DEFAULT_TRACE_MODEL_OPTIONS);
const subs = tests.map((t) => model.subScores(t.ids));
for (const k of Object.keys(subs[0])) report(k, subs.map((s) => s[k]));
report('combined (default)', tests.map((t) => model.score(t.ids)));
const names = Object.keys(subs[0]);
for (const drop of names) {
  const w = Object.fromEntries(names.map((n) => [n, n === drop ? 0 : 1]));
  const m = Object.assign(Object.create(Object.getPrototypeOf(model)), model, { options: { ...model.options, weights: w } });
  report(`without ${drop}`, tests.map((t) => m.score(t.ids)));
}
