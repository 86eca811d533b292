import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EndpointsRepository } from '@vigil/db';
import { pinoListening, stackUrls, startServiceProcess, waitUntil, type ServiceProcess, stackServiceEnv } from '@vigil/testing';
import type { TelemetryBatch } from '@vigil/schemas';
import { endpointStream } from '../support/scenario';
import { Harness } from './harness';

/** The built gateway (spawned as the process it is in production; apps never import each other). */
const GATEWAY_MAIN = resolve(__dirname, '../../../ingest-gateway/dist/main.js');
const DAY = 86_400_000;

// Issue 18 must-show: batches that decode as Avro but break the contract are refused at the gateway
// (422, before Kafka) — none reaches the analyzer — while a real batch is accepted, and a real batch
// sent right after them is analysed within 90 s.
describe('gateway → Kafka → analyzer: broken-but-valid-Avro batches refused, real ones analysed', () => {
  const h = new Harness();
  let gateway: ServiceProcess;
  let endpointId = '';
  let key = '';

  beforeAll(async () => {
    if (!existsSync(GATEWAY_MAIN)) throw new Error(`build the gateway first (${GATEWAY_MAIN} is missing)`);
    await h.setup(2);
    const enrolled = await new EndpointsRepository(h.pool).create('contract-host');
    endpointId = enrolled.endpoint.id;
    key = enrolled.key;
    await h.start();
    const urls = stackUrls();
    gateway = await startServiceProcess(
      GATEWAY_MAIN,
      {
        VIGIL_GATEWAY_PORT: '0',
        ...stackServiceEnv(urls),
        VIGIL_DATABASE_URL: h.databaseUrl,
        VIGIL_GATEWAY_TOPIC: h.telemetryTopic,
        VIGIL_LOG_LEVEL: 'info',
      },
      pinoListening,
      { name: 'ingest-gateway', logFile: join(tmpdir(), `${h.telemetryTopic}.gateway.log`), timeoutMs: 120_000 },
    );
  }, 240_000);
  afterAll(async () => {
    await gateway?.stop();
    await h.teardown();
  });

  it('answers 422 with the reason for each broken batch, 202 for real ones, and the real one sent after them is in the database within 90 s', async () => {
    const post = async (b: TelemetryBatch) => {
      const res = await fetch(`${gateway.url}/v1/batches`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/vnd.vigil.telemetry+avro', 'content-encoding': 'gzip' },
        body: gzipSync(h.encoder.encode(b)),
      });
      return { status: res.status, body: (await res.json()) as { status?: string; error?: { code: string; message: string } } };
    };
    const real = () => endpointStream(endpointId, { start: Date.now() - 5_000, stepMs: 1_000, batches: 2, attackAt: [] });
    const broken: [string, (b: TelemetryBatch) => void, RegExp][] = [
      ['reversed window', (b) => ([b.windowStart, b.windowEnd] = [b.windowEnd, b.windowStart]), /windowStart: .* is after windowEnd/],
      ['batch id of control characters', (b) => (b.batchId = '\u0001\u0002\u0003\u0004'), /batchId: not a uuid/],
      ['ten years ahead', (b) => (b.windowEnd = Date.now() + 3650 * DAY), /windowEnd: .* ahead of the gateway's clock/],
      ['at the epoch', (b) => ((b.windowStart = 0), (b.windowEnd = 1_000)), /windowStart: 1970-01-01T00:00:00.000Z is more than 30 days before/],
      ['negative sequence', (b) => (b.sequence = -42), /sequence: negative/],
      ['garbage process fields', (b) => ((b.processes[0]!.pid = -7), (b.processes[0]!.exe = '\u0000\u0000')), /processes\[0\]\.pid: -7 is not a process id/],
      ['a NUL byte in a path', (b) => (b.processes[0]!.files.push({ path: '/etc/\u0000shadow', flags: 0, ret: 0, count: 1, firstSeen: b.windowStart })), /files\[\d+\]\.path: contains a NUL byte/],
      ['a negative count', (b) => (b.processes[0]!.syscalls = { read: -1 }), /syscalls\.value: negative count/],
    ];
    for (const [name, mutate, reason] of broken) {
      const b = real()[0]!;
      mutate(b);
      const r = await post(b);
      expect(r.status, `${name}: ${JSON.stringify(r.body)}`).toBe(422);
      // a time ahead of the gateway's clock has its own code: the agent re-stamps such a batch by the gateway's clock
      expect(r.body.error?.code).toBe(name === 'ten years ahead' ? 'CLOCK_AHEAD' : 'BATCH_INVALID');
      expect(r.body.error?.message, name).toMatch(reason);
    }
    const [first, second] = real();
    expect((await post(first!)).status).toBe(202);
    const sentAt = Date.now();
    expect((await post(second!)).status).toBe(202);
    const analysedAfter = await waitUntil(
      async () => ((await h.pool.query('select 1 from activity where batch_id = $1', [second!.batchId])).rowCount === 1 ? Date.now() - sentAt : undefined),
      90_000,
      'the real batch analysed',
    );
    console.log(`real batch sent after ${broken.length} broken ones: analysed ${analysedAfter} ms after it was sent`);
    expect(analysedAfter).toBeLessThanOrEqual(90_000);
    // only the two real batches ever reached Kafka (the broken ones were refused before it)
    const ends = await h.endOffsets();
    expect([...ends.values()].reduce((s, o) => s + Number(o), 0)).toBe(2);
    const activity = await h.pool.query('select count(*)::int as n from activity where endpoint_id = $1', [endpointId]);
    expect(activity.rows[0].n).toBe(2);
  });
});
