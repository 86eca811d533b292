import { readFileSync } from 'node:fs';
import { hostname, release } from 'node:os';
import { join } from 'node:path';
import { createLogger, errorMessage, type Logger } from '@vigil/common';
import { DROP_CAUSES, type DropCause } from '@vigil/bpf';
import { AgentTransport, SendError, TransportConfigError, UnsafeSpoolPathError } from '@vigil/agent-transport';
import { AgentError } from '../errors/agent-error';
import { WindowBuilder } from '../batch/window-builder';
import { OpenUrgency } from '../batch/urgent-events';
import type { ProcessActivity, TelemetryBatch } from '@vigil/schemas';
import { Collector } from '../collector/collector';
import { loadAgentConfig, type AgentConfig } from '../config/agent-config';
import type { AgentEnv } from '../config/env';
import { AgentMetrics } from '../metrics/agent-metrics';
import { EXE_HASH_OUTCOMES, ExeHasher } from '../process/exe-hasher';
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
 * How long a batch waits at most for the hashes of the programs just exec'd (ExeHasher.execsSettled):
 * a cache hit is ready at the next turn of the event loop, a new binary of a few MB in milliseconds.
 */
const HASH_SETTLE_MS = 50;

/** How long a stopping agent keeps delivering what it spooled, when the gateway is answering. */
const SHUTDOWN_DRAIN_MS = 5_000;

/**
 * The transport to the gateway, checked before anything is loaded into the kernel: a plain-http
 * URL without the opt-in, an untrusted gateway certificate or a refused key stop the agent here
 * with a clear error (non-zero exit); a gateway that is merely unreachable does not — batches
 * wait in the spool until it is back.
 */
async function connect(cfg: AgentConfig, metrics: AgentMetrics, log: Logger): Promise<AgentTransport> {
  let transport: AgentTransport;
  try {
    transport = new AgentTransport({
      api: cfg.api,
      tlsCa: cfg.tlsCa?.pem,
      insecureHttp: cfg.insecureHttp,
      key: cfg.key,
      endpointId: cfg.id,
      batchSize: cfg.batchSize,
      spoolDir: cfg.spoolDir,
      spoolMaxBytes: cfg.spoolMaxBytes,
      log: log.child({ component: 'transport' }),
      observer: metrics.transportObserver(),
    });
  } catch (err) {
    if (err instanceof TransportConfigError) throw new AgentError('AGENT_CONFIG_INVALID', `invalid agent config: api: ${err.message}`, { cause: err });
    if (err instanceof UnsafeSpoolPathError) throw new AgentError('AGENT_CONFIG_UNSAFE', `unsafe spool_dir: ${err.message}`, { cause: err });
    throw err;
  }
  metrics.watchTransport(transport);
  const ca = cfg.tlsCa ? `the CA in tls_ca=${cfg.tlsCa.path}` : 'the system CA store (set tls_ca for a private CA)';
  try {
    const schemaId = await transport.checkGateway();
    log.info({ api: cfg.api, schemaId, tls: cfg.api.startsWith('https:') }, 'gateway reachable; TelemetryBatch schema id resolved');
  } catch (err) {
    if (err instanceof SendError && err.code === 'TLS_UNTRUSTED') {
      await transport.stop();
      throw new AgentError('AGENT_TLS_UNTRUSTED', `${err.message}; verified against ${ca}`, { cause: err });
    }
    if (err instanceof SendError && err.code === 'UNAUTHORIZED') {
      await transport.stop();
      throw new AgentError('AGENT_KEY_REFUSED', `${err.message}: the endpoint was deleted or its key rotated; enrol again or use the new config file`, { cause: err });
    }
    log.warn({ api: cfg.api, err: errorMessage(err), spoolDir: cfg.spoolDir }, 'gateway not reachable at start-up; batches are spooled until it is');
  }
  return transport;
}

/**
 * `agent run`: the daemon. Records a rule can match leave within `urgent_batch` (250 ms) as urgent
 * batches (see WindowBuilder). Every window it syncs the kernel counts and hands the window to the
 * transport, which splits it into batches of `batch_size` processes, numbers them (persisted
 * sequence), encodes them to Avro, gzips them into the on-disk spool and delivers them to the
 * gateway oldest-first with backoff and Retry-After. On SIGINT/SIGTERM the last window is
 * flushed into the spool and, while the gateway answers, delivered for up to a few seconds;
 * whatever is left is sent at the next start.
 */
export async function run(opts: RunOptions): Promise<void> {
  const cfg = loadAgentConfig(opts.configPath);
  const log = createLogger('agent', { level: opts.env.logLevel });
  const metrics = new AgentMetrics();
  const transport = await connect(cfg, metrics, log);
  const selfPid = process.pid;
  let probe: ReturnType<typeof startProbe>['probe'];
  try {
    const started = startProbe(opts.env.btfPath, {
      agentTgid: selfPid,
      ngramK: cfg.ngramK,
      ringbufBytes: cfg.ringbufBytes,
      aggregateOpens: true,
      // With the urgent path, the addon lets the first open of a (process, path, flags, result) that
      // a rule may match through at once and holds the rest for a second (its default). A 200 ms
      // hold for every open (before) handed a file walk's repeated reads to JavaScript about four
      // times as often: ~4× the agent's CPU per record on bench/agent-overhead (c).
      ...(cfg.urgent ? { aggregatePassAtOnce: new OpenUrgency(cfg.urgentPaths).mayBeUrgent } : {}),
    });
    probe = started.probe;
    if (started.mounted.length) log.info({ mounted: started.mounted }, 'mounted kernel filesystems');
  } catch (err) {
    await transport.stop();
    throw err;
  }
  // sha256 of each process's executable, computed off the hot path (see ExeHasher)
  const hasher = new ExeHasher();
  const table = new ProcessTable({}, selfPid, '/proc', hasher);
  table.seedFromProc();
  const windows = new WindowBuilder(
    cfg.ngramK,
    cfg.urgent ? { perProcess: cfg.urgentProcessRate, global: cfg.urgentGlobalRate, extraPaths: cfg.urgentPaths } : undefined,
  );
  const collector = new Collector(probe, table, windows, selfPid);
  const server = cfg.metricsPort ? await metrics.serve(cfg.metricsPort) : undefined;

  const host = hostInfo();
  transport.start();
  log.info({ endpointId: cfg.id, api: cfg.api, processes: table.size, spoolDir: cfg.spoolDir, spooledBatches: transport.spool.length, windowMs: cfg.windowMs }, 'agent running');

  let stopping = false;
  process.once('SIGINT', () => (stopping = true));
  process.once('SIGTERM', () => (stopping = true));

  let lastDrops = Object.fromEntries(DROP_CAUSES.map((c) => [c, 0])) as Record<DropCause, number>;
  let windowStart = Date.now();
  let lastCpu = process.cpuUsage();
  let lastRecords = 0;
  let seenRecords: Record<string, number> = {};

  const flush = async (): Promise<void> => {
    await hasher.execsSettled(HASH_SETTLE_MS);
    collector.sync();
    const windowEnd = Date.now();
    const processes = windows.take(table.entries(), selfPid);
    const drops: Record<string, number> = {};
    for (const c of DROP_CAUSES) {
      drops[c] = collector.drops[c] - lastDrops[c];
      metrics.drops.set({ cause: c }, collector.drops[c]);
    }
    lastDrops = { ...collector.drops };
    const cpu = process.cpuUsage(lastCpu);
    lastCpu = process.cpuUsage();
    const secs = Math.max(0.001, (windowEnd - windowStart) / 1000);
    const agentStats: Record<string, number> = {
      records_per_s: (collector.stats.recordsTotal - lastRecords) / secs,
      cpu_seconds: (cpu.user + cpu.system) / 1e6,
      rss_bytes: process.memoryUsage().rss,
      processes_tracked: table.size,
      self_syscalls: collector.stats.selfSyscalls,
    };
    lastRecords = collector.stats.recordsTotal;
    if (windows.limiter) {
      const u = windows.limiter.counters;
      Object.assign(agentStats, { urgent_sent_total: u.sent, urgent_deferred_total: u.deferredProcess + u.deferredGlobal });
      metrics.urgentRecords.set({ outcome: 'sent' }, u.sent);
      metrics.urgentRecords.set({ outcome: 'deferred_process' }, u.deferredProcess);
      metrics.urgentRecords.set({ outcome: 'deferred_global' }, u.deferredGlobal);
    }
    for (const o of EXE_HASH_OUTCOMES) {
      metrics.exeHashes.set({ outcome: o }, hasher.counters[o]);
      // totals since start: a null exeHash is explained by too_large, unreadable, changed or skipped
      agentStats[`exe_hash_${o}_total`] = hasher.counters[o];
    }
    metrics.processes.set(table.size);
    metrics.selfSyscalls.set(collector.stats.selfSyscalls);
    for (const [kind, n] of Object.entries(collector.stats.records)) metrics.records.inc({ kind }, n - (seenRecords[kind] ?? 0));
    seenRecords = { ...collector.stats.records };
    // The transport adds spool_evicted to drops (and the running total to agentStats).
    await transport.submit({ agentVersion: AGENT_VERSION, windowStart, windowEnd, host, processes, drops, agentStats });
    windowStart = windowEnd;
  };

  /**
   * The urgent batch: rule-relevant records gathered since the first of them, as an ordinary batch
   * (same schema, sequence, spool and delivery) marked `agentStats.urgent`, without counts or drop
   * figures (those travel with the window, once).
   */
  const submitUrgent = async (processes: ProcessActivity[], since: number): Promise<void> => {
    const records = processes.reduce((n, p) => n + p.files.length + p.execs.length + p.network.length + p.security.length, 0);
    await transport.submit({ agentVersion: AGENT_VERSION, windowStart: since, windowEnd: Math.max(since, Date.now()), host, processes, drops: {}, agentStats: { urgent: 1, urgent_records: records } }, true);
    metrics.urgentBatches.inc();
  };
  const flushUrgent = async (): Promise<void> => {
    if (windows.urgentSince !== undefined) await hasher.execsSettled(HASH_SETTLE_MS);
    const since = windows.urgentSince;
    if (since === undefined) return;
    // images replaced by an exec in place go first, each batch one process-window per pid
    for (const sealed of windows.takeSealed()) await submitUrgent(sealed, since);
    const processes = windows.takeUrgent();
    if (processes.length > 0) await submitUrgent(processes, since);
  };

  try {
    let lastSync = Date.now();
    while (!stopping) {
      const since = windows.urgentSince;
      await collector.pump(since === undefined ? 100 : Math.max(0, Math.min(100, since + cfg.urgentBatchMs - Date.now())));
      const now = Date.now();
      const due = windows.urgentSince;
      if (due !== undefined && now - due >= cfg.urgentBatchMs) await flushUrgent();
      if (now - windowStart >= cfg.windowMs) {
        await collector.pump(0); // a poll with timeout 0 hands over the opens the addon holds
        await flushUrgent(); // before the window: its exits and counts come after the urgent records
        await flush();
        lastSync = now;
      } else if (collector.pendingExits > 0 && now - lastSync >= 1000) {
        // finish exited processes promptly and free their kernel map entries; with no exit a sync
        // would only re-read unchanged maps (a few ms each on a busy host)
        collector.sync();
        lastSync = now;
      }
    }
    probe.obj.detach();
    while ((await collector.pump(0)) > 0);
    await flushUrgent();
    await flush();
    const last = transport.statistics().lastOutcome;
    if (last === 'accepted' || last === 'duplicate') {
      await transport.drained(SHUTDOWN_DRAIN_MS).catch((err: unknown) => log.info({ err: errorMessage(err) }, 'stopping with batches still spooled; they are sent at the next start'));
    }
  } finally {
    await transport.stop();
    await probe.close();
    server?.close();
  }
  const stats = transport.statistics();
  log.info({ delivered: stats.delivered, spooledBatches: stats.spooledBatches, evicted: stats.evicted }, 'agent stopped');
}
