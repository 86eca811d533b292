import { SchemaError, decodeWireHeader, peekStrict, type AvroType } from '@vigil/schemas';
import { GatewayError } from '../errors/gateway.error';

/** The fields the gateway needs from any version of TelemetryBatch (checked, not assumed). */
export interface BatchIdentity extends Record<string, unknown> {
  endpointId?: unknown;
  batchId?: unknown;
  sequence?: unknown;
}

/** A body that passed every check: its decompressed, Confluent-framed bytes and its identity. */
export interface CheckedBatch {
  data: Buffer;
  identity: BatchIdentity;
}

/** GatewayError for a SchemaError of the decode path (other errors are rethrown as they are). */
export function gatewayErrorOf(err: unknown): unknown {
  if (!(err instanceof SchemaError)) return err;
  switch (err.code) {
    case 'SCHEMA_UNKNOWN':
      return new GatewayError('SCHEMA_UNKNOWN', err.message);
    case 'REGISTRY_UNAVAILABLE':
      return new GatewayError('REGISTRY_UNAVAILABLE', 'the schema registry is unavailable; retry later', { retriable: true, cause: err });
    case 'WIRE_FORMAT_INVALID':
    case 'AVRO_INVALID':
    case 'SCHEMA_INCOMPATIBLE':
      return new GatewayError('MALFORMED_BATCH', err.message);
  }
}

/** Schema id of a decompressed body (GatewayError MALFORMED_BATCH when it is not Confluent-framed). */
export function wireSchemaId(data: Buffer): number {
  try {
    return decodeWireHeader(data).schemaId;
  } catch (err) {
    throw gatewayErrorOf(err);
  }
}

/**
 * Check a decompressed body against `writer`, the type its schema id names under the telemetry
 * subject: the whole record is decoded and checked (every varint, length, count, union and enum
 * index, nothing trailing); only the identity fields are materialised. Synchronous and pure, so the
 * same code runs on the event loop and in a check worker. Throws GatewayError.
 */
export function checkFramed(data: Buffer, writer: AvroType): CheckedBatch {
  try {
    const { payload } = decodeWireHeader(data);
    if (writer.typeName !== 'record') throw new GatewayError('MALFORMED_BATCH', 'the body is not a TelemetryBatch record');
    return { data, identity: peekStrict<BatchIdentity>(writer, payload, ['endpointId', 'batchId', 'sequence']) };
  } catch (err) {
    throw gatewayErrorOf(err);
  }
}
