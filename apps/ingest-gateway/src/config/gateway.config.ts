import { availableParallelism } from 'node:os';
import { DEFAULTS, EnvReader, TOPICS, maskUrl } from '@vigil/common';

/** Everything the gateway reads from its environment, validated once at start-up. */
export interface GatewayConfig {
  host: string;
  port: number;
  kafkaBrokers: string[];
  /** Full base URL of the Confluent-compatible API (may include a path prefix, e.g. /apis/ccompat/v7). */
  schemaRegistryUrl: string;
  databaseUrl: string;
  /** Topic batches are produced to (tests point it at a topic of their own). */
  telemetryTopic: string;
  /** Largest request body as sent (compressed). */
  maxBodyBytes: number;
  /** Largest body after decompression (must stay below the broker's message.max.bytes, 16 MiB locally). */
  maxDecodedBytes: number;
  /** Batches being produced at once; above it requests are refused with 429/503 instead of queueing. */
  maxInFlight: number;
  /**
   * Worker threads that decompress and check bodies (0: on the event loop). Default: one per core
   * beyond the first, at most 4 — the event loop keeps HTTP, dedupe and Kafka.
   */
  checkWorkers: number;
  /** How long a request waits for Kafka's acknowledgement before answering 503. */
  produceTimeoutMs: number;
  /** Retry-After (seconds) sent with 429 and with 503. */
  retryAfterOverloadedS: number;
  retryAfterUnavailableS: number;
  /** How long a key → endpoint lookup is cached (a revoked key works at most this long). */
  keyCacheTtlMs: number;
  /** How long a key verified earlier keeps working while PostgreSQL is unreachable (0: not at all). */
  keyCacheStaleMs: number;
  /** Event times may be at most this far ahead of the gateway's clock (a batch from the future is refused, 422). */
  maxClockAheadMs: number;
  /** Event times may be at most this old (older batches, e.g. from a spool kept for months, are refused). */
  maxEventAgeMs: number;
  /** How long and how many batch ids are remembered to drop duplicates. */
  dedupeWindowMs: number;
  dedupeMaxEntries: number;
  /** Register TelemetryBatch v1 under the telemetry subject at start-up (idempotent). */
  registerSchema: boolean;
  logLevel: string;
}

/** Parse the gateway's configuration; throws ConfigError listing every problem. */
export function loadGatewayConfig(env: Record<string, string | undefined> = process.env): GatewayConfig {
  const r = new EnvReader(env);
  const config: GatewayConfig = {
    host: r.string('VIGIL_GATEWAY_HOST', '127.0.0.1'),
    port: r.int('VIGIL_GATEWAY_PORT', Number(new URL(DEFAULTS.gatewayUrl).port), { min: 0, max: 65535 }),
    kafkaBrokers: r.list('VIGIL_KAFKA_BROKERS', [DEFAULTS.kafkaBrokers]),
    schemaRegistryUrl: r.url('VIGIL_SCHEMA_REGISTRY_URL', DEFAULTS.schemaRegistryUrl),
    databaseUrl: r.url('VIGIL_DATABASE_URL'),
    telemetryTopic: r.string('VIGIL_GATEWAY_TOPIC', TOPICS.telemetry),
    maxBodyBytes: r.sizeBytes('VIGIL_GATEWAY_MAX_BODY', '8MiB'),
    maxDecodedBytes: r.sizeBytes('VIGIL_GATEWAY_MAX_DECODED', '15MiB'),
    maxInFlight: r.int('VIGIL_GATEWAY_MAX_IN_FLIGHT', 256, { min: 1, max: 100_000 }),
    checkWorkers: r.int('VIGIL_GATEWAY_CHECK_WORKERS', Math.min(4, availableParallelism() - 1), { min: 0, max: 64 }),
    produceTimeoutMs: r.durationMs('VIGIL_GATEWAY_PRODUCE_TIMEOUT', '5s'),
    retryAfterOverloadedS: r.int('VIGIL_GATEWAY_RETRY_AFTER_OVERLOADED', 1, { min: 1, max: 3600 }),
    retryAfterUnavailableS: r.int('VIGIL_GATEWAY_RETRY_AFTER_UNAVAILABLE', 5, { min: 1, max: 3600 }),
    keyCacheTtlMs: r.durationMs('VIGIL_GATEWAY_KEY_CACHE_TTL', '5s'),
    keyCacheStaleMs: r.durationMs('VIGIL_GATEWAY_KEY_CACHE_STALE', '1h'),
    maxClockAheadMs: r.durationMs('VIGIL_GATEWAY_MAX_CLOCK_AHEAD', '10m'),
    maxEventAgeMs: r.durationMs('VIGIL_GATEWAY_MAX_EVENT_AGE', '30d'),
    dedupeWindowMs: r.durationMs('VIGIL_GATEWAY_DEDUPE_WINDOW', '15m'),
    dedupeMaxEntries: r.int('VIGIL_GATEWAY_DEDUPE_MAX', 200_000, { min: 1 }),
    registerSchema: r.bool('VIGIL_GATEWAY_REGISTER_SCHEMA', true),
    logLevel: r.string('VIGIL_LOG_LEVEL', 'info'),
  };
  if (config.keyCacheTtlMs > 10_000) r.problems.push('VIGIL_GATEWAY_KEY_CACHE_TTL: must be ≤ 10s (a revoked key must stop working within 10 s)');
  if (config.maxDecodedBytes < config.maxBodyBytes) r.problems.push('VIGIL_GATEWAY_MAX_DECODED must be ≥ VIGIL_GATEWAY_MAX_BODY');
  r.done();
  return config;
}

/** The configuration as safe to log (credentials masked). */
export function describeConfig(c: GatewayConfig): Record<string, unknown> {
  return { ...c, databaseUrl: maskUrl(c.databaseUrl), schemaRegistryUrl: maskUrl(c.schemaRegistryUrl) };
}
