import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { REPO_ROOT } from '../paths';
import { cliCredentials, stackEnv } from '../services';
import { childEnv } from '../config/cli.config';

const ANALYZER_MAIN = join(REPO_ROOT, 'apps', 'stream-analyzer', 'dist', 'main.js');

/**
 * The operator's Kafka and registry logins for a replay (it reads telemetry in a throw-away group,
 * which the analyzer's own ACLs do not cover): the secured local stack's admin users.
 */
function credentialsEnv(): Record<string, string> {
  const { kafkaSasl, registryAuth } = cliCredentials();
  return {
    ...(kafkaSasl ? { VIGIL_KAFKA_USERNAME: kafkaSasl.username, VIGIL_KAFKA_PASSWORD: kafkaSasl.password } : {}),
    ...(registryAuth ? { VIGIL_SCHEMA_REGISTRY_USERNAME: registryAuth.username, VIGIL_SCHEMA_REGISTRY_PASSWORD: registryAuth.password } : {}),
  };
}

/** Run the analyzer's own entry point with stdio passed through (and `env` added); resolves to its exit code. */
function runAnalyzer(args: string[], env: Record<string, string>): Promise<number> {
  if (!existsSync(ANALYZER_MAIN)) throw new Error(`the stream analyzer is not built (${ANALYZER_MAIN} missing): run npx tsc -b tsconfig.json`);
  return new Promise((res) => {
    const child = spawn(process.execPath, [ANALYZER_MAIN, ...args], { stdio: 'inherit', env: childEnv(env) });
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
    .description(
      'trace mode (--train/--test): train the live engine on traces under --train and print path<TAB>score for every file under --test (higher = more anomalous); ' +
        'replay mode (--from/--to): run retained vigil.telemetry.v1 records of that time range through candidate rules and learning period and print the alerts they would raise beside those raised',
    )
    .option('--train <dir>', 'normal traces: whitespace-separated syscall tokens, one process per file (ADFA-LD), or UNM pid-call, strace, LID-DS 2019/2021 or sysdig text')
    .option('--test <dir>', 'traces to score (searched recursively)')
    .option('--from <iso>', 'replay: start of the time range (record timestamps), e.g. 2026-12-01T00:00:00Z')
    .option('--to <iso>', 'replay: end of the time range')
    .option('--rules <path>', 'replay: candidate rules, a rules file or a directory of *.yaml files (default: the shipped rules)')
    .option('--learning-period <duration>', 'replay: candidate learning period, e.g. 90s, 7d (default: VIGIL_BASELINE_LEARNING_PERIOD or 7d)')
    .action(async (opts: { train?: string; test?: string; from?: string; to?: string; rules?: string; learningPeriod?: string }) => {
      const replay = opts.from !== undefined || opts.to !== undefined;
      if (replay === (opts.train !== undefined || opts.test !== undefined)) throw new Error('give either --train and --test (traces) or --from and --to (retained telemetry)');
      let args: string[];
      if (replay) {
        for (const [flag, v] of [['--from', opts.from], ['--to', opts.to]] as const) if (v === undefined || !Number.isFinite(Date.parse(v))) throw new Error(`${flag} ${String(v)}: not an ISO time`);
        args = ['backtest', '--from', opts.from!, '--to', opts.to!];
        if (opts.rules !== undefined) {
          if (!existsSync(resolve(opts.rules))) throw new Error(`--rules ${opts.rules}: no such file or directory`);
          args.push('--rules', resolve(opts.rules));
        }
        if (opts.learningPeriod !== undefined) args.push('--learning-period', opts.learningPeriod);
      } else {
        if (opts.train === undefined || opts.test === undefined) throw new Error('trace mode needs both --train and --test');
        args = ['backtest', '--train', directory(opts.train, '--train'), '--test', directory(opts.test, '--test')];
      }
      const code = await runAnalyzer(args, replay ? { ...stackEnv(), ...credentialsEnv() } : {});
      if (code !== 0) process.exitCode = code;
    });
}
