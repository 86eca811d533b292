#!/usr/bin/env node
import { errorMessage, parseDuration } from '@vigil/common';
import { DEFAULT_TRACE_OPTIONS, formatScores, runBacktest, type BacktestPhase, type BacktestReport } from './backtest/backtest';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { detectionCatalogue } from './detection/engine-detections';
import { coverageMarkdown, withCoverage } from './detection/rules/coverage';
import { ruleCaseFailures } from './detection/rules/rule-cases';
import { loadRuleSet, RULES_DIR } from './detection/rules/rule-directory';
import { runService } from './service';
import { runReplayBacktest } from './backtest/replay-command';
import { loadAnalyzerConfig } from './config/analyzer.config';

/** `rules check` / `rules coverage [--write]`. */
function rulesCommand(args: string[]): number {
  const rules = loadRuleSet(flag(args, 'dir') ?? RULES_DIR);
  if (args[0] === 'check') {
    for (const r of detectionCatalogue(rules.catalogue)) process.stdout.write(`${r.id}\t${r.tactic}\t${r.technique}\t${r.severity}\t${r.source}\t${r.file}\n`);
    // each rule's own cases, through the whole set: a rule edit that stops firing on what it was
    // written for, or starts firing on its near-miss, fails here before it is deployed
    const failures = ruleCaseFailures(rules);
    const cases = rules.rules.reduce((n, r) => n + (r.tests?.match.length ?? 0) + (r.tests?.nomatch.length ?? 0), 0);
    for (const f of failures) {
      const what = f.kind === 'missing' ? f.description : `${f.kind === 'match' ? 'does not fire on match' : 'fires on near-miss'} case ${f.index}: ${f.description}`;
      process.stderr.write(`${f.file}: rule ${f.rule} ${what}\n`);
    }
    process.stderr.write(`${rules.rules.length} rules, ${cases} test cases: ${failures.length === 0 ? 'all pass' : `${failures.length} failed`}\n`);
    return failures.length === 0 ? 0 : 1;
  }
  if (args[0] === 'coverage') {
    const table = coverageMarkdown(detectionCatalogue(rules.catalogue));
    if (!args.includes('--write')) {
      process.stdout.write(`${table}\n`);
      return 0;
    }
    const readme = resolve(__dirname, '..', 'README.md');
    writeFileSync(readme, withCoverage(readFileSync(readme, 'utf8'), table));
    process.stderr.write(`coverage table written to ${readme}\n`);
    return 0;
  }
  console.error(USAGE);
  return 2;
}

const USAGE = `usage:
  stream-analyzer backtest --train DIR --test DIR   train on traces under DIR, print path<TAB>score per test file
                                                    (ADFA-LD/UNM tokens, strace, LID-DS 2019/2021 or sysdig text)
  stream-analyzer backtest --from ISO --to ISO [--rules FILE|DIR] [--learning-period 7d]
                                                    replay retained telemetry through candidate rules and thresholds
                                                    and print the alerts they would raise beside those raised
  stream-analyzer run                               consume the telemetry topic (configured by VIGIL_* environment)
  stream-analyzer rules check [--dir DIR]           load and validate the rules directory, print one line per rule,
                                                    run every rule's test cases (exit 1 when one fails)
  stream-analyzer rules coverage [--write]          print the tactic × technique × rule table (--write: into README.md)`;

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
          rulesPath: flag(rest, 'rules') ?? RULES_DIR,
          learningPeriodMs: period !== undefined ? parseDuration(period) : config.learningPeriodMs,
        });
        process.stdout.write(report);
        return 0;
      }
      if (!train || !test) {
        console.error(USAGE);
        return 2;
      }
      const report: BacktestReport = { formats: {}, skipped: [] };
      let last = Date.now();
      const progress = (phase: BacktestPhase, done: number, total: number): void => {
        if (Date.now() - last < 5_000 && done < total) return;
        last = Date.now();
        process.stderr.write(`backtest: ${phase === 'train' ? 'read' : 'scored'} ${done} of ${total} ${phase === 'train' ? 'training' : 'test'} files\n`);
      };
      process.stdout.write(formatScores(runBacktest(train, test, loadRuleSet(RULES_DIR), DEFAULT_TRACE_OPTIONS, { progress, report })));
      const formats = Object.entries(report.formats).map(([f, n]) => `${n} ${f}`).join(', ');
      process.stderr.write(`backtest: trace layouts read: ${formats || 'none'}\n`);
      const d = report.detail;
      if (d) {
        const records = Object.entries(d.records).map(([k, n]) => `${n.toLocaleString('en-US')} ${k === 'net' ? 'network' : k}`).join(', ');
        process.stderr.write(`backtest: arguments read: ${d.processes.toLocaleString('en-US')} processes, ${d.named.toLocaleString('en-US')} with a program of their own (an exec or the trace's name), records: ${records || 'none'}\n`);
      }
      for (const s of report.skipped) process.stderr.write(`backtest: not a trace, ${s.phase === 'test' ? 'scored 0' : 'not learned'}: ${s.why}\n`);
      return 0;
    }
    case 'rules':
      return rulesCommand(rest);
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
