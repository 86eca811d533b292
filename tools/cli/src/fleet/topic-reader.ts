import { randomUUID } from 'node:crypto';
import type { IncomingMessage, KafkaClient } from '@vigil/kafka';
import { sleep } from '@vigil/common';

/**
 * Every record of `topic` from offset `from` up to (excluding) `to`, partition by partition, as an
 * outside reader sees it: a throw-away consumer group whose committed offsets are set to `from`
 * before it joins (deleted afterwards). Rejects when the range is not read within `timeoutMs`.
 */
export async function readTopicRange(
  kafka: KafkaClient,
  topic: string,
  from: Map<number, string>,
  to: Map<number, string>,
  handle: (m: IncomingMessage) => void,
  timeoutMs = 120_000,
): Promise<void> {
  const pending = new Map<number, bigint>();
  for (const [partition, end] of to) if (BigInt(end) > BigInt(from.get(partition) ?? '0')) pending.set(partition, BigInt(end));
  if (pending.size === 0) return;
  const groupId = `vigil-fleet-reader-${randomUUID()}`;
  const admin = kafka.admin();
  await admin.connect();
  const consumer = kafka.consumer(groupId);
  try {
    await admin.setGroupOffsets(groupId, topic, new Map([...from].map(([p, o]) => [p, o])));
    await consumer.connect();
    await consumer.run([topic], async (m) => {
      const end = pending.get(m.partition);
      if (end === undefined || BigInt(m.offset) >= end) return;
      handle(m);
      if (BigInt(m.offset) + 1n >= end) pending.delete(m.partition);
    });
    const deadline = Date.now() + timeoutMs;
    while (pending.size > 0) {
      if (Date.now() > deadline) throw new Error(`reading ${topic}: partitions ${[...pending.keys()].join(', ')} not read to their end offsets within ${timeoutMs} ms`);
      await sleep(100);
    }
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}
