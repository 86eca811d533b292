import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EndpointsRepository, createPool, hashEndpointKey, migrate } from '@vigil/db';
import { freshDatabase, childEnv } from '@vigil/testing';

const cliDist = resolve(__dirname, '../../dist');

describe('operator-facing faults', () => {
  it('without root, missing system packages are listed with the install command and the exit is non-zero', () => {
    // A real unprivileged process (nobody) asks for a package that is not installed.
    const script = `
      const { ensurePackages } = require(${JSON.stringify(join(cliDist, 'system/packages.js'))});
      try { ensurePackages([{ pkg: 'vigil-test-missing-pkg', why: 'a test', present: () => false }, { pkg: 'coreutils', why: 'present', present: () => true }]); }
      catch (e) { console.error(e.message); process.exit(2); }`;
    const res = spawnSync('runuser', ['-u', 'nobody', '--', process.execPath, '-e', script], { encoding: 'utf8' });
    expect(res.status).toBe(2);
    expect(res.stderr).toContain('These system packages are missing and installing them needs root');
    expect(res.stderr).toContain('vigil-test-missing-pkg  (a test)');
    expect(res.stderr).toContain('sudo apt-get install -y vigil-test-missing-pkg');
    expect(res.stderr).not.toContain('coreutils');
  });

  it('a service that dies on start reports its last log lines and where the full log is', () => {
    const home = mkdtempSync(join(tmpdir(), 'vigil-home-'));
    const entry = join(home, 'broken-service.js');
    writeFileSync(entry, 'console.error("fatal: VIGIL_DATABASE_URL is required"); process.exit(1);\n');
    chmodSync(entry, 0o755);
    const script = `
      const { startService } = require(${JSON.stringify(join(cliDist, 'services.js'))});
      startService({ name: 'broken', entry: ${JSON.stringify(entry)}, healthUrl: 'http://127.0.0.1:1/healthz', url: '' }, () => {})
        .then(() => process.exit(0), (e) => { console.error(e.message); process.exit(3); });`;
    const res = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: childEnv({ VIGIL_HOME: home }), timeout: 60_000 });
    expect(res.status).toBe(3);
    expect(res.stderr).toContain('broken did not become healthy: broken: the process exited');
    expect(res.stderr).toContain('fatal: VIGIL_DATABASE_URL is required');
    expect(res.stderr).toContain(join(home, 'logs', 'broken.log'));
  });

  it('after a stack reset the local agent is enrolled again: the dead key and its spool are discarded, and said so', async () => {
    const db = await freshDatabase('vigil_cli_reenrol');
    const pool = createPool(db.url, { max: 1 });
    try {
      await migrate(pool);
      const home = mkdtempSync(join(tmpdir(), 'vigil-home-'));
      const agentDir = join(home, 'agent');
      mkdirSync(join(agentDir, 'spool'), { recursive: true });
      // the enrolment of an endpoint the reset deleted: an id and key this database never had
      writeFileSync(join(agentDir, 'agent.conf'), `api=http://127.0.0.1:5001\nkey=vgk_${'a'.repeat(43)}\nid=0b6d1c52-7f0e-4c1e-9d8a-3b2f6e1a9c44\nname=old\nbatch_size=500\nspool_dir=${join(agentDir, 'spool')}\ninsecure_http=true\n`);
      writeFileSync(join(agentDir, 'spool', '000001.batch'), 'x');
      writeFileSync(join(agentDir, 'spool', '000002.batch'), 'y');
      const script = `
        const { SERVICES } = require(${JSON.stringify(join(cliDist, 'services.js'))});
        SERVICES.find((s) => s.name === 'agent').prepare((m) => console.log('progress: ' + m)).then(() => process.exit(0), (e) => { console.error(e.message); process.exit(3); });`;
      const run = () => spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: childEnv({ VIGIL_HOME: home, VIGIL_DATABASE_URL: db.url }), timeout: 60_000 });
      const res = run();
      expect(res.status, res.stderr).toBe(0);
      expect(res.stderr).toContain('local agent (endpoint 0b6d1c52-7f0e-4c1e-9d8a-3b2f6e1a9c44): its endpoint key is not active in this database');
      expect(res.stderr).toContain('its spool (2 files of the old endpoint) discarded');
      const conf = readFileSync(join(agentDir, 'agent.conf'), 'utf8');
      const id = /^id=(.*)$/m.exec(conf)![1]!;
      const key = /^key=(.*)$/m.exec(conf)![1]!;
      expect(id).not.toBe('0b6d1c52-7f0e-4c1e-9d8a-3b2f6e1a9c44');
      expect(await new EndpointsRepository(pool).activeIdByKeyHash(hashEndpointKey(key))).toBe(id);
      expect(existsSync(join(agentDir, 'spool')) ? readdirSync(join(agentDir, 'spool')) : []).toEqual([]);
      // a valid enrolment is kept as it is
      const again = run();
      expect(again.status, again.stderr).toBe(0);
      expect(again.stderr).not.toContain('enrolling again');
      expect(readFileSync(join(agentDir, 'agent.conf'), 'utf8')).toBe(conf);
    } finally {
      await pool.end();
      await db.drop();
    }
  });
});
