import { describe, expect, it } from 'vitest';
import { loginDelayMs } from './login-delay';

describe('loginDelayMs', () => {
  const policy = { free: 3, baseMs: 1000, maxMs: 300_000 };

  it('lets the first failures through without delay, then doubles from the base', () => {
    expect([1, 2].map((f) => loginDelayMs(f, policy))).toEqual([0, 0]);
    expect([3, 4, 5, 6].map((f) => loginDelayMs(f, policy))).toEqual([1000, 2000, 4000, 8000]);
  });

  it('never exceeds the ceiling, however many failures (no lockout for good)', () => {
    expect(loginDelayMs(12, policy)).toBe(300_000);
    expect(loginDelayMs(1_000_000, policy)).toBe(300_000);
  });
});
