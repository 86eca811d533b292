import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '@vigil/testing';
import { newTotpSecret, totpCode } from '../../src/modules/auth/totp';
import { TotpSecretBox } from '../../src/modules/auth/totp-secret-box';
import { Client, codeOf, sql, startApiOn, type TestApi } from './harness';

const PW = 'lantern-quarry-38-mosaic';
const key = randomBytes(32);
const keyEnv = { VIGIL_TOTP_KEY: key.toString('base64') };

/**
 * TOTP secrets at rest (ASVS 2.8 / 8.3): sealed with AES-256-GCM under VIGIL_TOTP_KEY(_FILE), the user
 * id as associated data; rows an older version stored in clear are sealed when the API starts with a
 * key (real PostgreSQL, the real API restarted over the same database).
 */
describe('TOTP secrets encrypted at rest', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let api: TestApi | undefined;
  const restart = async (env: Record<string, string>): Promise<TestApi> => {
    await api?.close();
    api = await startApiOn(db.url, env);
    return api;
  };
  const row = async (username: string) => (await sql<{ id: string; totp_secret: string | null }>(db.url, `select id, totp_secret from users where username = $1`, [username]))[0]!;

  beforeAll(async () => {
    db = await freshDatabase('vigil_totp_rest');
    const a = await restart(keyEnv);
    await a.createUser('enc', 'analyst', PW);
    await a.createUser('legacy', 'analyst', PW);
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it('stores a new secret sealed, never the base32 secret, and logs in with its codes', async () => {
    const c = new Client(api!.baseUrl);
    await c.login('enc', PW);
    const { secret } = (await c.request('POST', '/api/auth/totp/setup')).json as { secret: string };
    const pending = await row('enc');
    expect(pending.totp_secret).toMatch(/^v1:/);
    expect(pending.totp_secret).not.toContain(secret);
    expect((await c.request('POST', '/api/auth/totp/enable', { code: await totpCode(secret) })).status).toBe(200);
    expect(new TotpSecretBox(key).open(pending.id, (await row('enc')).totp_secret!)).toBe(secret);
    await sql(db.url, `update users set totp_last_step = null where username = 'enc'`);
    expect((await new Client(api!.baseUrl).login('enc', PW, { totp: await totpCode(secret) })).status).toBe(200);
  });

  it('a sealed secret moved to another user does not open (the user id is bound in)', async () => {
    const enc = await row('enc');
    await sql(db.url, `update users set totp_secret = $1, totp_enabled_at = now(), totp_last_step = null where username = 'legacy'`, [enc.totp_secret]);
    const secret = new TotpSecretBox(key).open(enc.id, enc.totp_secret!);
    const refused = await new Client(api!.baseUrl).login('legacy', PW, { totp: await totpCode(secret) });
    expect(refused.status).toBe(500);
    expect(codeOf(refused.json)).toBe('INTERNAL');
    await sql(db.url, `update users set totp_secret = null, totp_enabled_at = null where username = 'legacy'`);
  });

  it('seals a secret an older version stored in clear when the API starts with a key, and the user still logs in', async () => {
    const clear = newTotpSecret();
    await sql(db.url, `update users set totp_secret = $1, totp_enabled_at = now(), totp_last_step = null where username = 'legacy'`, [clear]);
    // Without a key: the clear row is still read (nobody is locked out), but nothing new can be enrolled.
    const noKey = await restart({ VIGIL_TOTP_KEY: '' });
    expect(noKey.totpKey).toBeUndefined();
    expect((await row('legacy')).totp_secret).toBe(clear);
    expect((await new Client(noKey.baseUrl).login('legacy', PW, { totp: await totpCode(clear) })).status).toBe(200);
    // With the key: sealed at start-up.
    const withKey = await restart(keyEnv);
    const sealed = await row('legacy');
    expect(sealed.totp_secret).toMatch(/^v1:/);
    expect(sealed.totp_secret).not.toContain(clear);
    expect(new TotpSecretBox(key).open(sealed.id, sealed.totp_secret!)).toBe(clear);
    await sql(db.url, `update users set totp_last_step = null where username = 'legacy'`);
    expect((await new Client(withKey.baseUrl).login('legacy', PW, { totp: await totpCode(clear) })).status).toBe(200);
  });

  it('without a key, enrolment is refused with the reason; with another key, a sealed secret is an internal error, not a pass', async () => {
    const noKey = await restart({ VIGIL_TOTP_KEY: '' });
    const c = new Client(noKey.baseUrl);
    await sql(db.url, `update users set totp_secret = null, totp_enabled_at = null where username = 'legacy'`);
    await c.login('legacy', PW);
    const refused = await c.request('POST', '/api/auth/totp/setup');
    expect(refused.status).toBe(503);
    expect(JSON.stringify(refused.json)).toContain('VIGIL_TOTP_KEY_FILE');
    const wrongKey = await restart({ VIGIL_TOTP_KEY: randomBytes(32).toString('base64') });
    await sql(db.url, `update users set totp_last_step = null where username = 'enc'`);
    const wrong = await new Client(wrongKey.baseUrl).login('enc', PW, { totp: '123456' });
    expect(wrong.status).toBe(500);
    expect(wrong.headers.get('set-cookie')).toBeNull();
  });
});
