import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The gateway's Prometheus metrics (own registry: nothing global). */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({ name: 'vigil_gateway_requests_total', help: 'Batch requests by HTTP status and error code', labelNames: ['status', 'code'], registers: [this.registry] });
  readonly bytes = new Counter({ name: 'vigil_gateway_body_bytes_total', help: 'Request body bytes, as received (compressed) and decompressed', labelNames: ['stage', 'encoding'], registers: [this.registry] });
  readonly batches = new Counter({ name: 'vigil_gateway_batches_total', help: 'Batches accepted (produced) or dropped as duplicates', labelNames: ['result'], registers: [this.registry] });
  readonly produceLatency = new Histogram({
    name: 'vigil_gateway_produce_latency_seconds',
    help: 'Time from handing a produce request to Kafka to its acknowledgement by all in-sync replicas',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly keyChecks = new Counter({
    name: 'vigil_gateway_key_checks_total',
    help: 'Endpoint keys accepted, by where the verification came from (database, cache, stale: the cache while the database is unreachable)',
    labelNames: ['source'],
    registers: [this.registry],
  });
  readonly produceFailures = new Counter({ name: 'vigil_gateway_produce_failures_total', help: 'Produce requests Kafka refused', registers: [this.registry] });
  readonly inFlight: Gauge;
  readonly requestDuration = new Histogram({
    name: 'vigil_gateway_request_duration_seconds',
    help: 'Time to answer POST /v1/batches',
    labelNames: ['status'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  constructor(inFlight: () => number) {
    collectDefaultMetrics({ register: this.registry, prefix: 'vigil_gateway_' });
    this.inFlight = new Gauge({
      name: 'vigil_gateway_in_flight',
      help: 'Batches handed to Kafka and not yet acknowledged',
      registers: [this.registry],
      collect() {
        this.set(inFlight());
      },
    });
  }
}
