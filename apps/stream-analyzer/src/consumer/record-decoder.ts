import type { IncomingMessage } from '@vigil/kafka';
import { SchemaError, type TelemetryBatch as AvroTelemetryBatch } from '@vigil/schemas';
import { AnalyzerError } from '../errors/analyzer.error';
import { toDetectionBatch } from '../kafka/telemetry-adapter';
import type { TelemetryDecoder } from '../kafka/telemetry-decoder';
import type { RunRecord } from './run-processor';

/**
 * Decode one telemetry record for the run processor. A registry outage is thrown (retriable: the
 * record is fine, the registry is not); anything wrong with the record itself — no value, a wire
 * format or schema the registry cannot read it with, a batch breaking its invariants — makes it a
 * dead letter, never retried.
 */
export async function decodeRecord(decoder: Pick<TelemetryDecoder, 'decode'>, m: IncomingMessage, maxClockAheadMs: number): Promise<RunRecord<IncomingMessage>> {
  if (!m.value) return { record: m, dead: { code: 'RECORD_UNDECODABLE', message: 'record has no value' } };
  let value: AvroTelemetryBatch;
  try {
    value = await decoder.decode(m.value);
  } catch (err) {
    if (!(err instanceof SchemaError)) throw err;
    switch (err.code) {
      case 'REGISTRY_UNAVAILABLE':
        throw new AnalyzerError('REGISTRY_UNAVAILABLE', err.message, { retriable: true, cause: err });
      case 'SCHEMA_UNKNOWN':
      case 'SCHEMA_INCOMPATIBLE':
        return { record: m, dead: { code: 'SCHEMA_MISMATCH', message: err.message } };
      case 'WIRE_FORMAT_INVALID':
      case 'AVRO_INVALID':
        return { record: m, dead: { code: 'RECORD_UNDECODABLE', message: err.message } };
    }
  }
  try {
    // the gateway's accept time (the record's timestamp) bounds how far ahead the batch's clock may be
    return { record: m, batch: toDetectionBatch(value, m.key?.toString() ?? null, { acceptedAt: Number(m.timestamp), maxClockAheadMs }) };
  } catch (err) {
    if (err instanceof AnalyzerError) return { record: m, dead: { code: err.code, message: err.message } };
    throw err;
  }
}
