import { Client as PgClient } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, ApiErrorCode } from '../../src/errors/api-error';
import { Client, codeOf, startApi, type TestApi } from './harness';

const ADMIN_PW = 'violet-anchor-47-orbit';
const ANALYST_PW = 'granite-lantern-93-quay';

describe('API authentication, sessions, CSRF and roles (real PostgreSQL)', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startApi();
    await api.createUser('root', 'admin', ADMIN_PW);
    await api.createUser('ana', 'analyst', ANALYST_PW);
  });
  afterAll(async () => api?.close());

  it('answers 401 on every /api route of the OpenAPI document without a session, except the public ones', async () => {
    const anon = new Client(api.baseUrl);
    // The document itself needs a session (as do the docs UI and the metrics).
    for (const path of ['/api/docs-json', '/api/docs', '/api/metrics']) expect((await anon.request('GET', path)).status, path).toBe(401);
    const reader = new Client(api.baseUrl);
    await reader.login('ana', ANALYST_PW);
    const spec = (await reader.request('GET', '/api/docs-json')).json as { paths: Record<string, Record<string, unknown>> };
    const publicRoutes = new Set(['POST /api/auth/login', 'GET /api/healthz']);
    const checked: string[] = [];
    for (const [path, methods] of Object.entries(spec.paths)) {
      for (const method of Object.keys(methods)) {
        const route = `${method.toUpperCase()} ${path}`;
        if (publicRoutes.has(route)) continue;
        const concrete = path.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000');
        const res = await anon.request(method.toUpperCase(), concrete, ['POST', 'PATCH', 'PUT'].includes(method.toUpperCase()) ? {} : undefined);
        expect(res.status, route).toBe(401);
        expect(codeOf(res.json), route).toBe('UNAUTHENTICATED');
        checked.push(route);
      }
    }
    // The document really lists the protected routes (an empty spec would pass vacuously).
    expect(checked).toEqual(expect.arrayContaining(['GET /api/auth/me', 'POST /api/auth/logout', 'GET /api/endpoints', 'POST /api/endpoints', 'DELETE /api/endpoints/{id}', 'GET /api/audit', 'GET /api/users', 'POST /api/users', 'GET /api/alerts', 'GET /api/alerts/stream', 'PATCH /api/alerts/{id}', 'GET /api/metrics', 'POST /api/auth/password', 'PATCH /api/users/{id}', 'POST /api/users/{id}/reset-password', 'GET /api/users/{id}/sessions', 'DELETE /api/users/{id}/sessions']));
    expect((await anon.request('GET', '/api/healthz')).status).toBe(200);
    // A forged cookie is no session either.
    anon.cookie = 'vigil_session=forged';
    expect((await anon.request('GET', '/api/auth/me')).status).toBe(401);
  });

  it('refuses weak passwords with the reason', async () => {
    const create = (password: string): Promise<unknown> => api.createUser(`weak${password.length}`, 'analyst', password).then(() => 'created', (e: unknown) => e);
    for (const weak of ['short-pw', 'password1234', 'qwertyuiopas', '123456789012', 'aaaaaaaaaaaaaaaa']) {
      const err = await create(weak);
      expect(err, weak).toBeInstanceOf(ApiError);
      expect((err as ApiError).code).toBe(ApiErrorCode.WeakPassword);
    }
    expect((await create('short')) as ApiError).toHaveProperty('message', expect.stringContaining('at least 12 characters'));
    expect(await create('plum-tractor-61-meadow')).toBe('created');
  });

  it('logs in with an httpOnly SameSite=Strict cookie and rejects wrong passwords', async () => {
    const c = new Client(api.baseUrl);
    const bad = await c.login('root', 'not-the-password');
    expect(bad.status).toBe(401);
    expect(codeOf(bad.json)).toBe('INVALID_CREDENTIALS');
    const unknown = await c.login('nobody', 'whatever-it-is-123');
    expect(unknown.status).toBe(401);
    const ok = await c.login('root', ADMIN_PW);
    expect(ok.status).toBe(200);
    const setCookie = ok.headers.getSetCookie().find((h) => h.startsWith('vigil_session='))!;
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    expect(setCookie).toMatch(/Path=\//);
    const me = await c.request('GET', '/api/auth/me');
    expect(me.status).toBe(200);
    expect(me.json).toMatchObject({ username: 'root', role: 'admin', csrfToken: c.csrf });
  });

  it('refuses a login form post that is not JSON', async () => {
    const res = await fetch(`${api.baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `username=root&password=${encodeURIComponent(ADMIN_PW)}`,
    });
    expect(res.status).toBe(415);
  });

  it('answers 401 to a cookie used after logout', async () => {
    const c = new Client(api.baseUrl);
    expect((await c.login('ana', ANALYST_PW)).status).toBe(200);
    const oldCookie = c.cookie!;
    expect((await c.request('POST', '/api/auth/logout')).status).toBe(204);
    const replay = new Client(api.baseUrl);
    replay.cookie = oldCookie;
    const res = await replay.request('GET', '/api/auth/me');
    expect(res.status).toBe(401);
    expect(codeOf(res.json)).toBe('UNAUTHENTICATED');
  });

  it('rotates the session on login: the previous cookie stops working', async () => {
    const c = new Client(api.baseUrl);
    await c.login('ana', ANALYST_PW);
    const first = c.cookie!;
    await c.login('ana', ANALYST_PW);
    expect(c.cookie).not.toBe(first);
    const stale = new Client(api.baseUrl);
    stale.cookie = first;
    expect((await stale.request('GET', '/api/auth/me')).status).toBe(401);
    expect((await c.request('GET', '/api/auth/me')).status).toBe(200);
  });

  it('ends idle and expired sessions', async () => {
    const pg = new PgClient({ connectionString: api.databaseUrl });
    await pg.connect();
    try {
      const idle = new Client(api.baseUrl);
      const expired = new Client(api.baseUrl);
      await idle.login('ana', ANALYST_PW);
      await expired.login('root', ADMIN_PW);
      const me = async (c: Client): Promise<{ userId: string }> => (await c.request('GET', '/api/auth/me')).json as { userId: string };
      const [idleUser, expiredUser] = [await me(idle), await me(expired)];
      await pg.query(`update sessions set last_seen_at = now() - interval '31 minutes' where user_id = $1 and revoked_at is null`, [idleUser.userId]);
      await pg.query(`update sessions set expires_at = now() - interval '1 second' where user_id = $1 and revoked_at is null`, [expiredUser.userId]);
      expect((await idle.request('GET', '/api/auth/me')).status).toBe(401);
      expect((await expired.request('GET', '/api/auth/me')).status).toBe(401);
    } finally {
      await pg.end();
    }
  });

  it('requires the CSRF token on state-changing requests', async () => {
    const c = new Client(api.baseUrl);
    await c.login('root', ADMIN_PW);
    const token = c.csrf!;
    c.csrf = undefined;
    const missing = await c.request('POST', '/api/endpoints', { name: 'csrf-missing' });
    expect(missing.status).toBe(403);
    expect(codeOf(missing.json)).toBe('CSRF_FAILED');
    const wrong = await c.request('POST', '/api/endpoints', { name: 'csrf-wrong' }, { 'x-csrf-token': 'A'.repeat(token.length) });
    expect(wrong.status).toBe(403);
    const logout = await c.request('POST', '/api/auth/logout');
    expect(logout.status).toBe(403);
    c.csrf = token;
    expect((await c.request('POST', '/api/endpoints', { name: 'csrf-ok' })).status).toBe(201);
  });

  it('gives an analyst 403 on admin routes and lets an admin through', async () => {
    const analyst = new Client(api.baseUrl);
    await analyst.login('ana', ANALYST_PW);
    const enrol = await analyst.request('POST', '/api/endpoints', { name: 'by-analyst' });
    expect(enrol.status).toBe(403);
    expect(codeOf(enrol.json)).toBe('FORBIDDEN');
    expect((await analyst.request('GET', '/api/audit')).status).toBe(403);
    expect((await analyst.request('GET', '/api/endpoints')).status).toBe(200);
    const admin = new Client(api.baseUrl);
    await admin.login('root', ADMIN_PW);
    expect((await admin.request('POST', '/api/endpoints', { name: 'by-admin' })).status).toBe(201);
  });

  it('lets admins (only) create users through the API with the same password policy', async () => {
    const admin = new Client(api.baseUrl);
    await admin.login('root', ADMIN_PW);
    const weak = await admin.request('POST', '/api/users', { username: 'newbie', role: 'analyst', password: 'password1234' });
    expect(weak.status).toBe(400);
    expect(codeOf(weak.json)).toBe('WEAK_PASSWORD');
    const ok = await admin.request('POST', '/api/users', { username: 'newbie', role: 'analyst', password: 'juniper-sextant-72-fog' });
    expect(ok.status).toBe(201);
    expect(ok.json).toMatchObject({ username: 'newbie', role: 'analyst' });
    expect(JSON.stringify(ok.json)).not.toContain('argon2');
    expect((await admin.request('POST', '/api/users', { username: 'NEWBIE', role: 'analyst', password: 'juniper-sextant-72-fog' })).status).toBe(409);
    expect((await admin.request('GET', '/api/users')).json).toContainEqual(expect.objectContaining({ username: 'newbie' }));
    const analyst = new Client(api.baseUrl);
    await analyst.login('ana', ANALYST_PW);
    expect((await analyst.request('POST', '/api/users', { username: 'sneaky', role: 'admin', password: 'juniper-sextant-72-fog' })).status).toBe(403);
    // The admin chose this password: the user must replace it before anything else.
    const newbie = new Client(api.baseUrl);
    expect((await newbie.login('newbie', 'juniper-sextant-72-fog')).json).toMatchObject({ pending: 'password_change' });
    expect(codeOf((await newbie.request('GET', '/api/alerts')).json)).toBe('PASSWORD_CHANGE_REQUIRED');
  });

  it('rejects invalid bodies with VALIDATION_FAILED', async () => {
    const admin = new Client(api.baseUrl);
    await admin.login('root', ADMIN_PW);
    const res = await admin.request('POST', '/api/endpoints', { name: 'bad name!', extra: 1 });
    expect(res.status).toBe(400);
    expect(codeOf(res.json)).toBe('VALIDATION_FAILED');
  });
});
