import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWire, avroType, TelemetryBatchV1Schema } from '@vigil/schemas';
import { DLQ_HEADERS } from '../../src/kafka/dead-letter';
import { endpointStream, scenarioBatch, normalProcess, uuidOf } from '../../src/testing/scenario';
import { Harness } from './harness';

describe('poison records go to the dead-letter topic and consumption continues', () => {
  const h = new Harness();
  beforeAll(async () => {
    await h.setup(1); // one partition: the poison records sit between good ones in one log
    await h.start();
  });
  afterAll(() => h.teardown());

  it('dead-letters undecodable, unknown-schema and invalid batches with the error in headers; later records are processed', async () => {
    const ep = uuidOf(`dlq/${Date.now()}`);
    const good = endpointStream(ep, { start: Date.now() - 30_000, stepMs: 500, batches: 10, attackAt: [9] });
    await h.produce(good.slice(0, 3));
    const invalid = scenarioBatch('not-a-uuid', 1, Date.now(), [normalProcess(1)]);
    await h.produceRaw([
      { key: ep, value: Buffer.from('definitely not avro') },
      { key: ep, value: encodeWire(999_999_999, Buffer.from([1, 2, 3])) },
      { key: ep, value: h.encoder.encode(invalid) },
      { key: ep, value: encodeWire(h.encoder.schemaId, avroType(TelemetryBatchV1Schema).toBuffer(invalid).subarray(0, 20)) },
    ]);
    await h.produce(good.slice(3));
    await h.waitProcessed();

    const dead = await h.readTopic(h.dlqTopic, (ms) => ms.length >= 4);
    expect(dead).toHaveLength(4);
    const byOffset = new Map(dead.map((m) => [m.headers[DLQ_HEADERS.offset], m]));
    const codes = ['3', '4', '5', '6'].map((o) => byOffset.get(o)?.headers[DLQ_HEADERS.code]);
    expect(codes).toEqual(['RECORD_UNDECODABLE', 'SCHEMA_MISMATCH', 'BATCH_INVALID', 'RECORD_UNDECODABLE']);
    for (const m of dead) {
      expect(m.headers[DLQ_HEADERS.topic]).toBe(h.telemetryTopic);
      expect(m.headers[DLQ_HEADERS.partition]).toBe('0');
      expect(m.headers[DLQ_HEADERS.message]!.length).toBeGreaterThan(5);
    }
    expect(byOffset.get('3')!.value!.toString()).toBe('definitely not avro');
    expect(byOffset.get('5')!.headers[DLQ_HEADERS.message]).toContain('not a uuid');

    // every good batch was processed, including those after the poison, and the attack alerted
    const activity = await h.pool.query('select count(*)::int as n from activity where endpoint_id = $1', [ep]);
    expect(activity.rows[0].n).toBe(good.length);
    const alerts = await h.pool.query('select distinct batch_id from alerts');
    expect(alerts.rows.map((r) => r.batch_id)).toEqual([good[9]!.batchId]);
  });
});
