import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '@vigil/testing';
import { auditItems, Client, codeOf, startApi, type TestApi } from './harness';

const PW = 'saffron-kettle-28-dune';
const ADMIN_PW = 'cobalt-harbor-55-fern';


/** Login throttling: a progressive delay per (account, address) and per address, never a hard lock (real PostgreSQL). */
describe('login throttling', () => {
  // Directly reachable API: X-Forwarded-For is not believed (no trusted proxy).
  let direct: TestApi;
  // Behind a proxy on 127.0.0.1 (the test client plays the proxy): each client is throttled by its own address.
  let proxied: TestApi;

  beforeAll(async () => {
    const throttle = { VIGIL_LOGIN_FREE_FAILURES: '3', VIGIL_LOGIN_FREE_FAILURES_PER_ADDRESS: '10', VIGIL_LOGIN_DELAY: '30s', VIGIL_LOGIN_DELAY_MAX: '5m' };
    [direct, proxied] = await Promise.all([startApi(throttle), startApi({ ...throttle, VIGIL_TRUSTED_PROXIES: '127.0.0.1' })]);
    for (const api of [direct, proxied]) {
      await api.createUser('admin', 'admin', PW);
      await api.createUser('auditor', 'admin', ADMIN_PW);
    }
  });
  afterAll(async () => {
    await direct?.close();
    await proxied?.close();
  });

  it('cannot be dodged with X-Forwarded-For when no proxy is trusted', async () => {
    const attacker = new Client(direct.baseUrl);
    for (let i = 0; i < 3; i++) {
      const res = await attacker.login('admin', `wrong-password-${i}`, { headers: { 'x-forwarded-for': `198.51.100.${i + 1}` } });
      expect(res.status, `attempt ${i + 1}`).toBe(401);
    }
    // A fourth guess with yet another forged address is refused: the socket's address is what counts.
    const refused = await attacker.login('admin', 'wrong-password-3', { headers: { 'x-forwarded-for': '198.51.100.99' } });
    expect(refused.status).toBe(429);
    expect(codeOf(refused.json)).toBe('LOGIN_THROTTLED');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(30);
    // Another account from the same address is not affected by the pair's delay.
    expect((await new Client(direct.baseUrl).login('auditor', ADMIN_PW)).status).toBe(200);

    // Audited with the socket's address, never the forged one; the throttled attempt too.
    const auditor = new Client(direct.baseUrl);
    await auditor.login('auditor', ADMIN_PW);
    const items = (await auditItems(auditor, 'action=auth.login_failed&limit=100')).filter((e) => e.actor === 'admin');
    expect(items.map((e) => e.details.reason).sort()).toEqual(['bad_credentials', 'bad_credentials', 'bad_credentials', 'throttled']);
    for (const e of items) expect(e.sourceAddress).toBe('127.0.0.1');
  });

  it('behind a trusted proxy, throttles each client by its own address and never refuses the right password from another', async () => {
    const attacker = new Client(proxied.baseUrl);
    const evil = { 'x-forwarded-for': '203.0.113.66' };
    for (let i = 0; i < 3; i++) expect((await attacker.login('admin', `guess-${i}-guess-guess`, { headers: evil })).status).toBe(401);
    expect((await attacker.login('admin', 'guess-3-guess-guess', { headers: evil })).status).toBe(429);
    // Even the right password waits at the attacker's address...
    expect((await attacker.login('admin', PW, { headers: evil })).status).toBe(429);
    // ...but the real admin, elsewhere, logs in at once. A forged left-hand entry is not believed either:
    // the proxy appends the address it saw, and that one is used.
    const admin = new Client(proxied.baseUrl);
    const ok = await admin.login('admin', PW, { headers: { 'x-forwarded-for': '203.0.113.66, 192.0.2.10' } });
    expect(ok.status).toBe(200);
    const auditor = new Client(proxied.baseUrl);
    await auditor.login('auditor', ADMIN_PW);
    const items = await auditItems(auditor, 'limit=200');
    expect(items.filter((e) => e.action === 'auth.login_failed' && e.actor === 'admin').every((e) => e.sourceAddress === '203.0.113.66')).toBe(true);
    expect(items).toContainEqual(expect.objectContaining({ action: 'auth.login', actor: 'admin', sourceAddress: '192.0.2.10' }));
  });

  it('has a ceiling: the delay stops growing and the account always comes back, even at the attacker address', async () => {
    const api = await startApi({ VIGIL_LOGIN_FREE_FAILURES: '1', VIGIL_LOGIN_DELAY: '1s', VIGIL_LOGIN_DELAY_MAX: '2s' });
    try {
      await api.createUser('victim', 'analyst', PW);
      const c = new Client(api.baseUrl);
      const retryAfters: number[] = [];
      for (let i = 0; i < 5; i++) {
        // Wait out each delay (refused attempts are not counted), then fail again.
        const res = await waitUntil(
          async () => {
            const r = await c.login('victim', `not-the-password-${i}`);
            return r.status === 429 ? undefined : r;
          },
          20_000,
          `failure ${i + 1}`,
        );
        expect(res.status).toBe(401);
        const next = await c.login('victim', 'probe-probe-probe');
        if (next.status === 429) retryAfters.push(Number(next.headers.get('retry-after')));
      }
      expect(retryAfters.length).toBeGreaterThanOrEqual(4);
      expect(Math.max(...retryAfters)).toBeLessThanOrEqual(2);
      // After at most the ceiling, the right password works again from the very same address.
      const back = await waitUntil(
        async () => {
          const r = await c.login('victim', PW);
          return r.status === 200 ? r : undefined;
        },
        10_000,
        'login after the ceiling',
      );
      expect(back.status).toBe(200);
    } finally {
      await api.close();
    }
  });
});
