import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKafkaCluster, waitUntil, type KafkaTestCluster } from '@vigil/testing';
import { startFleet, type Fleet } from './fleet';

// Issue 8, item 3: a three-broker cluster (RF 3, min.insync.replicas 2) loses a broker to kill -9
// while agents post through a real gateway; every batch the gateway acknowledged is in the topic
// exactly once, and no agent batch is lost (agents retry what was not acknowledged).
describe('broker kill during ingest (3 KRaft brokers, RF 3, min.insync.replicas 2)', () => {
  let cluster: KafkaTestCluster;
  let fleet: Fleet;

  beforeAll(async () => {
    cluster = await startKafkaCluster({ nodes: 3 });
    fleet = await startFleet(cluster, {
      agents: 4,
      partitions: 6,
      // Short waits so the outage shows up as 503 + Retry-After and the agents retry promptly.
      gatewayEnv: { VIGIL_GATEWAY_PRODUCE_TIMEOUT: '3s', VIGIL_GATEWAY_RETRY_AFTER_UNAVAILABLE: '1' },
    });
  }, 420_000);
  afterAll(async () => {
    await fleet?.close();
    await cluster?.stop();
  }, 120_000);

  it('keeps every accepted batch exactly once while a broker is killed and restarted', async () => {
    fleet.startPosting(100);
    const delivered = (): number => fleet.agents.reduce((s, a) => s + a.transport.statistics().delivered, 0);
    await waitUntil(() => delivered() >= 40, 60_000, '40 batches delivered before the kill');

    // Kill the leader of partition 0 (every node leads some of the six partitions).
    const admin = await cluster.admin();
    const victim = (await admin.partitions(fleet.topic)).find((p) => p.partition === 0)!.leader;
    await admin.disconnect();
    const atKill = delivered();
    await cluster.kill(victim, 'SIGKILL');
    // Ingest goes on with two brokers (acks=all needs min.insync.replicas = 2 of them).
    await waitUntil(() => delivered() >= atKill + 40, 60_000, '40 more batches delivered with a broker down');
    const duringOutage = delivered() - atKill;

    await cluster.restart(victim);
    await cluster.waitInSync(fleet.topic);
    const atRestart = delivered();
    await waitUntil(() => delivered() >= atRestart + 20, 60_000, '20 more batches after the restart');
    await fleet.stopPosting();
    await Promise.all(fleet.agents.map((a) => a.transport.drained(120_000)));

    const stats = fleet.agents.map((a) => a.transport.statistics());
    const count = await fleet.count();
    const accepted202 = await fleet.metric('vigil_gateway_requests_total', { status: '202' });
    const produced = await fleet.metric('vigil_gateway_batches_total', { result: 'accepted' });
    const duplicatesDropped = await fleet.metric('vigil_gateway_batches_total', { result: 'duplicate' });
    const unavailable503 = await fleet.metric('vigil_gateway_requests_total', { status: '503' });
    const summary = {
      killedNode: victim,
      submitted: count.submitted,
      accepted202,
      gatewayProduced: produced,
      gatewayDuplicatesDropped: duplicatesDropped,
      answered503: unavailable503,
      deliveredWhileBrokerDown: duringOutage,
      inTopic: count.inTopic,
      distinct: count.distinct,
      duplicates: count.duplicates,
      lost: count.lost,
      lostPairs: count.lostPairs,
      gatewayLog: fleet.gatewayLog,
      agentRetries: stats.reduce((s, x) => s + x.retries, 0),
    };
    process.stdout.write(`broker-kill result: ${JSON.stringify(summary)}\n`);

    expect(stats.map((s) => [s.rejected, s.evicted, s.spooledBatches])).toEqual(stats.map(() => [0, 0, 0]));
    expect(count.lost).toBe(0);
    expect(count.duplicates).toBe(0);
    expect(count.misKeyed).toBe(0);
    expect(count.distinct).toBe(count.submitted);
    // One 202 per batch (the agent deletes a batch on its 202). A 202 is a new produce, or a retry
    // answered "duplicate" because an earlier attempt's produce (whose caller got 503 after the
    // produce timeout) was acknowledged meanwhile — that record is the batch's one copy.
    expect(accepted202).toBe(count.submitted);
    expect(produced + duplicatesDropped).toBe(accepted202);
    expect(count.probe.size).toBe(0);
  }, 300_000);
});
