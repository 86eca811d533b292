/** How long a key waits after its `failures`-th failed login: nothing for the first `free`, then base·2^k up to `max`. */
export function loginDelayMs(failures: number, policy: { free: number; baseMs: number; maxMs: number }): number {
  if (failures < policy.free) return 0;
  const exponent = Math.min(failures - policy.free, 30);
  return Math.min(policy.baseMs * 2 ** exponent, policy.maxMs);
}
