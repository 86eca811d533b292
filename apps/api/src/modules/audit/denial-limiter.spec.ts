import { describe, expect, it } from 'vitest';
import { DenialLimiter } from './denial-limiter';

describe('DenialLimiter', () => {
  it('admits a few rows per source per window and reports the suppressed count on the next one', () => {
    const l = new DenialLimiter({ perSource: 2, global: 100, windowMs: 60_000 });
    expect(l.admit('a', 0)).toEqual({ write: true, suppressedBefore: 0 });
    expect(l.admit('a', 1)).toEqual({ write: true, suppressedBefore: 0 });
    expect(l.admit('a', 2).write).toBe(false);
    expect(l.admit('a', 3).write).toBe(false);
    // another source is not affected
    expect(l.admit('b', 4).write).toBe(true);
    // next window: the first row says what was dropped
    expect(l.admit('a', 60_000)).toEqual({ write: true, suppressedBefore: 2 });
  });

  it('caps all sources together', () => {
    const l = new DenialLimiter({ perSource: 10, global: 3, windowMs: 60_000 });
    const written = Array.from({ length: 10 }, (_, i) => l.admit(`s${i}`, i).write).filter(Boolean);
    expect(written).toHaveLength(3);
  });
});
