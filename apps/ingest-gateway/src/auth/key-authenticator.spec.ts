import { describe, expect, it } from 'vitest';
import { generateEndpointKey, hashEndpointKey } from '@vigil/db';
import { KeyAuthenticator } from './key-authenticator';

describe('KeyAuthenticator', () => {
  it('maps bearer keys to endpoints, caches for the TTL, and sees a revocation after it', async () => {
    const key = generateEndpointKey();
    const active = new Map([[hashEndpointKey(key).toString('hex'), 'ep-1']]);
    let queries = 0;
    let now = 0;
    const auth = new KeyAuthenticator({ activeIdByKeyHash: async (h) => (queries++, active.get(h.toString('hex'))) }, 5_000, 100, () => now);

    expect(await auth.authenticate(`Bearer ${key}`)).toBe('ep-1');
    expect(await auth.authenticate(`bearer ${key}`)).toBe('ep-1');
    expect(queries).toBe(1);

    active.clear(); // revoked
    now = 4_999;
    expect(await auth.authenticate(`Bearer ${key}`)).toBe('ep-1');
    now = 5_001;
    await expect(auth.authenticate(`Bearer ${key}`)).rejects.toMatchObject({ code: 'AUTH_INVALID' });
    expect(queries).toBe(2);
  });

  it('refuses missing and malformed headers without a query, and reports a database outage as retriable', async () => {
    const auth = new KeyAuthenticator({ activeIdByKeyHash: async () => Promise.reject(new Error('ECONNREFUSED')) }, 5_000);
    await expect(auth.authenticate(undefined)).rejects.toMatchObject({ code: 'AUTH_MISSING' });
    await expect(auth.authenticate('Basic abc')).rejects.toMatchObject({ code: 'AUTH_INVALID' });
    await expect(auth.authenticate(`Bearer ${'x'.repeat(300)}`)).rejects.toMatchObject({ code: 'AUTH_INVALID' });
    await expect(auth.authenticate('Bearer vgk_abc')).rejects.toMatchObject({ code: 'DATABASE_UNAVAILABLE', retriable: true });
  });
});
