import type { Type } from 'avsc';
import { SchemaError } from './errors';

/** Structural view of the avsc types the walker needs (avsc's own typings are loose). */
interface WalkType {
  typeName: string;
  fields?: { name: string; type: WalkType }[];
  itemsType?: WalkType;
  valuesType?: WalkType;
  types?: WalkType[];
  symbols?: string[];
  size?: number;
}

/** Upper bound on items of zero-byte types (null, empty records) per value, which no byte count limits. */
const MAX_ZERO_WIDTH_ITEMS = 100_000;

class Bounds extends Error {}

/**
 * Checks, in time linear in `buf.length`, that `buf` is exactly one well-formed encoding of `type`.
 *
 * Why not just avsc's fromBuffer: avsc trusts block counts, so a 10-byte body announcing 2^31 array
 * items keeps the event loop busy for minutes decoding past the end. Here every count is checked
 * against the bytes that remain (each item of a non-zero-width type takes ≥ 1 byte), varints are
 * bounded, enum and union indexes checked, and trailing bytes are an error.
 */
export function checkEncoding(type: Type, buf: Buffer): void {
  const minWidth = new Map<WalkType, number>();
  let pos = 0;

  const fail = (what: string): never => {
    throw new Bounds(`${what} at byte ${pos}`);
  };
  const need = (n: number): void => {
    if (n < 0 || pos + n > buf.length) fail(`value runs past the end (needs ${n} bytes)`);
  };
  const readVarLong = (maxBytes: number): number => {
    // Zigzag varint. Number arithmetic: exact up to 2^53, which is also avsc's limit for longs.
    let n = 0;
    let mult = 1;
    for (let i = 0; ; i++) {
      if (i >= maxBytes) fail('varint too long');
      if (pos >= buf.length) fail('varint runs past the end');
      const b = buf[pos++]!;
      n += (b & 0x7f) * mult;
      mult *= 128;
      if ((b & 0x80) === 0) break;
    }
    if (n > Number.MAX_SAFE_INTEGER) fail('long outside the safe integer range');
    return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
  };
  const width = (t: WalkType): number => {
    // Minimum encoded size of a value of t (0 only for null and records made only of such fields).
    const cached = minWidth.get(t);
    if (cached !== undefined) return cached;
    minWidth.set(t, 1); // cycle guard: recursive records are at least as wide as their non-recursive part
    let w: number;
    switch (t.typeName) {
      case 'null':
        w = 0;
        break;
      case 'record':
      case 'error':
        w = (t.fields ?? []).reduce((s, f) => s + width(f.type), 0);
        break;
      case 'fixed':
        w = t.size ?? 0;
        break;
      case 'float':
        w = 4;
        break;
      case 'double':
        w = 8;
        break;
      default:
        w = 1;
    }
    minWidth.set(t, w);
    return w;
  };
  const blocks = (itemWidth: number, each: () => void): void => {
    let total = 0;
    for (;;) {
      let n = readVarLong(10);
      if (n === 0) return;
      if (n < 0) {
        n = -n;
        const size = readVarLong(10);
        if (size < 0) fail('negative block size');
      }
      total += n;
      if (itemWidth > 0 ? n * itemWidth > buf.length - pos : total > MAX_ZERO_WIDTH_ITEMS) fail(`block of ${n} items cannot fit`);
      for (let i = 0; i < n; i++) each();
    }
  };
  const walk = (t: WalkType): void => {
    switch (t.typeName) {
      case 'null':
        return;
      case 'boolean':
        need(1);
        if (buf[pos]! > 1) fail('boolean byte not 0 or 1');
        pos++;
        return;
      case 'int': {
        const v = readVarLong(5);
        if (v < -0x80000000 || v > 0x7fffffff) fail('int out of range');
        return;
      }
      case 'long':
        readVarLong(10);
        return;
      case 'float':
        need(4);
        pos += 4;
        return;
      case 'double':
        need(8);
        pos += 8;
        return;
      case 'string':
      case 'bytes': {
        const len = readVarLong(10);
        need(len);
        pos += len;
        return;
      }
      case 'fixed':
        need(t.size ?? 0);
        pos += t.size ?? 0;
        return;
      case 'enum': {
        const i = readVarLong(5);
        if (i < 0 || i >= (t.symbols ?? []).length) fail(`enum index ${i} out of range`);
        return;
      }
      case 'union:unwrapped':
      case 'union:wrapped': {
        const i = readVarLong(5);
        const branch = (t.types ?? [])[i];
        if (i < 0 || !branch) fail(`union index ${i} out of range`);
        walk(branch!);
        return;
      }
      case 'array': {
        const items = t.itemsType!;
        blocks(width(items), () => walk(items));
        return;
      }
      case 'map': {
        const values = t.valuesType!;
        blocks(1 + width(values), () => {
          walk({ typeName: 'string' });
          walk(values);
        });
        return;
      }
      case 'record':
      case 'error':
        for (const f of t.fields ?? []) walk(f.type);
        return;
      default:
        throw new Error(`checkEncoding: unsupported Avro type ${t.typeName}`);
    }
  };

  try {
    walk(type as unknown as WalkType);
  } catch (err) {
    if (err instanceof Bounds) throw new SchemaError('AVRO_INVALID', `not a valid ${type.name ?? type.typeName}: ${err.message}`);
    if (err instanceof RangeError) throw new SchemaError('AVRO_INVALID', `not a valid ${type.name ?? type.typeName}: nested too deeply`);
    throw err;
  }
  if (pos !== buf.length) throw new SchemaError('AVRO_INVALID', `${buf.length - pos} trailing bytes after the record`);
}

/**
 * Decode exactly one value of `writer` from `buf` (all bytes, nothing trailing), optionally
 * resolved into `reader`'s shape (schema evolution). Throws SchemaError AVRO_INVALID.
 */
export function decodeStrict<T = unknown>(writer: Type, buf: Buffer, reader?: Type): T {
  checkEncoding(writer, buf);
  try {
    return (reader && reader !== writer ? reader.fromBuffer(buf, reader.createResolver(writer)) : writer.fromBuffer(buf)) as T;
  } catch (err) {
    throw new SchemaError('AVRO_INVALID', `not a valid ${writer.name ?? writer.typeName}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
