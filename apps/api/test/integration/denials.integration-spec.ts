import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpsServer } from '../../src/http/ops-server';
import { auditItems, Client, codeOf, startApi, type TestApi } from './harness';

const ROOT_PW = 'violet-anchor-47-orbit';
const ANA_PW = 'granite-lantern-93-quay';


/** Refusals are audited (rate-limited), carry an id, and the docs and metrics need a session (real PostgreSQL). */
describe('denials, error ids, docs and metrics, cookies', () => {
  let api: TestApi;
  let root: Client;
  const denials = () => auditItems(root, 'action=auth.denied&limit=500');

  beforeAll(async () => {
    api = await startApi();
    await api.createUser('root', 'admin', ROOT_PW);
    await api.createUser('ana', 'analyst', ANA_PW);
    root = new Client(api.baseUrl);
    await root.login('root', ROOT_PW);
  });
  afterAll(async () => api?.close());

  it('a 403 leaves an audit row with the user, the source and the route; so do a CSRF failure and a 401', async () => {
    const ana = new Client(api.baseUrl);
    await ana.login('ana', ANA_PW);
    const forbidden = await ana.request('GET', '/api/audit');
    expect(forbidden.status).toBe(403);
    const csrf = await ana.request('PATCH', '/api/alerts/x', { status: 'closed' }, { 'x-csrf-token': 'forged' });
    expect(codeOf(csrf.json)).toBe('CSRF_FAILED');
    expect((await new Client(api.baseUrl).request('GET', '/api/endpoints')).status).toBe(401);
    const rows = await denials();
    expect(rows).toContainEqual(expect.objectContaining({ actor: 'ana', target: 'GET /api/audit', sourceAddress: '127.0.0.1', details: expect.objectContaining({ status: 403, code: 'FORBIDDEN' }) }));
    expect(rows).toContainEqual(expect.objectContaining({ actor: 'ana', target: 'PATCH /api/alerts/:id', details: expect.objectContaining({ status: 403, code: 'CSRF_FAILED' }) }));
    expect(rows).toContainEqual(expect.objectContaining({ actor: null, target: 'GET /api/endpoints', details: expect.objectContaining({ status: 401, code: 'UNAUTHENTICATED' }) }));
    // The row carries the answer's error id, which is also the X-Request-Id the logs carry.
    const id = (forbidden.json as { error: { id: string } }).error.id;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(forbidden.headers.get('x-request-id')).toBe(id);
    expect(rows.find((r) => r.target === 'GET /api/audit')!.details.errorId).toBe(id);
  });

  it('rate-limits denial rows per source: a flood of refusals cannot flood the table', async () => {
    const before = (await denials()).length;
    const anon = new Client(api.baseUrl);
    const answers = await Promise.all(Array.from({ length: 200 }, () => anon.request('GET', '/api/alerts')));
    expect(answers.every((a) => a.status === 401)).toBe(true);
    const written = (await denials()).length - before;
    expect(written).toBeGreaterThan(0);
    expect(written).toBeLessThanOrEqual(30);
  });

  it('every error answer carries an id (404, 400 and validation too)', async () => {
    for (const res of [await root.request('GET', '/api/alerts/nope'), await root.request('POST', '/api/endpoints', { name: 'bad name' }), await root.request('GET', '/api/nothing-here')]) {
      expect((res.json as { error: { id: string } }).error.id).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('serves the API docs, the OpenAPI document and the metrics only with a session', async () => {
    const anon = new Client(api.baseUrl);
    for (const path of ['/api/docs', '/api/docs-json', '/api/metrics']) {
      const res = await anon.request('GET', path);
      expect(res.status, path).toBe(401);
      expect(codeOf(res.json), path).toBe('UNAUTHENTICATED');
      expect((res.json as { error: { id: string } }).error.id, path).toBe(res.headers.get('x-request-id'));
    }
    expect((await root.request('GET', '/api/docs-json')).json).toHaveProperty('openapi');
    expect((await root.request('GET', '/api/docs')).status).toBe(200);
    expect(String((await root.request('GET', '/api/metrics')).json)).toContain('vigil_api_http_requests_total');
    expect((await anon.request('GET', '/api/healthz')).status).toBe(200);
    // A local scraper without a session uses the loopback-only ops port (VIGIL_API_OPS_PORT).
    const ops = await startOpsServer(api.app, 0);
    try {
      const { address, port } = ops.address() as AddressInfo;
      expect(address).toBe('127.0.0.1');
      const scraped = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(scraped.status).toBe(200);
      expect(await scraped.text()).toContain('vigil_api_http_requests_total');
      expect((await fetch(`http://127.0.0.1:${port}/api/docs-json`)).status).toBe(404);
    } finally {
      ops.close();
    }
  });

  it('names the cookie __Host- and marks it Secure behind a trusted TLS proxy, not when the forwarded proto is forged', async () => {
    const proxied = await startApi({ VIGIL_TRUSTED_PROXIES: '127.0.0.1' });
    try {
      await proxied.createUser('ana', 'analyst', ANA_PW);
      const tls = new Client(proxied.baseUrl);
      const res = await tls.login('ana', ANA_PW, { headers: { 'x-forwarded-proto': 'https' } });
      const cookie = res.headers.getSetCookie()[0]!;
      expect(cookie).toMatch(/^__Host-vigil_session=/);
      expect(cookie).toMatch(/; Secure/i);
      expect(cookie).toMatch(/; Path=\//);
      expect(cookie).not.toMatch(/Domain=/i);
      expect((await tls.request('GET', '/api/auth/me', undefined, { 'x-forwarded-proto': 'https' })).status).toBe(200);
      // The __Host- cookie is only read over TLS.
      expect((await tls.request('GET', '/api/auth/me')).status).toBe(401);
    } finally {
      await proxied.close();
    }
    // Without a trusted proxy, a client's X-Forwarded-Proto changes nothing.
    const direct = await new Client(api.baseUrl).login('ana', ANA_PW, { headers: { 'x-forwarded-proto': 'https' } });
    expect(direct.headers.getSetCookie()[0]).toMatch(/^vigil_session=/);
  });
});
