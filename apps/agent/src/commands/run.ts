import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname, release } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@vigil/common';
import { DROP_CAUSES, type DropCause } from '@vigil/bpf';
import { WindowBuilder } from '../batch/window-builder';
import type { TelemetryBatch } from '../batch/telemetry-batch';
import { Collector } from '../collector/collector';
import { loadAgentConfig } from '../config/agent-config';
import type { AgentEnv } from '../config/env';
import { AgentMetrics } from '../metrics/agent-metrics';
import { ProcessTable } from '../process/process-table';
import { startProbe } from '../system/start-probe';

const AGENT_VERSION: string = (JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;

/** Options of `agent run`. */
export interface RunOptions {
  configPath: string;
  env: AgentEnv;
}

function hostInfo(): TelemetryBatch['host'] {
  const read = (p: string): string => {
    try {
      return readFileSync(p, 'utf8');
    } catch {
      return '';
    }
  };
  return {
    hostname: hostname(),
    kernel: release(),
    bootId: read('/proc/sys/kernel/random/boot_id').trim(),
    os: /^PRETTY_NAME="?([^"\n]*)"?/m.exec(read('/etc/os-release'))?.[1] ?? '',
  };
}

/**
 * `agent run`: the daemon. Every window it syncs the kernel counts and writes TelemetryBatch JSON
 * lines to <spool_dir>/outbox.jsonl. (The HTTP sender to the gateway comes with the gateway issue;
 * until then the spool file is the output.)
 */
export async function run(opts: RunOptions): Promise<void> {
  const cfg = loadAgentConfig(opts.configPath);
  const log = createLogger('agent', { level: opts.env.logLevel });
  const selfPid = process.pid;
  const { probe, mounted } = startProbe(opts.env.btfPath, { agentTgid: selfPid, ngramK: cfg.ngramK, ringbufBytes: cfg.ringbufBytes });
  if (mounted.length) log.info({ mounted }, 'mounted kernel filesystems');
  const table = new ProcessTable({}, selfPid);
  table.seedFromProc();
  const windows = new WindowBuilder(cfg.ngramK);
  const collector = new Collector(probe, table, windows, selfPid);
  const metrics = new AgentMetrics();
  const server = cfg.metricsPort ? await metrics.serve(cfg.metricsPort) : undefined;

  mkdirSync(cfg.spoolDir, { recursive: true });
  const outbox = join(cfg.spoolDir, 'outbox.jsonl');
  const seqFile = join(cfg.spoolDir, 'sequence');
  let sequence = existsSync(seqFile) ? Number(readFileSync(seqFile, 'utf8')) || 0 : 0;
  const host = hostInfo();
  log.info({ endpointId: cfg.id, processes: table.size, outbox, windowMs: cfg.windowMs }, 'agent running');

  let stopping = false;
  process.once('SIGINT', () => (stopping = true));
  process.once('SIGTERM', () => (stopping = true));

  let lastDrops = Object.fromEntries(DROP_CAUSES.map((c) => [c, 0])) as Record<DropCause, number>;
  let spoolDropped = 0;
  let windowStart = Date.now();
  let lastCpu = process.cpuUsage();
  let lastRecords = 0;
  let seenRecords: Record<string, number> = {};

  const flush = (): void => {
    collector.sync();
    const windowEnd = Date.now();
    const processes = windows.take(table.entries(), selfPid);
    const drops: Record<string, number> = {};
    for (const c of DROP_CAUSES) {
      drops[c] = collector.drops[c] - lastDrops[c];
      metrics.drops.set({ cause: c }, collector.drops[c]);
    }
    lastDrops = { ...collector.drops };
    if (spoolDropped) drops.spool_full = spoolDropped;
    const cpu = process.cpuUsage(lastCpu);
    lastCpu = process.cpuUsage();
    const secs = Math.max(0.001, (windowEnd - windowStart) / 1000);
    const agentStats = {
      records_per_s: (collector.stats.recordsTotal - lastRecords) / secs,
      cpu_seconds: (cpu.user + cpu.system) / 1e6,
      rss_bytes: process.memoryUsage().rss,
      processes_tracked: table.size,
      self_syscalls: collector.stats.selfSyscalls,
    };
    lastRecords = collector.stats.recordsTotal;
    metrics.processes.set(table.size);
    metrics.selfSyscalls.set(collector.stats.selfSyscalls);
    for (const [kind, n] of Object.entries(collector.stats.records)) metrics.records.inc({ kind }, n - (seenRecords[kind] ?? 0));
    seenRecords = { ...collector.stats.records };

    const chunks: typeof processes[] = [];
    for (let i = 0; i < processes.length; i += cfg.batchSize) chunks.push(processes.slice(i, i + cfg.batchSize));
    if (chunks.length === 0) chunks.push([]);
    spoolDropped = 0;
    chunks.forEach((chunk, i) => {
      const batch: TelemetryBatch = {
        endpointId: cfg.id,
        agentVersion: AGENT_VERSION,
        batchId: randomUUID(),
        sequence: sequence++,
        windowStart,
        windowEnd,
        host,
        processes: chunk,
        drops: i === 0 ? drops : {},
        agentStats: i === 0 ? agentStats : {},
      };
      const line = `${JSON.stringify(batch)}\n`;
      const size = existsSync(outbox) ? statSync(outbox).size : 0;
      if (size + line.length > cfg.spoolMaxBytes) {
        spoolDropped++;
        log.warn({ outbox, size }, 'spool full: batch dropped (counted as spool_full in the next batch)');
        return;
      }
      appendFileSync(outbox, line);
      metrics.batches.inc();
    });
    writeFileSync(seqFile, String(sequence));
    windowStart = windowEnd;
  };

  try {
    let lastSync = Date.now();
    while (!stopping) {
      await collector.pump(100);
      const now = Date.now();
      if (now - windowStart >= cfg.windowMs) {
        flush();
        lastSync = now;
      } else if (now - lastSync >= 1000) {
        collector.sync(); // report exits promptly and keep the kernel maps small
        lastSync = now;
      }
    }
    probe.obj.detach();
    while ((await collector.pump(0)) > 0);
    flush();
  } finally {
    await probe.close();
    server?.close();
  }
  log.info({ batches: sequence }, 'agent stopped');
}
