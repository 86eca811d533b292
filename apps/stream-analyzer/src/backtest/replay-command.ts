import { readFileSync, statSync } from 'node:fs';
import { createPool } from '@vigil/db';
import { KafkaClient } from '@vigil/kafka';
import { SubjectSchemas, createRegistryClient, subjectForTopic } from '@vigil/schemas';
import { engineOptionsOf, type AnalyzerConfig } from '../config/analyzer.config';
import { DetectionEngine } from '../detection/engine';
import { loadRuleSet } from '../detection/rules/rule-directory';
import { RuleSet } from '../detection/rules/rule-set';
import { TelemetryDecoder } from '../kafka/telemetry-decoder';
import { RaisedAlertsRepository, type RaisedAlert } from './raised-alerts.repository';
import { replayTelemetry, type ReplayedAlert } from './telemetry-replay';

/** What `stream-analyzer backtest --from … --to …` was asked. */
export interface ReplayRequest {
  fromMs: number;
  toMs: number;
  /** Candidate rules: a rules file, or a directory of *.yaml rule files. */
  rulesPath: string;
  learningPeriodMs: number;
}

/** Candidate rules: a rules directory as the analyzer loads it (tactic files, lists, sigma/), or one rules file. */
export function loadRules(path: string): RuleSet {
  return statSync(path).isDirectory() ? loadRuleSet(path) : RuleSet.parse(readFileSync(path, 'utf8'));
}

/**
 * Replay retained telemetry through a candidate rule set and learning period (a fresh engine, as a
 * new deployment would learn), and set the alerts it would raise beside those raised live for the
 * same batches. Returns the report text.
 */
export async function runReplayBacktest(config: AnalyzerConfig, req: ReplayRequest): Promise<string> {
  const kafka = new KafkaClient({ brokers: config.kafkaBrokers, clientId: 'vigil-analyzer-backtest', sasl: config.auth.kafkaSasl, tls: config.auth.kafkaTls });
  const registry = createRegistryClient(config.schemaRegistryUrl, { auth: config.auth.registryAuth });
  const pool = createPool(config.databaseUrl, { max: 2, application_name: 'vigil-analyzer-backtest' });
  try {
    // the live engine's settings, with the candidate learning period
    const engine = new DetectionEngine(loadRules(req.rulesPath), { ...engineOptionsOf(config), learningPeriodMs: req.learningPeriodMs });
    const decoder = new TelemetryDecoder(new SubjectSchemas(registry, subjectForTopic(config.telemetryTopic)));
    const replay = await replayTelemetry({ kafka, topic: config.telemetryTopic, decoder }, req.fromMs, req.toMs, engine);
    const raised = await new RaisedAlertsRepository(pool).forBatches(replay.batchIds);
    return formatReplay(req, config.telemetryTopic, replay.batchIds.length, replay.rejected, replay.alerts, raised);
  } finally {
    registry.close();
    await pool.end().catch(() => undefined);
  }
}

/** The report: a summary, then one tab-separated line per alert marked both / candidate / raised. */
export function formatReplay(req: ReplayRequest, topic: string, batches: number, rejected: number, candidate: ReplayedAlert[], raised: RaisedAlert[]): string {
  const raisedIds = new Set(raised.map((a) => a.id));
  const candidateIds = new Set(candidate.map((a) => a.id));
  const rows: [string, number, string, string, string, string, string, number][] = [];
  for (const a of candidate) rows.push([raisedIds.has(a.id) ? 'both' : 'candidate', a.time, a.endpointId, a.program, a.severity, a.kind, a.title, a.total]);
  for (const a of raised) if (!candidateIds.has(a.id)) rows.push(['raised', a.time, a.endpointId, a.program, a.severity, a.kind, a.title, a.count]);
  rows.sort((x, y) => x[1] - y[1] || x[5].localeCompare(y[5]));
  const both = rows.filter((r) => r[0] === 'both').length;
  const lines = [
    `# replayed ${batches} batches of ${topic} from ${new Date(req.fromMs).toISOString()} to ${new Date(req.toMs).toISOString()} (${rejected} rejected as the live consumer would dead-letter them); rules ${req.rulesPath}; learning period ${req.learningPeriodMs / 1000} s`,
    `# candidate ${candidate.length} alerts, raised ${raised.length}: ${both} in both, ${candidate.length - both} only with the candidate, ${raised.length - both} only raised`,
    'status\ttime\tendpoint\tprogram\tseverity\tkind\ttitle\tcount',
    ...rows.map(([status, time, ...rest]) => [status, new Date(time).toISOString(), ...rest].join('\t')),
  ];
  return lines.join('\n') + '\n';
}
