import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics of the agent (process CPU and memory come from the default collectors). */
export class AgentMetrics {
  readonly registry = new Registry();
  readonly records = new Counter({ name: 'vigil_agent_records_total', help: 'Kernel records received, by kind', labelNames: ['kind'], registers: [this.registry] });
  readonly drops = new Gauge({ name: 'vigil_agent_kernel_drops', help: 'Kernel-side losses since start, by cause', labelNames: ['cause'], registers: [this.registry] });
  readonly mapEntries = new Gauge({ name: 'vigil_agent_map_entries', help: 'Entries in the kernel maps at the last sync', labelNames: ['map'], registers: [this.registry] });
  readonly processes = new Gauge({ name: 'vigil_agent_processes', help: 'Processes in the process table', registers: [this.registry] });
  readonly batches = new Counter({ name: 'vigil_agent_batches_total', help: 'Telemetry batches written', registers: [this.registry] });
  readonly selfSyscalls = new Gauge({ name: 'vigil_agent_self_syscalls', help: 'System calls the agent itself made since start', registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'vigil_agent_' });
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
