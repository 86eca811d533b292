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
/** Let the producer's partition lookup and sends run. */
const settle = async (): Promise<void> => {
  await tick();
  await tick();
};
/** One message with key 'a' (partition 0 of a one-partition topic). */
const one = (value: string) => [{ key: 'a', value: Buffer.from(value) }];
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

  it('keeps one send in flight per partition: what waits goes in the next send, in order, also after a failure', async () => {
    const f = fakes(1);
    const p = new KafkaProducer(f.producer, f.admin);
    const first = p.send('t', one('1'));
    await settle();
    const second = p.send('t', one('2'));
    const third = p.send('t', [...one('3'), ...one('4')]);
    await settle();
    expect(f.sends.length).toBe(1);
    f.sends[0]!.fail(new Error('connection lost'));
    await expect(first).rejects.toThrow('connection lost');
    await tick();
    // The two waiting calls share one request (one record batch), in arrival order.
    expect(f.sends.length).toBe(2);
    expect(f.sends[1]!.record.messages.map((m) => m.value?.toString())).toEqual(['2', '3', '4']);
    const fourth = p.send('t', one('5'));
    await settle();
    expect(f.sends.length).toBe(2);
    f.sends[1]!.release();
    expect(await second).toEqual([{ topic: 't', partition: 0, offset: '0' }]);
    await third;
    await tick();
    expect(f.sends.length).toBe(3);
    expect(f.sends[2]!.record.messages.map((m) => m.value?.toString())).toEqual(['5']);
    f.sends[2]!.release();
    await fourth;
    expect(f.maxActivePerPartition()).toBe(1);
    expect(f.active()).toBe(0);
  });

  it('merges waiting messages up to maxBatchBytes; a larger message goes alone', async () => {
    const f = fakes(1);
    const p = new KafkaProducer(f.producer, f.admin, { maxBatchBytes: 10 });
    const msg = (n: number, fill: string) => ({ key: 'a', value: Buffer.alloc(n, fill) });
    const sent = [p.send('t', [msg(1, 'a')])];
    await settle();
    sent.push(p.send('t', [msg(4, 'b')]), p.send('t', [msg(4, 'c')]), p.send('t', [msg(4, 'd')]), p.send('t', [msg(30, 'e')]), p.send('t', [msg(2, 'f')]));
    await settle();
    const batches: string[][] = [];
    for (let i = 0; i < 4; i++) {
      expect(f.sends.length).toBe(i + 1);
      batches.push(f.sends[i]!.record.messages.map((m) => m.value!.toString()));
      f.sends[i]!.release();
      await settle();
    }
    expect(batches).toEqual([['a'], ['bbbb', 'cccc'], ['dddd'], ['e'.repeat(30)]]);
    expect(f.sends.length).toBe(5);
    expect(f.sends[4]!.record.messages.map((m) => m.value!.toString())).toEqual(['ff']);
    f.sends[4]!.release();
    await Promise.all(sent);
    expect(f.maxActivePerPartition()).toBe(1);
  });

  it('fails every caller of a merged request when it fails, and the next request still goes', async () => {
    const f = fakes(1);
    const p = new KafkaProducer(f.producer, f.admin);
    const first = p.send('t', one('1'));
    await settle();
    const second = p.send('t', one('2'));
    const third = p.send('t', one('3'));
    await tick();
    f.sends[0]!.release();
    await first;
    await tick();
    f.sends[1]!.fail(new Error('not enough replicas'));
    await expect(second).rejects.toThrow('not enough replicas');
    await expect(third).rejects.toThrow('not enough replicas');
    const fourth = p.send('t', one('4'));
    await settle();
    expect(f.sends.length).toBe(3);
    f.sends[2]!.release();
    await fourth;
  });
});
