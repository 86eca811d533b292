import { existsSync } from 'node:fs';
import { createConnection } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaClient } from '@vigil/kafka';
import { readAllRecords, startKafkaCluster, uniqueName, type KafkaTestCluster } from '../../src';

const portOpen = (port: number): Promise<boolean> =>
  new Promise((ok) => {
    const s = createConnection({ port, host: '127.0.0.1' });
    s.once('connect', () => (s.destroy(), ok(true)));
    s.once('error', () => ok(false));
  });
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

// The harness other tests use to kill brokers: a cluster of its own, data that survives kill -9 and
// restart, and nothing left behind by stop().
describe('startKafkaCluster (1 node)', () => {
  let cluster: KafkaTestCluster;
  const topic = uniqueName('vigil.test.harness');
  beforeAll(async () => {
    const started = Date.now();
    cluster = await startKafkaCluster({ nodes: 1 });
    process.stdout.write(`1-node cluster formatted and started in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  }, 300_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('runs on its own free ports, keeps acknowledged records across kill -9 and restart, and stop() leaves nothing', async () => {
    const node = cluster.nodes[0]!;
    expect(node.port).not.toBe(9092);
    expect(cluster.brokers).toEqual([`127.0.0.1:${node.port}`]);
    const admin = await cluster.admin();
    await admin.createTopic(topic, 2, 1);
    await admin.disconnect();
    const producer = new KafkaClient({ brokers: cluster.brokers, clientId: 'harness-test' }).producer();
    await producer.connect();
    await producer.send(topic, Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: Buffer.from(`v${i}`) })));
    await producer.disconnect();
    expect((await readAllRecords(cluster.brokers, topic)).length).toBe(10);

    const pid = node.pid!;
    await cluster.kill(1, 'SIGKILL');
    expect(alive(pid)).toBe(false);
    expect(node.pid).toBeUndefined();
    expect(await portOpen(node.port)).toBe(false);

    await cluster.restart(1);
    expect(node.pid).not.toBe(pid);
    const values = (await readAllRecords(cluster.brokers, topic)).map((r) => r.value!.toString()).sort();
    expect(values).toEqual(Array.from({ length: 10 }, (_, i) => `v${i}`).sort());

    const last = node.pid!;
    await cluster.stop();
    expect(alive(last)).toBe(false);
    expect(existsSync(cluster.dir)).toBe(false);
    await cluster.stop(); // idempotent
  }, 300_000);
});
