import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EndpointsRepository } from '@vigil/db';
import { TelemetryBatchV1Schema, avroType, createRegistryClient, encodeWire, sampleTelemetryBatch, subjectForTopic } from '@vigil/schemas';
import { stackUrls, uniqueName, waitUntil } from '@vigil/testing';
import type { IncomingMessage as KafkaMessage } from '@vigil/kafka';
import { zstdStored } from '../support/zstd-frame';
import { startHarness, type Harness } from './harness';

type ErrorBody = { error: { code: string; message: string } };

describe('POST /v1/batches against the real Kafka, registry and PostgreSQL', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ VIGIL_GATEWAY_KEY_CACHE_TTL: '5s' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("lands an enrolled endpoint's batch in the topic, keyed by endpoint id, magic byte 0, a schema id the registry resolves", async () => {
    const batch = sampleTelemetryBatch(h.endpointId, 1);
    const res = await h.post(h.body(batch), { 'content-encoding': 'gzip' });
    expect(res.status).toBe(202);
    expect(res.json).toEqual({ batchId: batch.batchId, sequence: 1, status: 'accepted' });

    const seen: KafkaMessage[] = [];
    const consumer = h.kafka.consumer(uniqueName('vigil-gw-test'));
    await consumer.connect();
    await consumer.run([h.topic], async (m) => void seen.push(m), { fromBeginning: true });
    await waitUntil(() => seen.length >= 1, 30_000, 'the batch in Kafka');
    await consumer.disconnect();

    const m = seen[0]!;
    expect(m.key?.toString()).toBe(h.endpointId);
    expect(m.value![0]).toBe(0);
    const schemaId = m.value!.readUInt32BE(1);
    expect(schemaId).toBe(h.schemaId);
    const registry = createRegistryClient(h.registryUrl, { auth: stackUrls().registryAuth });
    const info = await registry.getBySubjectAndId(subjectForTopic(h.topic), schemaId);
    registry.close();
    const decoded = avroType(info.schema).fromBuffer(m.value!.subarray(5)) as { batchId: string; endpointId: string };
    expect(decoded.batchId).toBe(batch.batchId);
    expect(decoded.endpointId).toBe(h.endpointId);
  });

  it('accepts identity and zstd bodies and drops a duplicate batch id without producing it again', async () => {
    const before = await h.recordCount();
    const plain = sampleTelemetryBatch(h.endpointId, 2);
    expect((await h.post(h.body(plain, 'identity'))).status).toBe(202);
    const z = sampleTelemetryBatch(h.endpointId, 3);
    expect((await h.post(zstdStored(h.encoder.encode(z)), { 'content-encoding': 'zstd' })).status).toBe(202);
    const dup = await h.post(h.body(z), { 'content-encoding': 'gzip' });
    expect(dup.status).toBe(202);
    expect(dup.json).toMatchObject({ status: 'duplicate' });
    expect(await h.recordCount()).toBe(before + 2);
  });

  describe('refusals: JSON error body, and nothing reaches Kafka', () => {
    const cases: { name: string; status: number; code: string; send: () => Promise<{ status: number; headers: Headers; json: unknown }> }[] = [
      { name: 'no Authorization', status: 401, code: 'AUTH_MISSING', send: () => h.post(h.body(sampleTelemetryBatch(h.endpointId)), { authorization: '', 'content-encoding': 'gzip' }) },
      { name: 'unknown key', status: 401, code: 'AUTH_INVALID', send: () => h.post(h.body(sampleTelemetryBatch(h.endpointId)), { authorization: `Bearer vgk_${randomBytes(32).toString('base64url')}`, 'content-encoding': 'gzip' }) },
      { name: 'garbage body', status: 400, code: 'MALFORMED_BATCH', send: () => h.post(randomBytes(2000)) },
      { name: 'garbage gzip', status: 400, code: 'BAD_COMPRESSION', send: () => h.post(randomBytes(2000), { 'content-encoding': 'gzip' }) },
      {
        name: 'unknown schema id',
        status: 400,
        code: 'SCHEMA_UNKNOWN',
        send: () => h.post(encodeWire(h.schemaId + 1_000_000, h.encoder.type.toBuffer(sampleTelemetryBatch(h.endpointId)))),
      },
      {
        name: 'trailing bytes after the record',
        status: 400,
        code: 'MALFORMED_BATCH',
        send: () => h.post(Buffer.concat([h.body(sampleTelemetryBatch(h.endpointId), 'identity'), Buffer.from([0, 0])])),
      },
      { name: 'another endpoint id inside', status: 403, code: 'ENDPOINT_MISMATCH', send: () => h.post(h.body(sampleTelemetryBatch('some-other-endpoint'), 'identity')) },
      { name: '40 MB body', status: 413, code: 'BODY_TOO_LARGE', send: () => h.post(randomBytes(40 * 1000 * 1000)) },
      { name: 'gzip bomb (64 MiB of zeros)', status: 413, code: 'DECODED_TOO_LARGE', send: () => h.post(gzipSync(Buffer.alloc(64 * 1024 * 1024)), { 'content-encoding': 'gzip' }) },
      { name: 'unsupported encoding', status: 400, code: 'UNSUPPORTED_ENCODING', send: () => h.post(h.body(sampleTelemetryBatch(h.endpointId)), { 'content-encoding': 'br' }) },
    ];
    for (const c of cases) {
      it(`${c.name} → ${c.status} ${c.code}`, async () => {
        const before = await h.recordCount();
        const res = await c.send();
        expect(res.status).toBe(c.status);
        expect(res.json).toEqual({ error: { code: c.code, message: expect.any(String) } });
        expect((res.json as ErrorBody).error.message.length).toBeGreaterThan(0);
        if (c.status === 401) expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
        expect(await h.recordCount()).toBe(before);
      });
    }
  });

  it('stops accepting a revoked key within 10 s', async () => {
    const repo = new EndpointsRepository(h.pool);
    const { endpoint, key } = await repo.create('to-revoke');
    const post = (seq: number) => h.post(h.body(sampleTelemetryBatch(endpoint.id, seq)), { authorization: `Bearer ${key}`, 'content-encoding': 'gzip' });
    expect((await post(1)).status).toBe(202);
    await repo.revoke(endpoint.id);
    const revokedAt = Date.now();
    let seq = 2;
    await waitUntil(async () => (await post(seq++)).status === 401, 10_000, 'the revoked key to be refused');
    expect(Date.now() - revokedAt).toBeLessThan(10_000);
  });

  it('reports health of Kafka, registry and database, and Prometheus metrics', async () => {
    const health = await fetch(`${h.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', checks: { kafka: { ok: true }, registry: { ok: true }, database: { ok: true } } });
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    expect(metrics).toMatch(/vigil_gateway_requests_total\{status="202",code="OK"\} \d+/);
    expect(metrics).toMatch(/vigil_gateway_requests_total\{status="401",code="AUTH_MISSING"\} 1/);
    expect(metrics).toMatch(/vigil_gateway_batches_total\{result="accepted"\} [1-9]/);
    expect(metrics).toMatch(/vigil_gateway_produce_latency_seconds_count [1-9]/);
    expect(metrics).toMatch(/vigil_gateway_in_flight 0/);
    expect(metrics).toMatch(/vigil_gateway_body_bytes_total\{stage="received",encoding="gzip"\} \d+/);
  });

  it('tells an agent the id of its schema', async () => {
    const res = await fetch(`${h.url}/v1/schemas/telemetry/lookup`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.key}`, 'content-type': 'application/json' },
      body: JSON.stringify(TelemetryBatchV1Schema),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: h.schemaId });
  });
});

