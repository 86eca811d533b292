#!/usr/bin/env node
// The public labelled syscall-trace benchmark ADFA-LD (UNSW Canberra, Creech & Hu 2013), scored the
// way the outside check does: `analyzer backtest --train Training_Data_Master --test <Validation_Data_Master
// and Attack_Data_Master>`, one pooled program (the set has no program identity), trained on normal
// traces only. Prints AUC and detection at 1% and 5% false alarms, overall and per attack family, and
// the same for two halves (attack runs 1, 3, 5, 7, 9 with validation traces UVD-0001…2180 — the tune
// half — and the other runs with the rest — the held half), so a change chosen on one half can be
// checked on the other.
//
// The set is not in this repository (its licence is the publisher's): point --adfa at a local copy
// (the directory holding Training_Data_Master, Validation_Data_Master, Attack_Data_Master). Any
// subset works (the figures say how many traces they rest on).
//
// Two models: the live engine (this tree's build) and, for reference, the base commit's whole-trace
// model (0dac27c), which the outside check scored on the full set (AUC 0.815, 16% at 1% false alarms;
// issue 14): its figures here say how a subset compares with the full set.
//
// usage: node bench/analyzer-eval/public.mjs --adfa DIR [--no-before] [--references] [--save DIR]   (DIR/<model>.tsv: the scores)
//   --references adds order-7 n-gram language models over ordered traces (ngram-lm.mjs): whole traces,
//   and the first 40 calls only (what an ordered prefix per process would give the engine).
//   build first: npx tsc -b tsconfig.json (the bench runs apps/stream-analyzer/dist/main.js)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BASE_COMMIT, loadBefore } from './before-model.mjs';
import { aucInterval, parseScores, pct, summary } from './metrics.mjs';
import { trainNgramLm } from './ngram-lm.mjs';

const args = process.argv.slice(2);
const opt = (name, def) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : def);
const root = resolve(import.meta.dirname, '..', '..');
const adfa = opt('adfa');
if (!adfa || !existsSync(join(adfa, 'Training_Data_Master'))) {
  console.error('usage: public.mjs --adfa DIR   (DIR holds Training_Data_Master, Validation_Data_Master, Attack_Data_Master)');
  process.exit(2);
}
const FULL = { train: 833, normal: 4372, attack: 746 };
const traces = (dir) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.txt')).sort() : []);
const work = mkdtempSync(join(tmpdir(), 'vigil-public-'));
try {
  // labels and halves from the layout: test/<half>/normal/… and test/<half>/attack/<family>/…
  mkdirSync(join(work, 'train'));
  const n = { train: 0, normal: 0, attack: 0 };
  for (const f of traces(join(adfa, 'Training_Data_Master'))) {
    symlinkSync(resolve(adfa, 'Training_Data_Master', f), join(work, 'train', f));
    n.train++;
  }
  for (const f of traces(join(adfa, 'Validation_Data_Master'))) {
    const h = Number(/(\d+)/.exec(f)?.[1] ?? 0) <= 2180 ? 'tune' : 'held';
    mkdirSync(join(work, 'test', h, 'normal'), { recursive: true });
    symlinkSync(resolve(adfa, 'Validation_Data_Master', f), join(work, 'test', h, 'normal', f));
    n.normal++;
  }
  for (const run of readdirSync(join(adfa, 'Attack_Data_Master')).sort()) {
    const m = /^(.*)_(\d+)$/.exec(run);
    if (!m) continue;
    const h = Number(m[2]) % 2 === 1 ? 'tune' : 'held';
    const dir = join(work, 'test', h, 'attack', m[1]);
    mkdirSync(dir, { recursive: true });
    for (const f of traces(join(adfa, 'Attack_Data_Master', run))) {
      symlinkSync(resolve(adfa, 'Attack_Data_Master', run, f), join(dir, `${run}-${f}`));
      n.attack++;
    }
  }
  const subset = n.train < FULL.train || n.normal < FULL.normal || n.attack < FULL.attack;
  console.log(`ADFA-LD: train ${n.train} of ${FULL.train}, validation ${n.normal} of ${FULL.normal}, attack ${n.attack} of ${FULL.attack}${subset ? ' (a subset)' : ''}`);
  const models = [
    ...(args.includes('--no-before') ? [] : [{ name: `before (${BASE_COMMIT.slice(0, 7)} trace model)`, file: 'before', run: (m) => m.formatScores(m.runBacktest(join(work, 'train'), join(work, 'test'))), load: () => loadBefore(work) }]),
    ...(args.includes('--references')
      ? [
          { name: 'reference: order-7 LM, whole trace', file: 'lm7', run: () => lmScores(Infinity) },
          { name: 'reference: order-7 LM, first 40 calls', file: 'lm7-prefix40', run: () => lmScores(40) },
        ]
      : []),
    { name: 'after (live engine)', file: 'engine', run: () => execFileSync('node', [join(root, 'apps/stream-analyzer/dist/main.js'), 'backtest', '--train', join(work, 'train'), '--test', join(work, 'test')], { encoding: 'utf8', maxBuffer: 1 << 28 }) },
  ];
  let lm;
  const lmScores = (prefix) => {
    lm ??= trainNgramLm(listAll(join(work, 'train')).map(tokensOf), 7);
    return listAll(join(work, 'test')).map((p) => `${p}\t${lm(tokensOf(p), prefix)}`).join('\n');
  };
  const line = (label, s) => console.log(`  ${label.padEnd(22)} normal ${String(s.normal).padStart(5)} attack ${String(s.attack).padStart(4)}  AUC ${s.auc.toFixed(4)}  DR@1% ${pct(s.dr1).padStart(6)}  DR@5% ${pct(s.dr5).padStart(6)}`);
  for (const m of models) {
    const t0 = Date.now();
    const text = m.run(m.load?.());
    const seconds = (Date.now() - t0) / 1000;
    if (opt('save')) {
      mkdirSync(opt('save'), { recursive: true });
      writeFileSync(join(opt('save'), `${m.file}.tsv`), text.replaceAll(`${work}/`, ''));
    }
    const rows = parseScores(text);
    const all = summary(rows);
    console.log(`${m.name} (${seconds.toFixed(1)} s)`);
    line('all', all);
    const [lo, hi] = aucInterval(rows);
    console.log(`  ${''.padEnd(22)} AUC 95% bootstrap interval ${lo.toFixed(3)}–${hi.toFixed(3)} (the draw of the traces alone)`);
    for (const k of [...new Set(rows.filter((r) => r.attack).map((r) => r.kind))].sort()) line(`  ${k}`, summary(rows, k));
    for (const h of ['tune', 'held']) {
      const part = rows.filter((r) => r.path.includes(`/test/${h}/`));
      if (part.some((r) => r.attack) && part.some((r) => !r.attack)) line(`${h} half`, summary(part));
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

/** Every file under `dir` (following the layout's links), sorted. */
function listAll(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isSymbolicLink() || e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

function tokensOf(path) {
  return readFileSync(path, 'utf8').split(/\s+/).filter(Boolean);
}
