import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KGRAM_MAX_K, kgramCounts, kgramDecode, kgramHash } from './kgram-hash';

/** The shared fixture; bpf/test/integration/probe.integration-spec.ts checks the kernel against it. */
interface KgramFixture {
  kgrams: { nrs: number[]; hash: number }[];
  sequences: { k: number; loop: number[]; repeat: number; counts: [number, number][]; runOnKernel: boolean }[];
}
const fixture = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'kgram-hash.json'), 'utf8')) as KgramFixture;

describe('kgramHash (the kernel k-gram packing)', () => {
  it.each(fixture.kgrams)('hash($nrs) = $hash', ({ nrs, hash }) => {
    expect(kgramHash(nrs)).toBe(hash);
  });

  it.each(fixture.sequences)('counts k=$k windows of $loop × $repeat as the fixture says', ({ k, loop, repeat, counts }) => {
    const seq = Array.from({ length: repeat }, () => loop).flat();
    expect([...kgramCounts(seq, k)].sort((a, b) => a[0] - b[0])).toEqual(counts);
  });

  it('rolling counts agree with hashing every window', () => {
    const seq = Array.from({ length: 300 }, (_, i) => (i * 7919) % 1100);
    for (let k = 1; k <= KGRAM_MAX_K; k++) {
      const want = new Map<number, number>();
      for (let i = 0; i + k <= seq.length; i++) want.set(kgramHash(seq, i, k), (want.get(kgramHash(seq, i, k)) ?? 0) + 1);
      expect(kgramCounts(seq, k)).toEqual(want);
    }
  });

  it('is decodable, below 2^50 and order-sensitive', () => {
    expect(kgramDecode(kgramHash([0, 1, 2, 3, 4]), 5)).toEqual([0, 1, 2, 3, 4]);
    expect(kgramDecode(kgramHash([5000, 7]), 2)).toEqual([1022, 7]);
    expect(kgramHash([1021, 1021, 1021, 1021, 1021])).toBeLessThan(2 ** 50);
    expect(kgramHash([1, 2])).not.toBe(kgramHash([2, 1]));
  });

  it('rejects k outside 1…5', () => {
    expect(() => kgramHash([])).toThrow(RangeError);
    expect(() => kgramHash([1, 2, 3, 4, 5, 6])).toThrow(RangeError);
    expect(() => kgramCounts([1, 2], 6)).toThrow(RangeError);
  });
});
