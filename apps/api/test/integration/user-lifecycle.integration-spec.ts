import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditItems, Client, codeOf, sql, startApi, type TestApi } from './harness';

const ADMIN_PW = 'violet-anchor-47-orbit';
const ANA_PW = 'granite-lantern-93-quay';

/** Password change, disable, role change, admin reset, sessions (real PostgreSQL). */
describe('user lifecycle', () => {
  let api: TestApi;
  let admin: Client;
  const idOf = async (username: string): Promise<string> => ((await admin.request('GET', '/api/users')).json as { id: string; username: string }[]).find((u) => u.username === username)!.id;

  beforeAll(async () => {
    api = await startApi();
    await api.createUser('root', 'admin', ADMIN_PW);
    await api.createUser('ana', 'analyst', ANA_PW);
    await api.createUser('bob', 'analyst', ANA_PW);
    await api.createUser('carol', 'analyst', ANA_PW);
    admin = new Client(api.baseUrl);
    expect((await admin.login('root', ADMIN_PW)).status).toBe(200);
  });
  afterAll(async () => api?.close());

  it("a password change ends the user's other sessions, keeps this one, and the policy applies", async () => {
    const laptop = new Client(api.baseUrl);
    const phone = new Client(api.baseUrl);
    await laptop.login('ana', ANA_PW);
    await phone.login('ana', ANA_PW);
    const wrong = await laptop.request('POST', '/api/auth/password', { currentPassword: 'not-my-password', newPassword: 'tundra-beacon-84-vale' });
    expect(wrong.status).toBe(401);
    const weak = await laptop.request('POST', '/api/auth/password', { currentPassword: ANA_PW, newPassword: 'password1234' });
    expect(codeOf(weak.json)).toBe('WEAK_PASSWORD');
    const tooLong = await laptop.request('POST', '/api/auth/password', { currentPassword: ANA_PW, newPassword: 'x7-'.repeat(100) });
    expect(tooLong.status).toBe(400);
    expect((tooLong.json as { error: { message: string } }).error.message).toContain('at most 256 characters');
    const changed = await laptop.request('POST', '/api/auth/password', { currentPassword: ANA_PW, newPassword: 'tundra-beacon-84-vale' });
    expect(changed.status).toBe(200);
    expect(changed.json).toEqual({ otherSessionsEnded: 1 });
    expect((await phone.request('GET', '/api/auth/me')).status).toBe(401);
    expect((await laptop.request('GET', '/api/auth/me')).status).toBe(200);
    expect((await new Client(api.baseUrl).login('ana', ANA_PW)).status).toBe(401);
    expect((await new Client(api.baseUrl).login('ana', 'tundra-beacon-84-vale')).status).toBe(200);
    // A password longer than the policy's maximum is refused at login with a clear message, not hashed.
    const long = await new Client(api.baseUrl).login('ana', 'y'.repeat(300));
    expect(long.status).toBe(400);
    expect((long.json as { error: { message: string } }).error.message).toContain("at most 256 characters (the password policy's maximum)");
  });

  it('a disabled user can neither log in nor keep a session; enabling lets them back', async () => {
    const bob = new Client(api.baseUrl);
    await bob.login('bob', ANA_PW);
    const bobId = await idOf('bob');
    const disabled = await admin.request('PATCH', `/api/users/${bobId}`, { disabled: true });
    expect(disabled.status).toBe(200);
    expect(disabled.json).toMatchObject({ username: 'bob', disabled: true });
    expect((await bob.request('GET', '/api/alerts')).status).toBe(401);
    expect(await sql(api.databaseUrl, `select 1 from sessions where user_id = $1 and revoked_at is null`, [bobId])).toEqual([]);
    const again = await new Client(api.baseUrl).login('bob', ANA_PW);
    expect(again.status).toBe(401);
    expect(codeOf(again.json)).toBe('INVALID_CREDENTIALS');
    // Even a session the database still held would not work while disabled.
    expect((await admin.request('PATCH', `/api/users/${bobId}`, { disabled: false })).json).toMatchObject({ disabled: false });
    expect((await new Client(api.baseUrl).login('bob', ANA_PW)).status).toBe(200);
  });

  it("a role change ends the user's sessions; an admin cannot demote or disable themselves", async () => {
    const carol = new Client(api.baseUrl);
    await carol.login('carol', ANA_PW);
    const carolId = await idOf('carol');
    expect((await admin.request('PATCH', `/api/users/${carolId}`, { role: 'admin' })).json).toMatchObject({ role: 'admin' });
    expect((await carol.request('GET', '/api/auth/me')).status).toBe(401);
    const me = (await admin.request('GET', '/api/auth/me')).json as { userId: string };
    const self = await admin.request('PATCH', `/api/users/${me.userId}`, { disabled: true });
    expect(self.status).toBe(403);
    expect((await admin.request('PATCH', `/api/users/${carolId}`, { role: 'bogus' })).status).toBe(400);
  });

  it('lists and ends sessions; a reset password must be changed at next login', async () => {
    const bobId = await idOf('bob');
    const b1 = new Client(api.baseUrl);
    const b2 = new Client(api.baseUrl);
    await b1.login('bob', ANA_PW, { headers: { 'user-agent': 'laptop' } });
    await b2.login('bob', ANA_PW, { headers: { 'user-agent': 'phone' } });
    const listed = (await admin.request('GET', `/api/users/${bobId}/sessions`)).json as { userAgent: string; sourceAddress: string }[];
    expect(listed.map((s) => s.userAgent)).toEqual(expect.arrayContaining(['laptop', 'phone']));
    expect(JSON.stringify(listed)).not.toMatch(/token/i);
    const revoked = await admin.request('DELETE', `/api/users/${bobId}/sessions`);
    expect(revoked.status).toBe(200);
    expect((revoked.json as { revoked: number }).revoked).toBeGreaterThanOrEqual(2);
    expect((await b1.request('GET', '/api/auth/me')).status).toBe(401);
    expect((await admin.request('GET', `/api/users/${bobId}/sessions`)).json).toEqual([]);

    const reset = await admin.request('POST', `/api/users/${bobId}/reset-password`);
    expect(reset.status).toBe(200);
    const temporary = (reset.json as { temporaryPassword: string }).temporaryPassword;
    expect((await new Client(api.baseUrl).login('bob', ANA_PW)).status).toBe(401);
    const bob = new Client(api.baseUrl);
    expect((await bob.login('bob', temporary)).json).toMatchObject({ pending: 'password_change' });
    const blocked = await bob.request('GET', '/api/alerts');
    expect(blocked.status).toBe(403);
    expect(codeOf(blocked.json)).toBe('PASSWORD_CHANGE_REQUIRED');
    expect((await bob.request('POST', '/api/auth/password', { currentPassword: temporary, newPassword: 'orchid-quarry-19-wren' })).status).toBe(200);
    expect((await bob.request('GET', '/api/auth/me')).json).toMatchObject({ pending: null });
    expect((await bob.request('GET', '/api/alerts')).status).toBe(200);

    const audit = await auditItems(admin);
    for (const action of ['user.password_change', 'user.disable', 'user.enable', 'user.role_change', 'user.sessions_revoked', 'user.password_reset']) {
      expect(audit.some((e) => e.action === action), action).toBe(true);
    }
  });

  it('lets users see their own sessions and end the others', async () => {
    const here = new Client(api.baseUrl);
    const there = new Client(api.baseUrl);
    await here.login('carol', ANA_PW, { headers: { 'user-agent': 'here' } });
    await there.login('carol', ANA_PW, { headers: { 'user-agent': 'there' } });
    const own = (await here.request('GET', '/api/auth/sessions')).json as { userAgent: string; current: boolean }[];
    expect(own.filter((x) => x.current).map((x) => x.userAgent)).toEqual(['here']);
    expect(own.map((x) => x.userAgent)).toContain('there');
    expect((await here.request('DELETE', '/api/auth/sessions')).json).toMatchObject({ revoked: 1 });
    expect((await there.request('GET', '/api/auth/me')).status).toBe(401);
    expect((await here.request('GET', '/api/auth/me')).status).toBe(200);
  });
});
