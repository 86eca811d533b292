import { describe, expect, it } from 'vitest';
import { csrfTokenFor, newSecretToken, safeEqual, sha256Hex } from './tokens';

describe('tokens', () => {
  it('makes 256-bit base64url secrets, never twice the same', () => {
    const a = newSecretToken();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a, 'base64url')).toHaveLength(32);
    expect(newSecretToken()).not.toBe(a);
  });

  it('stores sha256 hex and derives a CSRF token distinct from both token and hash', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    const t = newSecretToken();
    expect(csrfTokenFor(t)).toBe(csrfTokenFor(t));
    expect(csrfTokenFor(t)).not.toBe(t);
    expect(csrfTokenFor(t)).not.toContain(sha256Hex(t));
    expect(csrfTokenFor(newSecretToken())).not.toBe(csrfTokenFor(t));
  });

  it('compares in constant time and handles length mismatches', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false);
  });
});
