import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { TelemetryBatchV1Schema, avroType, decodeWireHeader, sampleTelemetryBatch, type TelemetryBatch } from '@vigil/schemas';
import { AgentTransport, type WindowContent } from './transport';

const type = avroType(TelemetryBatchV1Schema);
let server: Server | undefined;
let transport: AgentTransport | undefined;
afterEach(async () => {
  await transport?.stop();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

/** A stand-in gateway: decodes each body as the real one would, answers per `decide`. */
async function gateway(decide: (n: number, batch: TelemetryBatch) => { status: number; headers?: Record<string, string> }) {
  const received: { at: number; batch: TelemetryBatch; schemaId: number; status: number }[] = [];
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
      const { schemaId, payload } = decodeWireHeader(body);
      const batch = type.fromBuffer(payload) as TelemetryBatch;
      const { status, headers } = decide(received.length, batch);
      received.push({ at: Date.now(), batch, schemaId, status });
      res.writeHead(status, { 'content-type': 'application/json', ...(headers ?? {}) }).end(status === 202 ? '{"status":"accepted"}' : '{"error":{"code":"X","message":"m"}}');
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`, received };
}

const windowOf = (processes: number): WindowContent => {
  const { endpointId: _e, batchId: _b, sequence: _s, ...rest } = sampleTelemetryBatch('x', 0, processes);
  return rest;
};

describe('AgentTransport', () => {
  it('splits windows by batch_size, numbers batches, frames them with the schema id and delivers in order', async () => {
    const gw = await gateway(() => ({ status: 202 }));
    transport = new AgentTransport({ api: gw.url, insecureHttp: true, key: 'k', endpointId: 'ep-1', batchSize: 2, spoolDir: mkdtempSync(join(tmpdir(), 'vigil-tx-')), spoolMaxBytes: 1 << 20, schemaId: 42 });
    transport.start();
    const batches = await transport.submit(windowOf(5));
    expect(batches.map((b) => b.processes.length)).toEqual([2, 2, 1]);
    await transport.drained(10_000);
    expect(gw.received.map((r) => r.batch.sequence)).toEqual([1, 2, 3]);
    expect(gw.received.every((r) => r.schemaId === 42 && r.batch.endpointId === 'ep-1')).toBe(true);
    expect(transport.statistics()).toMatchObject({ delivered: 3, spooledBatches: 0 });
  });

  it('splits by encoded size too: no batch exceeds maxBatchBytes, every open arrives once, counts stay with one part', async () => {
    const gw = await gateway(() => ({ status: 202 }));
    transport = new AgentTransport({ api: gw.url, insecureHttp: true, key: 'k', endpointId: 'ep-1', batchSize: 50, maxBatchBytes: 64 << 10, spoolDir: mkdtempSync(join(tmpdir(), 'vigil-tx-')), spoolMaxBytes: 64 << 20, schemaId: 7 });
    const window = windowOf(3);
    const [big, ...rest] = window.processes;
    const files = Array.from({ length: 5_000 }, (_, i) => ({ path: `/usr/share/doc/package-${i}/changelog.Debian.gz`, flags: 0, ret: 0, count: 1, firstSeen: 0 }));
    window.processes = [{ ...big!, files }, ...rest];
    transport.start();
    const batches = await transport.submit(window);
    await transport.drained(10_000);
    expect(batches.length).toBeGreaterThan(4);
    for (const b of batches) expect(type.toBuffer(b).length).toBeLessThanOrEqual(64 << 10);
    expect(gw.received.map((r) => r.batch.sequence)).toEqual(batches.map((_, i) => i + 1));
    const parts = gw.received.flatMap((r) => r.batch.processes).filter((p) => p.pid === big!.pid);
    expect(parts.flatMap((p) => p.files.map((f) => f.path)).sort()).toEqual(files.map((f) => f.path).sort());
    expect(parts.filter((p) => Object.keys(p.syscalls).length > 0)).toHaveLength(1);
    expect(gw.received.flatMap((r) => r.batch.processes).filter((p) => p.pid !== big!.pid)).toHaveLength(rest.length);
  });

  it('keeps batches through 503s, waits as Retry-After says, then delivers each exactly once', async () => {
    const gw = await gateway((n) => (n < 2 ? { status: 503, headers: { 'retry-after': '1' } } : { status: 202 }));
    const spoolDir = mkdtempSync(join(tmpdir(), 'vigil-tx-'));
    transport = new AgentTransport({ api: gw.url, insecureHttp: true, key: 'k', endpointId: 'ep-1', batchSize: 100, spoolDir, spoolMaxBytes: 1 << 20, schemaId: 1, initialBackoffMs: 10 });
    await transport.submit(windowOf(1));
    await transport.submit(windowOf(1));
    transport.start();
    await transport.drained(15_000);
    const accepted = gw.received.filter((r) => r.status === 202).map((r) => r.batch.sequence);
    expect(accepted).toEqual([1, 2]);
    // Two refusals, each followed by ≥ 1 s of waiting.
    expect(gw.received[1]!.at - gw.received[0]!.at).toBeGreaterThanOrEqual(1_000);
    expect(gw.received[2]!.at - gw.received[1]!.at).toBeGreaterThanOrEqual(1_000);
    expect(transport.statistics()).toMatchObject({ delivered: 2, retries: 2 });
  });

  it('drops a batch the gateway rejects (counted) instead of blocking the rest', async () => {
    const gw = await gateway((n) => ({ status: n === 0 ? 400 : 202 }));
    transport = new AgentTransport({ api: gw.url, insecureHttp: true, key: 'k', endpointId: 'ep-1', batchSize: 100, spoolDir: mkdtempSync(join(tmpdir(), 'vigil-tx-')), spoolMaxBytes: 1 << 20, schemaId: 1 });
    await transport.submit(windowOf(1));
    await transport.submit(windowOf(1));
    transport.start();
    await transport.drained(10_000);
    expect(transport.statistics()).toMatchObject({ rejected: 1, delivered: 1 });
  });

  it('when the spool overflows during an outage, evicts the oldest and reports the running count in later batches', async () => {
    const spoolDir = mkdtempSync(join(tmpdir(), 'vigil-tx-'));
    const warnings: object[] = [];
    const log = { info: () => undefined, error: () => undefined, warn: (o: object) => void warnings.push(o) };
    // No gateway running yet: everything stays in the spool.
    transport = new AgentTransport({ api: 'http://127.0.0.1:1', insecureHttp: true, key: 'k', endpointId: 'ep-1', batchSize: 100, spoolDir, spoolMaxBytes: 4_000, schemaId: 1, log });
    for (let i = 0; i < 10; i++) await transport.submit(windowOf(2));
    const evicted = transport.statistics().evicted;
    expect(evicted).toBeGreaterThan(0);
    expect(warnings).toHaveLength(evicted);

    const gw = await gateway(() => ({ status: 202 }));
    await transport.stop();
    transport = new AgentTransport({ api: gw.url, insecureHttp: true, key: 'k', endpointId: 'ep-1', batchSize: 100, spoolDir, spoolMaxBytes: 1 << 20, schemaId: 1 });
    const [next] = await transport.submit(windowOf(1));
    expect(next!.sequence).toBe(11); // the sequence survived the restart: receivers see the gap
    transport.start();
    await transport.drained(10_000);
    const seqs = gw.received.map((r) => r.batch.sequence);
    expect(seqs[0]).toBe(evicted + 1); // oldest went first
    expect(seqs).toEqual([...Array(10 - evicted).keys()].map((i) => i + evicted + 1).concat(11));
    expect(gw.received.at(-1)!.batch.agentStats.spool_evicted_total).toBe(evicted);
  });
});

describe('AgentTransport connection rules', () => {
  it('refuses plain http unless insecureHttp is set, naming the option', () => {
    const spoolDir = mkdtempSync(join(tmpdir(), 'vigil-tx-'));
    expect(() => new AgentTransport({ api: 'http://gw.example:5001', key: 'k', endpointId: 'e', batchSize: 1, spoolDir, spoolMaxBytes: 1 << 20 })).toThrow(/plain http:\/\/ to gw\.example:5001 refused.*insecure_http=true/);
    expect(() => new AgentTransport({ api: 'ftp://gw.example', key: 'k', endpointId: 'e', batchSize: 1, spoolDir, spoolMaxBytes: 1 << 20 })).toThrow(/must be https/);
  });

  it('reports every attempt and every spooled batch to its observer', async () => {
    const gw = await gateway((n) => (n === 0 ? { status: 503, headers: { 'retry-after': '0' } } : { status: 202 }));
    const attempts: [string, number][] = [];
    let spooled = 0;
    transport = new AgentTransport({
      api: gw.url,
      insecureHttp: true,
      key: 'k',
      endpointId: 'ep-1',
      batchSize: 100,
      spoolDir: mkdtempSync(join(tmpdir(), 'vigil-tx-')),
      spoolMaxBytes: 1 << 20,
      schemaId: 1,
      observer: { attempt: (o, s) => void attempts.push([o, s]), spooled: () => void spooled++ },
    });
    await transport.submit(windowOf(1));
    transport.start();
    await transport.drained(10_000);
    expect(spooled).toBe(1);
    expect(attempts).toEqual([
      ['retry', 503],
      ['accepted', 202],
    ]);
    expect(transport.statistics()).toMatchObject({ lastOutcome: 'accepted', delivered: 1 });
    expect(transport.statistics().lastDeliveredAt).toBeGreaterThan(0);
  });
});
