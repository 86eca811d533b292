import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '@vigil/common';
import { SchemaError, TelemetryBatchV1Schema, WireEncoder, avroType, sampleTelemetryBatch, type AvroType } from '@vigil/schemas';
import { InlineBatchChecker, gatewayWriterLookup, type BatchChecker } from './batch-checker';
import { WorkerBatchChecker } from './worker-batch-checker';
import { zstdStored } from '../../test/support/zstd-frame';

const MiB = 1024 * 1024;
const CLOCK = { maxFutureMs: 600_000, maxPastMs: 30 * 86_400_000 };
const SCHEMA_ID = 7;
const writer = avroType(TelemetryBatchV1Schema);
const encoder = new WireEncoder(SCHEMA_ID, writer);
const log = createLogger('batch-checker-test', { level: 'silent' });

/** The registry as the checkers see it: one known id; counts lookups. */
function registry() {
  const calls: number[] = [];
  const lookup = gatewayWriterLookup(async (id: number): Promise<AvroType> => {
    calls.push(id);
    if (id === SCHEMA_ID) return writer;
    throw new SchemaError('SCHEMA_UNKNOWN', `schema id ${id} is not a version of the subject`);
  });
  return { lookup, calls };
}

const checkers: [string, (lookup: ReturnType<typeof registry>['lookup']) => BatchChecker][] = [
  ['inline', (lookup) => new InlineBatchChecker(lookup, MiB, CLOCK)],
  ['2 worker threads', (lookup) => new WorkerBatchChecker(2, lookup, MiB, CLOCK, log)],
];

describe.each(checkers)('batch checker (%s)', (_name, make) => {
  const reg = registry();
  const checker = make(reg.lookup);
  afterAll(() => checker.close());
  const framed = encoder.encode(sampleTelemetryBatch('endpoint-1', 42, 5));

  it('returns the decompressed framed bytes and the identity, for gzip, zstd and identity bodies', async () => {
    for (const [body, encoding] of [
      [gzipSync(framed), 'gzip'],
      [zstdStored(framed), 'zstd'],
      [framed, 'identity'],
    ] as const) {
      const r = await checker.check(body, encoding);
      expect(r.data.equals(framed)).toBe(true);
      expect(r.identity).toMatchObject({ endpointId: 'endpoint-1', sequence: 42 });
      expect(typeof r.identity.batchId).toBe('string');
    }
    // The body handed in is left intact (the worker path transfers a copy).
    const body = gzipSync(framed);
    const copy = Buffer.from(body);
    await checker.check(body, 'gzip');
    expect(body.equals(copy)).toBe(true);
  });

  it('refuses what the gateway must refuse, with the same codes', async () => {
    const other = encoder.encode(sampleTelemetryBatch('endpoint-1', 1, 1));
    other.writeUInt32BE(99, 1);
    const cases: [Buffer, 'gzip' | 'identity', string][] = [
      [other, 'identity', 'SCHEMA_UNKNOWN'],
      [Buffer.concat([framed, Buffer.from([0])]), 'identity', 'MALFORMED_BATCH'],
      [framed.subarray(0, framed.length - 3), 'identity', 'MALFORMED_BATCH'],
      [Buffer.from([1, 0, 0, 0, 7, 2]), 'identity', 'MALFORMED_BATCH'],
      [Buffer.from([0, 0]), 'identity', 'MALFORMED_BATCH'],
      [Buffer.from('not gzip'), 'gzip', 'BAD_COMPRESSION'],
      [gzipSync(Buffer.alloc(4 * MiB)), 'gzip', 'DECODED_TOO_LARGE'],
      [Buffer.alloc(MiB + 1), 'identity', 'DECODED_TOO_LARGE'],
    ];
    for (const [body, encoding, code] of cases) await expect(checker.check(body, encoding), code).rejects.toMatchObject({ code });
  });

  it('reports a batch that decodes but breaks an invariant, with the reason (the caller answers 422)', async () => {
    const ok = await checker.check(framed, 'identity');
    expect(ok.invalid).toBeUndefined();
    const future = sampleTelemetryBatch('endpoint-1', 1, 1);
    future.windowEnd = Date.now() + 3_600_000;
    const r = await checker.check(encoder.encode(future), 'identity');
    expect(r.identity).toMatchObject({ endpointId: 'endpoint-1' });
    expect(r.invalid).toMatch(/^windowEnd: .* ahead of the gateway's clock/);
  });
});

describe('WorkerBatchChecker', () => {
  it('resolves a schema id on the event loop once, then the worker checks with it alone', async () => {
    const reg = registry();
    const checker = new WorkerBatchChecker(1, reg.lookup, MiB, CLOCK, log);
    try {
      const framed = encoder.encode(sampleTelemetryBatch('endpoint-1', 1, 2));
      for (let i = 0; i < 5; i++) await checker.check(gzipSync(framed), 'gzip');
      expect(reg.calls).toEqual([SCHEMA_ID]);
    } finally {
      await checker.close();
    }
  });

  it('fails the requests of a worker that dies (INTERNAL) and starts another', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-check-worker-'));
    const script = join(dir, 'dies.js');
    writeFileSync(script, "require('node:worker_threads').parentPort.on('message', () => process.exit(3));\n");
    const checker = new WorkerBatchChecker(1, registry().lookup, MiB, CLOCK, log, script);
    try {
      await expect(checker.check(Buffer.from('x'), 'identity')).rejects.toMatchObject({ code: 'INTERNAL' });
      // The replacement answers (and dies) too: nothing hangs.
      await expect(checker.check(Buffer.from('y'), 'identity')).rejects.toMatchObject({ code: 'INTERNAL' });
    } finally {
      await checker.close();
    }
  });
});
