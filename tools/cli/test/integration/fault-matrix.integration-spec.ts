import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayClient, lookupTelemetrySchemaId } from '@vigil/agent-transport';
import { sleep } from '@vigil/common';
import { TelemetryBatchV1Schema, WireEncoder, sampleTelemetryBatch, type TelemetryBatch } from '@vigil/schemas';
import { FleetUnderFaults, type FleetScale } from './fault-matrix/fleet-under-faults';
import { testEnv } from '@vigil/testing';

/**
 * VIGIL_FAULTS_SCALE=full: ≥ 1,000 endpoints at a real agent's rate (one window per 10 s) and the
 * issue's outage lengths (Kafka 60 s, PostgreSQL 30 s); a fleet of servers: one endpoint in ten a web
 * server, the others idle hosts (the `fleet simulate --profile` windows of the recorded agent). The default (what `./vigil test` runs) is
 * every fault at a reduced scale: fewer endpoints sending faster, shorter outages.
 */
const FULL = testEnv('VIGIL_FAULTS_SCALE') === 'full';
const SCALE: FleetScale = FULL
  ? { endpoints: 1000, rate: 0.1, processes: 8, mix: { web: 1 }, partitions: 12, kafkaDownMs: 60_000, postgresDownMs: 30_000, outageMs: 30_000 }
  : { endpoints: 16, rate: 0.2, processes: 12, partitions: 6, kafkaDownMs: 15_000, postgresDownMs: 10_000, outageMs: 10_000 };
const RECOVERY_TIMEOUT_MS = FULL ? 600_000 : 240_000;
/** Spool of the spool-full endpoints: a few windows. */
const SPOOL_BYTES = 48 << 10;
/** The clock error of the skewed endpoints: past the gateway's 10 min limit ahead, and as far behind. */
const SKEW_MS = 10 * 60_000 + 30_000;

interface Row {
  fault: string;
  from: number;
  to: number;
  /** Recovery: seconds after the fault ended (`restore`) or was injected (`inject`, faults the stack must ride out). */
  recoveryS: number | undefined;
  measuredFrom: 'inject' | 'restore';
  note: string;
  error?: string;
  lost?: number;
  duplicated?: number;
}

// Issue 18 deliverable 8: the fault matrix under fleet load. One private stack — a three-node KRaft
// cluster (RF 3, min.insync.replicas 2), a PostgreSQL of its own, the shared registry behind a proxy
// that can be cut, the built gateway and two analyzers — and simulated endpoints replaying the real
// agent's recorded windows through the real agent transport (spool, retries, clock correction).
// Faults one after the other while the fleet sends; afterwards every batch the gateway took (202) is
// looked for in the topic (exactly once) and in the database (analysed), per fault.
describe(`fault matrix under fleet load (${FULL ? 'full' : 'reduced'} scale: ${SCALE.endpoints} endpoints at ${SCALE.rate}/s)`, () => {
  const f = new FleetUnderFaults(SCALE);
  const rows: Row[] = [];

  beforeAll(async () => {
    await f.start();
  }, 600_000);
  afterAll(async () => {
    await f.close();
  }, 300_000);

  /** Run one fault; a failure is recorded in its row and the matrix goes on. */
  const fault = async (name: string, measuredFrom: Row['measuredFrom'], run: () => Promise<{ recoveryS: number; note?: string }>): Promise<void> => {
    const row: Row = { fault: name, from: Date.now(), to: 0, recoveryS: undefined, measuredFrom, note: '' };
    rows.push(row);
    f.say(`--- ${name}`);
    try {
      const r = await run();
      row.recoveryS = Math.round(r.recoveryS * 10) / 10;
      row.note = r.note ?? '';
      f.say(`${name}: recovered in ${row.recoveryS} s ${row.note}`);
    } catch (err) {
      row.error = err instanceof Error ? err.message : String(err);
      f.say(`${name}: FAILED ${row.error}`);
    }
    row.to = Date.now();
  };

  it('every fault: zero accepted batches lost, zero effects duplicated, time to recover printed', async () => {
    const spoolGroup = await f.addEndpoints(Math.max(2, Math.round(SCALE.endpoints / 20)), 'spool', { api: `http://127.0.0.1:${f.spoolProxy.port}`, spoolMaxBytes: SPOOL_BYTES });
    await f.addEndpoints(SCALE.endpoints - spoolGroup.length, 'fleet');
    f.say(`${f.endpoints.length} endpoints sending`);
    const schemaId = await lookupTelemetrySchemaId(new GatewayClient({ api: f.endpoints[0]!.api.replace(String(f.spoolProxy.port), String(f.gatewayPort)), insecureHttp: true }), f.endpoints[0]!.key, 30_000);
    const hold = (ms: number): Promise<void> => sleep(ms);
    const analyzers = f.analyzers;

    await fault('none (control)', 'inject', async () => {
      await hold(10_000);
      const t = Date.now();
      return { recoveryS: await f.recovered(t, t, RECOVERY_TIMEOUT_MS) };
    });

    await fault('analyzer kill -9 (one of two)', 'inject', async () => {
      const t = Date.now();
      await f.signal(analyzers[1]!, 'SIGKILL');
      const recoveryS = await f.recovered(t, t, RECOVERY_TIMEOUT_MS);
      await analyzers[1]!.start();
      return { recoveryS };
    });

    await fault('analyzer kill -9 (the only one, restarted)', 'inject', async () => {
      await f.signal(analyzers[1]!, 'SIGTERM');
      await hold(5_000);
      const t = Date.now();
      await f.signal(analyzers[0]!, 'SIGKILL');
      await analyzers[0]!.start();
      const recoveryS = await f.recovered(t, t, RECOVERY_TIMEOUT_MS);
      await analyzers[1]!.start();
      return { recoveryS };
    });

    await fault('analyzer SIGSTOP (zombie, one of two)', 'inject', async () => {
      await hold(5_000);
      const t = Date.now();
      await f.signal(analyzers[1]!, 'SIGSTOP');
      try {
        return { recoveryS: await f.recovered(t, t, RECOVERY_TIMEOUT_MS), note: 'SIGCONT after recovery' };
      } finally {
        await f.signal(analyzers[1]!, 'SIGCONT');
      }
    });

    await fault('gateway kill -9 (restarted after 3 s)', 'restore', async () => {
      await hold(5_000);
      await f.signal(f.gateway, 'SIGKILL');
      await hold(3_000);
      const t = Date.now();
      await f.gateway.start();
      return { recoveryS: await f.recovered(t, t, RECOVERY_TIMEOUT_MS) };
    });

    await fault(`Kafka down ${SCALE.kafkaDownMs / 1000} s (all three brokers killed)`, 'restore', async () => {
      await Promise.all([1, 2, 3].map((n) => f.cluster.kill(n, 'SIGKILL')));
      await hold(SCALE.kafkaDownMs);
      const t = Date.now();
      await Promise.all([1, 2, 3].map((n) => f.cluster.restart(n)));
      return { recoveryS: await f.recovered(t, t, RECOVERY_TIMEOUT_MS) };
    });

    await fault(`one of three brokers down ${SCALE.outageMs / 1000} s (leader of partition 0)`, 'inject', async () => {
      await hold(5_000);
      const admin = await f.cluster.admin();
      const victim = (await admin.partitions(f.topic)).find((p) => p.partition === 0)!.leader;
      await admin.disconnect();
      const t = Date.now();
      await f.cluster.kill(victim, 'SIGKILL');
      const rec = f.recovered(t, t, RECOVERY_TIMEOUT_MS);
      await hold(SCALE.outageMs);
      await f.cluster.restart(victim);
      await f.cluster.waitInSync(f.topic);
      return { recoveryS: await rec, note: `node ${victim}` };
    });

    await fault(`registry down ${SCALE.outageMs / 1000} s`, 'inject', async () => {
      const t = Date.now();
      f.registryProxy.cut();
      const rec = f.recovered(t, t, RECOVERY_TIMEOUT_MS);
      await hold(SCALE.outageMs);
      f.registryProxy.restore();
      return { recoveryS: await rec };
    });

    await fault(`PostgreSQL down ${SCALE.postgresDownMs / 1000} s (private instance, immediate stop)`, 'restore', async () => {
      await f.pg.stop('immediate');
      await hold(SCALE.postgresDownMs);
      const t = Date.now();
      await f.pg.start();
      return { recoveryS: await f.recovered(t, t, RECOVERY_TIMEOUT_MS) };
    });

    await fault('poison records (garbage Avro, a NUL in a path) straight into the topic', 'inject', async () => {
      const admin = await f.cluster.admin();
      const dlqBefore = await admin.recordCount(f.dlqTopic);
      await admin.disconnect();
      const victim = f.endpoints[f.endpoints.length - 1]!;
      const header = Buffer.from([0, 0, 0, 0, 0]);
      header.writeUInt32BE(schemaId, 1);
      const nul: TelemetryBatch = sampleTelemetryBatch(victim.endpointId, 9_000_000, 2);
      nul.processes[0]!.exe = '/usr/bin/evil\u0000name';
      const producer = f.kafka().producer();
      await producer.connect();
      const t = Date.now();
      await producer.send(f.topic, [
        { key: victim.endpointId, value: Buffer.concat([header, Buffer.from('not avro at all \u0001\u0002\u0003')]) },
        { key: victim.endpointId, value: new WireEncoder<TelemetryBatch>(schemaId, TelemetryBatchV1Schema).encode(nul) },
      ]);
      await producer.disconnect();
      // the victim's partition goes on: its batches after the poison are analysed
      await hold(Math.max(5_000, 2_000 / SCALE.rate));
      const recoveryS = await f.recovered(t, Date.now(), RECOVERY_TIMEOUT_MS, undefined);
      const admin2 = await f.cluster.admin();
      const dlq = (await admin2.recordCount(f.dlqTopic)) - dlqBefore;
      await admin2.disconnect();
      // the garbage must be dead-lettered; the NUL batch dead-lettered or analysed (stored without the NUL) — accounted for either way
      const nulAnalysed = ((await f.analysed([nul.batchId])) ?? new Set()).has(nul.batchId);
      if (dlq < 1 || (dlq < 2 && !nulAnalysed)) throw new Error(`poison not accounted for: ${dlq} in the DLQ, NUL batch analysed: ${nulAnalysed}`);
      return { recoveryS, note: `${dlq} dead-lettered${nulAnalysed ? ', the NUL batch analysed' : ''}` };
    });

    await fault('agent restart (10% of endpoints, transport stopped mid-flight)', 'restore', async () => {
      const some = f.endpoints.filter((e) => e.api.includes(String(f.gatewayPort))).filter((_, i) => i % 10 === 0);
      await Promise.all(some.map((e) => f.stopSending(e)));
      await Promise.all(some.map((e) => e.transport.stop()));
      const t = Date.now();
      for (const e of some) {
        e.transport = f.transportOf(e);
        e.transport.start();
        f.startSending(e, 'fleet');
      }
      return { recoveryS: await f.recovered(t, t, RECOVERY_TIMEOUT_MS), note: `${some.length} agents` };
    });

    await fault(`agent spool full (${spoolGroup.length} endpoints with a ${SPOOL_BYTES >> 10} KiB spool cut off from the gateway until it overflows)`, 'restore', async () => {
      const evictedNow = (): number => spoolGroup.reduce((s, e) => s + e.transport.statistics().evicted, 0);
      const evictedBefore = evictedNow();
      const before = spoolGroup.map((e) => e.transport.statistics().evicted);
      f.spoolProxy.cut();
      // cut off until every one of them has evicted from a full spool (at least the outage length)
      await hold(SCALE.outageMs);
      const deadline = Date.now() + RECOVERY_TIMEOUT_MS;
      while (spoolGroup.some((e, i) => e.transport.statistics().evicted === before[i]) && Date.now() < deadline) await hold(1_000);
      f.spoolProxy.restore();
      const t = Date.now();
      const evicted = evictedNow() - evictedBefore;
      if (evicted === 0) throw new Error('no spool filled up: the fault did not happen');
      return { recoveryS: await f.recovered(t, t, RECOVERY_TIMEOUT_MS), note: `${evicted} batches evicted unsent (counted in drops.spool_evicted)` };
    });

    await fault('clock skew ±10.5 min (new agents, half ahead, half behind)', 'inject', async () => {
      const n = Math.max(2, Math.round(SCALE.endpoints / 20));
      const t = Date.now();
      const ahead = await f.addEndpoints(Math.ceil(n / 2), 'skew', { skewMs: SKEW_MS });
      const behind = await f.addEndpoints(Math.floor(n / 2), 'skew', { skewMs: -SKEW_MS });
      await hold(Math.max(10_000, 3_000 / SCALE.rate));
      const recoveryS = await f.recovered(t, Date.now(), RECOVERY_TIMEOUT_MS, ['skew']);
      const stats = [...ahead, ...behind].map((e) => e.transport.statistics());
      const rejected = stats.reduce((s, x) => s + x.rejected, 0);
      if (rejected > 0) throw new Error(`${rejected} batches of skewed agents rejected`);
      const off = stats.filter((s) => Math.abs(Math.abs(s.clockCorrectionMs) - SKEW_MS) > 2_500).length;
      if (off > 0) throw new Error(`${off} skewed agents did not learn the gateway's clock`);
      return { recoveryS, note: `${ahead.length} ahead, ${behind.length} behind, 0 rejected` };
    });

    // Drain: every agent sends what it spooled; then everything taken must be analysed.
    f.say('draining');
    await Promise.all(f.endpoints.map((e) => f.stopSending(e)));
    await Promise.all(f.endpoints.map((e) => e.transport.drained(RECOVERY_TIMEOUT_MS)));
    const end = Date.now();
    await f.recovered(end, end, RECOVERY_TIMEOUT_MS).catch((err: Error) => f.say(`final: ${err.message}`));
    const v = await f.verify();
    const evictedIds = f.evicted([...f.batches.keys()]);
    const evicted = (id: string): boolean => evictedIds.has(id);
    for (const row of rows) {
      const mine = [...f.batches].filter(([, b]) => b.submittedAt >= row.from && b.submittedAt < row.to).map(([id]) => id);
      const accepted = mine.filter((id) => f.batches.get(id)!.acceptedAt !== undefined);
      const neverTaken = mine.filter((id) => f.batches.get(id)!.acceptedAt === undefined && !evicted(id));
      row.lost = accepted.filter((id) => !v.inTopic.has(id) || !v.analysed.has(id)).length + neverTaken.length;
      // A duplicated effect is a batch analysed twice: a repeated alert (alert ids and activity rows
      // are keyed by batch id, so a second analysis shows there). A second copy in the topic is not
      // one by itself — a gateway killed between producing and answering 202 loses its dedupe window
      // and the agent's retry is produced again; the analyzer skips the copy — and is counted apart.
      row.duplicated = mine.filter((id) => v.duplicateAlerts.has(id)).length;
      const copies = mine.filter((id) => (v.inTopic.get(id) ?? 0) > 1).length;
      const gone = mine.filter(evicted).length;
      row.note = `${accepted.length} accepted${gone ? `, ${gone} evicted from full spools unsent` : ''}${copies ? `, ${copies} produced twice (copy skipped by the analyzer)` : ''}${row.note ? `; ${row.note}` : ''}`;
    }
    const table = [
      '| fault | lost | duplicated | recovery s | measured from | notes |',
      '|---|---:|---:|---:|---|---|',
      ...rows.map((r) => `| ${r.fault} | ${r.lost} | ${r.duplicated} | ${r.recoveryS ?? 'FAILED'} | ${r.measuredFrom === 'inject' ? 'the fault' : 'its end'} | ${r.error ? `ERROR: ${r.error}` : r.note} |`),
    ].join('\n');
    const totals = {
      scale: FULL ? 'full' : 'reduced',
      endpoints: f.endpoints.length,
      rate: SCALE.rate,
      batches: f.batches.size,
      accepted: [...f.batches.values()].filter((b) => b.acceptedAt !== undefined).length,
      inTopic: [...v.inTopic.values()].reduce((s, n) => s + n, 0),
      analysed: v.analysed.size,
      deadLettered: v.dlq,
    };
    process.stdout.write(`\nfault matrix (${JSON.stringify(totals)})\n${table}\n\n`);

    expect(rows.filter((r) => r.error).map((r) => `${r.fault}: ${r.error}`)).toEqual([]);
    expect(rows.map((r) => [r.fault, r.lost, r.duplicated])).toEqual(rows.map((r) => [r.fault, 0, 0]));
    expect(v.dlq).toBeGreaterThanOrEqual(1);
  }, FULL ? 7_200_000 : 2_400_000);
});
