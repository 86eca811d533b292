import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { avroType } from './registry';
import { checkEncoding, decodeStrict, peekStrict } from './strict-decode';
import { SchemaError } from './errors';
import { TelemetryBatchV1Schema, type TelemetryBatch } from './generated/telemetry-batch.v1.generated';
import { AlertV1Schema, type Alert } from './generated/alert.v1.generated';
import { sampleTelemetryBatch } from './testing/sample-batch';

const telemetry = avroType(TelemetryBatchV1Schema);

describe('decodeStrict', () => {
  it('round-trips a realistic telemetry batch', () => {
    const batch = sampleTelemetryBatch('ep-1', 7);
    expect(decodeStrict<TelemetryBatch>(telemetry, telemetry.toBuffer(batch))).toEqual(batch);
  });

  it('round-trips an alert', () => {
    const type = avroType(AlertV1Schema);
    const alert: Alert = {
      id: '3f1c0e1a-9a56-4c1e-8d43-3a1f5f0c2b11', endpointId: 'ep-1', time: 1, program: '/usr/bin/nc', pid: 42,
      ancestry: ['/usr/bin/bash'], kind: 'rule', detector: 'reverse-shell', severity: 'HIGH', score: 0.97, title: 'reverse shell',
      mitreTechnique: 'T1059.004', evidence: 'stdin is a socket', evidenceData: { remote: '10.0.0.9:4444' },
      batchId: '6f9619ff-8b86-d011-b42d-00cf4fc964ff', count: 1, firstSeen: 1, lastSeen: 2,
    };
    expect(decodeStrict<Alert>(type, type.toBuffer(alert))).toEqual(alert);
  });

  it('refuses trailing bytes', () => {
    const buf = Buffer.concat([telemetry.toBuffer(sampleTelemetryBatch('ep-1')), Buffer.from([0])]);
    expect(() => decodeStrict(telemetry, buf)).toThrow(/1 trailing bytes/);
  });

  it('refuses a truncated record', () => {
    const buf = telemetry.toBuffer(sampleTelemetryBatch('ep-1'));
    expect(() => decodeStrict(telemetry, buf.subarray(0, buf.length - 3))).toThrow(SchemaError);
  });

  it('refuses a huge array count at once instead of decoding past the end', () => {
    const arr = avroType({ type: 'array', items: 'string' });
    // count 2^31 (zigzag varint), then nothing: avsc alone would loop two billion times.
    const bomb = Buffer.from([0x80, 0x80, 0x80, 0x80, 0x10]);
    const started = Date.now();
    expect(() => checkEncoding(arr, bomb)).toThrow(/cannot fit/);
    expect(Date.now() - started).toBeLessThan(50);
  });

  it('refuses bad enum and union indexes and non-boolean bytes', () => {
    expect(() => checkEncoding(avroType({ type: 'enum', name: 'E', symbols: ['A'] }), Buffer.from([2]))).toThrow(/enum index 1/);
    expect(() => checkEncoding(avroType(['null', 'string']), Buffer.from([4]))).toThrow(/union index 2/);
    expect(() => checkEncoding(avroType('boolean'), Buffer.from([7]))).toThrow(/boolean/);
  });

  it('on thousands of mutated and random inputs only ever throws SchemaError, quickly', () => {
    const good = telemetry.toBuffer(sampleTelemetryBatch('ep-1', 1, 2));
    let refused = 0;
    const started = Date.now();
    for (let i = 0; i < 5_000; i++) {
      let input: Buffer;
      if (i % 4 === 0) input = randomBytes(1 + (i % 700));
      else {
        input = Buffer.from(good);
        for (let m = 0; m < 1 + (i % 5); m++) input[Math.floor(Math.random() * input.length)] = Math.floor(Math.random() * 256);
      }
      try {
        decodeStrict(telemetry, input);
      } catch (err) {
        expect(err).toBeInstanceOf(SchemaError);
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(1_000);
    expect(Date.now() - started).toBeLessThan(20_000);
  }, 30_000);
});

describe('peekStrict', () => {
  it('returns the named top-level fields of a valid record, and refuses what decodeStrict refuses', () => {
    const batch = sampleTelemetryBatch('ep-9', 42, 3);
    const buf = telemetry.toBuffer(batch);
    expect(peekStrict<TelemetryBatch>(telemetry, buf, ['endpointId', 'batchId', 'sequence'])).toEqual({ endpointId: 'ep-9', batchId: batch.batchId, sequence: 42 });
    expect(() => peekStrict(telemetry, Buffer.concat([buf, Buffer.from([0])]), ['batchId'])).toThrow(/1 trailing bytes/);
    for (let i = 0; i < 1_000; i++) {
      const input = Buffer.from(buf);
      for (let m = 0; m < 1 + (i % 5); m++) input[Math.floor(Math.random() * input.length)] = Math.floor(Math.random() * 256);
      let full: unknown;
      let peek: unknown;
      try {
        decodeStrict(telemetry, input);
      } catch (err) {
        full = err;
      }
      try {
        peekStrict(telemetry, input, ['batchId']);
      } catch (err) {
        peek = err;
      }
      expect(peek === undefined).toBe(full === undefined);
      if (peek) expect(peek).toBeInstanceOf(SchemaError);
    }
  }, 30_000);
});

describe('checkEncoding on varint edges', () => {
  it('accepts every int and long in range and refuses the first ones outside', () => {
    const int = avroType({ type: 'int' });
    const long = avroType({ type: 'long' });
    for (const v of [0, -1, 63, -64, 2 ** 27, -(2 ** 27), 2 ** 28, 2 ** 31 - 1, -(2 ** 31)]) expect(() => checkEncoding(int, int.toBuffer(v))).not.toThrow();
    for (const v of [0, 2 ** 31, -(2 ** 40), 2 ** 48, 2 ** 49, 2 ** 51, -(2 ** 51)]) expect(() => checkEncoding(long, long.toBuffer(v))).not.toThrow();
    // zigzag 2^32 (5 bytes, last 0x10) is one past the int range
    expect(() => checkEncoding(int, Buffer.from([0x80, 0x80, 0x80, 0x80, 0x10]))).toThrow(/int out of range/);
    expect(() => checkEncoding(int, Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]))).toThrow(/varint too long/);
    // 2^54 as a zigzag varint: outside the safe integer range
    expect(() => checkEncoding(long, Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]))).toThrow(/safe integer/);
    expect(() => checkEncoding(long, Buffer.from([0x80, 0x80]))).toThrow(/runs past the end/);
  });
});

describe('checkEncoding on every kind of type', () => {
  const kinds = avroType({
    type: 'record',
    name: 'Kinds',
    namespace: 'test.v1',
    fields: [
      { name: 'b', type: 'boolean' },
      { name: 'f', type: 'float' },
      { name: 'd', type: 'double' },
      { name: 'bytes', type: 'bytes' },
      { name: 'fx', type: { type: 'fixed', name: 'Sixteen', size: 16 } },
      { name: 'e', type: { type: 'enum', name: 'Colour', symbols: ['RED', 'GREEN', 'BLUE'] } },
      { name: 'nested', type: { type: 'map', values: { type: 'array', items: ['null', 'long', { type: 'record', name: 'Pair', fields: [{ name: 'k', type: 'string' }, { name: 'v', type: 'int' }] }] } } },
      { name: 'nulls', type: { type: 'array', items: 'null' } },
      { name: 'empty', type: { type: 'array', items: { type: 'record', name: 'Nothing', fields: [] } } },
      { name: 'list', type: { type: 'record', name: 'Node', fields: [{ name: 'value', type: 'long' }, { name: 'next', type: ['null', 'Node'] }] } },
      { name: 'pairs', type: { type: 'array', items: 'Pair' } },
    ],
  });

  it('accepts random values of every type and refuses each of their truncations', () => {
    for (let i = 0; i < 300; i++) {
      const buf = kinds.toBuffer(kinds.random());
      expect(() => checkEncoding(kinds, buf)).not.toThrow();
      expect(peekStrict(kinds, buf, ['b'])).toEqual({});
      const cut = Math.floor(Math.random() * buf.length);
      // A strict prefix of one record encoding is never a whole one (the record has no optional tail).
      expect(() => checkEncoding(kinds, buf.subarray(0, cut))).toThrow(SchemaError);
      expect(() => checkEncoding(kinds, Buffer.concat([buf, Buffer.from([0])]))).toThrow(/trailing/);
    }
  });

  it('follows recursive types and refuses bad union, enum and boolean bytes inside them', () => {
    const list = { b: true, f: 1, d: 2, bytes: Buffer.alloc(0), fx: Buffer.alloc(16), e: 'BLUE', nested: {}, nulls: [null, null], empty: [{}, {}], pairs: [], list: { value: 1, next: { value: 2, next: { value: 3, next: null } } } };
    const buf = kinds.toBuffer(list);
    expect(decodeStrict(kinds, buf)).toEqual(list);
    // Layout: b(1) f(4) d(8) bytes(1) fx(16) e(1) nested(1) nulls(2: count 2, end) empty(2) list…
    const e = 1 + 4 + 8 + 1 + 16;
    const bad = Buffer.from(buf);
    bad[e] = 6; // zigzag 3: one past BLUE
    expect(() => checkEncoding(kinds, bad)).toThrow(/enum index 3 out of range/);
    const notBool = Buffer.from(buf);
    notBool[0] = 2;
    expect(() => checkEncoding(kinds, notBool)).toThrow(/boolean/);
    const listStart = e + 1 + 1 + 2 + 2;
    const badUnion = Buffer.from(buf);
    badUnion[listStart + 1] = 4; // first `next` union index zigzag 2: out of range
    expect(() => checkEncoding(kinds, badUnion)).toThrow(/union index 2 out of range/);
  });
});
