import { describe, expect, it } from 'vitest';
import { ngramCounts, ngramDecode, ngramHash } from './ngram';

describe('ngramHash (same function as the kernel k-gram hash)', () => {
  // Recorded from the kernel: test/integration/fixtures/seq.c running 1000 × (getppid 110,
  // getuid 102, getgid 104) under vigil.bpf.o with ngram_k = 3 produced these (hash, count) keys.
  // bpf/test/integration/probe.integration-spec.ts re-checks the same against the live kernel.
  const KERNEL = [
    { nrs: [110, 102, 104], hash: 116497513, count: 1000 },
    { nrs: [102, 104, 110], hash: 108110959, count: 999 },
    { nrs: [104, 110, 102], hash: 110214247, count: 999 },
  ];

  it.each(KERNEL)('hash($nrs) = $hash as the kernel produced', ({ nrs, hash }) => {
    expect(ngramHash(nrs)).toBe(hash);
  });

  it('counts a sequence the way the kernel counts a thread (only full windows)', () => {
    const seq = Array.from({ length: 1000 }, () => [110, 102, 104]).flat();
    const counts = ngramCounts(seq, 3);
    for (const { hash, count } of KERNEL) expect(counts.get(hash)).toBe(count);
    expect(counts.size).toBe(3);
  });

  it('is injective and decodable, with 0 and ≥1022 at the edges', () => {
    expect(ngramDecode(ngramHash([0, 1, 2, 3, 4]), 5)).toEqual([0, 1, 2, 3, 4]);
    expect(ngramHash([0])).toBe(1);
    expect(ngramHash([5000])).toBe(1023);
    expect(ngramHash([1021, 1021, 1021, 1021, 1021])).toBeLessThan(2 ** 50);
    expect(Number.isSafeInteger(ngramHash([1021, 1021, 1021, 1021, 1021]))).toBe(true);
    expect(ngramHash([1, 2])).not.toBe(ngramHash([2, 1]));
  });

  it('rejects k outside 1…5', () => {
    expect(() => ngramHash([])).toThrow(RangeError);
    expect(() => ngramHash([1, 2, 3, 4, 5, 6])).toThrow(RangeError);
  });
});
