import type { Admin, Producer, ProducerRecord, RecordMetadata } from 'kafkajs';
import { Partitioners } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { KafkaProducer } from './kafka';

/** In-memory stand-ins for the two kafkajs objects the producer uses (pure logic only: no broker). */
function fakes(partitions: number) {
  const sends: { record: ProducerRecord; release: () => void; fail: (e: Error) => void }[] = [];
  let active = 0;
  let maxActivePerPartition = 0;
  const activeByPartition = new Map<number, number>();
  const producer = {
    events: { CONNECT: 'connect', DISCONNECT: 'disconnect' },
    on: () => undefined,
    send: (record: ProducerRecord) =>
      new Promise<RecordMetadata[]>((resolve, reject) => {
        const ps = new Set(record.messages.map((m) => m.partition!));
        active++;
        for (const p of ps) {
          activeByPartition.set(p, (activeByPartition.get(p) ?? 0) + 1);
          maxActivePerPartition = Math.max(maxActivePerPartition, activeByPartition.get(p)!);
        }
        const done = (): void => {
          active--;
          for (const p of ps) activeByPartition.set(p, activeByPartition.get(p)! - 1);
        };
        sends.push({
          record,
          release: () => {
            done();
            resolve([...ps].map((p) => ({ topicName: record.topic, partition: p, errorCode: 0, baseOffset: '0' })));
          },
          fail: (e) => {
            done();
            reject(e);
          },
        });
      }),
  } as unknown as Producer;
  const admin = {
    connect: async () => undefined,
    disconnect: async () => undefined,
    fetchTopicMetadata: async () => ({ topics: [{ name: 't', partitions: Array.from({ length: partitions }, (_, partitionId) => ({ partitionId })) }] }),
  } as unknown as Admin;
  return { producer, admin, sends, active: () => active, maxActivePerPartition: () => maxActivePerPartition };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
const keys = Array.from({ length: 40 }, (_, i) => `endpoint-${i}`);

describe('KafkaProducer', () => {
  it('sends each partition separately, keyed as kafkajs (murmur2) would, with an explicit partition', async () => {
    const f = fakes(6);
    const p = new KafkaProducer(f.producer, f.admin);
    const done = p.send('t', keys.map((key) => ({ key, value: Buffer.from(key) })));
    await tick();
    await tick();
    const partitioner = Partitioners.DefaultPartitioner();
    const meta = Array.from({ length: 6 }, (_, partitionId) => ({ partitionId, leader: 0, replicas: [], isr: [], partitionErrorCode: 0 }));
    const expected = new Map(keys.map((key) => [key, partitioner({ topic: 't', partitionMetadata: meta, message: { key, value: null } })]));
    expect(f.sends.length).toBe(new Set(expected.values()).size);
    for (const s of f.sends) {
      const ps = new Set(s.record.messages.map((m) => m.partition));
      expect(ps.size).toBe(1);
      for (const m of s.record.messages) expect(m.partition).toBe(expected.get(String(m.key)));
      expect(s.record.acks).toBe(-1);
    }
    for (const s of f.sends) s.release();
    expect((await done).length).toBe(f.sends.length);
  });

  it('keeps one send in flight per partition: a later send waits for the earlier one, also after a failure', async () => {
    const f = fakes(1);
    const p = new KafkaProducer(f.producer, f.admin);
    const first = p.send('t', [{ key: 'a', value: Buffer.from('1') }]);
    const second = p.send('t', [{ key: 'a', value: Buffer.from('2') }]);
    const third = p.send('t', [{ key: 'a', value: Buffer.from('3') }]);
    await tick();
    await tick();
    expect(f.sends.length).toBe(1);
    f.sends[0]!.fail(new Error('connection lost'));
    await expect(first).rejects.toThrow('connection lost');
    await tick();
    expect(f.sends.length).toBe(2);
    expect(f.sends[1]!.record.messages[0]!.value?.toString()).toBe('2');
    f.sends[1]!.release();
    await second;
    await tick();
    f.sends[2]!.release();
    await third;
    expect(f.maxActivePerPartition()).toBe(1);
    expect(f.active()).toBe(0);
  });
});
