import { gzipSync } from 'node:zlib';
import { createLogger } from '@vigil/common';
import { EndpointsRepository, createPool, type Pool } from '@vigil/db';
import { KafkaClient, type KafkaAdmin } from '@vigil/kafka';
import { TelemetryBatchV1Schema, WireEncoder, createRegistryClient, subjectForTopic, type TelemetryBatch } from '@vigil/schemas';
import { freshDatabase, stackUrls, uniqueName, stackServiceEnv } from '@vigil/testing';
import { loadGatewayConfig, type GatewayConfig } from '../../src/config/gateway.config';
import { startGateway, type Gateway } from '../../src/app';

/** A gateway on a random port with its own database, topic and subject, plus an enrolled endpoint. */
export interface Harness {
  gateway: Gateway;
  url: string;
  topic: string;
  pool: Pool;
  admin: KafkaAdmin;
  kafka: KafkaClient;
  endpointId: string;
  key: string;
  schemaId: number;
  encoder: WireEncoder<TelemetryBatch>;
  registryUrl: string;
  /** POST /v1/batches. */
  post(body: Buffer, headers?: Record<string, string>): Promise<{ status: number; headers: Headers; json: unknown }>;
  /** A batch body for the enrolled endpoint (gzip by default). */
  body(batch: TelemetryBatch, encoding?: 'gzip' | 'identity'): Buffer;
  recordCount(): Promise<number>;
  close(): Promise<void>;
}

export async function startHarness(env: Record<string, string> = {}, partitions = 3): Promise<Harness> {
  const urls = stackUrls();
  const db = await freshDatabase('vigil_gw_test');
  const topic = uniqueName('vigil.test.telemetry');
  const kafka = new KafkaClient({ brokers: urls.kafkaBrokers, clientId: 'gateway-test', sasl: urls.kafkaSasl });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopic(topic, partitions);

  const config: GatewayConfig = loadGatewayConfig({
    VIGIL_GATEWAY_PORT: '0',
    ...stackServiceEnv(urls),
    VIGIL_DATABASE_URL: db.url,
    VIGIL_GATEWAY_TOPIC: topic,
    VIGIL_LOG_LEVEL: 'warn',
    ...env,
  });
  const gateway = await startGateway(config, createLogger('ingest-gateway-test', { level: 'warn' }));
  const pool = createPool(db.url, { max: 2 });
  const { endpoint, key } = await new EndpointsRepository(pool).create('test-endpoint');
  const schemaId = gateway.telemetrySchemaId!;
  const encoder = new WireEncoder<TelemetryBatch>(schemaId, TelemetryBatchV1Schema);

  const h: Harness = {
    gateway,
    url: gateway.url,
    topic,
    pool,
    admin,
    kafka,
    endpointId: endpoint.id,
    key,
    schemaId,
    encoder,
    registryUrl: urls.schemaRegistryUrl,
    async post(body, headers = {}) {
      const res = await fetch(`${gateway.url}/v1/batches`, {
        method: 'POST',
        headers: { 'content-type': 'application/vnd.vigil.telemetry+avro', authorization: `Bearer ${key}`, ...headers },
        body,
      });
      const text = await res.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = text;
      }
      return { status: res.status, headers: res.headers, json };
    },
    body(batch, encoding = 'gzip') {
      const framed = encoder.encode(batch);
      return encoding === 'gzip' ? gzipSync(framed) : framed;
    },
    recordCount: () => admin.recordCount(topic),
    async close() {
      await gateway.close();
      await pool.end();
      await admin.deleteTopic(topic).catch(() => undefined);
      const registry = createRegistryClient(urls.schemaRegistryUrl, { auth: urls.registryAuth });
      await registry.deleteSubject(subjectForTopic(topic), false).catch(() => undefined);
      await registry.deleteSubject(subjectForTopic(topic), true).catch(() => undefined);
      registry.close();
      await admin.disconnect();
      await db.drop();
    },
  };
  return h;
}
