/**
 * Default local addresses and names shared by every service and the CLI (see shared CONTRACTS.md).
 * Each is overridable by the environment variable named beside it, read in each app's config module.
 */
export const DEFAULTS = {
  /** VIGIL_KAFKA_BROKERS */
  kafkaBrokers: '127.0.0.1:9092',
  /** VIGIL_SCHEMA_REGISTRY_URL */
  schemaRegistryUrl: 'http://127.0.0.1:8081',
  /** VIGIL_DATABASE_URL (the local cluster's role and password live in .vigil/stack) */
  databaseName: 'vigil',
  postgresPort: 5432,
  /** VIGIL_GATEWAY_URL */
  gatewayUrl: 'http://127.0.0.1:5001',
  /** VIGIL_API_URL */
  apiUrl: 'http://127.0.0.1:3000',
} as const;

/** Kafka topics (key: endpoint id). */
export const TOPICS = {
  telemetry: 'vigil.telemetry.v1',
  alerts: 'vigil.alerts.v1',
  telemetryDlq: 'vigil.telemetry.dlq.v1',
} as const;

/** Partition counts the project creates its topics with (automatic creation is off on the broker). */
export const TOPIC_PARTITIONS: Record<string, number> = {
  [TOPICS.telemetry]: 12,
  [TOPICS.alerts]: 6,
  [TOPICS.telemetryDlq]: 3,
};
