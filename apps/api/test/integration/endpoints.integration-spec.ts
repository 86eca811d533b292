import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Client as PgClient } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, codeOf, startApi, type TestApi } from './harness';
import { hashEndpointKey } from '@vigil/db';
import { sha256Hex } from '../../src/modules/auth/tokens';
import { childEnv } from '@vigil/testing';

const ADMIN_PW = 'tundra-violin-62-ember';
const ANALYST_PW = 'orchid-canyon-14-slate';

interface Enrolled {
  id: string;
  name: string;
  key: string;
  config: string;
}

/** Every row of every user table as text: what a pg_dump of the data would show. */
async function dumpAllRows(databaseUrl: string): Promise<string> {
  const pg = new PgClient({ connectionString: databaseUrl });
  await pg.connect();
  try {
    const tables = (await pg.query<{ t: string }>(`select format('%I.%I', table_schema, table_name) as t from information_schema.tables where table_schema not in ('pg_catalog', 'information_schema') and table_type = 'BASE TABLE'`)).rows;
    const parts: string[] = [];
    for (const { t } of tables) {
      const rows = (await pg.query<{ r: string }>(`select row_to_json(x)::text as r from ${t} x`)).rows;
      parts.push(`-- ${t}`, ...rows.map((r) => r.r));
    }
    return parts.join('\n');
  } finally {
    await pg.end();
  }
}

describe('endpoint enrolment, keys and the database dump (real PostgreSQL)', () => {
  let api: TestApi;
  let admin: Client;

  beforeAll(async () => {
    api = await startApi({ VIGIL_GATEWAY_URL: 'http://127.0.0.1:5001' });
    await api.createUser('boss', 'admin', ADMIN_PW);
    await api.createUser('ana', 'analyst', ANALYST_PW);
    admin = new Client(api.baseUrl);
    expect((await admin.login('boss', ADMIN_PW)).status).toBe(200);
  });
  afterAll(async () => api?.close());

  it('enrols an endpoint: key and config returned once, listed without the key', async () => {
    const res = await admin.request('POST', '/api/endpoints', { name: 'web-01' });
    expect(res.status).toBe(201);
    const e = res.json as Enrolled;
    expect(e.key).toMatch(/^vgk_[A-Za-z0-9_-]{43}$/); // 256 bits, base64url, gateway's prefix
    expect(e.config).toContain(`key=${e.key}\n`);
    expect(e.config).toContain(`id=${e.id}\n`);
    expect(e.config).toContain('name=web-01\n');
    expect(e.config).toContain('api=http://127.0.0.1:5001\n');
    expect(e.config).toMatch(/^batch_size=\d+$/m);
    const list = (await admin.request('GET', '/api/endpoints')).json as Record<string, unknown>[];
    const row = list.find((x) => x.id === e.id)!;
    expect(row).toMatchObject({ name: 'web-01', lastSeenAt: null, agentVersion: null, eventsPerS: null, drops: null, revokedAt: null });
    expect(JSON.stringify(list)).not.toContain(e.key);
  });

  it('rotates a key (the stored hash changes) and revokes an endpoint', async () => {
    const e = (await admin.request('POST', '/api/endpoints', { name: 'db-01' })).json as Enrolled;
    const rotated = await admin.request('POST', `/api/endpoints/${e.id}/rotate-key`);
    expect(rotated.status).toBe(200);
    const r = rotated.json as Enrolled;
    expect(r.id).toBe(e.id);
    expect(r.key).not.toBe(e.key);
    const pg = new PgClient({ connectionString: api.databaseUrl });
    await pg.connect();
    try {
      const hash = async (): Promise<Buffer> => (await pg.query<{ key_hash: Buffer }>('select key_hash from endpoints where id = $1', [e.id])).rows[0]!.key_hash;
      expect((await hash()).equals(hashEndpointKey(r.key))).toBe(true);
      expect((await admin.request('DELETE', `/api/endpoints/${e.id}`)).status).toBe(204);
      const revokedAt = (await pg.query<{ revoked_at: Date | null }>('select revoked_at from endpoints where id = $1', [e.id])).rows[0]!.revoked_at;
      expect(revokedAt).toBeInstanceOf(Date);
    } finally {
      await pg.end();
    }
    expect((await admin.request('GET', '/api/endpoints')).json).not.toContainEqual(expect.objectContaining({ id: e.id }));
    expect((await admin.request('GET', '/api/endpoints?includeRevoked=true')).json).toContainEqual(expect.objectContaining({ id: e.id }));
    const again = await admin.request('POST', `/api/endpoints/${e.id}/rotate-key`);
    expect(again.status).toBe(404);
    expect(codeOf(again.json)).toBe('NOT_FOUND');
    expect((await admin.request('DELETE', `/api/endpoints/${e.id}`)).status).toBe(404);
  });

  it('audits logins, enrolments and key rotations', async () => {
    const audit = (await admin.request('GET', '/api/audit?limit=500')).json as { items: { action: string; actor: string }[] };
    const actions = new Set(audit.items.map((i) => i.action));
    for (const a of ['auth.login', 'endpoint.enrol', 'endpoint.rotate_key', 'endpoint.revoke', 'user.create']) expect(actions, a).toContain(a);
    expect(audit.items.find((i) => i.action === 'endpoint.enrol')!.actor).toBe('boss');
  });

  it('keeps no password, endpoint key or session token in clear in the database', async () => {
    const keys: string[] = [];
    for (const name of ['dump-a', 'dump-b']) keys.push(((await admin.request('POST', '/api/endpoints', { name })).json as Enrolled).key);
    const rotatedKey = ((await admin.request('POST', `/api/endpoints/${((await admin.request('POST', '/api/endpoints', { name: 'dump-c' })).json as Enrolled).id}/rotate-key`)).json as Enrolled).key;
    keys.push(rotatedKey);
    const analyst = new Client(api.baseUrl);
    await analyst.login('ana', ANALYST_PW);
    await analyst.login('ana', 'a-wrong-password-typed');
    const sessionTokens = [admin.cookie!, analyst.cookie!].map((c) => decodeURIComponent(c.split('=')[1]!));

    const dump = await dumpAllRows(api.databaseUrl);
    // The dump really holds the data (so the absence checks below mean something).
    expect(dump).toContain(hashEndpointKey(keys[0]!).toString('hex'));
    expect(dump).toContain(sha256Hex(sessionTokens[0]!));
    expect(dump).toContain('$argon2id$');
    for (const secret of [ADMIN_PW, ANALYST_PW, 'a-wrong-password-typed', ...keys, ...sessionTokens]) {
      expect(dump.includes(secret), `secret ${secret.slice(0, 4)}… found in the dump`).toBe(false);
    }
  });

  it('creates users from the command line with the same policy (built cli.js)', async () => {
    const cli = join(import.meta.dirname, '..', '..', 'dist', 'cli.js');
    expect(existsSync(cli), 'apps/api must be built (tsc -b) before the integration tests').toBe(true);
    const run = (args: string[], stdin: string): Promise<{ code: number; stdout: string; stderr: string }> =>
      new Promise((resolvePromise) => {
        const child = execFile(process.execPath, [cli, ...args], { env: childEnv({ VIGIL_DATABASE_URL: api.databaseUrl }) }, (err, stdout, stderr) =>
          resolvePromise({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
        child.stdin!.end(stdin);
      });
    const weak = await run(['create-user', '--username', 'weakling', '--role', 'analyst'], 'password1234\n');
    expect(weak.code).toBe(2);
    expect(weak.stderr).toContain('weak password');
    const ok = await run(['create-user', '--username', 'cli-made', '--role', 'analyst'], 'harbor-quill-83-nimbus\n');
    expect(ok.code, ok.stderr).toBe(0);
    expect((await new Client(api.baseUrl).login('cli-made', 'harbor-quill-83-nimbus')).status).toBe(200);
    // Users exist, so no first admin is created.
    const ensure = await run(['ensure-admin'], '');
    expect(JSON.parse(ensure.stdout)).toEqual({ created: false });
  });
});
