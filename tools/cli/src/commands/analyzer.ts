import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { REPO_ROOT } from '../paths';

const ANALYZER_MAIN = join(REPO_ROOT, 'apps', 'stream-analyzer', 'dist', 'main.js');

/** Run the analyzer's own entry point with stdio passed through; resolves to its exit code. */
function runAnalyzer(args: string[]): Promise<number> {
  if (!existsSync(ANALYZER_MAIN)) throw new Error(`the stream analyzer is not built (${ANALYZER_MAIN} missing): run npx tsc -b tsconfig.json`);
  return new Promise((res) => {
    const child = spawn(process.execPath, [ANALYZER_MAIN, ...args], { stdio: 'inherit' });
    child.on('exit', (code, signal) => res(code ?? (signal ? 128 : 1)));
    child.on('error', () => res(127));
  });
}

function directory(path: string, flag: string): string {
  const abs = resolve(path);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) throw new Error(`${flag} ${path}: not a directory`);
  return path;
}

export function registerAnalyzerCommands(program: Command): void {
  const analyzer = program.command('analyzer').description('the stream analyzer (baselines and rules)');

  analyzer
    .command('backtest')
    .description('train the live detectors on traces under --train and print path<TAB>score for every file under --test (higher = more anomalous)')
    .requiredOption('--train <dir>', 'normal traces: one process per file, whitespace-separated syscall tokens')
    .requiredOption('--test <dir>', 'traces to score (searched recursively)')
    .action(async (opts: { train: string; test: string }) => {
      const code = await runAnalyzer(['backtest', '--train', directory(opts.train, '--train'), '--test', directory(opts.test, '--test')]);
      if (code !== 0) process.exitCode = code;
    });
}
