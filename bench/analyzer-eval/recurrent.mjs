#!/usr/bin/env node
// A recurrent language model (apps/stream-analyzer/src/detection/sequence/recurrent-lm.ts, a GRU over
// syscall ids, bundled from source with esbuild) on our labelled corpora, beside the live engine:
// train on train/ normal traces (one pooled model per corpus: the server corpus has no program
// identity, as in ADFA-LD), score val/ and test/, print AUC and detection at 1% and 5% false alarms
// for several trace scores:
//   mean       mean negative log-likelihood per call
//   peak       highest mean NLL over a sliding window of --window calls
//   mean+peak  their sum (both in nats, no calibration needed)
//   excess     mean minus the mean of the --neighbours (1) nearest training traces (3-gram cosine),
//              scored in-sample: the pooled model's surprise calibrated per kind of run
//   excess peak  the same for the peak
//   knn (no LM)  1 − cosine to the nearest training trace alone: what the calibration brings by itself
//   engine     `stream-analyzer backtest` of this tree (the live DetectionEngine; build first:
//              npx tsc -b tsconfig.json), skipped with --no-engine
//   ens(x)     rank average of score x and the engine's score within the scored split (uses no labels)
// Corpora: server (val to choose on, test to report) and real (test only; no val split).
//
// usage: node bench/analyzer-eval/recurrent.mjs [--only server|real] [--hidden 64] [--embed 32]
//          [--epochs 16] [--chunk 96] [--batch 16] [--lr 0.01] [--window 32] [--seed 1]
//          [--budget TOKENS] [--min-count 2] [--eval-epochs] [--kinds] [--no-engine] [--splits val,test]
//          [--neighbours 1] [--save DIR]  (per-trace scores and the model as JSON)
//          [--load DIR]  (score with DIR/<corpus>-model.json instead of training)
//          [--dir DIR]   (DIR/train and DIR/<split> of --splits instead of the built-in corpora)
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseScores, pct, summary } from './metrics.mjs';

const here = import.meta.dirname;
const root = resolve(here, '..', '..');
const args = process.argv.slice(2);
const opt = (name, def) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : def);
const flag = (name) => args.includes(`--${name}`);
const only = opt('only');
const config = {
  hidden: Number(opt('hidden', 64)),
  embed: Number(opt('embed', 32)),
  epochs: Number(opt('epochs', 16)),
  chunk: Number(opt('chunk', 96)),
  batch: Number(opt('batch', 16)),
  lr: Number(opt('lr', 0.01)),
  window: Number(opt('window', 32)),
  seed: Number(opt('seed', 1)),
  minCount: Number(opt('min-count', 2)),
  tokenBudget: Number(opt('budget', 5_000_000)),
};
const work = mkdtempSync(join(tmpdir(), 'vigil-recurrent-'));

try {
  const lmPath = join(work, 'recurrent-lm.mjs');
  // `source`: workspace subpath exports such as @vigil/common/prng resolve to their .ts file (no build
  // needed, and only that file is bundled: not the lib's index and its logger).
  execFileSync(join(root, 'node_modules', '.bin', 'esbuild'), [join(root, 'apps/stream-analyzer/src/detection/sequence/recurrent-lm.ts'), '--bundle', '--platform=node', '--format=esm', '--conditions=source', `--outfile=${lmPath}`, '--log-level=warning']);
  const { RecurrentLm, windowPeak } = await import(lmPath);
  const corpora = [];
  // --dir DIR: any labelled set laid out as DIR/train and DIR/<split>/…/attack/<kind>/… (e.g. a local
  // copy of a public set, see README), scored on --splits (default held)
  if (opt('dir')) corpora.push({ name: 'dir', dir: resolve(opt('dir')), splits: opt('splits', 'held').split(',') });
  for (const name of opt('dir') ? [] : ['server', 'real']) {
    if (only && only !== name) continue;
    const dir = join(work, name);
    mkdirSync(dir);
    execFileSync('tar', ['-xzf', join(here, 'corpus', `${name}.tar.gz`), '-C', dir]);
    const splits = name === 'server' ? opt('splits', 'val,test').split(',') : ['test'];
    corpora.push({ name, dir, splits });
  }
  console.log(`config ${JSON.stringify(config)}`);
  for (const c of corpora) {
    const trainFiles = listFiles(join(c.dir, 'train'));
    const train = trainFiles.map(readTokens);
    const trainTokens = train.reduce((s, t) => s + t.length, 0);
    const sets = Object.fromEntries(
      c.splits.map((s) => {
        const files = listFiles(join(c.dir, s));
        return [s, { files, traces: files.map(readTokens) }];
      }),
    );
    console.log(`\n${c.name}: train ${train.length} traces, ${trainTokens} calls; ${c.splits.map((s) => `${s} ${sets[s].files.length}`).join(', ')}`);

    let model;
    const t0 = process.hrtime.bigint();
    let evalSeconds = 0;
    const load = opt('load') && join(opt('load'), `${c.name}-model.json`);
    model = load ? RecurrentLm.fromJSON(JSON.parse(readFileSync(load, 'utf8'))) : RecurrentLm.init(train, config);
    console.log(`  vocabulary ${model.vocabSize} (with oov and start), ${model.params.length} weights${load ? `, loaded from ${load}` : ''}`);
    if (!load) model.fit(train, (p) => {
      let extra = '';
      if (flag('eval-epochs') && sets.val) {
        const e0 = process.hrtime.bigint();
        const rows = scoreRows(model, sets.val, windowPeak);
        const m = summary(parseScores(rows.map((r) => `${r.path}\t${r.mean}`).join('\n')));
        const k = summary(parseScores(rows.map((r) => `${r.path}\t${r.peak}`).join('\n')));
        extra = `  val mean AUC ${m.auc.toFixed(4)} DR@1% ${pct(m.dr1)} | peak AUC ${k.auc.toFixed(4)} DR@1% ${pct(k.dr1)}`;
        evalSeconds += Number(process.hrtime.bigint() - e0) / 1e9;
      }
      console.log(`  epoch ${p.epoch}: loss ${p.loss.toFixed(4)} nats/call, ${p.tokens} calls, ${p.seconds.toFixed(1)} s${extra}`);
    });
    const trainSeconds = Number(process.hrtime.bigint() - t0) / 1e9 - evalSeconds;
    const trained = Math.min(config.tokenBudget, trainTokens * config.epochs);
    if (!load) console.log(`  training ${trainSeconds.toFixed(1)} s, ${((1e6 * trainSeconds) / trained).toFixed(1)} µs per trained call`);

    // calibration against the nearest normal runs: a pooled model underfits rare kinds of runs, so
    // a trace's surprise is compared with the (in-sample) surprise of its K nearest training traces
    // (cosine of Hellinger-embedded 3-gram counts): `excess` = mean − mean of the neighbours' means;
    // K = 1 chosen on server val (K 1/2/3/5: DR@1% 64.0/60.2/56.9/49.2%, H 64)
    const K = Number(opt('neighbours', 1));
    const trainRows = train.map((t) => model.score(t));
    const trainVecs = train.map(shape);
    const saved = {};
    console.log('  split  score                 normal attack   AUC     DR@1%   DR@5%');
    for (const s of c.splits) {
      const s0 = process.hrtime.bigint();
      const rows = scoreRows(model, sets[s], windowPeak);
      const sec = Number(process.hrtime.bigint() - s0) / 1e9;
      const calls = sets[s].traces.reduce((a, t) => a + t.length, 0);
      console.log(`  ${s}: scored ${calls} calls in ${sec.toFixed(1)} s, ${((1e6 * sec) / calls).toFixed(1)} µs per call`);
      sets[s].traces.forEach((t, i) => {
        const near = nearest(shape(t), trainVecs, Math.max(K, 5));
        const r = rows[i];
        r.near = near;
        near.length = K;
        r.nnDist = 1 - near[0][1];
        r.excess = r.mean - near.reduce((a, [j]) => a + trainRows[j].mean, 0) / near.length;
        r.excessPeak = r.peak - near.reduce((a, [j]) => a + trainRows[j].peak, 0) / near.length;
      });
      const views = { mean: (r) => r.mean, peak: (r) => r.peak, 'mean+peak': (r) => r.mean + r.peak, excess: (r) => r.excess, 'excess peak': (r) => r.excessPeak, 'knn (no LM)': (r) => r.nnDist };
      if (!flag('no-engine')) {
        const text = execFileSync('node', [join(root, 'apps/stream-analyzer/dist/main.js'), 'backtest', '--train', join(c.dir, 'train'), '--test', join(c.dir, s)], { encoding: 'utf8', maxBuffer: 1 << 28 });
        const eng = new Map(parseScores(text).map((r) => [r.path, r.score]));
        for (const r of rows) {
          if (!eng.has(r.path)) throw new Error(`engine gave no score for ${r.path}`);
          r.engine = eng.get(r.path);
        }
        const re = ranks(rows.map((r) => r.engine));
        const lmViews = Object.entries(views);
        views.engine = (r) => r.engine;
        for (const [v, f] of lmViews) {
          const rv = ranks(rows.map(f));
          const key = `ens(${v})`;
          rows.forEach((r, i) => (r[key] = re[i] + rv[i]));
          views[key] = (r) => r[key];
        }
      }
      for (const [v, f] of Object.entries(views)) {
        const parsed = parseScores(rows.map((r) => `${r.path}\t${f(r)}`).join('\n'));
        const q = summary(parsed);
        console.log(`  ${s.padEnd(5)}  ${v.padEnd(20)} ${String(q.normal).padStart(6)} ${String(q.attack).padStart(6)}   ${q.auc.toFixed(4)}  ${pct(q.dr1).padStart(6)}  ${pct(q.dr5).padStart(6)}`);
        if (flag('kinds'))
          for (const k of [...new Set(parsed.filter((x) => x.attack).map((x) => x.kind))].sort()) {
            const kk = summary(parsed, k);
            console.log(`           ${k.padEnd(26)} ${String(kk.attack).padStart(6)}   ${kk.auc.toFixed(4)}  ${pct(kk.dr1).padStart(6)}  ${pct(kk.dr5).padStart(6)}`);
          }
      }
      saved[s] = rows.map((r) => ({ ...r, path: relative(c.dir, r.path) }));
    }
    if (opt('save')) {
      mkdirSync(opt('save'), { recursive: true });
      const trainSaved = trainRows.map((r, i) => ({ path: relative(c.dir, trainFiles[i]), mean: r.mean, peak: r.peak, calls: r.nll.length }));
      writeFileSync(join(opt('save'), `${c.name}-scores.json`), JSON.stringify({ config, trainSeconds, train: trainSaved, splits: saved }));
      writeFileSync(join(opt('save'), `${c.name}-model.json`), JSON.stringify(model.toJSON()));
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

/** Every regular file under `dir`, sorted (as the backtest lists them). */
function listFiles(dir) {
  return execFileSync('find', ['-L', dir, '-type', 'f', '-not', '-name', '.*'], { encoding: 'utf8' }).split('\n').filter(Boolean).sort();
}

/** Whitespace-separated tokens of one trace (as the backtest reads them). */
function readTokens(path) {
  return readFileSync(path, 'utf8').split(/\s+/).filter(Boolean);
}

/** {path, mean, peak, calls, oov} of each trace of a split. */
function scoreRows(model, set, windowPeak) {
  return set.files.map((path, i) => {
    const s = model.score(set.traces[i]);
    return { path, mean: s.mean, peak: s.peak, calls: s.nll.length, oov: s.oov, peak16: windowPeak(s.nll, 16), peak64: windowPeak(s.nll, 64), peak128: windowPeak(s.nll, 128), max: windowPeak(s.nll, 1) };
  });
}

/** Hellinger embedding of a trace's 3-gram counts (unit length), as a Map. */
function shape(t) {
  const m = new Map();
  for (let i = 2; i < t.length; i++) {
    const k = `${t[i - 2]} ${t[i - 1]} ${t[i]}`;
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  let n = 0;
  for (const c of m.values()) n += c;
  for (const [k, c] of m) m.set(k, Math.sqrt(c / Math.max(n, 1)));
  return m;
}

/** [index, cosine] of the k nearest of `vecs` to `v`, nearest first. */
function nearest(v, vecs, k) {
  const sims = vecs.map((w, i) => {
    let d = 0;
    const [a, b] = v.size < w.size ? [v, w] : [w, v];
    for (const [key, x] of a) {
      const y = b.get(key);
      if (y !== undefined) d += x * y;
    }
    return [i, d];
  });
  return sims.sort((x, y) => y[1] - x[1]).slice(0, k);
}

/** Average ranks (1-based, ties share) of `xs`. */
function ranks(xs) {
  const idx = xs.map((_, i) => i).sort((a, b) => xs[a] - xs[b]);
  const out = new Array(xs.length);
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j < idx.length && xs[idx[j]] === xs[idx[i]]) j++;
    for (let k = i; k < j; k++) out[idx[k]] = (i + 1 + j) / 2;
    i = j;
  }
  return out;
}
