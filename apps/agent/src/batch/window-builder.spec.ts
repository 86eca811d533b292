import { EventType, type OpenEvent, type NetEvent } from '@vigil/bpf';
import { describe, expect, it } from 'vitest';
import type { ProcessEntry } from '../process/process-table';
import { execCallerIsParent } from '../collector/collector';
import { WindowBuilder } from './window-builder';

const proc = (pid: number, syscalls: [number, number][]): ProcessEntry => ({
  pid,
  ppid: 1,
  startNs: 0,
  exe: '/usr/bin/x',
  comm: 'x',
  comms: new Set(['x']),
  cmdline: [],
  uid: 0,
  gid: 0,
  cgroup: '/',
  containerId: null,
  ancestry: ['/sbin/init'],
  selected: true,
  exited: false,
  exitCode: null,
  syscalls: new Map(syscalls),
  ngrams: new Map(),
  drops: {},
  partial: false,
});
const base = { tsNs: 0n, tgid: 10, tid: 10 };
const open = (path: string, ret: number, flags = 0): OpenEvent => ({ ...base, type: EventType.Open, nr: 257, dfd: -100, flags, mode: 0, ret, path });

describe('WindowBuilder', () => {
  it('reports count deltas per window and skips idle processes', () => {
    const w = new WindowBuilder(3);
    const p = proc(10, [[110, 5], [0, 2]]);
    expect(w.take([p], 999)[0]!.syscalls).toEqual({ getppid: 5, read: 2 });
    p.syscalls = new Map([[110, 8], [0, 2]]);
    expect(w.take([p], 999)[0]!.syscalls).toEqual({ getppid: 3 });
    expect(w.take([p], 999)).toEqual([]);
  });

  it('aggregates opens by (path, flags, success) and connects by peer', () => {
    const w = new WindowBuilder(3);
    const p = proc(10, [[257, 3]]);
    w.onOpen(p, open('/etc/passwd', 3));
    w.onOpen(p, open('/etc/passwd', 4));
    w.onOpen(p, open('/etc/passwd', -13));
    w.onOpen(p, open('/etc/shadow', -13));
    w.onOpen(p, open('/etc/passwd', 5, 0o1));
    w.onOpen(p, open('/etc/passwd', -13));
    w.onOpen(p, open('/etc/passwd', 6, 0o1));
    w.onOpen(p, { ...open('/etc/hosts', 3), count: 85_000 }); // aggregated by the addon
    w.onOpen(p, open('/etc/hosts', 4));
    const net: NetEvent = { ...base, type: EventType.Net, nr: 42, ret: 0, fd: 3, family: 2, port: 443, addr: '10.0.0.1' };
    w.onNet(p, net);
    w.onNet(p, net);
    const [a] = w.take([p], 999);
    expect(a!.files.map((f) => [f.path, f.flags, f.ret, f.count])).toEqual([
      ['/etc/passwd', 0, 0, 2],
      ['/etc/passwd', 0, -13, 2],
      ['/etc/passwd', 1, 0, 2],
      ['/etc/shadow', 0, -13, 1],
      ['/etc/hosts', 0, 0, 85_001],
    ]);
    expect(w.take([p], 999)).toEqual([]);
    expect(a!.network).toMatchObject([{ op: 'CONNECT', family: 'INET', addr: '10.0.0.1', port: 443, count: 2 }]);
  });

  it('reports an ended process once with its final counts and never the agent', () => {
    const w = new WindowBuilder(3);
    const p = proc(10, [[110, 1]]);
    w.take([p], 999);
    p.syscalls = new Map([[110, 4]]);
    p.exited = true;
    p.exitCode = 0;
    w.onProcessEnd(p);
    const out = w.take([proc(999, [[1, 100]])], 999);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ pid: 10, exited: true, exitCode: 0, syscalls: { getppid: 3 } });
  });

  it('records a fork+exec on the calling parent program, a failed exec or an exec without fork on the process', () => {
    const parent = { pid: 5, exe: '/usr/sbin/nginx' };
    expect(execCallerIsParent(0, { exe: '/usr/sbin/nginx' }, parent, 999)).toBe(true);
    expect(execCallerIsParent(-2, { exe: '/usr/sbin/nginx' }, parent, 999)).toBe(false);
    expect(execCallerIsParent(0, { exe: '/usr/bin/bash' }, parent, 999)).toBe(false);
    expect(execCallerIsParent(0, { exe: '/usr/sbin/nginx' }, parent, 5)).toBe(false);
    expect(execCallerIsParent(0, undefined, parent, 999)).toBe(false);

    const w = new WindowBuilder(3);
    const nginx = { ...proc(5, []), exe: '/usr/sbin/nginx' };
    const child = { ...proc(10, [[59, 1]]), ppid: 5, exe: '/usr/bin/dash', ancestry: ['/usr/sbin/nginx', '/sbin/init'] };
    const exec = { ...base, type: EventType.Exec, ppid: 5, ret: 0, filename: '/bin/sh', exe: '/usr/bin/dash', argv: ['sh', '-c', 'id'], comm: 'sh', uid: 0, gid: 0 } as Parameters<WindowBuilder['onExec']>[1];
    w.onExec(child, exec, '/usr/sbin/nginx', nginx);
    const out = w.take([nginx, child], 999);
    expect(out.find((p) => p.pid === 5)!.execs).toMatchObject([{ filename: '/usr/bin/dash', argv: ['sh', '-c', 'id'], ret: 0 }]);
    expect(out.find((p) => p.pid === 10)!.execs).toEqual([]);
  });
});
