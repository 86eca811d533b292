import type { FastifyInstance } from 'fastify';
import { createLogger, errorMessage, retry, type Logger } from '@vigil/common';
import { EndpointsRepository, createPool, isDatabaseUnavailable, migrate, type Pool } from '@vigil/db';
import { KafkaClient, type KafkaAdmin, type KafkaProducer } from '@vigil/kafka';
import {
  SchemaError,
  SubjectSchemas,
  TelemetryBatchV1Schema,
  createRegistryClient,
  lookupValueSchemaId,
  registerValueSchema,
  subjectForTopic,
  type SchemaRegistryClient,
} from '@vigil/schemas';
import type { GatewayConfig } from './config/gateway.config';
import { describeConfig } from './config/gateway.config';
import { GatewayError } from './errors/gateway.error';
import { KeyAuthenticator } from './auth/key-authenticator';
import { DedupeWindow } from './ingest/dedupe-window';
import { IngestService } from './ingest/ingest.service';
import { InlineBatchChecker, gatewayWriterLookup, type BatchChecker } from './ingest/batch-checker';
import { WorkerBatchChecker } from './ingest/worker-batch-checker';
import { ProduceQueue } from './kafka/produce-queue';
import { GatewayMetrics } from './metrics/gateway.metrics';
import { HealthService } from './health/health.service';
import { buildServer } from './http/server';

/** A running gateway (main.ts and the integration tests create it the same way). */
export interface Gateway {
  server: FastifyInstance;
  /** Base URL it listens on (http://host:port). */
  url: string;
  /** Id of TelemetryBatch v1 under the telemetry subject, when registered at start-up. */
  telemetrySchemaId: number | undefined;
  close(): Promise<void>;
}

/** Wire the gateway from its configuration, apply migrations, connect, listen. */
export async function startGateway(config: GatewayConfig, log: Logger = createLogger('ingest-gateway', { level: config.logLevel })): Promise<Gateway> {
  log.info({ config: describeConfig(config) }, 'starting');
  // PostgreSQL only serves key lookups: its outage must not take ingest down (keys verified earlier
  // are served from the cache, see KeyAuthenticator), so a broken connection is a log line.
  const pool: Pool = createPool(config.databaseUrl, {
    max: 8,
    application_name: 'vigil-ingest-gateway',
    onConnectionError: (err) => log.warn({ err: errorMessage(err) }, 'database connection lost; it is reopened on the next query'),
  });
  // A database down at start-up does not stop the gateway either: migrations are retried meanwhile
  // (until they ran, key lookups fail and batches get 503 with Retry-After).
  let migrateTimer: NodeJS.Timeout | undefined;
  const migrateOrRetry = async (attempt: number): Promise<void> => {
    try {
      await migrate(pool);
      if (attempt > 0) log.info({ attempts: attempt + 1 }, 'database reachable; migrations applied');
    } catch (err) {
      if (!isDatabaseUnavailable(err)) throw err;
      if (attempt % 10 === 0) log.warn({ err: errorMessage(err), attempt: attempt + 1 }, 'database unreachable at start-up; serving without it and retrying');
      migrateTimer = setTimeout(() => void migrateOrRetry(attempt + 1).catch((e: unknown) => log.error({ err: errorMessage(e) }, 'migrations failed')), Math.min(5_000, 500 * 2 ** attempt));
      migrateTimer.unref();
    }
  };
  await migrateOrRetry(0);

  const registry: SchemaRegistryClient = createRegistryClient(config.schemaRegistryUrl);
  const subject = subjectForTopic(config.telemetryTopic);
  let telemetrySchemaId: number | undefined;
  if (config.registerSchema) {
    telemetrySchemaId = await retry(() => registerValueSchema(registry, config.telemetryTopic, TelemetryBatchV1Schema), {
      retries: 5,
      initialDelayMs: 500,
      shouldRetry: (err) => err instanceof SchemaError && err.retriable,
      onRetry: (err, attempt) => log.warn({ attempt, err: errorMessage(err) }, 'schema registry not ready; retrying'),
    });
    log.info({ subject, schemaId: telemetrySchemaId }, 'TelemetryBatch v1 registered');
  }
  const schemas = new SubjectSchemas(registry, subject);
  await schemas.refresh().catch((err: unknown) => log.warn({ err: errorMessage(err) }, 'cannot read the telemetry subject yet'));

  const kafka = new KafkaClient({ brokers: config.kafkaBrokers, clientId: 'vigil-ingest-gateway', logger: log.child({ component: 'kafka' }) });
  const producer: KafkaProducer = kafka.producer();
  const admin: KafkaAdmin = kafka.admin();
  // Kafka may be down at start-up: the gateway still starts (healthz says so, batches get 503).
  await producer.connect().catch((err: unknown) => log.warn({ err: errorMessage(err) }, 'Kafka not reachable at start-up; will retry on first produce'));
  await admin.connect().catch((err: unknown) => log.warn({ err: errorMessage(err) }, 'Kafka admin not connected at start-up'));

  // The observer runs only after start-up, when `metrics` (declared next) exists.
  const queue = new ProduceQueue(
    producer,
    config.telemetryTopic,
    { maxInFlight: config.maxInFlight, timeoutMs: config.produceTimeoutMs, maxRequestBytes: Math.max(config.maxDecodedBytes, 1 << 20) },
    { produced: (s) => metrics.produceLatency.observe(s), failed: () => metrics.produceFailures.inc() },
  );
  const metrics = new GatewayMetrics(() => queue.inFlight);
  const dedupe = new DedupeWindow(config.dedupeWindowMs, config.dedupeMaxEntries);
  const auth = new KeyAuthenticator(new EndpointsRepository(pool), { ttlMs: config.keyCacheTtlMs, staleMs: config.keyCacheStaleMs }, Date.now, (source) =>
    metrics.keyChecks.inc({ source }),
  );
  const clock = { maxFutureMs: config.maxClockAheadMs, maxPastMs: config.maxEventAgeMs };
  const writerOf = gatewayWriterLookup((id) => schemas.typeOf(id));
  const checker: BatchChecker =
    config.checkWorkers > 0
      ? new WorkerBatchChecker(config.checkWorkers, writerOf, config.maxDecodedBytes, clock, log.child({ component: 'check-worker' }))
      : new InlineBatchChecker(writerOf, config.maxDecodedBytes, clock);
  const ingest = new IngestService(checker, queue, dedupe, metrics, log.child({ component: 'ingest' }));
  // Kafka is required to accept anything; without the database (keys from the cache) or the
  // registry (schema ids already known) the gateway still serves: degraded, not down.
  const health = new HealthService(
    {
      kafka: () => admin.brokers(),
      registry: () => registry.getDefaultCompatibility(),
      database: () => pool.query('select 1'),
    },
    { optional: ['registry', 'database'] },
  );

  const server = buildServer({
    config,
    auth,
    ingest,
    health,
    metrics,
    log: log.child({ component: 'http' }),
    lookupSchemaId: async (schema) => {
      try {
        return await lookupValueSchemaId(registry, config.telemetryTopic, schema);
      } catch (err) {
        if (err instanceof SchemaError && err.code === 'SCHEMA_UNKNOWN') throw new GatewayError('SCHEMA_UNKNOWN', `that schema is not registered under ${subject}`);
        if (err instanceof SchemaError && err.retriable) throw new GatewayError('REGISTRY_UNAVAILABLE', 'the schema registry is unavailable; retry later', { retriable: true });
        throw new GatewayError('BAD_REQUEST', `not a usable schema: ${errorMessage(err)}`);
      }
    },
  });
  const address = await server.listen({ host: config.host, port: config.port });
  log.info({ address, topic: config.telemetryTopic }, 'listening');

  return {
    server,
    url: address,
    telemetrySchemaId,
    close: async () => {
      clearTimeout(migrateTimer);
      await server.close();
      await checker.close();
      await producer.disconnect().catch(() => undefined);
      await admin.disconnect().catch(() => undefined);
      registry.close();
      await pool.end();
    },
  };
}
