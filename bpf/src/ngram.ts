/**
 * The k-gram hash the kernel computes in src/bpf/hooks/sys_enter.bpf.c (documented in
 * vigil_events.h): each syscall number n is encoded as (n + 1) clamped to 1023 in 10 bits, and
 * the k-gram (oldest first) is packed with the newest call in the lowest bits. Injective for
 * n < 1023; k ≤ 5 keeps it below 2^50, a safe integer.
 */
export const NGRAM_BITS = 10;
export const NGRAM_MAX_K = 5;

/** Hash of one k-gram given as syscall numbers, oldest first (k = nrs.length). */
export function ngramHash(nrs: readonly number[]): number {
  if (nrs.length === 0 || nrs.length > NGRAM_MAX_K) throw new RangeError(`k must be 1…${NGRAM_MAX_K}, got ${nrs.length}`);
  let h = 0;
  for (const n of nrs) {
    const code = n < 0 || n >= 1023 ? 1023 : n + 1;
    h = h * 1024 + code; // shifts past 2^31 must not use <<
  }
  return h;
}

/** Inverse of ngramHash for a given k: the syscall numbers, oldest first (1022 means "≥ 1022"). */
export function ngramDecode(hash: number, k: number): number[] {
  const out: number[] = [];
  let h = hash;
  for (let i = 0; i < k; i++) {
    out.unshift((h % 1024) - 1);
    h = Math.floor(h / 1024);
  }
  return out;
}

/** Counts of every k-gram of one thread's syscall sequence, as the kernel would count them. */
export function ngramCounts(sequence: readonly number[], k: number): Map<number, number> {
  const counts = new Map<number, number>();
  for (let i = 0; i + k <= sequence.length; i++) {
    const h = ngramHash(sequence.slice(i, i + k));
    counts.set(h, (counts.get(h) ?? 0) + 1);
  }
  return counts;
}
