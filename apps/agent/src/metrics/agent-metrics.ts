import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { AgentTransport, DeliveryOutcome, TransportObserver } from '@vigil/agent-transport';

/** Every outcome a delivery attempt can have (label values of the delivery metrics). */
const OUTCOMES: DeliveryOutcome[] = ['accepted', 'duplicate', 'rejected', 'retry', 'unreachable', 'unauthorized', 'tls_untrusted'];

/** Sampling period of the agent's event-loop lag metrics (prom-client's default is 10 ms). */
export const EVENT_LOOP_SAMPLE_MS = 1000;

/** Prometheus metrics of the agent (process CPU and memory come from the default collectors). */
export class AgentMetrics {
  readonly registry = new Registry();
  readonly records = new Counter({ name: 'vigil_agent_records_total', help: 'Kernel records received, by kind', labelNames: ['kind'], registers: [this.registry] });
  readonly drops = new Gauge({ name: 'vigil_agent_kernel_drops', help: 'Kernel-side losses since start, by cause', labelNames: ['cause'], registers: [this.registry] });
  readonly mapEntries = new Gauge({ name: 'vigil_agent_map_entries', help: 'Entries in the kernel maps at the last sync', labelNames: ['map'], registers: [this.registry] });
  readonly processes = new Gauge({ name: 'vigil_agent_processes', help: 'Processes in the process table', registers: [this.registry] });
  readonly batchesSpooled = new Counter({ name: 'vigil_agent_batches_spooled_total', help: 'Telemetry batches encoded and written to the spool', registers: [this.registry] });
  readonly spooledBytes = new Counter({ name: 'vigil_agent_spooled_bytes_total', help: 'Compressed bytes written to the spool', registers: [this.registry] });
  readonly batchesSent = new Counter({ name: 'vigil_agent_batches_sent_total', help: 'Batches the gateway acknowledged (202), by outcome: accepted or duplicate', labelNames: ['outcome'], registers: [this.registry] });
  readonly deliveryFailures = new Counter({
    name: 'vigil_agent_delivery_failures_total',
    help: 'Failed delivery attempts, by reason: retry (429/5xx), unreachable, unauthorized, tls_untrusted, rejected (batch dropped)',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly lastDelivery = new Gauge({ name: 'vigil_agent_last_delivery_status', help: '1 for the outcome of the last delivery attempt, 0 for the others', labelNames: ['outcome'], registers: [this.registry] });
  readonly lastHttpStatus = new Gauge({ name: 'vigil_agent_last_delivery_http_status', help: 'HTTP status of the last delivery attempt (0 = no HTTP answer)', registers: [this.registry] });
  readonly lastSuccess = new Gauge({ name: 'vigil_agent_last_delivery_success_timestamp_seconds', help: 'Unix time of the last batch the gateway acknowledged', registers: [this.registry] });
  private transport: AgentTransport | undefined;
  readonly spoolBatches = new Gauge({ name: 'vigil_agent_spool_batches', help: 'Batches waiting in the spool', registers: [this.registry], collect: () => this.fromTransport((t) => this.spoolBatches.set(t.spooledBatches)) });
  readonly spoolBytes = new Gauge({ name: 'vigil_agent_spool_bytes', help: 'Bytes waiting in the spool', registers: [this.registry], collect: () => this.fromTransport((t) => this.spoolBytes.set(t.spooledBytes)) });
  readonly spoolEvicted = new Gauge({
    name: 'vigil_agent_spool_evicted_total',
    help: 'Batches lost because the spool was full (oldest first), since the spool was created; also sent as drops.spool_evicted',
    registers: [this.registry],
    collect: () => this.fromTransport((t) => this.spoolEvicted.set(t.evicted)),
  });
  readonly selfSyscalls = new Gauge({ name: 'vigil_agent_self_syscalls', help: 'System calls the agent itself made since start', registers: [this.registry] });
  readonly urgentRecords = new Gauge({
    name: 'vigil_agent_urgent_records',
    help: 'Rule-relevant records since start, by outcome: sent at once, or left for the window by the per-process or global rate limit',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly exeHashes = new Gauge({
    name: 'vigil_agent_exe_hashes',
    help: 'Executable hash requests since start, by outcome: hashed, cached, too_large (over 64 MiB, not read), unreadable, changed (written while read), skipped (queue full)',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly urgentBatches = new Counter({ name: 'vigil_agent_urgent_batches_total', help: 'Urgent batches handed to the transport (records a rule can match, sent before the window ends)', registers: [this.registry] });

  constructor() {
    // The event-loop lag histogram samples on a timer: prom-client's default 10 ms woke the agent
    // 100 times a second, and each wake-up on a busy host preempts the workload (nginx + wrk,
    // bench/agent-overhead (d): 1.15x -> 1.11x with 1 s, the same as the kernel side alone). A
    // blocked loop still shows: the next sample is late by the time it was blocked.
    collectDefaultMetrics({ register: this.registry, prefix: 'vigil_agent_', eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
  }

  /** Spool gauges read the transport at scrape time. */
  watchTransport(transport: AgentTransport): void {
    this.transport = transport;
  }

  /** Hooks that count every delivery attempt and spooled batch. */
  transportObserver(): TransportObserver {
    return {
      spooled: (bytes) => {
        this.batchesSpooled.inc();
        this.spooledBytes.inc(bytes);
      },
      attempt: (outcome, httpStatus) => {
        if (outcome === 'accepted' || outcome === 'duplicate') {
          this.batchesSent.inc({ outcome });
          this.lastSuccess.set(Date.now() / 1000);
        } else {
          this.deliveryFailures.inc({ reason: outcome });
        }
        for (const o of OUTCOMES) this.lastDelivery.set({ outcome: o }, o === outcome ? 1 : 0);
        this.lastHttpStatus.set(httpStatus);
      },
    };
  }

  private fromTransport(apply: (stats: ReturnType<AgentTransport['statistics']>) => void): void {
    if (this.transport) apply(this.transport.statistics());
  }

  /** GET /metrics and GET /healthz on 127.0.0.1:port. */
  serve(port: number): Promise<Server> {
    const server = createServer((req, res) => {
      if (req.url === '/healthz') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      } else if (req.url === '/metrics') {
        this.registry.metrics().then(
          (text) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(text),
          (err: unknown) => res.writeHead(500).end(String(err)),
        );
      } else {
        res.writeHead(404).end();
      }
    });
    return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
  }
}
