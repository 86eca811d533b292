import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, childEnv } from '@vigil/testing';
import { Client, codeOf, sql, startApiOn } from './harness';

const cli = join(import.meta.dirname, '..', '..', 'dist', 'cli.js');

function ensureAdmin(databaseUrl: string): Promise<{ created: boolean; username?: string; password?: string }> {
  return new Promise((resolvePromise, reject) => {
    execFile(process.execPath, [cli, 'ensure-admin'], { env: childEnv({ VIGIL_DATABASE_URL: databaseUrl }) }, (err, stdout) =>
      err ? reject(err) : resolvePromise(JSON.parse(stdout) as { created: boolean; username?: string; password?: string }),
    );
  });
}

describe('first admin (no default credentials)', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  beforeAll(async () => {
    db = await freshDatabase('vigil_api_test');
  });
  afterAll(async () => db?.drop());

  it('creates admin with a random password once, even when two runs race', async () => {
    const [a, b] = await Promise.all([ensureAdmin(db.url), ensureAdmin(db.url)]);
    const created = [a, b].filter((r) => r.created);
    expect(created).toHaveLength(1);
    const first = created[0]!;
    expect(first.username).toBe('admin');
    expect(first.password!.length).toBeGreaterThanOrEqual(20);
    expect(await ensureAdmin(db.url)).toEqual({ created: false });
    const api = await startApiOn(db.url);
    try {
      const c = new Client(api.baseUrl);
      expect((await c.login('admin', first.password!)).status).toBe(200);
      expect((await c.request('GET', '/api/auth/me')).json).toMatchObject({ role: 'admin', pending: 'password_change' });
      expect((await new Client(api.baseUrl).login('admin', 'admin')).status).toBe(401);
      // The printed password has been on a terminal: nothing but choosing a new one until then.
      const blocked = await c.request('GET', '/api/endpoints');
      expect(blocked.status).toBe(403);
      expect(codeOf(blocked.json)).toBe('PASSWORD_CHANGE_REQUIRED');
      expect(codeOf((await c.request('POST', '/api/auth/password', { currentPassword: first.password, newPassword: first.password })).json)).toBe('WEAK_PASSWORD');
      expect((await c.request('POST', '/api/auth/password', { currentPassword: first.password, newPassword: 'lichen-parapet-62-glow' })).status).toBe(200);
      expect((await c.request('GET', '/api/auth/me')).json).toMatchObject({ pending: null });
      expect((await c.request('GET', '/api/endpoints')).status).toBe(200);
      expect((await new Client(api.baseUrl).login('admin', first.password!)).status).toBe(401);
    } finally {
      await api.app.close();
    }
  });

  it('lets the operator on the host set a password and remove a second factor (recovery), ending the sessions', async () => {
    const run = (args: string[], input = ''): Promise<{ code: number; out: string }> =>
      new Promise((done) => {
        const child = execFile(process.execPath, [cli, ...args], { env: childEnv({ VIGIL_DATABASE_URL: db.url }) }, (err, stdout, stderr) =>
          done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
        );
        child.stdin!.end(input);
      });
    const api = await startApiOn(db.url);
    try {
      const c = new Client(api.baseUrl);
      expect((await c.login('admin', 'lichen-parapet-62-glow')).status).toBe(200);
      await sql(db.url, `update users set totp_enabled_at = now(), totp_secret = 'JBSWY3DPEHPK3PXP' where username = 'admin'`);
      expect((await run(['reset-password', '--username', 'admin'], 'password1234\n')).out).toContain('weak password');
      const reset = await run(['reset-password', '--username', 'admin'], 'sorrel-gantry-33-mist\n');
      expect(reset.code).toBe(0);
      expect((await c.request('GET', '/api/auth/me')).status).toBe(401);
      expect(codeOf((await new Client(api.baseUrl).login('admin', 'sorrel-gantry-33-mist')).json)).toBe('TOTP_REQUIRED');
      expect((await run(['remove-totp', '--username', 'admin'])).code).toBe(0);
      expect((await new Client(api.baseUrl).login('admin', 'sorrel-gantry-33-mist')).status).toBe(200);
      expect((await run(['remove-totp', '--username', 'nobody'])).out).toContain('no user named "nobody"');
    } finally {
      await api.app.close();
    }
  });
});
