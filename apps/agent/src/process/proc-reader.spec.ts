import { describe, expect, it } from 'vitest';
import { containerIdFromCgroup, parseStat, readProc } from './proc-reader';

describe('proc-reader', () => {
  it('parses stat with spaces and parentheses in comm', () => {
    const s = parseStat('1234 (my (odd) prog) S 77 1234 1234 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 98765 1000 1 ');
    expect(s).toEqual({ comm: 'my (odd) prog', ppid: 77, startTicks: 98765 });
  });

  it('finds container ids in docker, containerd and podman cgroups', () => {
    const id = 'a'.repeat(64);
    expect(containerIdFromCgroup(`/system.slice/docker-${id}.scope`)).toBe(id);
    expect(containerIdFromCgroup(`/kubepods/besteffort/pod1/cri-containerd-${id}.scope`)).toBe(id);
    expect(containerIdFromCgroup('/user.slice/user-0.slice/session-1.scope')).toBeNull();
  });

  it('reads the current process from the real /proc', () => {
    const me = readProc(process.pid)!;
    expect(me.pid).toBe(process.pid);
    expect(me.ppid).toBe(process.ppid);
    expect(me.exe).toBe(process.execPath);
    expect(me.cmdline[0]).toBe(process.argv0);
    expect(me.uid).toBe(process.getuid!());
  });
});
