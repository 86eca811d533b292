import { KafkaClient, type IncomingMessage, type KafkaSasl } from '@vigil/kafka';
import { uniqueName, waitUntil } from './index';

/**
 * Every record currently in `topic` (all partitions, from the beginning up to the high
 * watermarks read at the start), read by a consumer group of its own. For exactly-once checks:
 * count what is there, not what was acknowledged. `sasl`: the login of a secured cluster (the local
 * stack's is `stackUrls().kafkaSasl`).
 */
export async function readAllRecords(brokers: string[], topic: string, timeoutMs = 60_000, sasl?: KafkaSasl): Promise<IncomingMessage[]> {
  const kafka = new KafkaClient({ brokers, clientId: 'vigil-test-reader', sasl });
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.endOffsets(topic);
  await admin.disconnect();
  const expected = [...ends.values()].reduce((s, o) => s + Number(o), 0);
  const records: IncomingMessage[] = [];
  const consumer = kafka.consumer(uniqueName('vigil-test-reader'));
  await consumer.connect();
  try {
    await consumer.run([topic], async (m) => void records.push(m), { fromBeginning: true });
    // Every partition read up to its end offset (offsets count from 0; nothing is deleted in tests).
    await waitUntil(
      () => [...ends].every(([p, end]) => records.filter((r) => r.partition === p).length >= Number(end)),
      timeoutMs,
      `all ${expected} records of ${topic}`,
    );
  } finally {
    await consumer.disconnect();
  }
  return records;
}
