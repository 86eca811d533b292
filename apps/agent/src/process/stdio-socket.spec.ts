import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hexAddress, isShellExe, stdioSocket } from './stdio-socket';

const TCP_HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';

describe('a shell on a network socket', () => {
  const root = mkdtempSync(join(tmpdir(), 'vigil-proc-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  /** A fake /proc/PID with descriptors 0–2 linked as given and the namespace's tcp/tcp6/unix tables. */
  const proc = (pid: number, fds: string[], tcp: string[] = [], tcp6: string[] = []): void => {
    mkdirSync(join(root, String(pid), 'fd'), { recursive: true });
    mkdirSync(join(root, String(pid), 'net'), { recursive: true });
    fds.forEach((target, fd) => symlinkSync(target, join(root, String(pid), 'fd', String(fd))));
    writeFileSync(join(root, String(pid), 'net', 'tcp'), [TCP_HEADER, ...tcp].join('\n') + '\n');
    writeFileSync(join(root, String(pid), 'net', 'tcp6'), [TCP_HEADER, ...tcp6].join('\n') + '\n');
    writeFileSync(join(root, String(pid), 'net', 'unix'), 'Num       RefCount Protocol Flags    Type St Inode Path\n0000: 00000002 00000000 00010000 0001 01 4242 /run/systemd/journal/stdout\n');
  };

  it('reads the peer of a TCP socket on stdin, and which of stdin, stdout and stderr it is', () => {
    proc(100, ['socket:[5151]', 'socket:[5151]', '/dev/pts/0'], [
      '   0: 0100007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 777 1 0000000000000000 100 0 0 10 0',
      '   1: 0100007F:9C40 0100007F:115C 01 00000000:00000000 00:00000000 00000000     0        0 5151 1 0000000000000000 20 4 30 10 -1',
    ]);
    expect(stdioSocket(100, root)).toEqual({ peer: '127.0.0.1:4444', fds: [0, 1] });
  });

  it('reads an IPv6 peer, and a v4-mapped one as v4', () => {
    proc(101, ['socket:[6000]', 'socket:[6000]', 'socket:[6000]'], [], [
      '   0: 00000000000000000000000001000000:9C40 00000000000000000000000001000000:01BB 01 00000000:00000000 00:00000000 00000000     0        0 6000 1 0 20 4 30 10 -1',
    ]);
    expect(stdioSocket(101, root)).toEqual({ peer: '[::1]:443', fds: [0, 1, 2] });
    expect(hexAddress('0000000000000000FFFF00000A00A8C0:0050')).toBe('192.168.0.10:80');
    expect(hexAddress('B80D0120000000000000000001000000:0035')).toBe('[2001:db8::1]:53');
  });

  it('sees nothing in a pipe, a tty, a unix socket (every service writes to journald through one), or a process gone', () => {
    proc(102, ['pipe:[99]', 'pipe:[98]', 'pipe:[98]']);
    expect(stdioSocket(102, root)).toBeNull();
    proc(103, ['socket:[4242]', 'socket:[4242]', 'socket:[4242]']);
    expect(stdioSocket(103, root)).toBeNull();
    expect(stdioSocket(999_999, root)).toBeNull();
  });

  it('checks shells only', () => {
    expect(['/bin/sh', '/usr/bin/bash', '/bin/busybox', 'dash'].map(isShellExe)).toEqual([true, true, true, true]);
    expect(['/usr/sbin/in.tftpd', '/usr/bin/python3', '/usr/bin/bashbug'].map(isShellExe)).toEqual([false, false, false]);
  });
});
