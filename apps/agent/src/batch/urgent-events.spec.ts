import { describe, expect, it } from 'vitest';
import { OpenUrgency, PathPrefixes, SENSITIVE_PATHS, isWriteOpen, urgentNet } from './urgent-events';

describe('urgent events', () => {
  const u = new OpenUrgency(['/opt/app/secrets/']);
  const at = (path: string, flags = 0, tgid = 42): boolean => u.urgent({ tgid, path, flags });

  it('knows write-opens by access mode and creation flags', () => {
    expect(isWriteOpen(0)).toBe(false);
    expect(isWriteOpen(0o2000000)).toBe(false); // O_CLOEXEC
    expect(isWriteOpen(0o1)).toBe(true);
    expect(isWriteOpen(0o2)).toBe(true);
    expect(isWriteOpen(0o100)).toBe(true);
    expect(isWriteOpen(0o2000)).toBe(true);
  });

  it('makes sensitive reads and non-routine writes urgent, routine ones not', () => {
    for (const p of ['/etc/shadow', '/etc/sudoers.d/x', '/root/.ssh/id_rsa', '/home/ann/.ssh/id_ed25519', '/home/ann/.aws/credentials', '/etc/cron.d/x', '/var/spool/cron/crontabs/root', '/etc/systemd/system/x.service', '/etc/profile.d/a.sh', '/home/ann/.bash_history', '/dev/mem', '/opt/app/secrets/key'])
      expect(at(p), p).toBe(true);
    for (const p of ['/etc/passwd', '/usr/lib/x86_64-linux-gnu/libc.so.6', '/etc/ld.so.cache', '/home/ann/notes.txt', '/dev/urandom', '/dev/null', '/proc/self/status', '/proc/42/maps'])
      expect(at(p), p).toBe(false);
    expect(at('/tmp/x', 0o101)).toBe(true);
    expect(at('/usr/bin/evil', 0o1101)).toBe(true);
    expect(at('out.o', 0o1101)).toBe(true);
    for (const p of ['/dev/null', '/dev/pts/3', '/proc/self/attr/current', '/sys/fs/cgroup/x']) expect(at(p, 0o1), p).toBe(false);
  });

  it("makes another process's memory, environment or maps urgent, not its own", () => {
    expect(at('/proc/77/mem', 2)).toBe(true);
    expect(at('/proc/77/environ')).toBe(true);
    expect(at('/proc/42/environ')).toBe(false);
    expect(at('/proc/77/status')).toBe(false);
  });

  it('matches * as one path component', () => {
    const p = new PathPrefixes(['/home/*/.kube/']);
    expect(p.matches('/home/ann/.kube/config')).toBe(true);
    expect(p.matches('/home/ann/x/.kube/config')).toBe(false);
  });

  it('matches exactly what testing every prefix would (bucketed by the character after the first)', () => {
    const prefixes = [...SENSITIVE_PATHS, '/opt/app/secrets/', '/', '/*/x/', '/o*t/', '/h', 'rel/'];
    // every prefix tested, as PathPrefixes did before the buckets
    const naive = (list: readonly string[]) => (path: string): boolean =>
      list.some((p) => (p.includes('*') ? new RegExp(`^${p.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]+')}`).test(path) : path.startsWith(p)));
    const cases = [
      { fast: new PathPrefixes(prefixes), slow: naive(prefixes) },
      { fast: new PathPrefixes(SENSITIVE_PATHS), slow: naive(SENSITIVE_PATHS) },
    ];
    const parts = ['', '/', 'etc', 'home', 'ann', '.ssh', 'shadow', 'usr', 'lib', 'systemd', 'system', 'x', 'opt', 'app', 'secrets', 'dev', 'mem', 'rel', '.kube', 'h', 'o', 'ot', 'cron.d', 'root'];
    let seed = 7;
    const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const paths = ['', '/', '/h', '/e', ...prefixes, ...SENSITIVE_PATHS.map((p) => p.replace('*', 'ann'))];
    for (let i = 0; i < 5000; i++) paths.push((rnd(4) ? '/' : '') + Array.from({ length: 1 + rnd(4) }, () => parts[rnd(parts.length)]).join('/'));
    let matched = 0;
    for (const path of paths)
      for (const { fast, slow } of cases) {
        expect(fast.matches(path), path).toBe(slow(path));
        if (slow(path)) matched++;
      }
    expect(matched).toBeGreaterThan(100); // the random paths reach the prefixes, not only their misses
  });

  it('names every urgent open to the addon (flags or a path prefix), and not a walk of /usr', () => {
    const { flags, prefixes } = u.mayBeUrgent;
    const named = (path: string, f: number): boolean => (f & flags) !== 0 || prefixes.some((p) => path.startsWith(p));
    const paths = ['/etc/shadow', '/etc/sudoers.d/x', '/root/.ssh/id_rsa', '/home/ann/.ssh/id_ed25519', '/home/ann/.aws/credentials', '/dev/mem', '/dev/sda1', '/opt/app/secrets/key', '/proc/77/mem', '/proc/77/environ', '/tmp/x', 'out.o', '/usr/share/doc/x', '/etc/passwd', '/home/ann/notes.txt'];
    for (const path of paths)
      for (const f of [0, 0o1, 0o2, 0o100, 0o1000, 0o2000, 0o2000000])
        if (u.urgent({ tgid: 42, path, flags: f })) expect(named(path, f), `${path} ${f.toString(8)}`).toBe(true);
    expect(named('/usr/share/doc/x', 0)).toBe(false);
    expect(named('/usr/lib/x86_64-linux-gnu/libc.so.6', 0o2000000)).toBe(false);
    expect(prefixes).toContain('/home/'); // a pattern's text before its '*'
  });

  it('sends inet network calls at once, unix ones with the window', () => {
    expect(urgentNet({ family: 2 })).toBe(true);
    expect(urgentNet({ family: 10 })).toBe(true);
    expect(urgentNet({ family: 1 })).toBe(false);
  });
});
