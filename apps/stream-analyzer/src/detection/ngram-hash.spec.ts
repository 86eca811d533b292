import { describe, expect, it } from 'vitest';
import { ngramHash64, ngramKey, ngramKeyOf, ngramKeysByStart } from './ngram-hash';

describe('k-gram hash (FNV-1a 64 over 4-byte little-endian ids)', () => {
  it('matches the FNV-1a reference vectors', () => {
    expect(ngramHash64([], 0, 0)).toBe(0xcbf29ce484222325n);
    // FNV-1a 64 of bytes 00 00 00 00 (one id 0) — computed independently byte by byte
    let h = 0xcbf29ce484222325n;
    for (let i = 0; i < 4; i++) h = ((h ^ 0n) * 0x100000001b3n) & 0xffffffffffffffffn;
    expect(ngramHash64([0])).toBe(h);
  });

  it('fast 53-bit keys equal the low 53 bits of the BigInt reference', () => {
    const ids = [0, 1, 257, 59, 231, 65535, 4294967295, 12, 7];
    for (let k = 1; k <= 5; k++)
      for (let s = 0; s + k <= ids.length; s++) {
        const ref = Number(ngramHash64(ids, s, k) & ((1n << 53n) - 1n));
        expect(ngramKey(ids, s, k)).toBe(ref);
      }
  });

  it('keysByStart agrees with ngramKey for every window', () => {
    const ids = [3, 1, 4, 1, 5, 9, 2, 6];
    const keys = ngramKeysByStart(ids, 4);
    for (let s = 0; s < ids.length; s++)
      for (let n = 1; n <= 4; n++) {
        const v = keys[s * 4 + n - 1]!;
        if (s + n <= ids.length) expect(v).toBe(ngramKey(ids, s, n));
        else expect(Number.isNaN(v)).toBe(true);
      }
  });

  it('keys a signed Avro long (two’s complement) like the unsigned hash', () => {
    const u = ngramHash64([59, 33, 33], 0, 3);
    const signed = BigInt.asIntN(64, u);
    expect(ngramKeyOf(signed)).toBe(ngramKey([59, 33, 33], 0, 3));
    expect(ngramKeyOf(u)).toBe(ngramKey([59, 33, 33], 0, 3));
  });

  it('order matters', () => {
    expect(ngramKey([1, 2, 3], 0, 3)).not.toBe(ngramKey([3, 2, 1], 0, 3));
  });
});
