import { describe, expect, it } from 'vitest';
import { decodeWireHeader, encodeWire } from './wire-format';

describe('Confluent wire format', () => {
  it('frames magic 0 and a big-endian schema id before the payload', () => {
    const framed = encodeWire(0x01020304, Buffer.from([9, 8]));
    expect([...framed]).toEqual([0, 1, 2, 3, 4, 9, 8]);
    const { schemaId, payload } = decodeWireHeader(framed);
    expect(schemaId).toBe(0x01020304);
    expect([...payload]).toEqual([9, 8]);
  });

  it('refuses short values and other magic bytes', () => {
    expect(() => decodeWireHeader(Buffer.from([0, 0, 0]))).toThrow(/too short/);
    expect(() => decodeWireHeader(Buffer.from([1, 0, 0, 0, 1, 2]))).toThrow(/magic byte 1/);
  });
});
