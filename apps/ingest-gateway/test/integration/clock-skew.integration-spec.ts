import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentTransport, CLOCK_CORRECTION_STAT, shiftBatchTimes, type WindowContent } from '@vigil/agent-transport';
import { EndpointsRepository, createPool, migrate } from '@vigil/db';
import { KafkaClient, type KafkaAdmin } from '@vigil/kafka';
import { TelemetryBatchV1Schema, avroType, createRegistryClient, sampleTelemetryBatch, subjectForTopic, type TelemetryBatch } from '@vigil/schemas';
import { freshDatabase, pinoListening, readAllRecords, stackServiceEnv, stackUrls, startServiceProcess, uniqueName, type ServiceProcess } from '@vigil/testing';

const GATEWAY_MAIN = resolve(__dirname, '../../dist/main.js');
const SKEW_MS = 15 * 60_000;
const telemetry = avroType(TelemetryBatchV1Schema);

/** A window as an agent whose clock is `skewMs` off stamps it (sample content, times moved). */
function skewedWindow(skewMs: number): WindowContent {
  const { endpointId: _e, batchId: _b, sequence: _s, ...content } = sampleTelemetryBatch('x', 0, 2);
  const { [CLOCK_CORRECTION_STAT]: _c, ...agentStats } = shiftBatchTimes(content, skewMs, 0).agentStats;
  return { ...shiftBatchTimes(content, skewMs, 0), agentStats };
}

// Issue 18: an endpoint whose clock is more than VIGIL_GATEWAY_MAX_CLOCK_AHEAD (10 min) ahead had its
// batches refused with 422 and dropped. The real transport against the real gateway: the 422 says
// CLOCK_AHEAD, the agent learns the gateway's clock from the answer's Date, re-stamps the spooled
// batch and sends it again; later batches are stamped in the gateway's clock from the start. A clock
// behind is corrected the same way (its batches were accepted, but misplaced in time).
describe('agent clock skew ±15 min against the real gateway', () => {
  const urls = stackUrls();
  const topic = uniqueName('vigil.test.clockskew');
  const kafka = new KafkaClient({ brokers: urls.kafkaBrokers, clientId: 'clock-skew-test', sasl: urls.kafkaSasl });
  let admin: KafkaAdmin;
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let gateway: ServiceProcess;
  const spools = mkdtempSync(join(tmpdir(), 'vigil-skew-'));

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopic(topic, 2);
    db = await freshDatabase('vigil_clock_skew');
    const pool = createPool(db.url, { max: 1 });
    await migrate(pool);
    await pool.end();
    gateway = await startServiceProcess(
      GATEWAY_MAIN,
      { VIGIL_GATEWAY_PORT: '0', ...stackServiceEnv(urls), VIGIL_DATABASE_URL: db.url, VIGIL_GATEWAY_TOPIC: topic, VIGIL_LOG_LEVEL: 'info' },
      pinoListening,
      { name: 'ingest-gateway', timeoutMs: 120_000 },
    );
  }, 180_000);
  afterAll(async () => {
    await gateway?.stop();
    await db?.drop();
    await admin?.deleteTopic(topic).catch(() => undefined);
    await admin?.disconnect();
    const registry = createRegistryClient(urls.schemaRegistryUrl, { auth: urls.registryAuth });
    await registry.deleteSubject(subjectForTopic(topic), false).catch(() => undefined);
    await registry.deleteSubject(subjectForTopic(topic), true).catch(() => undefined);
    registry.close();
    rmSync(spools, { recursive: true, force: true });
  });

  it('a clock 15 min ahead: the first batch is refused 422 CLOCK_AHEAD, re-stamped and delivered; none dropped; a clock behind is corrected too', async () => {
    const pool = createPool(db.url, { max: 1 });
    const repo = new EndpointsRepository(pool);
    const ahead = await repo.create('skew-ahead');
    const behind = await repo.create('skew-behind');
    await pool.end();
    // The schema id comes from a lookup with the honest clock, so the skewed transports' first
    // request is a batch: nothing has taught them the gateway's clock before the 422.
    const probe = new AgentTransport({ api: gateway.url, insecureHttp: true, key: ahead.key, endpointId: ahead.endpoint.id, batchSize: 50, spoolDir: join(spools, 'probe'), spoolMaxBytes: 1 << 20 });
    const schemaId = await probe.checkGateway();
    await probe.stop();

    const refusals: number[] = [];
    const make = (e: typeof ahead, skew: number, lookup: boolean) =>
      new AgentTransport({
        observer: { attempt: (_outcome, status) => void (status === 422 && refusals.push(skew)) },
        api: gateway.url,
        insecureHttp: true,
        key: e.key,
        endpointId: e.endpoint.id,
        batchSize: 50,
        spoolDir: join(spools, e.endpoint.id),
        spoolMaxBytes: 8 << 20,
        // the behind agent asks for the schema id as a real agent does: that answer teaches it the clock
        schemaId: lookup ? undefined : schemaId,
        initialBackoffMs: 100,
        maxBackoffMs: 1_000,
        clock: () => Date.now() + skew,
      });
    const fast = make(ahead, SKEW_MS, false);
    const slow = make(behind, -SKEW_MS, true);
    const submitted = new Map<string, TelemetryBatch>();
    // Two windows each, spooled before delivery starts: both stamped with the wrong clock.
    for (const [t, skew] of [[fast, SKEW_MS], [slow, -SKEW_MS]] as const) for (let i = 0; i < 2; i++) for (const b of await t.submit(skewedWindow(skew))) submitted.set(b.batchId, b);
    fast.start();
    slow.start();
    await Promise.all([fast.drained(60_000), slow.drained(60_000)]);
    // Once learned, a new window is stamped in the gateway's clock before it is spooled.
    const later = await fast.submit(skewedWindow(SKEW_MS));
    for (const b of later) submitted.set(b.batchId, b);
    await fast.drained(30_000);
    const checkedAt = Date.now();
    const fs = fast.statistics();
    const ss = slow.statistics();
    await fast.stop();
    await slow.stop();

    process.stdout.write(`clock-skew result: ${JSON.stringify({ ahead: fs, behind: ss })}\n`);
    expect(fs).toMatchObject({ rejected: 0, evicted: 0, delivered: 3, spooledBatches: 0 });
    expect(ss).toMatchObject({ rejected: 0, evicted: 0, delivered: 2, spooledBatches: 0 });
    // the ahead agent's first batch was refused (422 CLOCK_AHEAD) and re-stamped, its second re-stamped
    // before sending; the behind agent learnt the clock from its schema lookup and re-stamped both
    expect(fs.restamped).toBe(2);
    expect(refusals).toEqual([SKEW_MS]);
    expect(ss.restamped).toBe(2);
    expect(Math.abs(fs.clockCorrectionMs + SKEW_MS)).toBeLessThan(2_500);
    expect(Math.abs(ss.clockCorrectionMs - SKEW_MS)).toBeLessThan(2_500);
    // the batch submitted after learning needed no re-stamp: stamped right at submit
    expect(later[0]!.agentStats[CLOCK_CORRECTION_STAT]).toBe(fs.clockCorrectionMs);
    expect(Math.abs(later[0]!.windowEnd - Date.now())).toBeLessThan(30_000);

    const records = await readAllRecords(urls.kafkaBrokers, topic, 60_000, urls.kafkaSasl);
    const inTopic = records.map((r) => telemetry.fromBuffer(r.value!.subarray(5)) as TelemetryBatch);
    expect(inTopic.map((b) => b.batchId).sort()).toEqual([...submitted.keys()].sort());
    for (const b of inTopic) {
      // every time now in the gateway's clock: within the test's minute, not 15 min off
      expect(Math.abs(b.windowEnd - checkedAt)).toBeLessThan(60_000);
      expect(Math.abs(b.processes[0]!.files[0]!.firstSeen - checkedAt)).toBeLessThan(60_000);
      expect(Math.abs(Math.abs(b.agentStats[CLOCK_CORRECTION_STAT]!) - SKEW_MS)).toBeLessThan(2_500);
    }
  }, 180_000);
});
