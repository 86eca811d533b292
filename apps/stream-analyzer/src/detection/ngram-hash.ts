/**
 * The one definition of the syscall k-gram hash shared by the agent (kernel side) and the analyzer.
 *
 * hash(k-gram) = 64-bit FNV-1a over the k syscall ids, each id fed as 4 bytes little-endian
 * (x86-64 syscall numbers for the agent; symbol ids for backtests). Offset basis
 * 0xcbf29ce484222325, prime 0x100000001b3. The agent sends the u64 as an Avro long (two's
 * complement); the analyzer keys its tables by the low 53 bits so keys stay exact JS numbers.
 */

/** FNV-1a 64 offset basis, split into 32-bit halves. */
const OFFSET_HI = 0xcbf29ce4;
const OFFSET_LO = 0x84222325;
/** FNV 64-bit prime is 2^40 + 0x1b3: multiply = (x * 0x1b3) + (x << 40). */
const PRIME_LO = 0x1b3;

/** Internal key of a 64-bit hash: its low 53 bits as a JS number (exact, cheap to use as Map key). */
export type NgramKey = number;

const LOW53 = (1n << 53n) - 1n;

/** Key of a hash as the decoder gives it (bigint, or a number for hashes that fit). */
export function ngramKeyOf(hash: bigint | number): NgramKey {
  const big = typeof hash === 'bigint' ? hash : BigInt(Math.trunc(hash));
  return Number(BigInt.asUintN(64, big) & LOW53);
}

/**
 * Hash of ids[start .. start+k) — returns the 53-bit key. Uses 32-bit halves and Math.imul so the
 * backtest can hash millions of windows without BigInt.
 */
export function ngramKey(ids: ArrayLike<number>, start: number, k: number): NgramKey {
  const st = [OFFSET_HI, OFFSET_LO];
  for (let i = start; i < start + k; i++) feed(st, ids[i]!);
  return keyOfState(st);
}

/**
 * Keys of every window of length 1..maxOrder, by start: result[s * maxOrder + (n - 1)] is the key
 * of ids[s .. s+n) (NaN past the end). One FNV pass per start, so O(len × maxOrder).
 */
export function ngramKeysByStart(ids: ArrayLike<number>, maxOrder: number): Float64Array {
  const len = ids.length;
  const out = new Float64Array(len * maxOrder).fill(NaN);
  const st = [0, 0];
  for (let s = 0; s < len; s++) {
    st[0] = OFFSET_HI;
    st[1] = OFFSET_LO;
    for (let n = 1; n <= maxOrder && s + n <= len; n++) {
      feed(st, ids[s + n - 1]!);
      out[s * maxOrder + n - 1] = keyOfState(st);
    }
  }
  return out;
}

/** Feed one id (4 bytes little-endian) into an FNV-1a state [hi, lo]. */
function feed(st: number[], idIn: number): void {
  let hi = st[0]!;
  let lo = st[1]!;
  const id = idIn >>> 0;
  for (let b = 0; b < 4; b++) {
    lo = (lo ^ ((id >>> (8 * b)) & 0xff)) >>> 0;
    // (hi:lo) * prime mod 2^64, prime = 2^40 + 0x1b3; lo << 40 contributes lo << 8 to the high word
    const loMul = lo * PRIME_LO; // < 2^41, exact in a double
    const carry = Math.floor(loMul / 0x1_0000_0000);
    const newHi = (Math.imul(hi, PRIME_LO) + carry + (lo << 8)) >>> 0;
    lo = loMul >>> 0;
    hi = newHi;
  }
  st[0] = hi;
  st[1] = lo;
}

function keyOfState(st: number[]): NgramKey {
  return (st[0]! & 0x1f_ffff) * 0x1_0000_0000 + st[1]!;
}

/** Full 64-bit hash as an unsigned bigint (reference implementation; used by tests and the agent's fixtures). */
export function ngramHash64(ids: ArrayLike<number>, start = 0, k = ids.length): bigint {
  let h = 0xcbf29ce484222325n;
  for (let i = start; i < start + k; i++) {
    const id = ids[i]! >>> 0;
    for (let b = 0; b < 4; b++) {
      h ^= BigInt((id >>> (8 * b)) & 0xff);
      h = (h * 0x100000001b3n) & 0xffff_ffff_ffff_ffffn;
    }
  }
  return h;
}
