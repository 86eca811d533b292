import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWire, avroType, TelemetryBatchV1Schema } from '@vigil/schemas';
import { DLQ_HEADERS } from '../../src/kafka/dead-letter';
import { endpointStream, scenarioBatch, normalProcess, uuidOf } from '../support/scenario';
import { Harness, getJson } from './harness';

describe('poison records go to the dead-letter topic and consumption continues', () => {
  const h = new Harness();
  let analyzerUrl = '';
  beforeAll(async () => {
    await h.setup(1); // one partition: the poison records sit between good ones in one log
    analyzerUrl = (await h.start()).url;
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

  it('a NUL byte (PostgreSQL 22021, which wedged the partition) is replaced and the batch analysed; a value PostgreSQL refuses is dead-lettered once as DATA_REJECTED; the partition moves on', async () => {
    const ep = uuidOf(`poison/${Date.now()}`);
    const good = endpointStream(ep, { start: Date.now() - 20_000, stepMs: 500, batches: 6, attackAt: [] });
    const before = (await h.readTopic(h.dlqTopic, () => true, 5_000).catch(() => [])).length;
    const nul = structuredClone(good[1]!);
    nul.processes[0]!.exe = '/usr/bin/ev\u0000il';
    nul.processes[0]!.comm = 'ev\u0000il';
    nul.drops = { 'ring\u0000buf': 1 };
    // a window that starts before any date PostgreSQL can store (timestamp out of range, SQLSTATE 22008)
    const refused = structuredClone(good[3]!);
    refused.windowStart = -4e15; // year −124,000: PostgreSQL timestamps start in 4713 BC
    await h.produce([good[0]!, nul, good[2]!, refused, good[4]!, good[5]!]);
    await h.waitProcessed(60_000);

    const activity = await h.pool.query<{ batch_id: string }>('select batch_id from activity where endpoint_id = $1', [ep]);
    expect(new Set(activity.rows.map((r) => r.batch_id))).toEqual(new Set([good[0]!, nul, good[2]!, good[4]!, good[5]!].map((b) => b.batchId)));
    const stored = await h.pool.query<{ exe: string }>("select exe from processes where exe like '/usr/bin/ev%'");
    expect(stored.rows.map((r) => r.exe)).toContain('/usr/bin/ev\uFFFDil');

    const dead = await h.readTopic(h.dlqTopic, (ms) => ms.length >= before + 1, 30_000);
    const mine = dead.filter((m) => m.key?.toString() === ep);
    expect(mine).toHaveLength(1);
    expect(mine[0]!.headers[DLQ_HEADERS.code]).toBe('DATA_REJECTED');
    expect(mine[0]!.headers[DLQ_HEADERS.message]).toMatch(/SQLSTATE 22/);
    const health = await getJson(`${analyzerUrl}/healthz`);
    expect(health.status, JSON.stringify(health.body)).toBe(200);
    expect(health.body.lag).toBe(0);
  });

  it('a program at a long path of incompressible characters (beyond a btree entry) is analysed, not dead-lettered', async () => {
    const ep = uuidOf(`longpath/${Date.now()}`);
    const good = endpointStream(ep, { start: Date.now() - 20_000, stepMs: 500, batches: 4, attackAt: [] });
    // 20 directories of 200 random characters: 4,021 bytes, within PATH_MAX, and PostgreSQL cannot
    // compress them below its 2,704-byte limit for an index entry (program and program_key are indexed)
    let seed = 7;
    const rand = (): string => String.fromCharCode(97 + ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) % 26));
    const exe = `${Array.from({ length: 20 }, () => `/${Array.from({ length: 200 }, rand).join('')}`).join('')}/tool`;
    const long = structuredClone(good[1]!);
    long.processes[0]!.exe = exe;
    const before = (await h.readTopic(h.dlqTopic, () => true, 5_000).catch(() => [])).length;
    await h.produce([good[0]!, long, good[2]!, good[3]!]);
    await h.waitProcessed(60_000);

    const activity = await h.pool.query<{ batch_id: string }>('select batch_id from activity where endpoint_id = $1', [ep]);
    expect(new Set(activity.rows.map((r) => r.batch_id))).toEqual(new Set(good.map((b, i) => (i === 1 ? long : b).batchId)));
    const stored = await h.pool.query<{ exe: string }>('select exe from processes where endpoint_id = $1 and exe like $2', [ep, `${exe.slice(0, 50)}%`]);
    expect(stored.rows.map((r) => r.exe)).toEqual([exe]);
    const dead = await h.readTopic(h.dlqTopic, () => true, 5_000).catch(() => []);
    expect(dead.filter((m) => m.key?.toString() === ep)).toHaveLength(0);
    expect(dead.length).toBe(before);
  });
});
