// The base commit's whole-trace model (detection/sequence/trace-model.ts, which never ran live),
// taken from git and bundled: the "before" of bench.mjs and public.mjs.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

export const BASE_COMMIT = '0dac27cf175daa900064a0ff0015e93f551e006d';
const BEFORE_FILES = [
  'backtest/backtest.ts',
  'backtest/trace-files.ts',
  'detection/ngram-hash.ts',
  'detection/sequence/trace-model.ts',
  'detection/sequence/language-model.ts',
  'detection/sequence/ngram-bag.ts',
  'detection/sequence/frequency-profile.ts',
];
const root = resolve(import.meta.dirname, '..', '..');

/** The base commit's backtest, from git, bundled into `work` (it depends only on its own files). */
export function loadBefore(work) {
  const src = join(work, 'before', 'src');
  for (const f of BEFORE_FILES) {
    const path = join(src, f);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, execFileSync('git', ['-C', root, 'show', `${BASE_COMMIT}:apps/stream-analyzer/src/${f}`]));
  }
  const out = join(work, 'before', 'backtest.cjs');
  execFileSync(join(root, 'node_modules', '.bin', 'esbuild'), [join(src, 'backtest', 'backtest.ts'), '--bundle', '--platform=node', '--format=cjs', `--outfile=${out}`, '--log-level=warning']);
  return createRequire(import.meta.url)(out);
}
