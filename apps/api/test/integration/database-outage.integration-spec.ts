import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, stackUrls, startTcpProxy, waitUntil, type TcpProxy } from '@vigil/testing';
import { Client, startApiOn, type TestApi } from './harness';

const PW = 'copper-heron-71-valley';
const OUTAGE_MS = 15_000;

// Issue 18: while PostgreSQL is away every route that needs it answers 503 UNAVAILABLE with
// Retry-After (GET /api/alerts used to answer 500 INTERNAL), nothing crashes, and the same API
// process serves again once the database is back.
describe('PostgreSQL unavailable under the API (cut through a TCP proxy)', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let proxy: TcpProxy;
  let api: TestApi;

  beforeAll(async () => {
    db = await freshDatabase('vigil_api_outage');
    const server = new URL(stackUrls().databaseUrl);
    proxy = await startTcpProxy({ host: server.hostname, port: Number(server.port || 5432) });
    const viaProxy = new URL(db.url);
    viaProxy.port = String(proxy.port);
    api = await startApiOn(viaProxy.toString());
    await api.createUser('ana', 'analyst', PW);
  }, 120_000);
  afterAll(async () => {
    await api?.close();
    await proxy?.close();
    await db?.drop();
  });

  it('answers 503 + Retry-After on every database-backed route during the outage, and serves again afterwards', async () => {
    const analyst = new Client(api.baseUrl);
    expect((await analyst.login('ana', PW)).status).toBe(200);
    expect((await analyst.request('GET', '/api/alerts')).status).toBe(200);

    proxy.cut();
    const cutAt = Date.now();
    const seen = new Map<string, number>();
    while (Date.now() - cutAt < OUTAGE_MS) {
      for (const [method, path, who] of [
        ['GET', '/api/alerts', analyst],
        ['GET', '/api/endpoints', analyst],
        ['GET', '/api/auth/me', analyst],
        ['GET', '/api/healthz', new Client(api.baseUrl)],
        ['POST', '/api/auth/login', new Client(api.baseUrl)],
      ] as const) {
        const r = await who.request(method, path, method === 'POST' ? { username: 'ana', password: PW } : undefined);
        expect(r.status, `${method} ${path}: ${JSON.stringify(r.json)}`).toBe(503);
        expect((r.json as { error: { code: string } }).error.code).toBe('UNAVAILABLE');
        expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
        seen.set(path, (seen.get(path) ?? 0) + 1);
      }
      await new Promise((r) => setTimeout(r, 1_000));
    }
    expect(seen.get('/api/alerts')).toBeGreaterThan(3);

    proxy.restore();
    await waitUntil(async () => (await analyst.request('GET', '/api/healthz')).status === 200, 30_000, 'API healthy again');
    // the session made before the outage still works: nothing was lost, no restart
    expect((await analyst.request('GET', '/api/alerts')).status).toBe(200);
    expect((await analyst.request('GET', '/api/auth/me')).status).toBe(200);
  });
});
