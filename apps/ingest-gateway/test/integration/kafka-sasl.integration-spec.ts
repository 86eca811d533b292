import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@vigil/common';
import { EndpointsRepository, createPool, type Pool } from '@vigil/db';
import { KafkaClient } from '@vigil/kafka';
import { TelemetryBatchV1Schema, WireEncoder, createRegistryClient, sampleTelemetryBatch, subjectForTopic, type TelemetryBatch } from '@vigil/schemas';
import { freshDatabase, stackUrls, startKafkaCluster, uniqueName, waitUntil, type KafkaTestCluster } from '@vigil/testing';
import { startGateway, type Gateway } from '../../src/app';
import { loadGatewayConfig } from '../../src/config/gateway.config';

/**
 * The gateway takes its Kafka credentials from its config (VIGIL_KAFKA_USERNAME/PASSWORD) and works
 * against a SASL/SCRAM broker whose ACLs let it write only the telemetry topic (a real KRaft node of
 * this test's own; the registry and PostgreSQL are the local stack's).
 */
describe('gateway → Kafka with SASL/SCRAM and ACLs', () => {
  let cluster: KafkaTestCluster;
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let pool: Pool;
  const pw = { admin: randomBytes(12).toString('hex'), gateway: randomBytes(12).toString('hex') };
  const topic = uniqueName('vigil.test.sasl.telemetry');
  const gateways: Gateway[] = [];
  const admin = () => new KafkaClient({ brokers: cluster.brokers, clientId: 'gw-sasl-admin', sasl: { mechanism: 'scram-sha-512', username: 'admin', password: pw.admin } }).admin();

  const start = async (password: string): Promise<Gateway> => {
    const g = await startGateway(
      loadGatewayConfig({
        VIGIL_GATEWAY_PORT: '0',
        VIGIL_KAFKA_BROKERS: cluster.brokers.join(','),
        VIGIL_KAFKA_USERNAME: 'gateway',
        VIGIL_KAFKA_PASSWORD: password,
        VIGIL_SCHEMA_REGISTRY_URL: stackUrls().schemaRegistryUrl,
        ...(stackUrls().registryAuth ? { VIGIL_SCHEMA_REGISTRY_USERNAME: stackUrls().registryAuth!.username, VIGIL_SCHEMA_REGISTRY_PASSWORD: stackUrls().registryAuth!.password } : {}),
        VIGIL_DATABASE_URL: db.url,
        VIGIL_GATEWAY_TOPIC: topic,
        VIGIL_GATEWAY_CHECK_WORKERS: '0',
      }),
      createLogger('gw-sasl-test', { level: 'error' }),
    );
    gateways.push(g);
    return g;
  };

  beforeAll(async () => {
    cluster = await startKafkaCluster({ nodes: 1, scramUsers: pw });
    const a = admin();
    await a.connect();
    await a.createTopic(topic, 3);
    await a.allow([
      { user: 'gateway', resource: { type: 'topic', name: topic }, operations: ['write', 'describe'] },
      { user: 'gateway', resource: { type: 'cluster', name: 'kafka-cluster' }, operations: ['idempotent-write', 'describe'] },
    ]);
    await a.disconnect();
    db = await freshDatabase('vigil_gw_sasl');
    pool = createPool(db.url, { max: 2 });
  }, 240_000);

  afterAll(async () => {
    for (const g of gateways) await g.close().catch(() => undefined);
    await pool?.end();
    await db?.drop();
    await cluster?.stop();
    const registry = createRegistryClient(stackUrls().schemaRegistryUrl, { auth: stackUrls().registryAuth });
    await registry.deleteSubject(subjectForTopic(topic), false).catch(() => undefined);
    await registry.deleteSubject(subjectForTopic(topic), true).catch(() => undefined);
    registry.close();
  });

  const post = async (g: Gateway, key: string, body: Buffer) =>
    fetch(`${g.url}/v1/batches`, { method: 'POST', headers: { 'content-type': 'application/vnd.vigil.telemetry+avro', 'content-encoding': 'gzip', authorization: `Bearer ${key}` }, body });

  it('with its credentials the gateway lands a batch (202) in the topic its ACLs allow, healthz ok', async () => {
    const g = await start(pw.gateway);
    const { endpoint, key } = await new EndpointsRepository(pool).create('sasl-endpoint');
    const encoder = new WireEncoder<TelemetryBatch>(g.telemetrySchemaId!, TelemetryBatchV1Schema);
    const res = await post(g, key, gzipSync(encoder.encode(sampleTelemetryBatch(endpoint.id, 1))));
    expect(res.status).toBe(202);
    const a = admin();
    await a.connect();
    try {
      expect(await a.recordCount(topic)).toBe(1);
    } finally {
      await a.disconnect();
    }
    const health = (await (await fetch(`${g.url}/healthz`)).json()) as { checks: Record<string, { ok: boolean }> };
    expect(health.checks.kafka?.ok).toBe(true);
  });

  it('with a wrong password nothing reaches Kafka: healthz reports Kafka down, a batch gets 503', async () => {
    const g = await start('wrong-password');
    const { endpoint, key } = await new EndpointsRepository(pool).create('sasl-endpoint-2');
    const encoder = new WireEncoder<TelemetryBatch>(g.telemetrySchemaId!, TelemetryBatchV1Schema);
    const health = await waitUntil(async () => {
      const r = await fetch(`${g.url}/healthz`);
      return r.status === 503 ? ((await r.json()) as { checks: Record<string, { ok: boolean }> }) : undefined;
    }, 30_000, 'healthz to report Kafka unavailable');
    expect(health.checks.kafka?.ok).toBe(false);
    const res = await post(g, key, gzipSync(encoder.encode(sampleTelemetryBatch(endpoint.id, 1))));
    expect(res.status).toBe(503);
  }, 60_000);
});
