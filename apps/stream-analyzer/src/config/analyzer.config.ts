import { DEFAULTS, EnvReader, TOPICS, describeConnectionAuth, maskUrl, readConnectionAuth, type ConnectionAuth } from '@vigil/common';
import { DEFAULT_ENGINE_OPTIONS, type EngineOptions } from '../detection/engine';
import { RULES_DIR } from '../detection/rules/rule-directory';

/** Everything the analyzer reads from its environment, validated once at start-up. */
export interface AnalyzerConfig {
  kafkaBrokers: string[];
  /** Full base URL of the Confluent-compatible API. */
  schemaRegistryUrl: string;
  databaseUrl: string;
  /** VIGIL_BASELINE_LEARNING_PERIOD: how long (event time) a new program's baseline learns before it alerts. */
  learningPeriodMs: number;
  telemetryTopic: string;
  alertsTopic: string;
  dlqTopic: string;
  groupId: string;
  /** The group coordinator declares a silent member dead (and rebalances) after this long. */
  sessionTimeoutMs: number;
  /** A batch whose window ends this long after the gateway accepted it is a dead letter (it would move the endpoint's clock into the future). */
  maxClockAheadMs: number;
  /** A partition with records waiting and no progress for this long is reported stalled (/healthz 503). */
  stallAfterMs: number;
  /** Health and metrics listen here (0 = a free port, for tests). */
  host: string;
  port: number;
  /** Partitions processed at once (the work is CPU-bound; more overlaps database round trips). */
  concurrency: number;
  /** At most this many records of one partition are written in one database transaction. */
  maxRecordsPerTransaction: number;
  /** Fleet warm start: a program needs this many runs on at least `fleetMinEndpoints` other endpoints. */
  fleetMinRuns: number;
  fleetMinEndpoints: number;
  /** After the endpoint's learning period, a program new to endpoint and fleet learns its routine this long (novelty held back). */
  programLearningPeriodMs: number;
  /** A new build of a known program (same path, new hash) re-learns from the old baseline this long. */
  relearnPeriodMs: number;
  /** Repeats of a finding within this long join its open alert. */
  groupWindowMs: number;
  /** Alerts of one process tree within this long form one incident. */
  incidentWindowMs: number;
  /** Distinct items of one alert group (new ports on one address) that make a burst alert (a port scan). */
  burstThreshold: number;
  /** Program baselines per endpoint; further new programs share one (engine option of the same name). */
  maxProgramsPerEndpoint: number;
  /** First runs of never-seen programs that alert on their own within the group window, per endpoint… */
  maxNewProgramsPerWindow: number;
  /** …and per starting process. */
  maxNewProgramsPerParent: number;
  /** How long "no fleet baseline for this program yet" is remembered. */
  fleetAbsentTtlMs: number;
  /** How often pending "accept into baseline" rows are looked for (per partition). */
  acceptancePollMs: number;
  /** Native partitions (no TimescaleDB): created this many days ahead, dropped after the retention. */
  partitionDaysAhead: number;
  activityRetentionDays: number;
  /**
   * Process rows with no alert on their endpoint within the incident window of their lifetime are
   * deleted after this many days (the others stay for the activity retention): on busy hosts process
   * rows are most of the database. Defaults to the activity retention (every row kept as long).
   */
  processRetentionDays: number;
  occurrenceRetentionDays: number;
  maintenanceIntervalMs: number;
  /** Outbox rows older than this are produced again by the relay (a crash lost the produce). */
  outboxRelayAfterMs: number;
  /** VIGIL_ANALYZER_RULES_DIR: the rules directory (tactic YAML files, lists.yaml, sigma/). */
  rulesDir: string;
  logLevel: string;
  /** Kafka SASL/TLS and registry credentials of the analyzer (optional). */
  auth: ConnectionAuth;
}

/** Parse the analyzer's configuration; throws ConfigError listing every problem. */
export function loadAnalyzerConfig(env: Record<string, string | undefined> = process.env): AnalyzerConfig {
  const r = new EnvReader(env);
  // read first: it is the process retention's default
  const activityRetentionDays = r.int('VIGIL_ANALYZER_ACTIVITY_RETENTION_DAYS', 30, { min: 1 });
  const config: AnalyzerConfig = {
    kafkaBrokers: r.list('VIGIL_KAFKA_BROKERS', [DEFAULTS.kafkaBrokers]),
    schemaRegistryUrl: r.url('VIGIL_SCHEMA_REGISTRY_URL', DEFAULTS.schemaRegistryUrl),
    databaseUrl: r.url('VIGIL_DATABASE_URL'),
    auth: readConnectionAuth(r),
    learningPeriodMs: r.durationMs('VIGIL_BASELINE_LEARNING_PERIOD', '7d'),
    telemetryTopic: r.string('VIGIL_ANALYZER_TELEMETRY_TOPIC', TOPICS.telemetry),
    alertsTopic: r.string('VIGIL_ANALYZER_ALERTS_TOPIC', TOPICS.alerts),
    dlqTopic: r.string('VIGIL_ANALYZER_DLQ_TOPIC', TOPICS.telemetryDlq),
    groupId: r.string('VIGIL_ANALYZER_GROUP_ID', 'vigil-stream-analyzer'),
    sessionTimeoutMs: r.durationMs('VIGIL_ANALYZER_SESSION_TIMEOUT', '6s'),
    maxClockAheadMs: r.durationMs('VIGIL_ANALYZER_MAX_CLOCK_AHEAD', '10m'),
    stallAfterMs: r.durationMs('VIGIL_ANALYZER_STALL_AFTER', '60s'),
    host: r.string('VIGIL_ANALYZER_HOST', '127.0.0.1'),
    port: r.int('VIGIL_ANALYZER_PORT', 5002, { min: 0, max: 65535 }),
    concurrency: r.int('VIGIL_ANALYZER_CONCURRENCY', 3, { min: 1, max: 64 }),
    maxRecordsPerTransaction: r.int('VIGIL_ANALYZER_MAX_RECORDS_PER_TX', 50, { min: 1, max: 10_000 }),
    fleetMinRuns: r.int('VIGIL_ANALYZER_FLEET_MIN_RUNS', 20, { min: 1 }),
    fleetMinEndpoints: r.int('VIGIL_ANALYZER_FLEET_MIN_ENDPOINTS', 2, { min: 1 }),
    programLearningPeriodMs: r.durationMs('VIGIL_ANALYZER_PROGRAM_LEARNING_PERIOD', '1d'),
    relearnPeriodMs: r.durationMs('VIGIL_ANALYZER_RELEARN_PERIOD', '1h'),
    groupWindowMs: r.durationMs('VIGIL_ANALYZER_GROUP_WINDOW', '1h'),
    incidentWindowMs: r.durationMs('VIGIL_ANALYZER_INCIDENT_WINDOW', '10m'),
    burstThreshold: r.int('VIGIL_ANALYZER_BURST_THRESHOLD', 20, { min: 2, max: 65_536 }),
    maxProgramsPerEndpoint: r.int('VIGIL_ANALYZER_MAX_PROGRAMS_PER_ENDPOINT', 10_000, { min: 100, max: 1_000_000 }),
    maxNewProgramsPerWindow: r.int('VIGIL_ANALYZER_MAX_NEW_PROGRAMS_PER_WINDOW', 500, { min: 1, max: 1_000_000 }),
    maxNewProgramsPerParent: r.int('VIGIL_ANALYZER_MAX_NEW_PROGRAMS_PER_PARENT', 20, { min: 1, max: 1_000_000 }),
    fleetAbsentTtlMs: r.durationMs('VIGIL_ANALYZER_FLEET_ABSENT_TTL', '30s'),
    acceptancePollMs: r.durationMs('VIGIL_ANALYZER_ACCEPTANCE_POLL', '2s'),
    partitionDaysAhead: r.int('VIGIL_ANALYZER_PARTITION_DAYS_AHEAD', 3, { min: 1, max: 60 }),
    activityRetentionDays,
    processRetentionDays: r.int('VIGIL_ANALYZER_PROCESS_RETENTION_DAYS', activityRetentionDays, { min: 1 }),
    occurrenceRetentionDays: r.int('VIGIL_ANALYZER_OCCURRENCE_RETENTION_DAYS', 180, { min: 1 }),
    maintenanceIntervalMs: r.durationMs('VIGIL_ANALYZER_MAINTENANCE_INTERVAL', '1h'),
    outboxRelayAfterMs: r.durationMs('VIGIL_ANALYZER_OUTBOX_RELAY_AFTER', '30s'),
    rulesDir: r.string('VIGIL_ANALYZER_RULES_DIR', RULES_DIR),
    logLevel: r.string('VIGIL_LOG_LEVEL', 'info'),
  };
  if (config.processRetentionDays > config.activityRetentionDays) r.problems.push(`VIGIL_ANALYZER_PROCESS_RETENTION_DAYS (${config.processRetentionDays}) must not exceed VIGIL_ANALYZER_ACTIVITY_RETENTION_DAYS (${config.activityRetentionDays}): no process row outlives the activity retention`);
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(config.logLevel)) r.problems.push(`VIGIL_LOG_LEVEL: unknown level "${config.logLevel}"`);
  const topics = [config.telemetryTopic, config.alertsTopic, config.dlqTopic];
  if (new Set(topics).size !== topics.length) r.problems.push('the telemetry, alerts and DLQ topics must be three different topics');
  r.done();
  return config;
}

/** The configuration as safe to log (credentials masked). */
export function describeConfig(c: AnalyzerConfig): Record<string, unknown> {
  return { ...c, databaseUrl: maskUrl(c.databaseUrl), schemaRegistryUrl: maskUrl(c.schemaRegistryUrl), auth: describeConnectionAuth(c.auth) };
}

/** The detection engine's settings from the configuration (the rest are the engine's defaults). */
export function engineOptionsOf(c: AnalyzerConfig): EngineOptions {
  return {
    ...DEFAULT_ENGINE_OPTIONS,
    learningPeriodMs: c.learningPeriodMs,
    fleetMinRuns: c.fleetMinRuns,
    fleetMinEndpoints: c.fleetMinEndpoints,
    programLearningPeriodMs: c.programLearningPeriodMs,
    relearnPeriodMs: c.relearnPeriodMs,
    groupWindowMs: c.groupWindowMs,
    incidentWindowMs: c.incidentWindowMs,
    burstThreshold: c.burstThreshold,
    maxProgramsPerEndpoint: c.maxProgramsPerEndpoint,
    maxNewProgramsPerWindow: c.maxNewProgramsPerWindow,
    maxNewProgramsPerParent: c.maxNewProgramsPerParent,
  };
}
