import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCode } from '../../src/modules/auth/totp';
import { TotpSecretBox } from '../../src/modules/auth/totp-secret-box';
import { auditItems, Client, codeOf, sql, startApi, type TestApi } from './harness';

const ROOT_PW = 'violet-anchor-47-orbit';
const DANA_PW = 'harbor-thistle-27-plume';

/** A code of the next 30 s step (the current one may already be used): within the ±1 step tolerance. */
const nextCode = (secret: string): Promise<string> => totpCode(secret, Math.floor(Date.now() / 1000) + 30);

/** TOTP enrolment and login, recovery codes, enforcement for admins, re-authentication (real PostgreSQL). */
describe('second factor and re-authentication', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startApi();
    await api.createUser('root', 'admin', ROOT_PW);
    await api.createUser('dana', 'admin', DANA_PW);
  });
  afterAll(async () => api?.close());

  it('enrols TOTP, then needs a code at login; a code and a recovery code work once each', async () => {
    const c = new Client(api.baseUrl);
    await c.login('dana', DANA_PW);
    const setup = (await c.request('POST', '/api/auth/totp/setup')).json as { secret: string; uri: string };
    expect(setup.uri).toMatch(/^otpauth:\/\/totp\/Vigil:dana\?/);
    expect(setup.uri).toContain(`secret=${setup.secret}`);
    // Not enabled until a code proves the app has it.
    expect(codeOf((await c.request('POST', '/api/auth/totp/enable', { code: '000000' })).json)).toBe('VALIDATION_FAILED');
    const enabled = await c.request('POST', '/api/auth/totp/enable', { code: await totpCode(setup.secret) });
    expect(enabled.status).toBe(200);
    const { recoveryCodes } = enabled.json as { recoveryCodes: string[] };
    expect(recoveryCodes).toHaveLength(10);
    // Stored hashed, never in clear.
    const [row] = await sql<{ recovery_code_hashes: string[] }>(api.databaseUrl, `select recovery_code_hashes from users where username = 'dana'`);
    expect(row!.recovery_code_hashes).toHaveLength(10);
    expect(JSON.stringify(row)).not.toContain(recoveryCodes[0]);

    const noCode = await new Client(api.baseUrl).login('dana', DANA_PW);
    expect(noCode.status).toBe(401);
    expect(codeOf(noCode.json)).toBe('TOTP_REQUIRED');
    expect(noCode.headers.getSetCookie()).toEqual([]);
    expect((await new Client(api.baseUrl).login('dana', DANA_PW, { totp: '123456' })).status).toBe(401);
    const code = await nextCode(setup.secret);
    const ok = await new Client(api.baseUrl).login('dana', DANA_PW, { totp: code });
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ totpEnabled: true, pending: null });
    // The same code again is a replay.
    expect((await new Client(api.baseUrl).login('dana', DANA_PW, { totp: code })).status).toBe(401);
    // A recovery code works once.
    expect((await new Client(api.baseUrl).login('dana', DANA_PW, { totp: recoveryCodes[0] })).status).toBe(200);
    expect((await new Client(api.baseUrl).login('dana', DANA_PW, { totp: recoveryCodes[0] })).status).toBe(401);
    // The right code never rescues a wrong password.
    expect((await new Client(api.baseUrl).login('dana', 'wrong-wrong-wrong', { totp: recoveryCodes[1] })).status).toBe(401);
  });

  it('admin actions need a re-authentication within the last 10 minutes', async () => {
    const root = new Client(api.baseUrl);
    await root.login('root', ROOT_PW);
    expect((await root.request('POST', '/api/endpoints', { name: 'fresh-login' })).status).toBe(201);
    const me = (await root.request('GET', '/api/auth/me')).json as { userId: string; reauthUntil: string };
    expect(Date.parse(me.reauthUntil) - Date.now()).toBeGreaterThan(9 * 60_000);
    await sql(api.databaseUrl, `update sessions set authenticated_at = now() - interval '11 minutes' where user_id = $1`, [me.userId]);
    for (const [method, path, body] of [
      ['POST', '/api/endpoints', { name: 'stale-login' }],
      ['POST', '/api/users', { username: 'eve', role: 'analyst', password: 'bramble-cistern-45-kite' }],
      ['PATCH', '/api/settings', { fourEyesBaselineAcceptance: true }],
    ] as const) {
      const refused = await root.request(method, path, body);
      expect(refused.status, path).toBe(403);
      expect(codeOf(refused.json), path).toBe('REAUTH_REQUIRED');
    }
    // Reading is not an admin action.
    expect((await root.request('GET', '/api/users')).status).toBe(200);
    expect((await root.request('POST', '/api/auth/reauth', { password: 'not-the-password' })).status).toBe(401);
    const again = await root.request('POST', '/api/auth/reauth', { password: ROOT_PW });
    expect(again.status).toBe(200);
    expect((await root.request('POST', '/api/endpoints', { name: 'after-reauth' })).status).toBe(201);
    // A user with a second factor re-authenticates with a code too.
    const dana = new Client(api.baseUrl);
    const [u] = await sql<{ id: string; totp_secret: string }>(api.databaseUrl, `select id, totp_secret from users where username = 'dana'`);
    // Stored sealed (AES-256-GCM): the test opens it with the API's key, as the API does.
    const danaSecret = new TotpSecretBox(api.totpKey).open(u!.id, u!.totp_secret);
    await sql(api.databaseUrl, `update users set totp_last_step = null where username = 'dana'`);
    await dana.login('dana', DANA_PW, { totp: await totpCode(danaSecret) });
    expect(codeOf((await dana.request('POST', '/api/auth/reauth', { password: DANA_PW })).json)).toBe('TOTP_REQUIRED');
    expect((await dana.request('POST', '/api/auth/reauth', { password: DANA_PW, totp: await nextCode(danaSecret) })).status).toBe(200);
  });

  it('when required by the setting, an admin without TOTP must enrol before anything else', async () => {
    const root = new Client(api.baseUrl);
    await root.login('root', ROOT_PW);
    expect((await root.request('PATCH', '/api/settings', { requireTotpForAdmins: true })).json).toMatchObject({ requireTotpForAdmins: true });
    const fresh = new Client(api.baseUrl);
    expect((await fresh.login('root', ROOT_PW)).json).toMatchObject({ pending: 'totp_enrolment' });
    const blocked = await fresh.request('GET', '/api/endpoints');
    expect(blocked.status).toBe(403);
    expect(codeOf(blocked.json)).toBe('TOTP_ENROLMENT_REQUIRED');
    const { secret } = (await fresh.request('POST', '/api/auth/totp/setup')).json as { secret: string };
    expect((await fresh.request('POST', '/api/auth/totp/enable', { code: await totpCode(secret) })).status).toBe(200);
    expect((await fresh.request('GET', '/api/endpoints')).status).toBe(200);
    const audit = await auditItems(fresh, 'limit=200');
    expect(audit).toContainEqual(expect.objectContaining({ action: 'settings.change', target: 'requireTotpForAdmins' }));
    expect(audit.filter((e) => e.action === 'auth.totp_enabled').map((e) => e.target).sort()).toEqual(['dana', 'root']);
  });
});
