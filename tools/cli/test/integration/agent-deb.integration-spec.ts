import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv } from '@vigil/testing';

// Issue 8, item 4: the agent's .deb builds, has the expected contents and metadata, installs into a
// scratch root, its unit passes `systemd-analyze verify`, install.sh installs a UI config with mode
// 0600, and the packaged agent (its own node, bundle, BPF object and addon) captures as root with
// only the unit's capabilities.
const repo = resolve(__dirname, '../../../..');
const agentDir = join(repo, 'deploy/agent');
const run = (cmd: string, args: string[], env: Record<string, string> = {}) => spawnSync(cmd, args, { encoding: 'utf8', env: childEnv({ ...env }) });

describe('deploy/agent: vigil-agent .deb', () => {
  let work: string;
  let deb: string;
  let root: string;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'vigil-deb-'));
    const started = Date.now();
    deb = execFileSync(join(agentDir, 'build-deb.sh'), [join(work, 'out')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
    process.stdout.write(`built ${deb} (${statSync(deb).size} bytes) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    root = join(work, 'root');
  }, 900_000);
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('is named vigil-agent_<version>_amd64.deb and declares its metadata and conffile', () => {
    const version = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string }).version;
    expect(deb.endsWith(`/vigil-agent_${version}_amd64.deb`)).toBe(true);
    const field = (name: string): string => execFileSync('dpkg-deb', ['-f', deb, name], { encoding: 'utf8' }).trim();
    expect(field('Package')).toBe('vigil-agent');
    expect(field('Version')).toBe(version);
    expect(field('Architecture')).toBe('amd64');
    expect(field('Depends')).toMatch(/libbpf1/);
    const info = execFileSync('dpkg-deb', ['-I', deb], { encoding: 'utf8' });
    expect(info).toMatch(/\bconffiles\b/);
    expect(info).toMatch(/\bpostinst\b/);
    const conffiles = execFileSync('dpkg-deb', ['--ctrl-tarfile', deb], { encoding: 'buffer' });
    expect(execFileSync('tar', ['-xO', './conffiles'], { input: conffiles, encoding: 'utf8' }).trim()).toBe('/etc/vigil/agent.conf');
  });

  it('contains the runtime, the bundle, the BPF object, the addon, the unit and a root-only conffile', () => {
    const listing = execFileSync('dpkg-deb', ['--contents', deb], { encoding: 'utf8' });
    const entry = (path: string): string | undefined => listing.split('\n').find((l) => l.endsWith(` .${path}`));
    for (const path of [
      '/opt/vigil-agent/bin/node',
      '/opt/vigil-agent/bin/vigil-agent-mounts',
      '/opt/vigil-agent/lib/dist/vigil-agent.js',
      '/opt/vigil-agent/lib/dist/vigil.bpf.o',
      '/opt/vigil-agent/lib/build/Release/vigil_bpf.node',
      '/opt/vigil-agent/package.json',
      '/usr/bin/vigil-agent',
      '/lib/systemd/system/vigil-agent.service',
      '/usr/share/vigil-agent/install.sh',
    ])
      expect(entry(path), path).toMatch(/^-rwx?r-xr-x root\/root|^-rw-r--r-- root\/root/);
    expect(entry('/etc/vigil/agent.conf')).toMatch(/^-rw------- root\/root/);
  });

  it('installs into a scratch root with dpkg --root (maintainer scripts confined to it)', () => {
    mkdirSync(join(root, 'var/lib/dpkg/info'), { recursive: true });
    mkdirSync(join(root, 'var/lib/dpkg/updates'), { recursive: true });
    writeFileSync(join(root, 'var/lib/dpkg/status'), '');
    // The scratch root has no libbpf1 & co. in its dpkg database (the host has them): only that is forced.
    const install = run('dpkg', ['--root', root, '--force-script-chrootless', '--force-depends', '--log=/dev/null', '-i', deb]);
    expect(install.status, install.stderr).toBe(0);
    const status = execFileSync('dpkg', ['--root', root, '-s', 'vigil-agent'], { encoding: 'utf8' });
    expect(status).toMatch(/^Status: install ok installed$/m);
    expect(statSync(join(root, 'etc/vigil/agent.conf')).mode & 0o777).toBe(0o600);
    expect(statSync(join(root, 'var/lib/vigil')).mode & 0o777).toBe(0o700);
    expect(existsSync(join(root, 'opt/vigil-agent/lib/dist/vigil.bpf.o'))).toBe(true);
  });

  it('passes systemd-analyze verify, and its offline security exposure stays below 5', () => {
    // verify resolves the unit's dependencies (sysinit.target, …): give the root systemd's own units.
    for (const dir of ['/lib/systemd/system', '/usr/lib/systemd/system'])
      if (existsSync(dir)) cpSync(dir, join(root, dir), { recursive: true, force: false, errorOnExist: false, dereference: false });
    const verify = run('systemd-analyze', ['verify', `--root=${root}`, 'vigil-agent.service']);
    // Unknown or malformed settings are only warnings (exit 0): any output is a failure.
    expect(verify.stderr + verify.stdout).toBe('');
    expect(verify.status).toBe(0);

    const security = run('systemd-analyze', ['security', '--offline=true', `--root=${root}`, '--threshold=50' /* tenths: 5.0 */, 'vigil-agent.service']);
    const exposure = /Overall exposure level for vigil-agent\.service: ([0-9.]+)/.exec(security.stdout)?.[1];
    process.stdout.write(`systemd-analyze security: exposure ${exposure}\n`);
    expect(security.status, security.stdout.slice(-2000)).toBe(0);

    const unit = readFileSync(join(root, 'lib/systemd/system/vigil-agent.service'), 'utf8');
    const setting = (k: string): string | undefined => new RegExp(`^${k}=(.*)$`, 'm').exec(unit)?.[1];
    expect(setting('Restart')).toBe('on-failure');
    expect(setting('ProtectSystem')).toBe('strict');
    expect(setting('ProtectHome')).toBe('yes');
    expect(setting('NoNewPrivileges')).toBe('yes');
    expect(setting('PrivateTmp')).toBe('yes');
    expect(setting('StateDirectory')).toBe('vigil');
    expect(setting('CapabilityBoundingSet')?.split(' ').sort()).toEqual(['CAP_BPF', 'CAP_DAC_READ_SEARCH', 'CAP_PERFMON', 'CAP_SYS_PTRACE', 'CAP_SYS_RESOURCE']);
  });

  it('a broken unit fails the same check (the check can fail)', () => {
    const broken = mkdtempSync(join(work, 'broken-'));
    // systemd's units and the package's unit; no /opt, and ExecStart names a binary that is not there.
    cpSync(join(root, 'lib/systemd'), join(broken, 'lib/systemd'), { recursive: true });
    if (existsSync(join(root, 'usr/lib/systemd'))) cpSync(join(root, 'usr/lib/systemd'), join(broken, 'usr/lib/systemd'), { recursive: true });
    const unitPath = join(broken, 'lib/systemd/system/vigil-agent.service');
    writeFileSync(unitPath, readFileSync(unitPath, 'utf8').replace('/opt/vigil-agent/bin/node', '/opt/vigil-agent/bin/missing-node').replace('ProtectSystem=strict', 'ProtectSystem=very'));
    const verify = run('systemd-analyze', ['verify', `--root=${broken}`, 'vigil-agent.service']);
    expect(verify.stderr).toMatch(/missing-node/);
    expect(verify.stderr).toMatch(/protect system value/i);
  });

  it('install.sh installs the downloaded config with mode 0600 and enables the unit; a wrong file is refused', () => {
    const configFile = join(work, 'vigil-agent-web-01.conf');
    const config = ['# downloaded from the Vigil web UI', 'api=https://ingest.example.org', 'key=vgk_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG', 'id=8d3c2f0e-6f4a-4c1b-9a57-2f1f6f0d7a11', 'name=web-01', 'batch_size=500', ''].join('\n');
    writeFileSync(configFile, config, { mode: 0o644 });
    const ok = run('sh', [join(root, 'usr/share/vigil-agent/install.sh'), configFile], { VIGIL_ROOT: root });
    expect(ok.status, ok.stderr).toBe(0);
    expect(readFileSync(join(root, 'etc/vigil/agent.conf'), 'utf8')).toBe(config);
    expect(statSync(join(root, 'etc/vigil/agent.conf')).mode & 0o777).toBe(0o600);
    const wants = join(root, 'etc/systemd/system/multi-user.target.wants/vigil-agent.service');
    expect(lstatSync(wants).isSymbolicLink()).toBe(true);
    expect(readlinkSync(wants)).toBe('/lib/systemd/system/vigil-agent.service');

    // A private CA (e.g. Caddy's internal root): installed beside the config and named as tls_ca.
    const caFile = join(work, 'root.crt');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(work, 'ca.key'), '-out', caFile, '-subj', '/CN=test CA', '-days', '1'], { stdio: 'ignore' });
    const withCa = run('sh', [join(root, 'usr/share/vigil-agent/install.sh'), '--ca', caFile, configFile], { VIGIL_ROOT: root });
    expect(withCa.status, withCa.stderr).toBe(0);
    expect(readFileSync(join(root, 'etc/vigil/agent.conf'), 'utf8')).toBe(`${config}tls_ca=/etc/vigil/gateway-ca.pem\n`);
    expect(readFileSync(join(root, 'etc/vigil/gateway-ca.pem'), 'utf8')).toBe(readFileSync(caFile, 'utf8'));
    const notPem = run('sh', [join(root, 'usr/share/vigil-agent/install.sh'), '--ca', configFile, configFile], { VIGIL_ROOT: root });
    expect(notPem.status).toBe(65);
    expect(notPem.stderr).toMatch(/not a PEM certificate/);

    const wrong = join(work, 'notes.txt');
    writeFileSync(wrong, 'api=https://ingest.example.org\n');
    const refused = run('sh', [join(root, 'usr/share/vigil-agent/install.sh'), wrong], { VIGIL_ROOT: root });
    expect(refused.status).toBe(65);
    expect(refused.stderr).toMatch(/lacks required key\(s\): key id/);
    expect(readFileSync(join(root, 'etc/vigil/agent.conf'), 'utf8')).toBe(`${config}tls_ca=/etc/vigil/gateway-ca.pem\n`);
  });

  it('the packaged agent captures for 1 s as root with only the unit’s capabilities', () => {
    // CAP_SYS_RESOURCE is in the unit but may be absent from a container's bounding set; the
    // capture does not need it on this kernel (memcg-accounted BPF memory, ≥ 5.11).
    const caps = ['bpf', 'perfmon', 'dac_read_search', 'sys_ptrace'];
    const set = `-all,${caps.map((c) => `+${c}`).join(',')}`;
    const capture = run('setpriv', [
      `--inh-caps=${set}`,
      `--ambient-caps=${set}`,
      `--bounding-set=${set}`,
      join(root, 'opt/vigil-agent/bin/node'),
      join(root, 'opt/vigil-agent/lib/dist/vigil-agent.js'),
      'capture',
      '--duration',
      '1',
    ]);
    expect(capture.status, capture.stderr).toBe(0);
    const lines = capture.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; events?: number; dropped?: number });
    const summary = lines.at(-1)!;
    expect(summary.type).toBe('summary');
    expect(summary.events).toBeGreaterThan(0);
    expect(lines.some((l) => l.type === 'process')).toBe(true);
    process.stdout.write(`packaged agent capture: ${lines.length - 1} records, ${summary.events} events, ${summary.dropped} dropped\n`);
  });
});
