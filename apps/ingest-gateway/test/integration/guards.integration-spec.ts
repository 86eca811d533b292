import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EndpointsRepository } from '@vigil/db';
import { sampleTelemetryBatch } from '@vigil/schemas';
import { startHarness, type Harness } from './harness';

type ErrorBody = { error: { code: string; message: string } };

/** The HTTP-level guards (http/request-guards.ts) against the real Kafka, registry and PostgreSQL. */
describe('gateway guards: content type, per-endpoint rate and byte limits, health without error text', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      VIGIL_GATEWAY_ENDPOINT_RATE: '1',
      VIGIL_GATEWAY_ENDPOINT_BURST: '3',
      VIGIL_GATEWAY_MAX_BODY: '64KiB',
      VIGIL_GATEWAY_ENDPOINT_BYTES_BURST: '64KiB',
      VIGIL_GATEWAY_ENDPOINT_BYTES_RATE: '1KiB',
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  const enrol = async (name: string): Promise<{ id: string; key: string }> => {
    const { endpoint, key } = await new EndpointsRepository(h.pool).create(name);
    return { id: endpoint.id, key };
  };

  it.each([
    ['text/plain', { 'content-type': 'text/plain' }],
    ['application/json', { 'content-type': 'application/json' }],
    ['application/octet-stream', { 'content-type': 'application/octet-stream' }],
    ['no Content-Type at all', { 'content-type': '' }],
  ])('a batch sent as %s → 415 UNSUPPORTED_MEDIA_TYPE, nothing produced', async (_what, headers) => {
    const e = await enrol(`ct-${Math.random().toString(36).slice(2, 8)}`);
    const before = await h.recordCount();
    const res = await h.post(h.body(sampleTelemetryBatch(e.id, 1)), { ...headers, authorization: `Bearer ${e.key}`, 'content-encoding': 'gzip' });
    expect(res.status).toBe(415);
    expect(res.json).toEqual({ error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: expect.stringContaining('application/vnd.vigil.telemetry+avro') } });
    expect(await h.recordCount()).toBe(before);
  });

  it('accepts the agent transport\'s type, with parameters and in any case', async () => {
    const e = await enrol('ct-ok');
    const res = await h.post(h.body(sampleTelemetryBatch(e.id, 1)), { 'content-type': 'Application/VND.vigil.telemetry+avro; charset=binary', authorization: `Bearer ${e.key}`, 'content-encoding': 'gzip' });
    expect(res.status).toBe(202);
  });

  it('a burst from one endpoint gets 429 with Retry-After past its burst; another endpoint is unaffected', async () => {
    const noisy = await enrol('noisy');
    const quiet = await enrol('quiet');
    const before = await h.recordCount();
    const send = (e: { id: string; key: string }, seq: number) => h.post(h.body(sampleTelemetryBatch(e.id, seq)), { authorization: `Bearer ${e.key}`, 'content-encoding': 'gzip' });
    const burst = [];
    for (let seq = 1; seq <= 6; seq++) burst.push(await send(noisy, seq));
    expect(burst.map((r) => r.status)).toEqual([202, 202, 202, 429, 429, 429]);
    for (const r of burst.slice(3)) {
      expect(r.json).toEqual({ error: { code: 'RATE_LIMITED', message: expect.stringMatching(/over its limit \(1 batches\/s\); retry after 1 s/) } });
      expect(r.headers.get('retry-after')).toBe('1');
    }
    expect((await send(quiet, 1)).status).toBe(202);
    expect(await h.recordCount()).toBe(before + 4);
    // The bucket refills: after Retry-After the noisy endpoint gets through again.
    await new Promise((r) => setTimeout(r, 1_100));
    expect((await send(noisy, 7)).status).toBe(202);
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    expect(metrics).toMatch(/vigil_gateway_requests_total\{status="429",code="RATE_LIMITED"\} [3-9]/);
  });

  it('the byte quota refuses a third large batch (429, Retry-After counted in seconds of refill)', async () => {
    const big = await enrol('big');
    const bodies = [1, 2, 3].map((seq) => h.body(sampleTelemetryBatch(big.id, seq, 75), 'identity'));
    const size = bodies[0]!.length;
    // Two fit in the 64 KiB bucket, three do not (the sample is sized for that).
    expect(2 * size).toBeLessThanOrEqual(64 * 1024);
    expect(3 * size).toBeGreaterThan(64 * 1024);
    const statuses = [];
    for (const body of bodies) statuses.push(await h.post(body, { authorization: `Bearer ${big.key}` }));
    expect(statuses.map((r) => r.status)).toEqual([202, 202, 429]);
    expect((statuses[2]!.json as ErrorBody).error.message).toMatch(/over its limit \(1024 bytes\/s\)/);
    // The missing bytes at 1 KiB/s, less what refilled while the first two were handled.
    const missingS = Math.ceil((3 * size - 64 * 1024) / 1024);
    const retryAfter = Number(statuses[2]!.headers.get('retry-after'));
    expect(missingS).toBeGreaterThan(5);
    expect(retryAfter).toBeLessThanOrEqual(missingS);
    expect(retryAfter).toBeGreaterThanOrEqual(missingS - 3);
  });

  it('/healthz shows a failing dependency without its error text', async () => {
    // A gateway whose Kafka is a closed port: it starts (batches would get 503) and reports it.
    const down = await startHarness({ VIGIL_KAFKA_BROKERS: '127.0.0.1:1' });
    try {
      const res = await fetch(`${down.url}/healthz`);
      expect(res.status).toBe(503);
      const text = await res.text();
      const body = JSON.parse(text) as { status: string; checks: Record<string, Record<string, unknown>> };
      expect(body.status).toBe('unavailable');
      expect(body.checks.kafka).toEqual({ ok: false, latencyMs: expect.any(Number) });
      expect(body.checks.database).toEqual({ ok: true, latencyMs: expect.any(Number) });
      expect(text).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|error|no answer/i);
      const metrics = await (await fetch(`${down.url}/metrics`)).text();
      expect(metrics).not.toMatch(/ECONNREFUSED|127\.0\.0\.1:1\b/);
    } finally {
      await down.close();
    }
  });
});
