#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { errorMessage, parseDuration } from '@vigil/common';
import { formatScores, runBacktest } from './backtest/backtest';
import { runReplayBacktest } from './backtest/replay-command';
import { loadAnalyzerConfig } from './config/analyzer.config';
import { RuleSet } from './detection/rules/rule-set';
import { RULES_FILE, runService } from './service';

const USAGE = `usage:
  stream-analyzer backtest --train DIR --test DIR   train on traces under DIR, print path<TAB>score per test file
  stream-analyzer backtest --from ISO --to ISO [--rules FILE|DIR] [--learning-period 7d]
                                                    replay retained telemetry through candidate rules and thresholds
                                                    and print the alerts they would raise beside those raised
  stream-analyzer run                               consume the telemetry topic (configured by VIGIL_* environment)`;

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  if (i >= 0) return args[i + 1];
  const eq = args.find((a) => a.startsWith(`--${name}=`));
  return eq?.slice(name.length + 3);
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'backtest': {
      const train = flag(rest, 'train');
      const test = flag(rest, 'test');
      const from = flag(rest, 'from');
      const to = flag(rest, 'to');
      if (from !== undefined || to !== undefined) {
        const fromMs = Date.parse(from ?? '');
        const toMs = Date.parse(to ?? '');
        if (!Number.isFinite(fromMs) || !Number.isFinite(toMs)) {
          console.error(`--from and --to must both be ISO times (got ${String(from)}, ${String(to)})\n${USAGE}`);
          return 2;
        }
        const config = loadAnalyzerConfig();
        const period = flag(rest, 'learning-period');
        const report = await runReplayBacktest(config, {
          fromMs,
          toMs,
          rulesPath: flag(rest, 'rules') ?? RULES_FILE,
          learningPeriodMs: period !== undefined ? parseDuration(period) : config.learningPeriodMs,
        });
        process.stdout.write(report);
        return 0;
      }
      if (!train || !test) {
        console.error(USAGE);
        return 2;
      }
      process.stdout.write(formatScores(runBacktest(train, test, RuleSet.parse(readFileSync(RULES_FILE, 'utf8')))));
      return 0;
    }
    case 'run': {
      await runService();
      return 0;
    }
    default:
      console.error(USAGE);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`stream-analyzer: ${errorMessage(err)}`);
    process.exitCode = 1;
  },
);
