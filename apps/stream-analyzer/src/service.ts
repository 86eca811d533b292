import { createLogger, errorMessage, isRetriable, retry, type Logger } from '@vigil/common';
import { createPool, migrate } from '@vigil/db';
import { KafkaClient } from '@vigil/kafka';
import {
  AlertV1Schema,
  SubjectSchemas,
  WireEncoder,
  createRegistryClient,
  registerValueSchema,
  subjectForTopic,
  type Alert as AvroAlert,
} from '@vigil/schemas';
import { detectionCatalogue } from './detection/engine-detections';
import { FleetCache } from './baselines/fleet-cache';
import { describeConfig, engineOptionsOf, loadAnalyzerConfig, type AnalyzerConfig } from './config/analyzer.config';
import { AlertPublisher } from './consumer/alert-publisher';
import { TelemetryConsumer } from './consumer/telemetry-consumer';
import { TelemetryDecoder } from './kafka/telemetry-decoder';
import { DetectionEngine, fleetQualifies } from './detection/engine';
import { loadRuleSet } from './detection/rules/rule-directory';
import { HealthState } from './http/health';
import { startHttpServer } from './http/server';
import { AnalyzerMetrics } from './metrics/analyzer.metrics';
import { AnalyzerRepository } from './repositories/analyzer.repository';
import { isDatabaseUnavailable } from './repositories/database-errors';


/** A running analyzer instance. */
export interface Analyzer {
  /** Base URL of /healthz and /metrics. */
  url: string;
  close(): Promise<void>;
}

/** Retry `fn` while `transient(err)`, with jittered backoff, marking `dependency` degraded meanwhile. */
async function untilUp<T>(fn: () => Promise<T>, dependency: string, what: string, health: HealthState, log: Logger, transient: (err: unknown) => boolean, signal: AbortSignal): Promise<T> {
  const value = await retry(fn, {
    retries: Number.POSITIVE_INFINITY,
    initialDelayMs: 250,
    maxDelayMs: 5_000,
    signal,
    shouldRetry: (err) => transient(err) && !signal.aborted,
    onRetry: (err, attempt) => {
      health.degrade(dependency, `${what}: ${errorMessage(err)}`);
      if (attempt % 10 === 1) log.warn({ dependency, attempt, err: errorMessage(err) }, `${what} failed; retrying`);
    },
  });
  health.recover(dependency);
  return value;
}

/** Wire the analyzer from its configuration: health/metrics first, then the database, registry and Kafka. */
export async function startAnalyzer(config: AnalyzerConfig, log: Logger = createLogger('stream-analyzer', { level: config.logLevel })): Promise<Analyzer> {
  log.info({ config: describeConfig(config) }, 'starting');
  const abort = new AbortController();
  const metrics = new AnalyzerMetrics();
  const health = new HealthState((dependency, degraded) => metrics.degraded.set({ dependency }, degraded ? 1 : 0));
  const rules = loadRuleSet(config.rulesDir);
  const engineOptions = engineOptionsOf(config);
  const fleet = new FleetCache(10 * 60_000, config.fleetAbsentTtlMs, Date.now, (b) => fleetQualifies(b, engineOptions));
  const engine = new DetectionEngine(rules, engineOptions, fleet);

  // a client losing its connection (database restart, idle or between two queries) must not crash the process
  const pool = createPool(config.databaseUrl, {
    max: Math.max(4, config.concurrency + 3),
    application_name: 'vigil-stream-analyzer',
    onConnectionError: (err) => log.warn({ err: errorMessage(err) }, 'database connection lost'),
  });
  const repo = new AnalyzerRepository(pool);
  const registry = createRegistryClient(config.schemaRegistryUrl, { auth: config.auth.registryAuth });
  const kafka = new KafkaClient({ brokers: config.kafkaBrokers, clientId: 'vigil-stream-analyzer', logger: log.child({ component: 'kafka' }), sasl: config.auth.kafkaSasl, tls: config.auth.kafkaTls });
  const producer = kafka.producer();
  const admin = kafka.admin();
  // Takeover after a crash (kill -9: no LeaveGroup) = session timeout (6 s by default, the broker's
  // minimum) + the survivor's next heartbeat (≤ 1 s: heartbeats go with fetches, which wait at most
  // 1 s) + join/sync: measured ≈ 8 s in the consumer-group-failover test (was ~30 s).
  const batchConsumer = kafka.batchConsumer(config.groupId, {
    sessionTimeoutMs: config.sessionTimeoutMs,
    heartbeatIntervalMs: Math.min(1_000, Math.floor(config.sessionTimeoutMs / 4)),
    maxWaitTimeMs: 1_000,
  });

  let consumer: TelemetryConsumer | undefined;
  // What the group looks like from Kafka (end offsets, committed offsets, members), asked at most every 2 s.
  let groupView: { at: number; view: Promise<{ ends: Map<number, string>; committed: Map<number, string>; members: number }> } | undefined;
  const readGroup = (): Promise<{ ends: Map<number, string>; committed: Map<number, string>; members: number }> => {
    if (!groupView || Date.now() - groupView.at > 2_000) {
      const view = Promise.all([admin.endOffsets(config.telemetryTopic), admin.groupOffsets(config.groupId, config.telemetryTopic), admin.groupMembers(config.groupId)]).then(
        ([ends, committed, members]) => ({ ends, committed, members }),
      );
      view.catch(() => (groupView = undefined));
      groupView = { at: Date.now(), view };
    }
    return groupView.view;
  };
  const http = await startHttpServer(config.host, config.port, {
    metrics: metrics.registry,
    log: log.child({ component: 'http' }),
    health: async () => {
      const database = await repo.ping().then(
        () => ({ ok: true }),
        (err: unknown) => ({ ok: false, error: errorMessage(err) }),
      );
      const assigned = consumer?.assignment() ?? [];
      const kafkaOk = batchConsumer.isConnected();
      const group = await readGroup().catch((err: unknown) => ({ error: errorMessage(err) }));
      const partitions =
        consumer && 'ends' in group
          ? consumer.partitionProgress(group.ends, group.committed, config.stallAfterMs).map((p) => ({ ...p, position: assigned.find((a) => a.partition === p.partition)?.position ?? null }))
          : assigned.map((a) => ({ ...a, stalled: false, sinceProgressMs: 0 }));
      const stalled = partitions.filter((p) => p.stalled).map((p) => p.partition);
      // Owning nothing is fine only for a standby (more members than partitions); otherwise this
      // instance is not doing its share — e.g. still waiting for a dead member's session to expire.
      const topicPartitions = 'ends' in group ? group.ends.size : undefined;
      const unassigned = assigned.length === 0 && (topicPartitions === undefined || topicPartitions > 0) && !('members' in group && topicPartitions !== undefined && group.members > topicPartitions);
      const serving = health.ok && database.ok && kafkaOk;
      const status = !serving ? 'degraded' : unassigned ? (consumer ? 'unassigned' : 'starting') : stalled.length > 0 ? 'stalled' : assigned.length === 0 ? 'standby' : 'ok';
      return {
        ok: serving && consumer !== undefined && !unassigned && stalled.length === 0,
        status,
        degraded: health.degraded,
        kafka: { connected: kafkaOk, groupId: config.groupId, topic: config.telemetryTopic, ...('members' in group ? { members: group.members, topicPartitions } : { error: group.error }) },
        database,
        assignedPartitions: assigned.map((a) => a.partition),
        lag: partitions.reduce((s, a) => s + a.lag, 0),
        stalledPartitions: stalled,
        partitions,
      };
    },
  });

  const timers: NodeJS.Timeout[] = [];
  const close = async (): Promise<void> => {
    abort.abort(new Error('stopping'));
    consumer?.stop();
    for (const t of timers) clearInterval(t);
    await batchConsumer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    registry.close();
    await http.close();
    await pool.end().catch(() => undefined);
  };

  try {
    await untilUp(() => migrate(pool), 'database', 'applying migrations', health, log, isDatabaseUnavailable, abort.signal);
    await untilUp(() => repo.publishRules(detectionCatalogue(rules.catalogue)), 'database', 'publishing the rule catalogue', health, log, isDatabaseUnavailable, abort.signal);
    log.info({ rules: rules.ids.length }, 'rule catalogue loaded and published');
    const schemas = new SubjectSchemas(registry, subjectForTopic(config.telemetryTopic));
    await untilUp(() => schemas.refresh(), 'registry', 'reading the telemetry subject', health, log, isRetriable, abort.signal);
    const decoder = new TelemetryDecoder(schemas);
    let encoder: Promise<WireEncoder<AvroAlert>> | undefined;
    const alertEncoder = (): Promise<WireEncoder<AvroAlert>> => {
      encoder ??= registerValueSchema(registry, config.alertsTopic, AlertV1Schema).then(
        (id) => new WireEncoder<AvroAlert>(id, AlertV1Schema),
        (err: unknown) => {
          encoder = undefined; // try again on the next alert
          throw err;
        },
      );
      return encoder;
    };
    await untilUp(() => alertEncoder(), 'registry', 'registering the alert schema', health, log, isRetriable, abort.signal);
    await untilUp(() => producer.connect(), 'kafka', 'connecting the producer', health, log, () => true, abort.signal);
    await untilUp(() => admin.connect(), 'kafka', 'connecting the admin client', health, log, () => true, abort.signal);
    await untilUp(() => batchConsumer.connect(), 'kafka', 'connecting the consumer', health, log, () => true, abort.signal);

    const consumerLog = log.child({ component: 'consumer' });
    const alerts = new AlertPublisher({ producer, alertsTopic: config.alertsTopic, alertEncoder, repo, metrics, log: consumerLog });
    consumer = new TelemetryConsumer({
      settings: {
        groupId: config.groupId,
        telemetryTopic: config.telemetryTopic,
        dlqTopic: config.dlqTopic,
        maxRecordsPerTransaction: config.maxRecordsPerTransaction,
        acceptancePollMs: config.acceptancePollMs,
        maxClockAheadMs: config.maxClockAheadMs,
      },
      engine,
      fleet,
      repo,
      decoder,
      alerts,
      consumer: batchConsumer,
      producer,
      metrics,
      health,
      log: consumerLog,
    });

    const maintain = (): void => {
      repo
        .maintainPartitions(
          config.partitionDaysAhead,
          { activity: config.activityRetentionDays, alert_occurrences: config.occurrenceRetentionDays },
          { days: config.activityRetentionDays, unalertedDays: config.processRetentionDays, alertMarginMinutes: Math.ceil(config.incidentWindowMs / 60_000) },
        )
        .then(
          (r) => r && (r.created > 0 || r.dropped > 0 || r.processesPruned > 0) && log.info(r, 'partitions and process rows maintained'),
          (err: unknown) => log.warn({ err: errorMessage(err) }, 'partition maintenance failed; retried at the next interval'),
        );
    };
    maintain();
    timers.push(setInterval(maintain, config.maintenanceIntervalMs).unref());

    let relaying = false;
    const relay = (): void => {
      if (relaying) return;
      relaying = true;
      repo
        .relayOutbox(config.outboxRelayAfterMs, (outbox) => alerts.send(outbox))
        .then(
          (n) => {
            if (n > 0) {
              metrics.published.inc({ path: 'relay' }, n);
              log.info({ alerts: n }, 'alerts from the outbox produced');
            }
          },
          (err: unknown) => log.warn({ err: errorMessage(err) }, 'outbox relay failed; retried shortly'),
        )
        .finally(() => (relaying = false));
    };
    timers.push(setInterval(relay, Math.max(1_000, Math.min(10_000, config.outboxRelayAfterMs / 3))).unref());

    await consumer.start(config.concurrency);
    log.info({ topic: config.telemetryTopic, groupId: config.groupId, health: http.url }, 'consuming');
  } catch (err) {
    await close();
    throw err;
  }
  return { url: http.url, close };
}

/** `stream-analyzer run`: start from the environment and stop cleanly on SIGTERM/SIGINT. */
export async function runService(): Promise<void> {
  const config = loadAnalyzerConfig();
  const log = createLogger('stream-analyzer', { level: config.logLevel });
  const analyzer = await startAnalyzer(config, log);
  await new Promise<void>((resolvePromise) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'stopping');
      analyzer.close().then(resolvePromise, (err: unknown) => {
        log.error({ err: errorMessage(err) }, 'error while stopping');
        resolvePromise();
      });
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });
}
