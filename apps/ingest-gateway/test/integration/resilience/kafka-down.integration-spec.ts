import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TelemetryBatchV1Schema, WireEncoder, createRegistryClient, lookupValueSchemaId, sampleTelemetryBatch, type TelemetryBatch } from '@vigil/schemas';
import { stackUrls, startKafkaCluster, waitUntil, type KafkaTestCluster } from '@vigil/testing';
import { startFleet, type Fleet } from './fleet';

const MAX_IN_FLIGHT = 8;

// Issue 4 must-show: Kafka stopped while agents post. The gateway answers 503 with Retry-After and
// keeps its in-flight work bounded, the agents spool, and once Kafka is back every batch arrives
// exactly once (counted by sequence number).
describe('Kafka stopped while agents post (single KRaft node)', () => {
  let cluster: KafkaTestCluster;
  let fleet: Fleet;

  beforeAll(async () => {
    cluster = await startKafkaCluster({ nodes: 1 });
    fleet = await startFleet(cluster, {
      agents: 3,
      partitions: 3,
      gatewayEnv: { VIGIL_GATEWAY_PRODUCE_TIMEOUT: '2s', VIGIL_GATEWAY_RETRY_AFTER_UNAVAILABLE: '1', VIGIL_GATEWAY_MAX_IN_FLIGHT: String(MAX_IN_FLIGHT) },
    });
  }, 420_000);
  afterAll(async () => {
    await fleet?.close();
    await cluster?.stop();
  }, 120_000);

  it('answers 503 + Retry-After with bounded in-flight work, agents spool, and every batch arrives exactly once after Kafka returns', async () => {
    const registry = createRegistryClient(stackUrls().schemaRegistryUrl, { auth: stackUrls().registryAuth });
    const schemaId = await lookupValueSchemaId(registry, fleet.topic, TelemetryBatchV1Schema);
    registry.close();
    const encoder = new WireEncoder<TelemetryBatch>(schemaId, TelemetryBatchV1Schema);
    let probeSeq = 0;
    const probe = async (): Promise<{ status: number; retryAfter: string | null; body: { error?: { code: string; message: string } } }> => {
      const res = await fetch(`${fleet.gateway.url}/v1/batches`, {
        method: 'POST',
        headers: { authorization: `Bearer ${fleet.probe.key}`, 'content-type': 'application/vnd.vigil.telemetry+avro', 'content-encoding': 'gzip' },
        body: gzipSync(encoder.encode(sampleTelemetryBatch(fleet.probe.endpointId, ++probeSeq))),
      });
      return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as { error?: { code: string; message: string } } };
    };

    fleet.startPosting(100);
    const delivered = (): number => fleet.agents.reduce((s, a) => s + a.transport.statistics().delivered, 0);
    const spooled = (): number => fleet.agents.reduce((s, a) => s + a.transport.statistics().spooledBatches, 0);
    await waitUntil(() => delivered() >= 20, 60_000, '20 batches delivered before Kafka stops');
    expect((await probe()).status).toBe(202);

    await cluster.kill(1, 'SIGTERM');
    const stoppedAt = Date.now();

    // While Kafka is down: one request waits out the produce timeout, then 503 + Retry-After.
    const first = await probe();
    expect(first.status).toBe(503);
    expect(first.retryAfter).toBe('1');
    expect(first.body.error?.code).toBe('KAFKA_UNAVAILABLE');

    // A burst of 40 concurrent posts: at most MAX_IN_FLIGHT are being produced, the rest are refused
    // at once (no unbounded queue), every answer is 503 with Retry-After.
    const burst = await Promise.all(Array.from({ length: 40 }, () => probe()));
    expect(burst.every((r) => r.status === 503 && r.retryAfter === '1' && r.body.error?.code === 'KAFKA_UNAVAILABLE')).toBe(true);
    const inFlight = await fleet.metric('vigil_gateway_in_flight');
    expect(inFlight).toBeLessThanOrEqual(MAX_IN_FLIGHT);

    // The agents keep capturing: their batches wait in the spool.
    await waitUntil(() => spooled() >= 30, 60_000, 'agents spooling 30 batches while Kafka is down');
    const spooledWhileDown = spooled();
    const deliveredBeforeRestart = delivered();
    const downForMs = Date.now() - stoppedAt;
    const answered503 = await fleet.metric('vigil_gateway_requests_total', { status: '503' });

    await cluster.restart(1);
    await waitUntil(() => delivered() >= deliveredBeforeRestart + spooledWhileDown, 120_000, 'the spooled batches delivered after Kafka returns');
    await fleet.stopPosting();
    await Promise.all(fleet.agents.map((a) => a.transport.drained(120_000)));

    const stats = fleet.agents.map((a) => a.transport.statistics());
    const count = await fleet.count();
    const probeCopies = [...count.probe.values()];
    const summary = {
      downForMs,
      submitted: count.submitted,
      spooledWhileDown,
      answered503,
      maxInFlight: MAX_IN_FLIGHT,
      inFlightDuringOutage: inFlight,
      inTopic: count.inTopic,
      distinct: count.distinct,
      duplicates: count.duplicates,
      lost: count.lost,
      probePostsRefused: 1 + burst.length,
      probeRecordsInTopic: probeCopies.length,
      gatewayLog: fleet.gatewayLog,
    };
    process.stdout.write(`kafka-down result: ${JSON.stringify(summary)}\n`);

    expect(stats.map((s) => [s.rejected, s.evicted, s.spooledBatches])).toEqual(stats.map(() => [0, 0, 0]));
    expect(count.lost).toBe(0);
    expect(count.duplicates).toBe(0);
    expect(count.misKeyed).toBe(0);
    expect(count.distinct).toBe(count.submitted);
    // Every agent's sequence numbers arrived as 1..n without a gap.
    for (const a of fleet.agents) expect(a.submitted).toEqual(Array.from({ length: a.submitted.length }, (_, i) => i + 1));
    // A refused probe post (never retried) may still land once — its produce was under way when the
    // caller stopped waiting — but never twice.
    expect(probeCopies.every((c) => c === 1)).toBe(true);
  }, 300_000);
});
