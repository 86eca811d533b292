/**
 * Keeps denial auditing from flooding the table: at most `perSource` rows per source address and
 * `global` rows in all per window. What is dropped is counted and reported on the next row that
 * passes for that source (`suppressedBefore`), so the log still says that more happened.
 */
export class DenialLimiter {
  private windowStart = 0;
  private total = 0;
  private readonly perSourceCount = new Map<string, number>();
  private readonly suppressed = new Map<string, number>();

  constructor(private readonly limits: { perSource: number; global: number; windowMs: number }) {}

  /** Whether to write a row now; when yes, how many were suppressed for this source before it. */
  admit(source: string, now = Date.now()): { write: boolean; suppressedBefore: number } {
    if (now - this.windowStart >= this.limits.windowMs) {
      this.windowStart = now;
      this.total = 0;
      this.perSourceCount.clear();
      // Keep the suppressed counts only of sources that still owe a report, and bound the map.
      if (this.suppressed.size > 10_000) this.suppressed.clear();
    }
    const n = this.perSourceCount.get(source) ?? 0;
    if (n >= this.limits.perSource || this.total >= this.limits.global) {
      this.suppressed.set(source, (this.suppressed.get(source) ?? 0) + 1);
      return { write: false, suppressedBefore: 0 };
    }
    this.perSourceCount.set(source, n + 1);
    this.total += 1;
    const suppressedBefore = this.suppressed.get(source) ?? 0;
    this.suppressed.delete(source);
    return { write: true, suppressedBefore };
  }
}
