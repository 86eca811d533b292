/**
 * The syscall k-gram hash: the one definition shared by the kernel (bpf/src/bpf/hooks/sys_enter.bpf.c,
 * constants in bpf/src/bpf/include/vigil_events.h), the agent, the analyzer and backtests.
 *
 * Specification. A k-gram is k consecutive system calls of one thread, oldest first (1 ≤ k ≤ 5).
 * Each call number n is encoded in 10 bits as code(n) = n + 1 for 0 ≤ n < 1022 and 1023 otherwise
 * (0 is reserved for "no call yet" in the kernel's partial windows). The hash is the packing
 *     hash(n_1 … n_k) = Σ_{i=1..k} code(n_i) · 1024^(k−i)
 * i.e. the newest call in the lowest 10 bits. It is injective for numbers < 1022, decodable, and
 * below 2^50 for k ≤ 5, so it is an exact JS number and a non-negative Avro long.
 * Fixture checked by the TypeScript tests and by the kernel test: libs/schemas/fixtures/kgram-hash.json.
 */

/** Bits per call in the packing. */
export const KGRAM_BITS = 10;
/** Largest k the packing (and the kernel) supports. */
export const KGRAM_MAX_K = 5;
/** The code shared by every call number ≥ 1022 (and negative ones). */
export const KGRAM_CODE_OTHER = 1023;
/** Calls numbered below this get a code of their own (symbol ids in backtests must stay below it). */
export const KGRAM_DISTINCT_CALLS = 1022;

/** 10-bit code of one call number. */
export function kgramCode(nr: number): number {
  return nr >= 0 && nr < KGRAM_DISTINCT_CALLS ? nr + 1 : KGRAM_CODE_OTHER;
}

/** Hash of one k-gram given as call numbers, oldest first (k = nrs.length, 1…5). */
export function kgramHash(nrs: ArrayLike<number>, start = 0, k = nrs.length - start): number {
  if (k < 1 || k > KGRAM_MAX_K || start < 0 || start + k > nrs.length) throw new RangeError(`k must be 1…${KGRAM_MAX_K} within the sequence, got k=${k} at ${start}`);
  let h = 0;
  for (let i = start; i < start + k; i++) h = h * 1024 + kgramCode(nrs[i]!); // past 2^31: no shifts
  return h;
}

/** The codes of a k-gram hash, oldest first (code − 1 is the call number; code 1023 means "≥ 1022"). */
export function kgramCodes(hash: number, k: number): number[] {
  const out = new Array<number>(k);
  let h = hash;
  for (let i = k - 1; i >= 0; i--) {
    out[i] = h % 1024;
    h = Math.floor(h / 1024);
  }
  return out;
}

/** Inverse of {@link kgramHash} for a given k: the call numbers, oldest first (1022 stands for "≥ 1022"). */
export function kgramDecode(hash: number, k: number): number[] {
  return kgramCodes(hash, k).map((c) => c - 1);
}

/**
 * One thread's rolling k-gram window, as the kernel keeps it: calls pushed in order; from the k-th on,
 * each push gives the hash of the k-gram ending in that call.
 */
export class KgramWindow {
  private hash = 0;
  private calls = 0;
  private readonly top: number;

  constructor(readonly k: number) {
    if (k < 1 || k > KGRAM_MAX_K) throw new RangeError(`k must be 1…${KGRAM_MAX_K}, got ${k}`);
    this.top = 1024 ** (k - 1);
  }

  /** Append a call; the hash of the k-gram it completes, or undefined while fewer than k calls were seen. */
  push(nr: number): number | undefined {
    // rolling: drop the oldest code, append the newest
    this.hash = (this.hash % this.top) * 1024 + kgramCode(nr);
    return ++this.calls >= this.k ? this.hash : undefined;
  }
}

/** Counts of every k-gram of one thread's call sequence, as the kernel counts them (full windows only). */
export function kgramCounts(sequence: ArrayLike<number>, k: number): Map<number, number> {
  const window = new KgramWindow(k);
  const counts = new Map<number, number>();
  for (let i = 0; i < sequence.length; i++) {
    const h = window.push(sequence[i]!);
    if (h !== undefined) counts.set(h, (counts.get(h) ?? 0) + 1);
  }
  return counts;
}
