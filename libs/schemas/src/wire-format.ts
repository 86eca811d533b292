import { SchemaError } from './errors';

/** First byte of every Confluent-framed value. */
export const MAGIC_BYTE = 0;
/** Magic byte + 4-byte big-endian schema id. */
export const WIRE_HEADER_BYTES = 5;

/** Frame an Avro payload in the Confluent wire format: magic 0, schema id (uint32 BE), payload. */
export function encodeWire(schemaId: number, payload: Buffer): Buffer {
  if (!Number.isInteger(schemaId) || schemaId < 0 || schemaId > 0xffffffff) throw new RangeError(`bad schema id ${schemaId}`);
  const out = Buffer.allocUnsafe(WIRE_HEADER_BYTES + payload.length);
  out[0] = MAGIC_BYTE;
  out.writeUInt32BE(schemaId, 1);
  payload.copy(out, WIRE_HEADER_BYTES);
  return out;
}

/** Split a Confluent-framed value into its schema id and Avro payload (a view, not a copy). */
export function decodeWireHeader(buf: Buffer): { schemaId: number; payload: Buffer } {
  if (buf.length < WIRE_HEADER_BYTES) throw new SchemaError('WIRE_FORMAT_INVALID', `value too short for the wire format (${buf.length} bytes)`);
  if (buf[0] !== MAGIC_BYTE) throw new SchemaError('WIRE_FORMAT_INVALID', `unknown magic byte ${buf[0]} (expected 0)`);
  return { schemaId: buf.readUInt32BE(1), payload: buf.subarray(WIRE_HEADER_BYTES) };
}
