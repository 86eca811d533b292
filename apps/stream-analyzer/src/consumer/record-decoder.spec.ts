import { describe, expect, it } from 'vitest';
import type { IncomingMessage } from '@vigil/kafka';
import { avroType, sampleTelemetryBatch, SchemaError, TelemetryBatchV1Schema, type TelemetryBatch as AvroBatch } from '@vigil/schemas';
import { AnalyzerError } from '../errors/analyzer.error';
import { decodeRecord } from './record-decoder';

const EP = '5b0f6f3e-2a7c-4c55-9a43-1d2f3e4a5b6c';
const ACCEPTED_AT = Date.parse('2026-01-01T00:00:00Z');

/** A record at offset 5 whose value the stub decoder turns into `decoded` (or fails with). */
function record(over: Partial<IncomingMessage> = {}): IncomingMessage {
  return { topic: 't', partition: 0, offset: '5', key: Buffer.from(EP), value: Buffer.from([0]), timestamp: String(ACCEPTED_AT), headers: {}, ...over };
}

/** A decoder that answers as the registry-backed one would, without a registry. */
const decoderOf = (result: () => AvroBatch): { decode: () => Promise<AvroBatch> } => ({ decode: () => Promise.resolve().then(result) });

/** A batch as the Avro decoder yields it, ending at `windowEnd`. */
function avroBatch(over: Partial<AvroBatch> = {}): AvroBatch {
  const t = avroType(TelemetryBatchV1Schema);
  return t.fromBuffer(t.toBuffer({ ...sampleTelemetryBatch(EP), windowStart: ACCEPTED_AT - 10_000, windowEnd: ACCEPTED_AT, ...over })) as AvroBatch;
}

describe('record decoder', () => {
  it('decodes a valid record into the batch the processor analyses', async () => {
    const r = await decodeRecord(decoderOf(() => avroBatch()), record(), 60_000);
    expect(r).toMatchObject({ record: { offset: '5' }, batch: { endpointId: EP, windowEnd: ACCEPTED_AT } });
  });

  it('makes a record wrong in itself a dead letter, never a retry', async () => {
    const failing = (code: SchemaError['code']) => decoderOf(() => { throw new SchemaError(code, `${code} here`); });
    await expect(decodeRecord(decoderOf(() => avroBatch()), record({ value: null }), 60_000)).resolves.toMatchObject({ dead: { code: 'RECORD_UNDECODABLE' } });
    await expect(decodeRecord(failing('AVRO_INVALID'), record(), 60_000)).resolves.toMatchObject({ dead: { code: 'RECORD_UNDECODABLE', message: 'AVRO_INVALID here' } });
    await expect(decodeRecord(failing('SCHEMA_UNKNOWN'), record(), 60_000)).resolves.toMatchObject({ dead: { code: 'SCHEMA_MISMATCH' } });
    // valid Avro breaking the batch's invariants: another endpoint's key, a window from the future
    await expect(decodeRecord(decoderOf(() => avroBatch()), record({ key: Buffer.from('another') }), 60_000)).resolves.toMatchObject({ dead: { code: 'BATCH_INVALID' } });
    await expect(decodeRecord(decoderOf(() => avroBatch({ windowEnd: ACCEPTED_AT + 3_600_000 })), record(), 60_000)).resolves.toMatchObject({ dead: { code: 'BATCH_INVALID' } });
  });

  it('throws a registry outage as retriable: the record is fine, the registry is not', async () => {
    const down = decoderOf(() => { throw new SchemaError('REGISTRY_UNAVAILABLE', 'connection refused', true); });
    const err = await decodeRecord(down, record(), 60_000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AnalyzerError);
    expect(err).toMatchObject({ code: 'REGISTRY_UNAVAILABLE', retriable: true });
    // anything else (a bug) is not turned into a dead letter either
    await expect(decodeRecord(decoderOf(() => { throw new TypeError('bug'); }), record(), 60_000)).rejects.toThrow('bug');
  });
});
