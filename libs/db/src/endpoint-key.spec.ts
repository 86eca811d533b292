import { describe, expect, it } from 'vitest';
import { ENDPOINT_KEY_PREFIX, MAX_ENDPOINT_KEY_LENGTH, bearerEndpointKey, generateEndpointKey, hashEndpointKey } from './endpoint-key';

describe('endpoint keys', () => {
  it('issues distinct prefixed 256-bit keys', () => {
    const a = generateEndpointKey();
    const b = generateEndpointKey();
    expect(a).toMatch(new RegExp(`^${ENDPOINT_KEY_PREFIX}[A-Za-z0-9_-]{43}$`));
    expect(Buffer.from(a.slice(ENDPOINT_KEY_PREFIX.length), 'base64url')).toHaveLength(32);
    expect(a).not.toBe(b);
  });

  it('stores sha256 of the UTF-8 text, 32 bytes (the gateway and the database agree on it)', () => {
    // known answer: sha256("vgk_abc"), as `printf vgk_abc | sha256sum` prints it
    expect(hashEndpointKey('vgk_abc').toString('hex')).toBe('2d52c7014746f4446c7a628659f4a559329bf4db5b86124fdf34408927541f7e');
    expect(hashEndpointKey('vgk_abc')).toHaveLength(32);
    expect(hashEndpointKey('vgk_abc').equals(hashEndpointKey('vgk_abd'))).toBe(false);
  });

  it('reads the key of a Bearer header and refuses malformed or oversized ones', () => {
    const key = generateEndpointKey();
    expect(bearerEndpointKey(`Bearer ${key}`)).toBe(key);
    expect(bearerEndpointKey(`bearer  ${key} `)).toBe(key);
    expect(bearerEndpointKey(`Basic ${key}`)).toBeUndefined();
    expect(bearerEndpointKey(`Bearer ${key} extra`)).toBeUndefined();
    expect(bearerEndpointKey('Bearer ')).toBeUndefined();
    expect(bearerEndpointKey(`Bearer ${'x'.repeat(MAX_ENDPOINT_KEY_LENGTH)}`)).toBe('x'.repeat(MAX_ENDPOINT_KEY_LENGTH));
    expect(bearerEndpointKey(`Bearer ${'x'.repeat(MAX_ENDPOINT_KEY_LENGTH + 1)}`)).toBeUndefined();
  });
});
