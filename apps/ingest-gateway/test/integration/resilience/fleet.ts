import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AgentTransport, type WindowContent } from '@vigil/agent-transport';
import { EndpointsRepository, createPool, migrate } from '@vigil/db';
import { TelemetryBatchV1Schema, avroType, createRegistryClient, sampleTelemetryBatch, subjectForTopic, type TelemetryBatch } from '@vigil/schemas';
import { freshDatabase, pinoListening, readAllRecords, stackUrls, startServiceProcess, uniqueName, type KafkaTestCluster, type ServiceProcess } from '@vigil/testing';

/** The built gateway (`npx nx run ingest-gateway:build`): the real service, as operators run it. */
const GATEWAY_MAIN = resolve(__dirname, '../../../dist/main.js');

/** One simulated endpoint: enrolled, with its own spool, posting through libs/agent-transport. */
export interface SimulatedAgent {
  endpointId: string;
  key: string;
  transport: AgentTransport;
  /** Sequence numbers of every batch it spooled (what must arrive exactly once). */
  submitted: number[];
}

/** A real gateway process on a free port in front of a test cluster, with a fresh database and agents. */
export interface Fleet {
  gateway: ServiceProcess;
  /** The gateway's log (kept after the test, for failure analysis). */
  gatewayLog: string;
  topic: string;
  agents: SimulatedAgent[];
  /** A key of an extra enrolled endpoint the test may post with directly (not one of the agents). */
  probe: { endpointId: string; key: string };
  /** Each agent submits one window every `intervalMs` until stopPosting(). */
  startPosting(intervalMs: number): void;
  stopPosting(): Promise<void>;
  /** Batches spooled so far by all agents. */
  submittedTotal(): number;
  /** A gateway counter from /metrics (sum over series whose labels include `labels`). */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  /** Read the topic and count (endpoint, sequence) pairs of the agents' batches. */
  count(): Promise<FleetCount>;
  close(): Promise<void>;
}

/** What the topic holds compared with what the agents sent. */
export interface FleetCount {
  /** Batches the agents spooled (each must end up in the topic once). */
  submitted: number;
  /** Records in the topic from the agents' endpoints. */
  inTopic: number;
  /** Distinct (endpoint, sequence) pairs among them. */
  distinct: number;
  /** Extra copies: inTopic − distinct. */
  duplicates: number;
  /** Submitted pairs not in the topic. */
  lost: number;
  /** The first few lost pairs (`endpoint/sequence`), for the failure message. */
  lostPairs: string[];
  /** Records whose Kafka key is not the endpoint id inside the batch. */
  misKeyed: number;
  /** The probe endpoint's records: (sequence → copies). */
  probe: Map<number, number>;
}

const telemetry = avroType(TelemetryBatchV1Schema);

/** Content of one capture window: a sample batch without the fields the transport assigns. */
function windowContent(): WindowContent {
  const { endpointId: _e, batchId: _b, sequence: _s, ...content } = sampleTelemetryBatch('x', 0, 3);
  return content;
}

/**
 * Create the topic on `cluster` (RF = nodes, min.insync.replicas min(2, nodes)), a fresh database
 * with `agents + 1` enrolled endpoints, a gateway child process producing to that topic, and the
 * agents' transports (started, spool in a temp dir).
 */
export async function startFleet(
  cluster: KafkaTestCluster,
  opts: { agents: number; partitions: number; gatewayEnv?: Record<string, string> },
): Promise<Fleet> {
  const urls = stackUrls();
  const topic = uniqueName('vigil.test.telemetry');
  const rf = cluster.nodes.length;
  const admin = await cluster.admin();
  await admin.createTopic(topic, opts.partitions, rf, { 'min.insync.replicas': String(Math.min(2, rf)) });
  await admin.disconnect();

  const db = await freshDatabase('vigil_resilience');
  const pool = createPool(db.url, { max: 2 });
  await migrate(pool);
  const repo = new EndpointsRepository(pool);
  const enrolled = [];
  for (let i = 0; i <= opts.agents; i++) enrolled.push(await repo.create(`sim-agent-${i}`));
  await pool.end();

  const gateway = await startServiceProcess(
    GATEWAY_MAIN,
    {
      VIGIL_GATEWAY_PORT: '0',
      VIGIL_KAFKA_BROKERS: cluster.brokers.join(','),
      VIGIL_SCHEMA_REGISTRY_URL: urls.schemaRegistryUrl,
      ...(urls.registryAuth ? { VIGIL_SCHEMA_REGISTRY_USERNAME: urls.registryAuth.username, VIGIL_SCHEMA_REGISTRY_PASSWORD: urls.registryAuth.password } : {}),
      VIGIL_DATABASE_URL: db.url,
      VIGIL_GATEWAY_TOPIC: topic,
      VIGIL_LOG_LEVEL: 'info',
      ...opts.gatewayEnv,
    },
    pinoListening,
    { name: 'ingest-gateway', logFile: join(tmpdir(), `${topic}.gateway.log`), timeoutMs: 180_000 },
  );

  const spoolRoot = mkdtempSync(join(tmpdir(), 'vigil-spools-'));
  const agents: SimulatedAgent[] = enrolled.slice(1).map(({ endpoint, key }) => {
    const transport = new AgentTransport({
      api: gateway.url,
      // The gateway child listens on loopback http; TLS is Caddy's job in production.
      insecureHttp: true,
      key,
      endpointId: endpoint.id,
      batchSize: 50,
      spoolDir: join(spoolRoot, endpoint.id),
      spoolMaxBytes: 64 * 1024 * 1024,
      initialBackoffMs: 100,
      maxBackoffMs: 2_000,
    });
    transport.start();
    return { endpointId: endpoint.id, key, transport, submitted: [] };
  });
  const probe = { endpointId: enrolled[0]!.endpoint.id, key: enrolled[0]!.key };

  let posting = false;
  let loops: Promise<void>[] = [];
  const fleet: Fleet = {
    gateway,
    gatewayLog: join(tmpdir(), `${topic}.gateway.log`),
    topic,
    agents,
    probe,
    startPosting(intervalMs) {
      posting = true;
      loops = agents.map(async (a, i) => {
        // Stagger the agents so their posts interleave instead of arriving in lockstep.
        await new Promise((r) => setTimeout(r, (intervalMs * i) / agents.length));
        while (posting) {
          for (const b of await a.transport.submit(windowContent())) a.submitted.push(b.sequence);
          await new Promise((r) => setTimeout(r, intervalMs));
        }
      });
    },
    async stopPosting() {
      posting = false;
      await Promise.all(loops);
    },
    submittedTotal: () => agents.reduce((s, a) => s + a.submitted.length, 0),
    async metric(name, labels = {}) {
      const text = await (await fetch(`${gateway.url}/metrics`)).text();
      let sum = 0;
      for (const line of text.split('\n')) {
        const m = /^([a-z_]+)(\{([^}]*)\})? ([0-9.e+-]+)$/.exec(line);
        if (!m || m[1] !== name) continue;
        const have = Object.fromEntries([...(m[3] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
        if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(m[4]);
      }
      return sum;
    },
    async count() {
      const records = await readAllRecords(cluster.brokers, topic);
      const mine = new Map(agents.map((a) => [a.endpointId, a]));
      const seen = new Map<string, number>();
      const probeSeen = new Map<number, number>();
      let inTopic = 0;
      let misKeyed = 0;
      for (const r of records) {
        const batch = telemetry.fromBuffer(r.value!.subarray(5)) as TelemetryBatch;
        if (r.key?.toString() !== batch.endpointId) misKeyed++;
        if (batch.endpointId === probe.endpointId) {
          probeSeen.set(batch.sequence, (probeSeen.get(batch.sequence) ?? 0) + 1);
          continue;
        }
        if (!mine.has(batch.endpointId)) continue;
        inTopic++;
        const k = `${batch.endpointId}/${batch.sequence}`;
        seen.set(k, (seen.get(k) ?? 0) + 1);
      }
      const submitted = fleet.submittedTotal();
      const lostPairs: string[] = [];
      for (const a of agents) for (const s of a.submitted) if (!seen.has(`${a.endpointId}/${s}`)) lostPairs.push(`${a.endpointId}/${s}`);
      return { submitted, inTopic, distinct: seen.size, duplicates: inTopic - seen.size, lost: lostPairs.length, lostPairs: lostPairs.slice(0, 20), misKeyed, probe: probeSeen };
    },
    async close() {
      posting = false;
      await Promise.all(loops).catch(() => undefined);
      await Promise.all(agents.map((a) => a.transport.stop()));
      await gateway.stop();
      rmSync(spoolRoot, { recursive: true, force: true });
      const registry = createRegistryClient(urls.schemaRegistryUrl, { auth: urls.registryAuth });
      await registry.deleteSubject(subjectForTopic(topic), false).catch(() => undefined);
      await registry.deleteSubject(subjectForTopic(topic), true).catch(() => undefined);
      registry.close();
      await db.drop();
    },
  };
  return fleet;
}
