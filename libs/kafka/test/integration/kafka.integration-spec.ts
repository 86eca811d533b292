import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackUrls, uniqueName, waitUntil } from '@vigil/testing';
import { KafkaClient, KafkaError, type IncomingMessage } from '../../src';

describe('Kafka adapter (real broker)', () => {
  const topic = uniqueName('vigil.test.kafka');
  let client: KafkaClient;
  const admin = () => client.admin();
  beforeAll(async () => {
    client = new KafkaClient({ brokers: stackUrls().kafkaBrokers, clientId: 'kafka-adapter-test', sasl: stackUrls().kafkaSasl });
    const a = admin();
    await a.connect();
    await a.createTopic(topic, 3);
    await a.disconnect();
  });
  afterAll(async () => {
    const a = admin();
    await a.connect();
    await a.deleteTopic(topic).catch(() => undefined);
    await a.disconnect();
  });

  it('produces idempotently with acks=all and the messages can be consumed with their keys', async () => {
    const producer = client.producer();
    await producer.connect();
    const records = await producer.send(topic, [
      { key: 'ep-a', value: Buffer.from([0, 0, 0, 0, 1, 42]) },
      { key: 'ep-b', value: Buffer.from([0, 0, 0, 0, 1, 43]) },
    ]);
    await producer.disconnect();
    expect(records.length).toBeGreaterThan(0);

    const a = admin();
    await a.connect();
    expect(await a.recordCount(topic)).toBe(2);
    await a.disconnect();

    const seen: IncomingMessage[] = [];
    const consumer = client.consumer(uniqueName('vigil-test-group'));
    await consumer.connect();
    await consumer.run([topic], async (m) => void seen.push(m), { fromBeginning: true });
    await waitUntil(() => seen.length === 2, 30_000, 'two messages');
    await consumer.disconnect();
    expect(seen.map((m) => m.key?.toString()).sort()).toEqual(['ep-a', 'ep-b']);
  });

  it('batch consumer: resolved offsets are not fetched again, seek moves the position, nothing is auto-committed', async () => {
    const producer = client.producer();
    await producer.connect();
    const n = 600;
    for (let i = 0; i < n; i += 100) {
      await producer.send(topic, Array.from({ length: 100 }, (_, j) => ({ key: 'same-key', value: Buffer.alloc(2_000, i + j) })));
    }
    await producer.disconnect();
    const groupId = uniqueName('vigil-test-batch-group');
    // small fetches: the log spans many batches, so an unresolved batch would be fetched again
    const consumer = client.batchConsumer(groupId, { maxBytesPerPartition: 64 * 1024 });
    await consumer.connect();
    const seen = new Map<string, number>();
    let seeked = false;
    await consumer.run(
      topic,
      async (batch, control) => {
        for (const m of batch.messages) {
          if (m.key?.toString() !== 'same-key') {
            control.resolve(m.offset);
            continue;
          }
          if (!seeked && Number(m.offset) >= 300) {
            // jump back once: records from 250 are delivered again
            seeked = true;
            consumer.seek(batch.topic, batch.partition, '250');
            return;
          }
          seen.set(m.offset, (seen.get(m.offset) ?? 0) + 1);
          control.resolve(m.offset);
        }
      },
      { fromBeginning: true },
    );
    await waitUntil(() => [...seen.values()].reduce((s, c) => s + c, 0) >= n + 50, 60_000, 'every record once, 250..299 twice');
    await consumer.disconnect();
    const twice = [...seen].filter(([, c]) => c === 2).map(([o]) => Number(o));
    expect([...seen.values()].every((c) => c <= 2)).toBe(true);
    expect(twice.length).toBe(50);
    const admin = client.admin();
    await admin.connect();
    const committed = await admin.groupOffsets(groupId, topic);
    await admin.disconnect();
    expect([...committed.values()].every((o) => o === '-1')).toBe(true);
  });

  it('readRange reads exactly [from, to) of each partition, and a handler error stops it', async () => {
    const rangeTopic = uniqueName('vigil.test.kafka.range');
    const a = admin();
    await a.connect();
    await a.createTopic(rangeTopic, 2);
    const producer = client.producer();
    await producer.connect();
    await producer.send(rangeTopic, Array.from({ length: 40 }, (_, i) => ({ key: `k${i % 7}`, value: Buffer.from(String(i)) })));
    await producer.disconnect();
    const end = await a.endOffsets(rangeTopic);
    const from = new Map([...end].map(([p, o]) => [p, String(Math.floor(Number(o) / 2))]));
    const seen: IncomingMessage[] = [];
    await client.readRange(rangeTopic, from, end, (m) => void seen.push(m), { timeoutMs: 60_000 });
    const expected = [...end].reduce((n, [p, o]) => n + Number(o) - Number(from.get(p)), 0);
    expect(seen.length).toBe(expected);
    for (const m of seen) {
      expect(BigInt(m.offset) >= BigInt(from.get(m.partition)!)).toBe(true);
      expect(BigInt(m.offset) < BigInt(end.get(m.partition)!)).toBe(true);
    }
    // nothing to read: resolves at once
    await client.readRange(rangeTopic, end, end, () => {
      throw new Error('no record expected');
    });
    // a handler's own error stops the read and reaches the caller unchanged
    const bug = new TypeError('handler bug');
    await expect(
      client.readRange(rangeTopic, from, end, () => {
        throw bug;
      }),
    ).rejects.toBe(bug);
    await a.deleteTopic(rangeTopic).catch(() => undefined);
    await a.disconnect();
  });

  it('a broker that cannot be reached is a retriable KafkaError, never a client error', async () => {
    const nowhere = new KafkaClient({ brokers: ['127.0.0.1:1'], clientId: 'kafka-adapter-test-nowhere', retries: 0, connectionTimeoutMs: 500 });
    const err = await nowhere.admin().connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(KafkaError);
    expect(err).toMatchObject({ code: 'KAFKA_UNAVAILABLE', retriable: true });
    expect((err as Error).name).toBe('KafkaError');
  });
});
