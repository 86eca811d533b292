import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AgentTransport, type WindowContent } from '@vigil/agent-transport';
import { sleep } from '@vigil/common';
import { EndpointsRepository, createDatabase, createPool, migrate, type Pool } from '@vigil/db';
import { KafkaClient } from '@vigil/kafka';
import { TelemetryBatchV1Schema, avroType, createRegistryClient, subjectForTopic, type TelemetryBatch } from '@vigil/schemas';
import {
  freePort,
  pinoListening,
  readAllRecords,
  startKafkaCluster,
  startPostgresInstance,
  startServiceProcess,
  startTcpProxy,
  stackUrls,
  uniqueName,
  type KafkaTestCluster,
  type PostgresInstance,
  type ServiceProcess,
  type TcpProxy,
} from '@vigil/testing';
import { readCorpus } from '../../../src/fleet/corpus';
import { profileWindow, restamp, type RecordedBatch } from '../../../src/fleet/variation';

const REPO = resolve(__dirname, '../../../../..');
const GATEWAY = resolve(REPO, 'apps/ingest-gateway/dist/main.js');
const ANALYZER = resolve(REPO, 'apps/stream-analyzer/dist/main.js');
const telemetryType = avroType(TelemetryBatchV1Schema);

/** How big the fleet is and how fast it sends. */
export interface FleetScale {
  endpoints: number;
  /** Batches per second per endpoint (a real agent: one 10 s window, 0.1). */
  rate: number;
  /** Processes per window (a slice of a recorded window of the real agent), when no `mix` is given. */
  processes: number;
  /**
   * Host profiles of the fleet instead of slices: each endpoint is one kind of host (`fleet simulate
   * --profile`), `web` of every 10 a web server and the rest idle hosts, for example.
   */
  mix?: { web: number };
  /** Telemetry topic partitions. */
  partitions: number;
  /** How long the outage faults last (Kafka, PostgreSQL, registry, gateway, one broker). */
  kafkaDownMs: number;
  postgresDownMs: number;
  outageMs: number;
}

/** One simulated endpoint: enrolled, its own spool, the real agent transport. */
export interface SimEndpoint {
  index: number;
  endpointId: string;
  key: string;
  hostname: string;
  bootId: string;
  pidOffset: number;
  spoolDir: string;
  /** Gateway URL it posts to (some go through a proxy of their own). */
  api: string;
  spoolMaxBytes: number;
  /** Its clock's error (ms). */
  skewMs: number;
  transport: AgentTransport;
  windows: number;
  sending: boolean;
  loop?: Promise<void>;
}

/** A batch a simulated agent spooled, and when the gateway took it (202). */
export interface Tracked {
  endpointId: string;
  sequence: number;
  submittedAt: number;
  acceptedAt?: number;
  group: string;
}

/** A process of the stack under test (gateway or analyzer), restartable. */
interface Service {
  name: string;
  child: ChildProcess | undefined;
  start(): Promise<void>;
}

/** Nothing but the stack's services and their dependencies, all private to this run. */
export class FleetUnderFaults {
  cluster!: KafkaTestCluster;
  pg!: PostgresInstance;
  registryProxy!: TcpProxy;
  /** In front of the gateway, for the endpoints of the spool-full fault only. */
  spoolProxy!: TcpProxy;
  pool!: Pool;
  databaseUrl = '';
  gatewayPort = 0;
  gateway!: Service;
  analyzers: Service[] = [];
  readonly topic = uniqueName('vigil.faults.telemetry');
  readonly alertsTopic = uniqueName('vigil.faults.alerts');
  readonly dlqTopic = uniqueName('vigil.faults.dlq');
  readonly groupId = uniqueName('vigil-faults');
  readonly endpoints: SimEndpoint[] = [];
  private readonly endpointById = new Map<string, SimEndpoint>();
  /** Batch ids seen analysed (activity rows): analysis is never undone. */
  private readonly analysedIds = new Set<string>();
  readonly batches = new Map<string, Tracked>();
  readonly logs = new Map<string, string[]>();
  private readonly root = mkdtempSync(join(tmpdir(), 'vigil-faults-'));
  private corpus: RecordedBatch[] = [];
  schemaId = 0;

  constructor(readonly scale: FleetScale) {}

  /** Say what happens, with a timestamp (the suite runs for minutes). */
  say(msg: string): void {
    process.stderr.write(`[faults ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
  }

  async start(): Promise<void> {
    const urls = stackUrls();
    this.corpus = readCorpus();
    const [cluster, pg] = await Promise.all([startKafkaCluster({
        nodes: 3,
        verbose: false,
        // Kafka's own heartbeat and session defaults, not the harness's 0.5 s / 3 s: with the whole
        // stack and a fleet on two shared cores, brokers that miss a 500 ms heartbeat are fenced over
        // and over and a cluster restarted after an outage never settles.
        overrides: { 'broker.heartbeat.interval.ms': 2000, 'broker.session.timeout.ms': 9000, 'controller.quorum.election.timeout.ms': 3000, 'controller.quorum.fetch.timeout.ms': 6000, 'replica.lag.time.max.ms': 30000 },
      }), startPostgresInstance()]);
    this.cluster = cluster;
    this.pg = pg;
    this.say(`3-node Kafka on ${cluster.brokers.join(',')}, private PostgreSQL on ${pg.port}`);
    const admin = await cluster.admin();
    for (const [t, n] of [[this.topic, this.scale.partitions], [this.alertsTopic, 1], [this.dlqTopic, 1]] as const) {
      // a fresh cluster's metadata may lag the creation (kafkajs waitForLeaders then fails): again
      for (let attempt = 0; ; attempt++) {
        try {
          await admin.createTopic(t, n, 3, { 'min.insync.replicas': '2' });
          break;
        } catch (err) {
          if (attempt >= 5) throw err;
          await sleep(1_000);
        }
      }
      await cluster.waitInSync(t);
    }
    await admin.disconnect();
    const { Client } = await import('pg');
    const c = new Client({ connectionString: pg.url });
    await c.connect();
    await createDatabase(c, 'vigil_faults');
    await c.end();
    this.databaseUrl = pg.urlOf('vigil_faults');
    this.pool = createPool(this.databaseUrl, { max: 4 });
    this.pool.on('error', () => undefined); // the database goes away on purpose
    await migrate(this.pool);
    // The harness looks batches up by id while it polls for recovery (not a product query: the
    // analyzer and the API read activity by endpoint and time); without this index every poll
    // would scan the whole table of this private database.
    await this.pool.query('create index if not exists activity_batch_id_test_idx on activity (batch_id)');
    const reg = new URL(urls.schemaRegistryUrl);
    this.registryProxy = await startTcpProxy({ host: reg.hostname, port: Number(reg.port || 80) });
    this.gatewayPort = await freePort();
    this.spoolProxy = await startTcpProxy({ host: '127.0.0.1', port: this.gatewayPort });
    const common = {
      VIGIL_DATABASE_URL: this.databaseUrl,
      VIGIL_KAFKA_BROKERS: cluster.brokers.join(','),
      VIGIL_SCHEMA_REGISTRY_URL: `http://127.0.0.1:${this.registryProxy.port}`,
      // the shared registry asks for credentials on a secured local stack (this test's Kafka is its own)
      ...(urls.registryAuth ? { VIGIL_SCHEMA_REGISTRY_USERNAME: urls.registryAuth.username, VIGIL_SCHEMA_REGISTRY_PASSWORD: urls.registryAuth.password } : {}),
      VIGIL_LOG_LEVEL: 'info',
    };
    this.gateway = this.service('gateway', GATEWAY, [], {
      ...common,
      VIGIL_GATEWAY_HOST: '127.0.0.1',
      VIGIL_GATEWAY_PORT: String(this.gatewayPort),
      VIGIL_GATEWAY_TOPIC: this.topic,
      VIGIL_GATEWAY_PRODUCE_TIMEOUT: '5s',
      VIGIL_GATEWAY_RETRY_AFTER_UNAVAILABLE: '2',
    }, pinoListening);
    const analyzerEnv = {
      ...common,
      VIGIL_ANALYZER_PORT: '0',
      VIGIL_ANALYZER_TELEMETRY_TOPIC: this.topic,
      VIGIL_ANALYZER_ALERTS_TOPIC: this.alertsTopic,
      VIGIL_ANALYZER_DLQ_TOPIC: this.dlqTopic,
      VIGIL_ANALYZER_GROUP_ID: this.groupId,
      VIGIL_BASELINE_LEARNING_PERIOD: '1h',
    };
    const analyzerReady = (line: string): string | undefined => (line.includes('health and metrics listening') ? 'ready' : undefined);
    this.analyzers = [this.service('analyzer-a', ANALYZER, ['run'], analyzerEnv, analyzerReady), this.service('analyzer-b', ANALYZER, ['run'], analyzerEnv, analyzerReady)];
    await this.gateway.start();
    await Promise.all(this.analyzers.map((a) => a.start()));
    this.say('gateway and two analyzers up');
  }

  /** A restartable child process (`node script ...args`) with its log kept. */
  private service(name: string, script: string, args: string[], env: Record<string, string>, ready: (line: string) => string | undefined): Service {
    const logs = this.logs;
    const root = this.root;
    const svc: Service = {
      name,
      child: undefined,
      async start() {
        const lines = logs.get(name) ?? [];
        logs.set(name, lines);
        // startServiceProcess runs `node <script>`; an argument goes through a tiny shim.
        const entry = args.length === 0 ? script : join(root, `${name}-${randomUUID()}.js`);
        if (args.length > 0) (await import('node:fs')).writeFileSync(entry, `process.argv.push(...${JSON.stringify(args)}); require(${JSON.stringify(script)});\n`);
        const p: ServiceProcess = await startServiceProcess(entry, env, ready, { name, timeoutMs: 180_000 });
        svc.child = p.child;
        p.child.stdout?.on('data', (d: Buffer) => {
          lines.push(d.toString());
          if (lines.length > 400) lines.splice(0, lines.length - 400);
        });
      },
    };
    return svc;
  }

  /** kill -<signal> a service's process and wait until it exited (SIGSTOP: until stopped). */
  async signal(svc: Service, signal: NodeJS.Signals): Promise<void> {
    const child = svc.child;
    if (!child || child.exitCode !== null) return;
    if (signal === 'SIGSTOP' || signal === 'SIGCONT') {
      child.kill(signal);
      return;
    }
    const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
    child.kill(signal);
    await exited;
    svc.child = undefined;
  }

  /** Enrol `n` endpoints and start their agents (transport + a window every 1/rate s). */
  async addEndpoints(n: number, group: string, options: { api?: string; spoolMaxBytes?: number; skewMs?: number } = {}): Promise<SimEndpoint[]> {
    const repo = new EndpointsRepository(this.pool);
    const made: SimEndpoint[] = [];
    for (let i = 0; i < n; i++) {
      const index = this.endpoints.length;
      const hostname = `fault-sim-${group}-${String(index).padStart(5, '0')}`;
      const { endpoint, key } = await repo.create(hostname);
      const e: SimEndpoint = {
        index,
        endpointId: endpoint.id,
        key,
        hostname,
        bootId: randomUUID(),
        pidOffset: 1 + ((index * 104_729) % 4_000_000),
        spoolDir: join(this.root, endpoint.id),
        api: options.api ?? `http://127.0.0.1:${this.gatewayPort}`,
        spoolMaxBytes: options.spoolMaxBytes ?? 256 << 20,
        skewMs: options.skewMs ?? 0,
        transport: undefined as unknown as AgentTransport,
        windows: 0,
        sending: false,
      };
      e.transport = this.transportOf(e);
      this.endpoints.push(e);
      this.endpointById.set(e.endpointId, e);
      made.push(e);
    }
    for (const e of made) {
      e.transport.start();
      this.startSending(e, group);
    }
    return made;
  }

  /** The agent's transport of endpoint `e` over its spool directory (a restart makes a new one). */
  transportOf(e: SimEndpoint): AgentTransport {
    return new AgentTransport({
      api: e.api,
      insecureHttp: true,
      key: e.key,
      endpointId: e.endpointId,
      batchSize: 500,
      spoolDir: e.spoolDir,
      spoolMaxBytes: e.spoolMaxBytes,
      initialBackoffMs: 250,
      maxBackoffMs: 5_000,
      requestTimeoutMs: 15_000,
      clock: () => Date.now() + e.skewMs,
      observer: {
        spooled: () => undefined,
        delivered: (entry) => {
          const batchId = entry.name.slice(17, 53);
          const t = this.batches.get(batchId);
          if (t && t.acceptedAt === undefined) t.acceptedAt = Date.now();
        },
      },
    });
  }

  /** The endpoint's window loop: one window every 1/rate s, stamped with its own clock. */
  startSending(e: SimEndpoint, group: string): void {
    e.sending = true;
    const periodMs = 1000 / this.scale.rate;
    e.loop = (async () => {
      await sleep(Math.random() * periodMs);
      while (e.sending) {
        const t0 = Date.now();
        const recorded = this.corpus[(e.index + e.windows) % this.corpus.length]!;
        const window = this.windowOf(recorded, e);
        e.windows++;
        const spooled = await e.transport.submit(window);
        for (const b of spooled) this.batches.set(b.batchId, { endpointId: e.endpointId, sequence: b.sequence, submittedAt: Date.now(), group });
        const wait = periodMs - (Date.now() - t0);
        if (wait > 0) await sleep(wait);
      }
    })();
  }

  async stopSending(e: SimEndpoint): Promise<void> {
    e.sending = false;
    await e.loop;
  }

  /** A recorded window of the real agent as endpoint `e` sends it now (a slice of its processes, times in e's clock). */
  private windowOf(recorded: RecordedBatch, e: SimEndpoint): WindowContent {
    const p = this.scale.processes;
    const start = (e.index * 37 + e.windows * p) % Math.max(1, recorded.processes.length - p);
    const mix = this.scale.mix;
    const sliced = mix
      ? profileWindow(recorded, e.index % 10 < mix.web ? 'web-server' : 'idle')
      : { ...recorded, processes: recorded.processes.slice(start, start + p) };
    const { endpointId: _e, batchId: _b, sequence: _s, ...content } = restamp(sliced, e, 0, Date.now() + e.skewMs);
    return content;
  }

  /** Batches spooled before `t` (by endpoints of `groups`, all when absent). */
  before(t: number, groups?: string[]): string[] {
    return [...this.batches].filter(([, b]) => b.submittedAt <= t && (!groups || groups.includes(b.group))).map(([id]) => id);
  }

  /** Of `ids`, those with activity rows (analysed). Undefined while the database does not answer. */
  async analysed(ids: string[]): Promise<Set<string> | undefined> {
    // Once analysed, always analysed: only ids not yet seen go to the database, so polling stays
    // cheap at 1,000 endpoints (the harness must not load the PostgreSQL it measures).
    const unknown = ids.filter((id) => !this.analysedIds.has(id));
    if (unknown.length > 0) {
      try {
        const { rows } = await this.pool.query<{ batch_id: string }>('select distinct batch_id from activity where batch_id = any($1::text[])', [unknown]);
        for (const r of rows) this.analysedIds.add(r.batch_id);
      } catch {
        return undefined;
      }
    }
    return new Set(ids.filter((id) => this.analysedIds.has(id)));
  }

  /**
   * Seconds from `from` until every batch spooled up to `upTo` has been taken by the gateway and
   * analysed (activity rows in the database): the pipeline has caught up with the fault.
   */
  async recovered(from: number, upTo: number, timeoutMs: number, groups?: string[]): Promise<number> {
    const ids = this.before(upTo, groups);
    const deadline = Date.now() + timeoutMs;
    let pending = ids;
    for (;;) {
      const done = await this.analysed(pending);
      if (done) pending = pending.filter((id) => !done.has(id));
      // a batch evicted from a full spool (never taken by the gateway) will never be analysed
      const gone = this.evicted(pending);
      pending = pending.filter((id) => !gone.has(id));
      if (pending.length === 0) return (Date.now() - from) / 1000;
      if (Date.now() > deadline) throw new Error(`not recovered after ${timeoutMs / 1000} s: ${pending.length}/${ids.length} batches spooled before the fault's end not analysed (first ${pending.slice(0, 3).join(', ')})`);
      await sleep(500);
    }
  }

  /**
   * Of `ids`, the batches evicted from a full spool: never taken by the gateway (no 202) and no
   * longer in their agent's spool directory.
   */
  evicted(ids: string[]): Set<string> {
    const spooled = new Map<string, string[]>();
    const out = new Set<string>();
    for (const id of ids) {
      const b = this.batches.get(id);
      if (!b || b.acceptedAt !== undefined) continue;
      const e = this.endpointById.get(b.endpointId)!;
      let names = spooled.get(e.spoolDir);
      if (!names) spooled.set(e.spoolDir, (names = readdirSync(e.spoolDir)));
      // re-check after listing: a 202 may have come in between
      if (!names.some((n) => n.includes(id)) && this.batches.get(id)!.acceptedAt === undefined) out.add(id);
    }
    return out;
  }

  /**
   * Every batch the gateway took (202), checked as an outside tester: in the topic exactly once and
   * analysed; extra copies in the topic and repeated alerts are duplicated effects. Per batch id.
   */
  async verify(): Promise<{ inTopic: Map<string, number>; analysed: Set<string>; duplicateAlerts: Set<string>; dlq: number }> {
    const records = await readAllRecords(this.cluster.brokers, this.topic, 300_000);
    const inTopic = new Map<string, number>();
    for (const r of records) {
      if (!r.value || r.value.length < 5 || r.value[0] !== 0) continue;
      let b: TelemetryBatch;
      try {
        b = telemetryType.fromBuffer(r.value.subarray(5)) as TelemetryBatch;
      } catch {
        continue; // the poison records
      }
      inTopic.set(b.batchId, (inTopic.get(b.batchId) ?? 0) + 1);
    }
    const ids = [...this.batches.keys()];
    const analysed = (await this.analysed(ids)) ?? new Set<string>();
    const dup = await this.pool.query<{ batch_id: string }>(
      'select batch_id from alerts group by endpoint_id, batch_id, kind, program, pid, group_key having count(*) > 1',
    );
    const admin = await this.cluster.admin();
    const dlq = await admin.recordCount(this.dlqTopic);
    await admin.disconnect();
    return { inTopic, analysed, duplicateAlerts: new Set(dup.rows.map((r) => r.batch_id)), dlq };
  }

  async close(): Promise<void> {
    for (const e of this.endpoints) e.sending = false;
    await Promise.all(this.endpoints.map((e) => e.loop?.catch(() => undefined)));
    await Promise.all(this.endpoints.map((e) => e.transport.stop().catch(() => undefined)));
    for (const s of [...this.analyzers, this.gateway]) {
      if (s?.child) {
        s.child.kill('SIGCONT');
        await this.signal(s, 'SIGKILL');
      }
    }
    await this.pool?.end().catch(() => undefined);
    await this.registryProxy?.close();
    await this.spoolProxy?.close();
    await this.cluster?.stop();
    await this.pg?.destroy();
    const registry = createRegistryClient(stackUrls().schemaRegistryUrl, { auth: stackUrls().registryAuth });
    await registry.deleteSubject(subjectForTopic(this.topic), false).catch(() => undefined);
    await registry.deleteSubject(subjectForTopic(this.topic), true).catch(() => undefined);
    registry.close();
    rmSync(this.root, { recursive: true, force: true });
  }

  /** A producer straight to the telemetry topic (what a broken or older gateway could write). */
  kafka(): KafkaClient {
    return new KafkaClient({ brokers: this.cluster.brokers, clientId: 'vigil-faults-poison' });
  }
}

