/**
 * A security call's 64-bit result as the telemetry contract's `ret` (an int: a result ≥ 0 or an
 * -errno ≥ -4095). mmap returns an address: truncated to 32 bits it became a large negative number
 * that the gateway's invariant check (libs/schemas telemetry-invariants) rightly refuses, and with
 * it the whole batch. A successful result that does not fit is reported as 0 (success); the call's
 * arguments already say what was mapped.
 */
export function securityRet(ret: bigint): number {
  const r = BigInt.asIntN(64, ret);
  if (r < 0n) return r >= -4095n ? Number(r) : 0;
  return r <= 2_147_483_647n ? Number(r) : 0;
}
