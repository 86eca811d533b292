import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, codeOf, startApi, type TestApi } from './harness';

const PW = 'saffron-kettle-28-dune';

describe('login throttling (real PostgreSQL)', () => {
  let api: TestApi;
  let strictAddress: TestApi;

  beforeAll(async () => {
    api = await startApi();
    await api.createUser('victim', 'analyst', PW);
    await api.createUser('bystander', 'analyst', PW);
    strictAddress = await startApi({ VIGIL_LOGIN_MAX_FAILURES_PER_ADDRESS: '5' });
    await strictAddress.createUser('someone', 'analyst', PW);
  });
  afterAll(async () => {
    await api?.close();
    await strictAddress?.close();
  });

  it('locks the account after 12 wrong passwords: the right one is refused meanwhile', async () => {
    const c = new Client(api.baseUrl);
    expect((await c.login('victim', PW)).status).toBe(200);
    for (let i = 0; i < 12; i++) {
      const res = await c.login('victim', `wrong-password-${i}`);
      expect(res.status, `attempt ${i + 1}`).toBe(401);
    }
    const refused = await c.login('victim', PW);
    expect(refused.status).toBe(429);
    expect(codeOf(refused.json)).toBe('LOCKED_OUT');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    // Per account: another account from the same address still logs in.
    expect((await new Client(api.baseUrl).login('bystander', PW)).status).toBe(200);
    // The lockout is audited.
    const admin = new Client(api.baseUrl);
    await api.createUser('auditor', 'admin', 'cobalt-harbor-55-fern');
    await admin.login('auditor', 'cobalt-harbor-55-fern');
    const audit = (await admin.request('GET', '/api/audit?action=auth.login_failed&limit=500')).json as { items: { actor: string; details: { reason: string } }[] };
    const victimFailures = audit.items.filter((e) => e.actor === 'victim');
    expect(victimFailures.filter((e) => e.details.reason === 'bad_credentials')).toHaveLength(12);
    expect(victimFailures.filter((e) => e.details.reason === 'locked')).toHaveLength(1);
  });

  it('locks a source address after too many failures across accounts', async () => {
    const c = new Client(strictAddress.baseUrl);
    for (let i = 0; i < 5; i++) expect((await c.login(`spray${i}`, 'guess-guess-guess')).status).toBe(401);
    const refused = await c.login('someone', PW);
    expect(refused.status).toBe(429);
    expect(codeOf(refused.json)).toBe('LOCKED_OUT');
  });
});
