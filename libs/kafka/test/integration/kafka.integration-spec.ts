import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackUrls, uniqueName, waitUntil } from '@vigil/testing';
import { KafkaClient, type IncomingMessage } from '../../src';

describe('Kafka adapter (real broker)', () => {
  const topic = uniqueName('vigil.test.kafka');
  let client: KafkaClient;
  const admin = () => client.admin();
  beforeAll(async () => {
    client = new KafkaClient({ brokers: stackUrls().kafkaBrokers, clientId: 'kafka-adapter-test' });
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
});
