import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, startApi, type TestApi } from './harness';

describe('the built web UI on the same origin as the API', () => {
  let api: TestApi;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-web-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Vigil</title><div id="root"></div>');
    writeFileSync(join(dir, 'assets', 'app.js'), 'console.log("vigil")');
    api = await startApi({ VIGIL_WEB_DIST: dir });
  });
  afterAll(async () => {
    await api?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the app shell for client routes and static assets, with a CSP', async () => {
    for (const path of ['/', '/alerts/abc', '/endpoints']) {
      const res = await fetch(`${api.baseUrl}${path}`);
      expect(res.status, path).toBe(200);
      expect(await res.text()).toContain('<div id="root">');
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    }
    const js = await fetch(`${api.baseUrl}/assets/app.js`);
    expect(js.status).toBe(200);
    expect(await js.text()).toContain('vigil');
  });

  it('never answers /api paths with the UI', async () => {
    const unknown = await fetch(`${api.baseUrl}/api/no-such-route`);
    expect(unknown.status).toBe(404);
    expect(codeOf(await unknown.json())).toBe('NOT_FOUND');
    expect((await fetch(`${api.baseUrl}/api/endpoints`)).status).toBe(401);
  });
});
