import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Latency buckets (seconds) fine enough for p50/p99 read off the histogram. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.02, 0.035, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 7.5, 10, 15, 20, 30, 60, 120, 300];

/** The analyzer's Prometheus metrics (own registry: nothing global). */
export class AnalyzerMetrics {
  readonly registry = new Registry();
  readonly batches = new Counter({ name: 'vigil_analyzer_batches_total', help: 'Telemetry records by outcome (processed, duplicate, dead_lettered, skipped)', labelNames: ['result'], registers: [this.registry] });
  readonly events = new Counter({ name: 'vigil_analyzer_events_total', help: 'System calls counted in processed batches', registers: [this.registry] });
  readonly alerts = new Counter({ name: 'vigil_analyzer_alerts_total', help: 'New alerts committed, by detector and severity', labelNames: ['detector', 'severity'], registers: [this.registry] });
  readonly deadLetters = new Counter({ name: 'vigil_analyzer_dead_letters_total', help: 'Records sent to the dead-letter topic, by error code', labelNames: ['code'], registers: [this.registry] });
  readonly transactions = new Counter({ name: 'vigil_analyzer_transactions_total', help: 'Database transactions by outcome (committed, retried, fenced)', labelNames: ['result'], registers: [this.registry] });
  readonly dbWrite = new Histogram({ name: 'vigil_analyzer_db_write_seconds', help: 'Duration of one batch-group transaction', buckets: LATENCY_BUCKETS, registers: [this.registry] });
  readonly alertLatency = new Histogram({
    name: 'vigil_analyzer_alert_latency_seconds',
    help: 'From the batch being accepted into Kafka (record timestamp) to its alerts being committed to PostgreSQL',
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly batchLatency = new Histogram({
    name: 'vigil_analyzer_batch_latency_seconds',
    help: 'From the batch being accepted into Kafka (record timestamp) to its results being committed to PostgreSQL',
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly lag = new Gauge({ name: 'vigil_analyzer_consumer_lag', help: 'Records behind the high watermark, per assigned partition', labelNames: ['partition'], registers: [this.registry] });
  readonly assigned = new Gauge({ name: 'vigil_analyzer_assigned_partitions', help: 'Partitions of the telemetry topic assigned to this instance', registers: [this.registry] });
  readonly degraded = new Gauge({ name: 'vigil_analyzer_degraded', help: '1 while a dependency is failing (database, Kafka, registry)', labelNames: ['dependency'], registers: [this.registry] });
  readonly published = new Counter({ name: 'vigil_analyzer_alerts_published_total', help: 'Alerts produced to the alerts topic (by path: direct or outbox relay)', labelNames: ['path'], registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'vigil_analyzer_' });
  }
}
