#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { errorMessage } from '@vigil/common';
import { formatScores, runBacktest } from './backtest/backtest';
import { RuleSet } from './detection/rules/rule-set';
import { RULES_FILE, runService } from './service';

const USAGE = `usage:
  stream-analyzer backtest --train DIR --test DIR   train on traces under DIR, print path<TAB>score per test file
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
