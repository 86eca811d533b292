import { EventType, type PathEvent, type SecurityEvent } from '@vigil/bpf';
import { syscallNumber } from '@vigil/schemas';
import { describe, expect, it } from 'vitest';
import { WindowBuilder } from '../batch/window-builder';
import { ProcessTable, type ProcessEntry } from '../process/process-table';
import { securityDetails } from './records';

const base = { tsNs: 0n, tgid: 10, tid: 10 };
const AT_FDCWD = BigInt.asUintN(64, -100n);
const nr = (name: string): number => syscallNumber(name)!;
const args = (...a: bigint[]): bigint[] => [...a, 0n, 0n, 0n, 0n, 0n, 0n].slice(0, 6);
const pathEv = (name: string, a: bigint[], paths: [string, string], opts: { ret?: bigint; str?: string; resolved?: [boolean, boolean] } = {}): PathEvent => ({
  ...base,
  type: EventType.Path,
  nr: nr(name),
  ret: opts.ret ?? 0n,
  args: args(...a),
  str: opts.str ?? '',
  paths,
  resolved: opts.resolved ?? [paths[0] !== '', paths[1] !== ''],
});
const secEv = (name: string, a: bigint[], str = '', ret = 0n): SecurityEvent => ({ ...base, type: EventType.Security, nr: nr(name), ret, args: args(...a), str });

/** The vocabulary of libs/schemas/docs/security-events.md, one case per kind and call shape. */
describe('securityDetails: kinds and args of the security-event vocabulary', () => {
  it.each([
    ['chmod (setuid, octal mode)', pathEv('chmod', [1n, 0o4755n], ['/usr/local/bin/x', '']), 'chmod', { path: '/usr/local/bin/x', mode: '4755' }],
    ['fchmodat', pathEv('fchmodat', [AT_FDCWD, 1n, 0o2750n], ['/srv/y', '']), 'chmod', { path: '/srv/y', mode: '2750' }],
    ['fchmod, descriptor resolved', pathEv('fchmod', [3n, 0o600n], ['/tmp/f', '']), 'chmod', { path: '/tmp/f', mode: '600' }],
    ['fchmod, descriptor unresolved', pathEv('fchmod', [7n, 0o644n], ['', '']), 'chmod', { path: 'fd:7', mode: '644' }],
    ['setxattr', pathEv('setxattr', [1n, 2n], ['/usr/bin/ping', ''], { str: 'security.capability' }), 'setxattr', { path: '/usr/bin/ping', name: 'security.capability' }],
    ['fsetxattr, unresolved', pathEv('fsetxattr', [4n, 2n], ['', ''], { str: 'user.x' }), 'setxattr', { path: 'fd:4', name: 'user.x' }],
    ['prctl PR_SET_NAME', secEv('prctl', [15n, 1n], 'kworker/0:1'), 'prctl_set_name', { name: 'kworker/0:1' }],
    ['utimensat with a path', pathEv('utimensat', [AT_FDCWD, 1n], ['/var/log/auth.log', '']), 'utimes', { path: '/var/log/auth.log' }],
    ['utimensat on a descriptor (NULL path), unresolved', pathEv('utimensat', [5n, 0n], ['', '']), 'utimes', { path: 'fd:5' }],
    ['utimes', pathEv('utimes', [1n], ['/etc/x', '']), 'utimes', { path: '/etc/x' }],
    ['unlinkat', pathEv('unlinkat', [AT_FDCWD, 1n, 0n], ['/root/.bash_history', '']), 'unlink', { path: '/root/.bash_history' }],
    ['rmdir', pathEv('rmdir', [1n], ['/tmp/d', '']), 'unlink', { path: '/tmp/d' }],
    ['renameat2', pathEv('renameat2', [AT_FDCWD, 1n, AT_FDCWD, 2n, 0n], ['/tmp/a', '/usr/bin/sshd']), 'rename', { from: '/tmp/a', to: '/usr/bin/sshd' }],
    ['linkat', pathEv('linkat', [AT_FDCWD, 1n, AT_FDCWD, 2n, 0n], ['/etc/shadow', '/tmp/s']), 'link', { target: '/etc/shadow', path: '/tmp/s' }],
    ['symlink (target as given)', pathEv('symlink', [1n, 2n], ['../etc/shadow', '/tmp/l'], { resolved: [false, true] }), 'symlink', { target: '../etc/shadow', path: '/tmp/l' }],
    ['mkdirat', pathEv('mkdirat', [AT_FDCWD, 1n, 0o755n], ['/usr/bin/.x', '']), 'mkdir', { path: '/usr/bin/.x', mode: '755' }],
    ['mknod (type bits kept)', pathEv('mknod', [1n, 0o20666n, 0x103n], ['/dev/evil', '']), 'mknod', { path: '/dev/evil', mode: '20666' }],
    ['ftruncate to 0', pathEv('ftruncate', [3n, 0n], ['/var/log/wtmp', '']), 'truncate', { path: '/var/log/wtmp', length: '0' }],
    ['truncate', pathEv('truncate', [1n, 4096n], ['/x', '']), 'truncate', { path: '/x', length: '4096' }],
    ['process_vm_writev', secEv('process_vm_writev', [1234n]), 'process_vm_writev', { target_pid: '1234' }],
    ['unshare', secEv('unshare', [0x10000000n]), 'unshare', { flags: '0x10000000' }],
    ['setns', secEv('setns', [3n, 0x40000000n]), 'setns', { fd: '3', nstype: '0x40000000' }],
    ['userfaultfd', secEv('userfaultfd', [0o2000000n]), 'userfaultfd', { flags: String(0o2000000) }],
    ['socket AF_PACKET SOCK_RAW ETH_P_ALL, flags masked off', secEv('socket', [17n, 3n | 0o2000000n | 0o4000n, 768n], '', 3n), 'raw_socket', { family: '17', type: '3', protocol: '768' }],
    ['socket AF_INET SOCK_RAW IPPROTO_TCP', secEv('socket', [2n, 3n, 6n], '', 4n), 'raw_socket', { family: '2', type: '3', protocol: '6' }],
    ['socket AF_INET SOCK_PACKET (the old interface)', secEv('socket', [2n, 10n, 768n], '', 5n), 'raw_socket', { family: '2', type: '10', protocol: '768' }],
    ['socket AF_PACKET SOCK_DGRAM', secEv('socket', [17n, 2n, 8n], '', 3n), 'raw_socket', { family: '17', type: '2', protocol: '8' }],
    ['setsockopt SO_ATTACH_FILTER on a packet socket', secEv('setsockopt', [3n, 1n, 26n, 17n, 3n | 0o4000n, 768n]), 'socket_filter', { option: 'attach_filter', fd: '3', family: '17', type: '3', protocol: '768' }],
    ['setsockopt SO_ATTACH_BPF on a gone descriptor', secEv('setsockopt', [9n, 1n, 50n, 0n, 0n, 0n]), 'socket_filter', { option: 'attach_bpf', fd: '9', family: '0', type: '0', protocol: '0' }],
    ['mount', pathEv('mount', [1n, 2n, 3n, 0x1000n], ['/dev/sda1', '/mnt'], { str: 'ext4', resolved: [false, true] }), 'mount', { source: '/dev/sda1', target: '/mnt', fstype: 'ext4', flags: '0x1000' }],
    ['exec_env', pathEv('execve', [], ['/tmp/x.so', ''], { str: 'LD_PRELOAD', resolved: [false, false] }), 'exec_env', { var: 'LD_PRELOAD', value: '/tmp/x.so' }],
  ])('%s', (_name, ev, kind, expected) => {
    expect(securityDetails(ev)).toEqual({ kind, args: expected });
  });

  it('keeps the kinds that were there (memfd_create, ptrace, setuid family)', () => {
    expect(securityDetails(secEv('memfd_create', [1n, 1n], 'x'))).toEqual({ kind: 'memfd_create', args: { name: 'x', flags: '1' } });
    expect(securityDetails(secEv('ptrace', [16n, 42n]))).toEqual({ kind: 'ptrace', args: { request: '16', target_pid: '42' } });
    expect(securityDetails(secEv('setresuid', [0n, 0n, 0n]))).toEqual({ kind: 'setresuid', args: { arg0: '0', arg1: '0', arg2: '0' } });
  });
});

const procEntry = (): ProcessEntry => ({
  ...{ pid: 10, ppid: 1, startNs: 0, exe: '/usr/bin/mv', exeHash: null, comm: 'mv', comms: new Set(['mv']), cmdline: [], uid: 0, gid: 0, cgroup: '/', containerId: null },
  ...{ ancestry: [], selected: true, exited: false, exitCode: null, syscalls: new Map([[82, 1]]), ngrams: new Map(), drops: {}, partial: false },
});

describe('security records in telemetry windows', () => {
  it('a failed rename lands in ProcessActivity.security with both paths and ret < 0', () => {
    const w = new WindowBuilder(3);
    const p = procEntry();
    w.onSecurity(p, pathEv('rename', [1n, 2n], ['/tmp/a', '/etc/ld.so.preload'], { ret: -13n }));
    const [act] = w.take([p], 0);
    expect(act!.security).toMatchObject([{ kind: 'rename', ret: -13, args: { from: '/tmp/a', to: '/etc/ld.so.preload' } }]);
  });

  it('an mmap_exec at an address whose low 32 bits look negative is reported as success (ret 0: an address is not an int, and -errno stays)', () => {
    const w = new WindowBuilder(3);
    const p = { ...procEntry(), pid: 11 };
    w.onSecurity(p, secEv('mmap', [0n, 4096n, 5n, 2n, 3n], '', 0x7f1284567000n));
    w.onSecurity(p, secEv('mmap', [0n, 4096n, 5n, 2n, 3n], '', -12n));
    const [act] = w.take([p], 0);
    expect(act!.security.map((s) => [s.kind, s.ret])).toEqual([
      ['mmap_exec', 0],
      ['mmap_exec', -12],
    ]);
  });

  it('sends a repeated security record once a window (the first), and again in the next window', () => {
    const w = new WindowBuilder(3);
    const p = procEntry();
    const chmod = (mode: bigint, ret = 0n): PathEvent => pathEv('chmod', [1n, mode], ['/tmp/f', ''], { ret });
    for (let i = 0; i < 1000; i++) w.onSecurity(p, chmod(i % 2 ? 0o644n : 0o600n));
    w.onSecurity(p, chmod(0o644n, -1n));
    expect(w.take([p], 0)[0]!.security.map((s) => [s.args.mode, s.ret])).toEqual([
      ['600', 0],
      ['644', 0],
      ['644', -1],
    ]);
    w.onSecurity(p, chmod(0o600n));
    expect(w.take([p], 0)[0]!.security.map((s) => s.args.mode)).toEqual(['600']);
  });

  it("marks an unlink of a running program's executable with the pids that run it (a dropper deleting itself), and only then", () => {
    const w = new WindowBuilder(3);
    const p = procEntry();
    const table = new ProcessTable(() => true, 1, '/nonexistent-proc');
    for (const [pid, exe, exited] of [[40, '/tmp/.x/implant', false], [41, '/tmp/.x/implant', false], [42, '/tmp/.x/old', true], [43, '/usr/bin/sleep', false]] as const) {
      Object.assign(table.ensure(pid), { exe, exited });
    }
    const unlink = (path: string, ret = 0n): PathEvent => pathEv('unlinkat', [AT_FDCWD, 1n, 0n], [path, ''], { ret });
    w.onSecurity(p, unlink('/tmp/.x/implant'), table);
    w.onSecurity(p, unlink('/tmp/.x/old'), table); // its process has exited: an ordinary clean-up
    w.onSecurity(p, unlink('/tmp/.x/implant-2', -2n), table);
    w.onSecurity(p, unlink('/tmp/build/a.out'), table);
    expect(w.take([p], 0)[0]!.security.map((s) => s.args)).toEqual([{ path: '/tmp/.x/implant', running_pids: '40,41' }, { path: '/tmp/.x/old' }, { path: '/tmp/.x/implant-2' }, { path: '/tmp/build/a.out' }]);
  });
});
