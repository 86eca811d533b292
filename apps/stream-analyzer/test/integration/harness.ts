import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { createLogger } from '@vigil/common';
import { createPool, migrate, type Pool } from '@vigil/db';
import { KafkaClient, type IncomingMessage, type KafkaProducer } from '@vigil/kafka';
import {
  AlertV1Schema,
  SubjectSchemas,
  TelemetryBatchV1Schema,
  WireDecoder,
  WireEncoder,
  avroType,
  createRegistryClient,
  registerValueSchema,
  subjectForTopic,
  type Alert as AvroAlert,
  type TelemetryBatch as AvroBatch,
} from '@vigil/schemas';
import { childEnv, freshDatabase, stackServiceEnv, stackUrls, uniqueName, waitUntil } from '@vigil/testing';
import { loadAnalyzerConfig, type AnalyzerConfig } from '../../src/config/analyzer.config';
import { DEFAULT_ENGINE_OPTIONS, DetectionEngine, type EngineOptions } from '../../src/detection/engine';
import type { Alert } from '../../src/detection/alert';
import { loadRuleSet } from '../../src/detection/rules/rule-directory';
import { toDetectionBatch } from '../../src/kafka/telemetry-adapter';
import { startAnalyzer, type Analyzer } from '../../src/service';

export const APP_ROOT = resolve(__dirname, '..', '..');
export const MAIN_JS = resolve(APP_ROOT, 'dist', 'main.js');

/** Own database, topics, group and registered schema for one test file. */
export class Harness {
  readonly telemetryTopic = uniqueName('vigil.test.analyzer.telemetry');
  readonly alertsTopic = uniqueName('vigil.test.analyzer.alerts');
  readonly dlqTopic = uniqueName('vigil.test.analyzer.dlq');
  readonly groupId = uniqueName('vigil-test-analyzer');
  readonly kafka = new KafkaClient({ brokers: stackUrls().kafkaBrokers, clientId: 'analyzer-test', sasl: stackUrls().kafkaSasl });
  readonly registry = createRegistryClient(stackUrls().schemaRegistryUrl, { auth: stackUrls().registryAuth });
  pool!: Pool;
  databaseUrl!: string;
  producer!: KafkaProducer;
  encoder!: WireEncoder<AvroBatch>;
  private dropDb: (() => Promise<void>) | undefined;
  private readonly analyzers: Analyzer[] = [];
  private readonly children = new Set<ChildProcess>();

  async setup(partitions = 12): Promise<void> {
    const db = await freshDatabase('vigil_analyzer_test');
    this.databaseUrl = db.url;
    this.dropDb = db.drop;
    this.pool = createPool(db.url, { max: 4 });
    await migrate(this.pool);
    const admin = this.kafka.admin();
    await admin.connect();
    // right after creation the broker may not host a partition yet (KRaft metadata propagation): retry until it does
    for (const [topic, n] of [[this.telemetryTopic, partitions], [this.alertsTopic, 3], [this.dlqTopic, 3]] as const) {
      await waitUntil(
        async () => {
          await admin.createTopic(topic, n).catch(() => false);
          return (await admin.endOffsets(topic)).size === n;
        },
        30_000,
        `topic ${topic} ready`,
      );
    }
    await admin.disconnect();
    const id = await registerValueSchema(this.registry, this.telemetryTopic, TelemetryBatchV1Schema);
    this.encoder = new WireEncoder<AvroBatch>(id, TelemetryBatchV1Schema);
    this.producer = this.kafka.producer();
    await this.producer.connect();
  }

  async teardown(): Promise<void> {
    for (const a of this.analyzers) await a.close().catch(() => undefined);
    for (const c of this.children) c.kill('SIGKILL');
    await this.producer?.disconnect().catch(() => undefined);
    const admin = this.kafka.admin();
    await admin.connect().catch(() => undefined);
    for (const t of [this.telemetryTopic, this.alertsTopic, this.dlqTopic]) await admin.deleteTopic(t).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    this.registry.close();
    await this.pool?.end().catch(() => undefined);
    await this.dropDb?.();
  }

  /** The analyzer environment for this harness (overrides on top). */
  env(over: Record<string, string> = {}): Record<string, string> {
    const u = stackUrls();
    return {
      ...stackServiceEnv(u),
      VIGIL_DATABASE_URL: this.databaseUrl,
      VIGIL_BASELINE_LEARNING_PERIOD: '2s',
      VIGIL_ANALYZER_TELEMETRY_TOPIC: this.telemetryTopic,
      VIGIL_ANALYZER_ALERTS_TOPIC: this.alertsTopic,
      VIGIL_ANALYZER_DLQ_TOPIC: this.dlqTopic,
      VIGIL_ANALYZER_GROUP_ID: this.groupId,
      VIGIL_ANALYZER_PORT: '0',
      VIGIL_ANALYZER_FLEET_MIN_ENDPOINTS: '1000000',
      VIGIL_LOG_LEVEL: 'warn',
      ...over,
    };
  }

  config(over: Record<string, string> = {}): AnalyzerConfig {
    return loadAnalyzerConfig(this.env(over));
  }

  /** An analyzer in this process. */
  async start(over: Record<string, string> = {}): Promise<Analyzer> {
    const config = this.config(over);
    const a = await startAnalyzer(config, createLogger('stream-analyzer-test', { level: config.logLevel }));
    this.analyzers.push(a);
    return a;
  }

  /** An analyzer as its own process (the built dist/main.js); resolves once it answers /healthz. */
  async spawn(over: Record<string, string> = {}): Promise<{ child: ChildProcess; url: string }> {
    const child = spawn(process.execPath, [MAIN_JS, 'run'], { env: childEnv(this.env({ VIGIL_LOG_LEVEL: 'info', ...over })), stdio: ['ignore', 'pipe', 'pipe'] });
    this.children.add(child);
    child.on('exit', () => this.children.delete(child));
    let out = '';
    const url = await new Promise<string>((resolvePromise, reject) => {
      const onData = (d: Buffer): void => {
        out += d.toString();
        const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(out);
        if (m) resolvePromise(m[1]!);
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      child.on('exit', (code) => reject(new Error(`analyzer exited with ${code}: ${out.slice(-2000)}`)));
    });
    child.stdout!.resume();
    return { child, url };
  }

  /** Produce batches keyed by endpoint (in order per endpoint). */
  async produce(batches: AvroBatch[]): Promise<void> {
    for (let i = 0; i < batches.length; i += 200) {
      await this.producer.send(
        this.telemetryTopic,
        batches.slice(i, i + 200).map((b) => ({ key: b.endpointId, value: this.encoder.encode(b) })),
      );
    }
  }

  /** Produce raw records (poison tests). */
  async produceRaw(records: { key: string; value: Buffer }[]): Promise<void> {
    await this.producer.send(this.telemetryTopic, records);
  }

  /** Records in the telemetry topic. */
  async endOffsets(): Promise<Map<number, string>> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      return await admin.endOffsets(this.telemetryTopic);
    } finally {
      await admin.disconnect();
    }
  }

  /** Wait until the database's stored offsets reach the topic's end on every partition. */
  async waitProcessed(timeoutMs = 90_000): Promise<void> {
    const end = await this.endOffsets();
    await waitUntil(
      async () => {
        const r = await this.pool.query<{ partition: number; next_offset: string }>('select partition, next_offset from analyzer_offsets where group_id = $1 and topic = $2', [this.groupId, this.telemetryTopic]);
        const got = new Map(r.rows.map((row) => [row.partition, row.next_offset]));
        for (const [p, high] of end) if (high !== '0' && got.get(p) !== high) return false;
        return true;
      },
      timeoutMs,
      'every record processed (database offsets at the end of each partition)',
    );
  }

  /** Every alert in the database. */
  async dbAlerts(): Promise<{ id: string; endpoint_id: string; kind: string; detector: string; count: number; program: string; evidence: string; mitre: string | null }[]> {
    return (await this.pool.query('select id, endpoint_id, kind, detector, count, program, evidence, mitre from alerts order by id')).rows;
  }

  /** Read every record of `topic` from the beginning until `until` holds. */
  async readTopic(topic: string, until: (ms: IncomingMessage[]) => boolean, timeoutMs = 60_000): Promise<IncomingMessage[]> {
    const seen: IncomingMessage[] = [];
    const consumer = this.kafka.consumer(uniqueName('vigil-test-reader'));
    await consumer.connect();
    try {
      await consumer.run([topic], async (m) => void seen.push(m), { fromBeginning: true });
      await waitUntil(() => until(seen), timeoutMs, `records on ${topic}`);
      return seen;
    } finally {
      await consumer.disconnect();
    }
  }

  /** Decoder of the alerts topic. */
  alertDecoder(): WireDecoder<AvroAlert> {
    return new WireDecoder<AvroAlert>(new SubjectSchemas(this.registry, subjectForTopic(this.alertsTopic)), AlertV1Schema);
  }
}

/** What the engine alone raises over the same batches (the reference for exactly-once checks). */
export function referenceAlerts(batches: AvroBatch[], options: Partial<EngineOptions> = {}): { alerts: Map<string, Alert & { total: number }> } {
  const engine = new DetectionEngine(loadRuleSet(), { ...DEFAULT_ENGINE_OPTIONS, learningPeriodMs: 2_000, ...options });
  const t = avroType(TelemetryBatchV1Schema);
  const alerts = new Map<string, Alert & { total: number }>();
  for (const b of batches) {
    const decoded = t.fromBuffer(t.toBuffer(b)) as AvroBatch;
    const r = engine.processBatch(toDetectionBatch(decoded, b.endpointId));
    for (const a of r.alerts) alerts.set(a.id, { ...a, total: 0 });
    for (const o of r.occurrences) alerts.get(o.alertId)!.total += o.count;
  }
  return { alerts };
}

/** GET a JSON document. */
export async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
