import { describe, expect, it } from 'vitest';
import { accessMode } from '../detection/paths';
import { cString, newCallState, openFlags, splitArgs, straceCall, sysdigCall, sysdigParams } from './trace-records';

const params = (line: string): Map<string, string> => sysdigParams(line.split(' '), 0);

describe('strace arguments', () => {
  it('splits at top-level commas and reads C strings as strace escapes them', () => {
    expect(splitArgs('AT_FDCWD, "a,b", [1, 2], {x=1, y=2}, f(3, 4)')).toEqual(['AT_FDCWD', '"a,b"', '[1, 2]', '{x=1, y=2}', 'f(3, 4)']);
    expect(cString('"a\\"b\\n\\x41\\101"')).toBe('a"b\nAA');
    expect(cString('"/very/long/pa"...')).toBe('/very/long/pa');
    expect(cString('NULL')).toBeNull();
    expect(openFlags('O_WRONLY|O_CREAT|O_TRUNC')).toBe(0o1101);
    expect(openFlags('577')).toBe(577);
    expect(accessMode(openFlags('4097(O_RDONLY|O_CLOEXEC)'))).toBe('read');
  });

  it('records opens with their path, flags and result, resolving a relative path', () => {
    const s = newCallState();
    expect(straceCall('openat', 'AT_FDCWD, "/etc/shadow", O_RDONLY|O_CLOEXEC', '3', 4, s).record).toEqual({ kind: 'open', at: 4, path: '/etc/shadow', flags: 0o2000000, ret: 3 });
    expect(straceCall('open', '"/nope", O_RDONLY', '-1 ENOENT (No such file or directory)', 5, s).record).toMatchObject({ path: '/nope', ret: -1 });
    const created = straceCall('creat', '"/tmp/x", 0644', '3', 6, s).record;
    expect(created?.kind === 'open' && accessMode(created.flags)).toBe('write+create');
    // -yy names the directory descriptor and the file opened
    expect(straceCall('openat', '3</etc>, "shadow", O_RDONLY', '4', 7, s).record).toMatchObject({ path: '/etc/shadow' });
    expect(straceCall('openat', 'AT_FDCWD, "shadow", O_RDONLY', '4</etc/shadow>', 8, s).record).toMatchObject({ path: '/etc/shadow' });
    // cd then a relative open: the working directory is followed
    straceCall('chdir', '"/etc/cron.d"', '0', 9, s);
    expect(straceCall('openat', 'AT_FDCWD, "job", O_WRONLY|O_CREAT|O_TRUNC, 0666', '3', 10, s).record).toMatchObject({ path: '/etc/cron.d/job', flags: 0o1101 });
  });

  it('records execs with their argv, and a failed one with its error', () => {
    const s = newCallState();
    expect(straceCall('execve', '"/bin/sh", ["sh", "-c", "id"], 0x7ffc /* 20 vars */', '0', 0, s).record).toEqual({ kind: 'exec', at: 0, filename: '/bin/sh', argv: ['sh', '-c', 'id'], ret: 0 });
    expect(straceCall('execve', '"/usr/local/bin/x", ["x"], 0x1', '-1 ENOENT (No such file or directory)', 1, s).record).toMatchObject({ ret: -1 });
    expect(straceCall('execveat', '3, "", ["memfd"], 0x1, AT_EMPTY_PATH', '0', 2, s).record).toMatchObject({ filename: '', argv: ['memfd'] });
  });

  it('records connects, binds, listens (on the bound address) and accepts with their peers', () => {
    const s = newCallState();
    expect(straceCall('connect', '3, {sa_family=AF_INET, sin_port=htons(4444), sin_addr=inet_addr("10.0.0.5")}, 16', '-1 ECONNREFUSED (Connection refused)', 1, s).record).toEqual({ kind: 'net', at: 1, op: 'CONNECT', family: 'INET', addr: '10.0.0.5', port: 4444, ret: -1 });
    expect(straceCall('connect', '4, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}, 28', '0', 2, s).record).toMatchObject({ family: 'INET6', addr: '::1', port: 443 });
    expect(straceCall('connect', '5, {sa_family=AF_UNIX, sun_path="/run/dbus/system_bus_socket"}, 110', '0', 3, s).record).toMatchObject({ family: 'UNIX', addr: '/run/dbus/system_bus_socket' });
    straceCall('bind', '6, {sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr("0.0.0.0")}, 16', '0', 4, s);
    expect(straceCall('listen', '6, 128', '0', 5, s).record).toEqual({ kind: 'net', at: 5, op: 'LISTEN', family: 'INET', addr: '0.0.0.0', port: 8080, ret: 0 });
    expect(straceCall('accept4', '6, {sa_family=AF_INET, sin_port=htons(51000), sin_addr=inet_addr("192.0.2.7")}, [16], SOCK_CLOEXEC', '7', 6, s).record).toMatchObject({ op: 'ACCEPT', addr: '192.0.2.7' });
  });

  it('tells a forked child from a new thread', () => {
    const s = newCallState();
    expect(straceCall('clone', 'child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f', '812', 1, s).hint).toEqual({ kind: 'child', child: '812' });
    expect(straceCall('clone3', '{flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM, child_tid=0x7f}, 88', '813', 2, s).hint).toEqual({ kind: 'thread', tid: '813' });
    expect(straceCall('vfork', '', '814', 3, s).hint).toEqual({ kind: 'child', child: '814' });
    expect(straceCall('clone', 'child_stack=NULL, flags=SIGCHLD', '0', 4, s).hint).toBeUndefined();
  });
});

describe('security-relevant calls, as the agent sends them', () => {
  const sec = (name: string, args: string, result: string, s = newCallState()) => {
    const r = straceCall(name, args, result, 0, s).record;
    return r?.kind === 'security' ? { event: r.event, args: r.args, ret: r.ret } : r;
  };

  it('names paths, modes, requests and ids as the agent does', () => {
    expect(sec('fchmodat', 'AT_FDCWD, "/tmp/sh", 04755', '0')).toEqual({ event: 'chmod', args: { path: '/tmp/sh', mode: '4755' }, ret: 0 });
    expect(sec('chmod', '"/usr/local/bin/x", S_ISUID|0755', '0')).toMatchObject({ args: { mode: '755' } });
    expect(sec('unlinkat', 'AT_FDCWD, "/var/log/auth.log", 0', '0')).toEqual({ event: 'unlink', args: { path: '/var/log/auth.log' }, ret: 0 });
    expect(sec('renameat2', 'AT_FDCWD, "/root/.bash_history", AT_FDCWD, "/tmp/h", RENAME_NOREPLACE', '0')).toMatchObject({ event: 'rename', args: { from: '/root/.bash_history', to: '/tmp/h' } });
    expect(sec('symlinkat', '"/dev/null", AT_FDCWD, "/root/.bash_history"', '0')).toMatchObject({ event: 'symlink', args: { target: '/dev/null', path: '/root/.bash_history' } });
    expect(sec('utimensat', 'AT_FDCWD, "/etc/cron.d/update", [{tv_sec=1577836800, tv_nsec=0}, {tv_sec=1577836800, tv_nsec=0}], 0', '0')).toMatchObject({ event: 'utimes', args: { path: '/etc/cron.d/update' } });
    // a futimens (no path) is not a timestomp the agent names
    expect(sec('utimensat', '3, NULL, NULL, 0', '0')).toBeUndefined();
    expect(sec('ptrace', 'PTRACE_TRACEME', '0')).toEqual({ event: 'ptrace', args: { request: '0', target_pid: '0' }, ret: 0 });
    expect(sec('ptrace', 'PTRACE_ATTACH, 4242', '0')).toMatchObject({ args: { request: '16', target_pid: '4242' } });
    expect(sec('setuid', '0', '-1 EPERM (Operation not permitted)')).toEqual({ event: 'setuid', args: { arg0: '0' }, ret: -1 });
    expect(sec('setresuid', '0, 0, 0', '0')).toMatchObject({ args: { arg0: '0', arg1: '0', arg2: '0' } });
    expect(sec('memfd_create', '"x", MFD_CLOEXEC', '3')).toEqual({ event: 'memfd_create', args: { name: 'x', flags: '1' }, ret: 3 });
    expect(sec('mprotect', '0x7f0000000000, 4096, PROT_READ|PROT_WRITE|PROT_EXEC', '0')).toMatchObject({ event: 'mprotect_exec', args: { prot: '7' } });
    expect(sec('mprotect', '0x7f0000000000, 4096, PROT_READ', '0')).toBeUndefined();
    expect(sec('socket', 'AF_PACKET, SOCK_RAW, htons(ETH_P_ALL)', '3')).toEqual({ event: 'raw_socket', args: { family: '17', type: '3', protocol: '768' }, ret: 3 });
    expect(sec('socket', 'AF_INET, SOCK_RAW|SOCK_CLOEXEC, IPPROTO_TCP', '4')).toMatchObject({ args: { family: '2', type: '3', protocol: '6' } });
    expect(sec('socket', 'AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_TCP', '3')).toBeUndefined();
    expect(sec('socket', 'AF_NETLINK, SOCK_RAW|SOCK_CLOEXEC, NETLINK_ROUTE', '3')).toBeUndefined();
    expect(sec('socket', 'AF_PACKET, SOCK_RAW, htons(ETH_P_ALL)', '-1 EPERM (Operation not permitted)')).toBeUndefined();
  });

  it('sees a socket made standard input and output (a shell served over the network)', () => {
    const s = newCallState();
    straceCall('connect', '3, {sa_family=AF_INET, sin_port=htons(4444), sin_addr=inet_addr("127.0.0.1")}, 16', '0', 0, s);
    expect(sec('dup2', '3, 0', '0', s)).toEqual({ event: 'stdio_socket', args: { peer: '127.0.0.1:4444', fds: '0' }, ret: 0 });
    expect(sec('dup2', '3, 7', '7', s)).toBeUndefined();
    // a file descriptor that is no socket
    expect(sec('dup2', '5, 1', '1', s)).toBeUndefined();
  });
});

describe('sysdig arguments (LID-DS, sysdig)', () => {
  it('records an open from its exit event, with sysdig flag names', () => {
    const s = newCallState();
    const r = sysdigCall('openat', params('dirfd=-100(AT_FDCWD) name=/etc/shadow flags=1(O_RDONLY) mode=0'), params('fd=5(<f>/etc/shadow) dirfd=-100(AT_FDCWD) name=/etc/shadow flags=1(O_RDONLY) mode=0 dev=803'), 3, s);
    expect(r.record).toEqual({ kind: 'open', at: 3, path: '/etc/shadow', flags: 0, ret: 5 });
    expect(sysdigCall('open', params(''), params('fd=-2(ENOENT) name=/nope flags=4097(O_RDONLY|O_CLOEXEC) mode=0'), 4, s).record).toMatchObject({ path: '/nope', ret: -2 });
    expect(sysdigCall('open', params(''), params('fd=3(<f>/tmp/x) name=x(/tmp/x) flags=38(O_WRONLY|O_CREAT|O_TRUNC) mode=0644'), 5, s).record).toMatchObject({ path: '/tmp/x', flags: 0o1101 });
  });

  it('records the security-relevant calls the agent sends, from their events', () => {
    const s = newCallState('/var/www');
    const sec = (name: string, enter: string, exit: string) => {
      const r = sysdigCall(name, params(enter), params(exit), 0, s).record;
      return r?.kind === 'security' ? { event: r.event, args: r.args, ret: r.ret } : r;
    };
    expect(sec('fchmodat', '', 'res=0 dirfd=-100(AT_FDCWD) filename=shell.php(/var/www/uploads/shell.php) mode=0755 flags=0')).toEqual({ event: 'chmod', args: { path: '/var/www/uploads/shell.php', mode: '755' }, ret: 0 });
    expect(sec('chmod', '', 'res=0 filename=/tmp/x mode=2541(S_ISUID|S_IRWXU|S_IRGRP|S_IXGRP|S_IROTH|S_IXOTH)')).toMatchObject({ args: { path: '/tmp/x', mode: '4755' } });
    expect(sec('unlinkat', '', 'res=0 dirfd=-100(AT_FDCWD) name=/var/log/auth.log flags=0')).toEqual({ event: 'unlink', args: { path: '/var/log/auth.log' }, ret: 0 });
    expect(sec('renameat2', '', 'res=0 olddirfd=-100(AT_FDCWD) oldpath=/root/.bash_history newdirfd=-100(AT_FDCWD) newpath=/tmp/h flags=0')).toMatchObject({ event: 'rename', args: { from: '/root/.bash_history', to: '/tmp/h' } });
    expect(sec('symlinkat', '', 'res=0 target=/dev/null linkdirfd=-100(AT_FDCWD) linkpath=/root/.bash_history')).toMatchObject({ event: 'symlink', args: { target: '/dev/null', path: '/root/.bash_history' } });
    expect(sec('ptrace', 'request=16(PTRACE_ATTACH) pid=4242', 'res=0')).toEqual({ event: 'ptrace', args: { request: '16', target_pid: '4242' }, ret: 0 });
    expect(sec('setuid', 'uid=0(root)', 'res=-1(EPERM)')).toEqual({ event: 'setuid', args: { arg0: '0' }, ret: -1 });
    expect(sec('setuid', 'uid=1000(alice)', 'res=0')).toMatchObject({ args: { arg0: '1000' } });
    expect(sec('mprotect', 'addr=7F0000000000 length=4096 prot=7(PROT_READ|PROT_WRITE|PROT_EXEC)', 'res=0')).toMatchObject({ event: 'mprotect_exec', args: { prot: '7' } });
    expect(sec('mprotect', 'addr=7F0000000000 length=4096 prot=1(PROT_READ)', 'res=0')).toBeUndefined();
  });

  it('records an exec from its two events, a child from clone, peers from tuples', () => {
    const s = newCallState();
    expect(sysdigCall('execve', params('filename=/bin/sh'), params('res=0 exe=sh args=-c.id. tid=900 pid=900 ptid=899 cwd= comm=sh'), 7, s).record).toEqual({ kind: 'exec', at: 7, filename: '/bin/sh', argv: ['sh', '-c', 'id'], ret: 0 });
    expect(sysdigCall('clone', params(''), params('res=901 exe=/usr/sbin/apache2 args= tid=899 pid=899 ptid=1 flags=25165824(CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID)'), 8, s).hint).toEqual({ kind: 'child', child: '901' });
    expect(sysdigCall('clone', params(''), params('res=902 tid=899 pid=899 flags=4001536(CLONE_FILES|CLONE_FS|CLONE_SIGHAND|CLONE_SYSVSEM|CLONE_THREAD|CLONE_VM)'), 9, s).hint).toEqual({ kind: 'thread', tid: '902' });
    expect(sysdigCall('connect', params('fd=4'), params('res=0 tuple=172.17.0.2:41000->198.51.100.9:4444'), 10, s).record).toEqual({ kind: 'net', at: 10, op: 'CONNECT', family: 'INET', addr: '198.51.100.9', port: 4444, ret: 0 });
    expect(sysdigCall('accept4', params('flags=0'), params('fd=9(<4t>172.17.0.1:41290->172.17.0.2:80) tuple=172.17.0.1:41290->172.17.0.2:80 queuepct=0'), 11, s).record).toMatchObject({ op: 'ACCEPT', addr: '172.17.0.1', port: 41290, ret: 9 });
  });
});
