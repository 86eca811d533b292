import { InvariantError, SchemaError, checkTelemetryInvariants, decodeWireHeader, peekStrict, type AvroType } from '@vigil/schemas';
import { GatewayError } from '../errors/gateway.error';

/** The fields the gateway needs from any version of TelemetryBatch (checked, not assumed). */
export interface BatchIdentity extends Record<string, unknown> {
  endpointId?: unknown;
  batchId?: unknown;
  sequence?: unknown;
}

/** A body that decoded: its decompressed, Confluent-framed bytes, its identity, and the first broken invariant if any. */
export interface CheckedBatch {
  data: Buffer;
  identity: BatchIdentity;
  /**
   * Why the batch breaks the contract's invariants (422), when it does. Reported rather than thrown
   * so that the caller checks whose batch it is first (403 before 422).
   */
  invalid?: string;
  /** The broken invariant is a time ahead of the gateway's clock: the sender's clock is off (422 CLOCK_AHEAD). */
  clockAhead?: boolean;
}

/** How far event times may be from the gateway's clock (VIGIL_GATEWAY_MAX_CLOCK_AHEAD / _MAX_AGE). */
export interface ClockBounds {
  maxFutureMs: number;
  maxPastMs: number;
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
export function checkFramed(data: Buffer, writer: AvroType, clock: ClockBounds, now = Date.now()): CheckedBatch {
  let payload: Buffer;
  let identity: BatchIdentity;
  try {
    payload = decodeWireHeader(data).payload;
    if (writer.typeName !== 'record') throw new GatewayError('MALFORMED_BATCH', 'the body is not a TelemetryBatch record');
    identity = peekStrict<BatchIdentity>(writer, payload, ['endpointId', 'batchId', 'sequence']);
  } catch (err) {
    throw gatewayErrorOf(err);
  }
  // Well-formed Avro; now what it says (a second walk over the same bytes, nothing materialised).
  try {
    checkTelemetryInvariants(writer, payload, { now, ...clock });
  } catch (err) {
    if (err instanceof InvariantError) return { data, identity, invalid: err.message, ...(err.kind === 'clock_ahead' ? { clockAhead: true } : {}) };
    throw gatewayErrorOf(err);
  }
  return { data, identity };
}
