import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

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
    const res = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, VIGIL_HOME: home }, timeout: 60_000 });
    expect(res.status).toBe(3);
    expect(res.stderr).toContain('broken did not become healthy: broken: the process exited');
    expect(res.stderr).toContain('fatal: VIGIL_DATABASE_URL is required');
    expect(res.stderr).toContain(join(home, 'logs', 'broken.log'));
  });
});
