import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAgentConfigText } from '@vigil/common';
import { EndpointsRepository, createPool, hashEndpointKey, type Pool } from '@vigil/db';
import { freshDatabase, childEnv } from '@vigil/testing';

const CLI_MAIN = resolve(__dirname, '../../dist/main.js');
const run = promisify(execFile);

describe('./vigil endpoint add (real PostgreSQL)', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let pool: Pool;
  beforeAll(async () => {
    db = await freshDatabase('vigil_cli_enrol');
    pool = createPool(db.url, { max: 1 });
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  const enrol = (name: string) => run(process.execPath, [CLI_MAIN, 'endpoint', 'add', '--name', name, '--api', 'https://gateway.example:5001/'], { env: childEnv({ VIGIL_DATABASE_URL: db.url }) });

  it('enrols with a working key, a config the agent can read, and the audit row the API writes for an enrolment', async () => {
    const { stdout } = await enrol('web-07');
    const out = JSON.parse(stdout.trim().split('\n').at(-1)!) as { id: string; key: string; config: string };
    expect(await new EndpointsRepository(pool).activeIdByKeyHash(hashEndpointKey(out.key))).toBe(out.id);
    const settings = readAgentConfigText(out.config);
    expect(Object.fromEntries(['api', 'id', 'name', 'key', 'batch_size'].map((k) => [k, settings.get(k)]))).toEqual({ api: 'https://gateway.example:5001', id: out.id, name: 'web-07', key: out.key, batch_size: '500' });
    const audit = (await pool.query('select actor_id, actor, action, target, source_address, details from audit_log')).rows;
    expect(audit).toEqual([{ actor_id: null, actor: 'cli', action: 'endpoint.enrol', target: out.id, source_address: 'local', details: { name: 'web-07' } }]);
    expect(JSON.stringify(audit)).not.toContain(out.key);
  });

  it('refuses a name the config cannot hold before anything is written', async () => {
    const before = (await pool.query('select (select count(*) from endpoints)::int as e, (select count(*) from audit_log)::int as a')).rows[0];
    await expect(enrol('bad name\napi=http://evil')).rejects.toThrow(/name: 1-128 characters/);
    expect((await pool.query('select (select count(*) from endpoints)::int as e, (select count(*) from audit_log)::int as a')).rows[0]).toEqual(before);
  });
});
