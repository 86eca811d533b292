import { describe, expect, it } from 'vitest';
import { generateEndpointKey, hashEndpointKey } from '@vigil/db';
import { KeyAuthenticator, type EndpointLookup } from './key-authenticator';

/** An endpoints table in memory whose "database" can go away. */
function table() {
  const active = new Map<string, string>();
  const t = {
    down: false,
    queries: 0,
    enrol(id: string): string {
      const key = generateEndpointKey();
      active.set(hashEndpointKey(key).toString('hex'), id);
      return key;
    },
    revokeAll: () => active.clear(),
    lookup: {
      activeIdByKeyHash: async (h: Buffer) => {
        t.queries++;
        if (t.down) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
        return active.get(h.toString('hex'));
      },
    } satisfies EndpointLookup,
  };
  return t;
}

describe('KeyAuthenticator', () => {
  it('maps bearer keys to endpoints, caches for the TTL, and sees a revocation after it', async () => {
    const t = table();
    const key = t.enrol('ep-1');
    let now = 0;
    const auth = new KeyAuthenticator(t.lookup, { ttlMs: 5_000, staleMs: 0, maxKnown: 100 }, () => now);

    expect(await auth.authenticate(`Bearer ${key}`)).toBe('ep-1');
    expect(await auth.authenticate(`bearer ${key}`)).toBe('ep-1');
    expect(t.queries).toBe(1);

    t.revokeAll();
    now = 4_999;
    expect(await auth.authenticate(`Bearer ${key}`)).toBe('ep-1');
    now = 5_001;
    await expect(auth.authenticate(`Bearer ${key}`)).rejects.toMatchObject({ code: 'AUTH_INVALID' });
    expect(t.queries).toBe(2);
  });

  it('refuses missing and malformed headers without a query, and reports a database outage as retriable', async () => {
    const t = table();
    t.down = true;
    const auth = new KeyAuthenticator(t.lookup, { ttlMs: 5_000, staleMs: 60_000 });
    await expect(auth.authenticate(undefined)).rejects.toMatchObject({ code: 'AUTH_MISSING' });
    await expect(auth.authenticate('Basic abc')).rejects.toMatchObject({ code: 'AUTH_INVALID' });
    await expect(auth.authenticate(`Bearer ${'x'.repeat(300)}`)).rejects.toMatchObject({ code: 'AUTH_INVALID' });
    expect(t.queries).toBe(0);
    await expect(auth.authenticate('Bearer vgk_abc')).rejects.toMatchObject({ code: 'DATABASE_UNAVAILABLE', retriable: true });
  });

  it('keeps verified keys working through an outage (up to staleMs) and honours a revocation within the TTL once the database is back', async () => {
    const t = table();
    const key = t.enrol('ep-1');
    const never = generateEndpointKey();
    let now = 0;
    const sources: string[] = [];
    const auth = new KeyAuthenticator(t.lookup, { ttlMs: 5_000, staleMs: 60_000 }, () => now, (s) => sources.push(s));
    expect(await auth.authenticate(`Bearer ${key}`)).toBe('ep-1');

    t.down = true;
    now = 10_000;
    expect(await auth.authenticate(`Bearer ${key}`)).toBe('ep-1');
    const queriesInOutage = t.queries;
    now = 10_500; // within the back-off after a failure: no query at all
    expect(await auth.authenticate(`Bearer ${key}`)).toBe('ep-1');
    expect(t.queries).toBe(queriesInOutage);
    await expect(auth.authenticate(`Bearer ${never}`)).rejects.toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
    // Revoked while the database was away: refused at the first request once it answers again.
    t.revokeAll();
    t.down = false;
    now = 12_000;
    await expect(auth.authenticate(`Bearer ${key}`)).rejects.toMatchObject({ code: 'AUTH_INVALID' });

    // A key verified longer than staleMs ago is not served from the cache.
    const other = t.enrol('ep-2');
    expect(await auth.authenticate(`Bearer ${other}`)).toBe('ep-2');
    t.down = true;
    now = 12_000 + 60_001;
    await expect(auth.authenticate(`Bearer ${other}`)).rejects.toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
    expect(sources).toEqual(['database', 'stale', 'stale', 'database']);
  });

  it('bounds unknown keys apart from endpoints: a flood of bad keys does not evict the fleet', async () => {
    const t = table();
    const keys = Array.from({ length: 5 }, (_, i) => t.enrol(`ep-${i}`));
    const auth = new KeyAuthenticator(t.lookup, { ttlMs: 5_000, staleMs: 60_000, maxKnown: 10, maxUnknown: 50 });
    for (const k of keys) await auth.authenticate(`Bearer ${k}`);
    for (let i = 0; i < 1_000; i++) await expect(auth.authenticate(`Bearer vgk_bad${i}`)).rejects.toMatchObject({ code: 'AUTH_INVALID' });
    expect(auth.size).toEqual({ known: 5, unknown: 50 });
    t.down = true;
    for (const [i, k] of keys.entries()) expect(await auth.authenticate(`Bearer ${k}`)).toBe(`ep-${i}`);
  });
});
