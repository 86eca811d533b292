import { describe, expect, it } from 'vitest';
import { createVigilClient, CSRF_HEADER, errorOf } from './index.js';

/** An in-memory stand-in for the API's auth routes (unit test of the client's CSRF handling only). */
function fakeApi(): { fetch: (r: Request) => Promise<Response>; seen: { method: string; path: string; csrf: string | null; credentials: string }[] } {
  const seen: { method: string; path: string; csrf: string | null; credentials: string }[] = [];
  const json = (url: string, status: number, body: unknown): Response => {
    const res = new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
    Object.defineProperty(res, 'url', { value: url });
    return res;
  };
  return {
    seen,
    fetch: async (r: Request) => {
      const path = new URL(r.url).pathname;
      seen.push({ method: r.method, path, csrf: r.headers.get(CSRF_HEADER), credentials: r.credentials });
      if (path === '/api/auth/login') return json(r.url, 200, { userId: 'u', username: 'ana', role: 'analyst', csrfToken: 'tok-login', expiresAt: '2026-12-01T00:00:00Z' });
      if (path === '/api/auth/me') return json(r.url, 200, { userId: 'u', username: 'ana', role: 'analyst', csrfToken: 'tok-me' });
      if (path === '/api/alerts/a1' && r.method === 'PATCH') return json(r.url, r.headers.get(CSRF_HEADER) ? 200 : 403, r.headers.get(CSRF_HEADER) ? { id: 'a1' } : { error: { code: 'CSRF_FAILED', message: 'no token' } });
      if (path === '/api/alerts') return json(r.url, 401, { error: { code: 'UNAUTHENTICATED', message: 'log in first' } });
      return json(r.url, 404, { error: { code: 'NOT_FOUND', message: path } });
    },
  };
}

describe('createVigilClient', () => {
  it('keeps the CSRF token from the login answer and sends it on writes only, with credentials', async () => {
    const api = fakeApi();
    const client = createVigilClient({ baseUrl: 'http://api.test', fetch: api.fetch });
    await client.POST('/api/auth/login', { body: { username: 'ana', password: 'pw' } });
    expect(client.csrfToken).toBe('tok-login');
    await client.GET('/api/alerts/{id}', { params: { path: { id: 'x' } } });
    const patched = await client.PATCH('/api/alerts/{id}', { params: { path: { id: 'a1' } }, body: { status: 'acknowledged' } });
    expect(patched.response.status).toBe(200);
    expect(api.seen.map((s) => [s.method, s.path, s.csrf])).toEqual([
      ['POST', '/api/auth/login', null],
      ['GET', '/api/alerts/x', null],
      ['PATCH', '/api/alerts/a1', 'tok-login'],
    ]);
    expect(api.seen.every((s) => s.credentials === 'include')).toBe(true);
  });

  it('asks /api/auth/me for the token before the first write of a reloaded page, and forgets it on 401', async () => {
    const api = fakeApi();
    let unauthenticated = 0;
    const client = createVigilClient({ baseUrl: 'http://api.test', fetch: api.fetch, onUnauthenticated: () => unauthenticated++ });
    await client.PATCH('/api/alerts/{id}', { params: { path: { id: 'a1' } }, body: { note: 'n' } });
    expect(api.seen.map((s) => [s.method, s.path, s.csrf])).toEqual([
      ['GET', '/api/auth/me', null],
      ['PATCH', '/api/alerts/a1', 'tok-me'],
    ]);
    const { error } = await client.GET('/api/alerts', {});
    expect(errorOf(error)).toEqual({ code: 'UNAUTHENTICATED', message: 'log in first' });
    expect(client.csrfToken).toBeUndefined();
    expect(unauthenticated).toBe(1);
  });
});
