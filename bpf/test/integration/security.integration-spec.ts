import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syscallNumber } from '@vigil/schemas';
import { VigilProbe, decodeBatch, EventType, type PathEvent, type SecurityEvent, type VigilEvent } from '../../src';
import { childEnv } from '@vigil/testing';

const FIXTURES = join(__dirname, 'fixtures');
const tmp = realpathSync(mkdtempSync(join(tmpdir(), 'vigil-bpf-sec-')));

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = childEnv()): Promise<number> {
  return new Promise((res, rej) => {
    const c = spawn(cmd, args, { stdio: 'ignore', env });
    c.on('error', rej);
    c.on('exit', () => res(c.pid!));
  });
}

const nr = (name: string): number => syscallNumber(name)!;
type Rec = PathEvent | SecurityEvent;

/**
 * The security vocabulary of libs/schemas/docs/security-events.md as the kernel captures it:
 * real syscalls from a child process (fixtures/secops.c), each seen with its arguments and result,
 * relative paths resolved against the cwd or the dfd, failed calls with ret < 0.
 */
describe('security records on the running kernel (root)', () => {
  let probe: VigilProbe;
  const events: VigilEvent[] = [];
  /** Records of pid, polling until `until` holds or 3 s passed. */
  const recordsOf = async (pid: number, until: (r: Rec[]) => boolean = () => true): Promise<Rec[]> => {
    let mine: Rec[] = [];
    for (let i = 0; i < 30; i++) {
      events.push(...decodeBatch(await probe.poll(100)).events);
      mine = events.filter((e): e is Rec => (e.type === EventType.Path || e.type === EventType.Security) && e.tgid === pid);
      if (until(mine)) break;
    }
    return mine;
  };

  beforeAll(() => {
    expect(process.getuid?.(), 'loads real BPF programs: run as root').toBe(0);
    probe = VigilProbe.start({ agentTgid: process.pid });
  });
  afterAll(() => probe?.close());

  describe('the calls of fixtures/secops.c', () => {
    let recs: Rec[] = [];
    let dir = '';
    const of = (name: string): Rec[] => recs.filter((r) => r.nr === nr(name));
    const path = (name: string): PathEvent[] => of(name).filter((r): r is PathEvent => r.type === EventType.Path);
    const sec = (name: string): SecurityEvent[] => of(name).filter((r): r is SecurityEvent => r.type === EventType.Security);

    beforeAll(async () => {
      const bin = join(tmp, 'secops');
      execFileSync('cc', ['-O2', '-o', bin, join(FIXTURES, 'secops.c')]);
      dir = join(tmp, 'work');
      mkdirSync(dir);
      const pid = await run(bin, [dir]);
      recs = await recordsOf(pid, (r) => r.some((e) => e.nr === nr('mount') && e.type === EventType.Path && e.paths[1] === join(dir, 'nodir')));
    });

    it('chmod family: the mode of a setuid chmod, a descriptor resolved to its path, failures with ret < 0', () => {
      expect(path('chmod')).toMatchObject([{ ret: 0n, paths: [join(dir, 'f'), ''], resolved: [true, false] }]);
      expect(Number(path('chmod')[0]!.args[1]).toString(8)).toBe('4755');
      expect(path('fchmod')).toMatchObject([{ ret: 0n, paths: [join(dir, 'f'), ''], resolved: [true, false] }]);
      expect(Number(path('fchmod')[0]!.args[1]).toString(8)).toBe('600');
      expect(path('fchmodat')).toMatchObject([{ ret: -2n, paths: [join(dir, 'missing'), ''] }]);
    });

    it('setxattr family: the xattr name of a setcap-like call; a failed lsetxattr', () => {
      expect(path('setxattr')).toMatchObject([{ ret: 0n, str: 'security.capability', paths: [join(dir, 'f'), ''] }]);
      expect(path('lsetxattr')).toMatchObject([{ ret: -2n, str: 'user.vigil', paths: [join(dir, 'missing'), ''] }]);
    });

    it('prctl: PR_SET_NAME with the new comm, and no record for other options', () => {
      expect(sec('prctl')).toHaveLength(1);
      expect(sec('prctl')[0]).toMatchObject({ ret: 0n, str: 'kworker/0:1' });
      expect(sec('prctl')[0]!.args[0]).toBe(15n);
    });

    it('utimensat / utimes', () => {
      expect(path('utimensat')).toMatchObject([{ ret: 0n, paths: [join(dir, 'f'), ''] }]);
      expect(path('utimes')).toMatchObject([{ ret: -2n, paths: [join(dir, 'missing'), ''] }]);
    });

    it('rename, link and symlink with both paths (a symlink target as given)', () => {
      expect(path('rename')).toMatchObject([{ ret: 0n, paths: [join(dir, 'f'), join(dir, 'g')], resolved: [true, true] }]);
      expect(path('renameat2')).toMatchObject([{ ret: -2n, paths: [join(dir, 'missing'), join(dir, 'g2')] }]);
      expect(path('link')).toMatchObject([{ ret: 0n, paths: [join(dir, 'g'), join(dir, 'h')] }]);
      expect(path('linkat')).toMatchObject([{ ret: -2n, paths: [join(dir, 'missing'), join(dir, 'h2')] }]);
      expect(path('symlink')).toMatchObject([{ ret: 0n, paths: ['/etc/shadow', join(dir, 's')], resolved: [false, true] }]);
      expect(path('symlinkat')).toMatchObject([{ ret: -2n, paths: ['/etc/shadow', join(dir, 'nodir/s')] }]);
    });

    it('mkdir, relative to a dfd too, the unlink family and mknod', () => {
      expect(path('mkdir').find((r) => r.paths[0] === join(dir, 'd'))).toMatchObject({ ret: 0n });
      expect(Number(path('mkdir').find((r) => r.paths[0] === join(dir, 'd'))!.args[1]).toString(8)).toBe('700');
      expect(path('mkdirat')).toMatchObject([{ ret: 0n, paths: [join(dir, 'd/sub'), ''] }]);
      expect(path('unlinkat')).toMatchObject([{ ret: 0n, paths: [join(dir, 'd/sub'), ''] }]);
      expect(path('rmdir')).toMatchObject([{ ret: 0n, paths: [join(dir, 'd'), ''] }]);
      expect(path('unlink')).toMatchObject([
        { ret: 0n, paths: [join(dir, 'h'), ''] },
        { ret: -2n, paths: [join(dir, 'missing'), ''] },
      ]);
      expect(path('mknod')).toMatchObject([{ ret: 0n, paths: [join(dir, 'fifo'), ''] }]);
      expect(Number(path('mknod')[0]!.args[1]).toString(8)).toBe('10644'); // S_IFIFO | 0644
    });

    it('truncate and ftruncate (a descriptor resolved to its path, which was renamed meanwhile)', () => {
      expect(path('truncate')).toMatchObject([
        { ret: 0n, paths: [join(dir, 'g'), ''] },
        { ret: -2n, paths: [join(dir, 'missing'), ''] },
      ]);
      expect(path('ftruncate')).toMatchObject([{ ret: 0n, paths: [join(dir, 'g'), ''], resolved: [true, false] }]);
      expect(path('ftruncate')[0]!.args[1]).toBe(10n);
    });

    it('process_vm_writev, unshare, setns, userfaultfd', () => {
      const pvw = sec('process_vm_writev');
      expect(pvw).toHaveLength(2);
      expect(pvw[0]!.ret).toBe(4n);
      expect(pvw[1]).toMatchObject({ ret: -3n }); // ESRCH
      expect(pvw[1]!.args[0]).toBe(0x3fffffffn);
      expect(sec('unshare')).toMatchObject([{ ret: 0n }]);
      expect(sec('unshare')[0]!.args[0]).toBe(0x20000n | 0x4000000n); // CLONE_NEWNS | CLONE_NEWUTS
      expect(sec('setns')).toMatchObject([{ ret: -9n }]); // EBADF
      expect(sec('setns')[0]!.args[1]).toBe(0x40000000n);
      expect(sec('userfaultfd')).toHaveLength(1);
    });

    it('mount: source, target, fstype, flags; a failed mount', () => {
      const m = path('mount');
      expect(m.map((r) => [r.ret, r.paths[0], r.paths[1], r.str])).toEqual([
        [0n, '', '/', ''],
        [0n, 'vigil-test', join(dir, 'mnt'), 'tmpfs'],
        [-2n, 'vigil-test', join(dir, 'nodir'), 'tmpfs'],
      ]);
      expect(m[1]!.args[3]).toBe(2n); // MS_NOSUID
    });
  });

  it('reports LD_PRELOAD, LD_LIBRARY_PATH and LD_AUDIT of an exec, however deep in the environment', async () => {
    const env = { PATH: '/usr/bin:/bin', PAD: 'x'.repeat(12_000), LD_BIND_NOW: '1', LD_PRELOADX: 'no', LD_AUDIT: '/nonexistent/audit.so', LD_LIBRARY_PATH: '/tmp/vigil-lib', LD_PRELOAD: '/nonexistent/vigil.so' };
    const pid = await run('/bin/true', [], env);
    const recs = (await recordsOf(pid, (r) => r.length >= 3)).filter((r): r is PathEvent => r.type === EventType.Path && r.nr === nr('execve'));
    expect(recs.map((r) => [r.str, r.paths[0]]).sort()).toEqual([
      ['LD_AUDIT', '/nonexistent/audit.so'],
      ['LD_LIBRARY_PATH', '/tmp/vigil-lib'],
      ['LD_PRELOAD', '/nonexistent/vigil.so'],
    ]);
    // the first variable of the environment too, and nothing without a loader variable
    const first = await run('/bin/true', [], { LD_PRELOAD: '/nonexistent/first.so', HOME: '/' });
    const plain = await run('/bin/true', [], { PATH: '/usr/bin:/bin', LD_BIND_NOW: '1', LANG: 'C' });
    const envRecs = (r: Rec[]): PathEvent[] => r.filter((e): e is PathEvent => e.type === EventType.Path);
    expect(envRecs(await recordsOf(first, (r) => envRecs(r).length > 0)).map((r) => [r.str, r.paths[0]])).toEqual([['LD_PRELOAD', '/nonexistent/first.so']]);
    expect(envRecs(await recordsOf(plain, () => false))).toEqual([]);
  });

  it('the raw sys_exit fallback completes path records too', async () => {
    const raw = VigilProbe.start({ agentTgid: process.pid, tracefs: mkdtempSync(join(tmpdir(), 'vigil-no-tracefs-')) });
    try {
      const file = join(tmp, 'raw-file');
      execFileSync('touch', [file]);
      const pid = await run('/bin/chmod', ['2750', file]);
      let got: PathEvent | undefined;
      for (let i = 0; i < 10 && !got; i++)
        got = decodeBatch(await raw.poll(100)).events.find((e): e is PathEvent => e.type === EventType.Path && e.tgid === pid);
      expect(got).toMatchObject({ ret: 0n, paths: [file, ''] });
      expect(Number(got!.args[2]).toString(8)).toBe('2750'); // coreutils chmod calls fchmodat
    } finally {
      await raw.close();
    }
  });
});
