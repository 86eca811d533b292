import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaClient, type KafkaConsumer, type KafkaProducer } from '@vigil/kafka';
import { Client } from 'pg';
import { SchemaRegistryClient, AvroSerializer, AvroDeserializer, SerdeType } from '@confluentinc/schemaregistry';
import { stackUrls, uniqueName, waitUntil, freshDatabase } from '@vigil/testing';

// Proves the local stack is real: a schema registered in the registry, a record in Confluent wire format
// through Kafka, and a row through PostgreSQL — all against the servers `./vigil stack up` started.
describe('local stack', () => {
  const urls = stackUrls();
  const kafka = new KafkaClient({ clientId: 'stack-test', brokers: urls.kafkaBrokers, sasl: urls.kafkaSasl });
  const topic = uniqueName('stack.test');
  let producer: KafkaProducer;
  let consumer: KafkaConsumer;

  beforeAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopic(topic, 3);
    await admin.disconnect();
    producer = kafka.producer();
    await producer.connect();
    consumer = kafka.consumer(uniqueName('stack-test-group'));
    await consumer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await consumer?.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopic(topic).catch(() => undefined);
    await admin.disconnect();
  });

  it('registers an Avro schema and round-trips a Confluent wire-format record through Kafka', async () => {
    const registry = new SchemaRegistryClient({ baseURLs: [urls.schemaRegistryUrl], ...(urls.registryAuth ? { basicAuthCredentials: { credentialsSource: 'USER_INFO' as const, userInfo: `${urls.registryAuth.username}:${urls.registryAuth.password}` } } : {}) });
    const schema = {
      type: 'record',
      name: 'StackProbe',
      namespace: 'dev.vigil.test.v1',
      fields: [
        { name: 'id', type: 'string' },
        { name: 'count', type: 'long' },
      ],
    };
    const subject = `${topic}-value`;
    const id = await registry.register(subject, { schemaType: 'AVRO', schema: JSON.stringify(schema) });
    expect(id).toBeGreaterThan(0);
    const fetched = await registry.getBySubjectAndId(subject, id);
    expect(JSON.parse(fetched.schema)).toMatchObject({ name: 'StackProbe' });

    const serializer = new AvroSerializer(registry, SerdeType.VALUE, { useLatestVersion: true });
    const value = await serializer.serialize(topic, { id: 'probe-1', count: 42 });
    expect(value[0]).toBe(0); // magic byte
    expect(value.readInt32BE(1)).toBe(id); // schema id

    const received: Buffer[] = [];
    await consumer.run([topic], async (m) => void (m.value && received.push(m.value)), { fromBeginning: true });
    await producer.send(topic, [{ key: 'endpoint-1', value }]);
    await waitUntil(() => received.length > 0, 30_000, 'the record to come back from Kafka');

    const deserializer = new AvroDeserializer(registry, SerdeType.VALUE, {});
    const decoded = await deserializer.deserialize(topic, received[0]!);
    expect(decoded).toEqual({ id: 'probe-1', count: 42 });
  });

  it('round-trips a value through PostgreSQL', async () => {
    const db = await freshDatabase();
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      // a jsonb value through the server and back (the tables are libs/db's migrations' to create)
      const { rows } = await client.query('select $1::jsonb as body, now() as at', [{ hello: 'vigil' }]);
      expect(rows.map((r: { body: unknown }) => r.body)).toEqual([{ hello: 'vigil' }]);
    } finally {
      await client.end();
      await db.drop();
    }
  });
});
