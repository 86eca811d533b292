import { EventType, LAYOUTS, decodeEvent, type ExecEvent, type OpenEvent, type NetEvent, type SecurityEvent } from '@vigil/bpf';
import { TelemetryBatchV1Schema, avroType, checkTelemetryInvariants, sampleTelemetryBatch, syscallNumber } from '@vigil/schemas';
import { describe, expect, it } from 'vitest';
import type { ProcessEntry } from '../process/process-table';
import { execCallerIsParent } from '../collector/collector';
import { securityRet } from './security-ret';
import { WindowBuilder } from './window-builder';

const proc = (pid: number, syscalls: [number, number][]): ProcessEntry => ({
  pid,
  ppid: 1,
  startNs: 0,
  exe: '/usr/bin/x',
  exeHash: null,
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
const URGENT = { perProcess: 20, global: 200 };
const exec = (over: Partial<ExecEvent> = {}): ExecEvent => ({ ...base, type: EventType.Exec, ppid: 5, ret: 0, filename: '/usr/bin/awk', exe: '/usr/bin/awk', argv: ['awk', '1'], comm: 'awk', uid: 0, gid: 0, ...over }) as ExecEvent;
const base = { tsNs: 0n, tgid: 10, tid: 10 };
const nr = (name: string): number => syscallNumber(name)!;
const open = (path: string, ret: number, flags = 0): OpenEvent => ({ ...base, type: EventType.Open, nr: nr('openat'), dfd: -100, flags, mode: 0, ret, path });

/**
 * An open record as the kernel writes it for a relative path (vigil_events.h): the path, then the
 * directory it walked (components leaf first), decoded like the agent decodes the ring buffer.
 */
const relativeOpen = (given: string, dirLeafFirst: string[], flags = 0, ret = 3): OpenEvent => {
  const O = LAYOUTS.vigil_open_event!.fields;
  const H = LAYOUTS.vigil_event_header!.fields;
  const p = Buffer.from(`${given}\0`);
  const d = Buffer.from(dirLeafFirst.map((c) => `${c}\0`).join(''));
  const r = Buffer.alloc(O.data!.offset + p.length + d.length);
  r.writeUInt32LE(EventType.Open, H.type!.offset);
  r.writeUInt32LE(r.length, H.size!.offset);
  r.writeUInt32LE(10, H.tgid!.offset);
  r.writeUInt32LE(10, H.tid!.offset);
  r.writeUInt32LE(nr('openat'), O.nr!.offset);
  r.writeInt32LE(-100, O.dfd!.offset);
  r.writeUInt32LE(flags, O.flags!.offset);
  r.writeInt32LE(ret, O.ret!.offset);
  r.writeUInt32LE(p.length, O.path_len!.offset);
  r.writeUInt32LE(d.length, O.dir_len!.offset);
  r.writeUInt32LE(1, O.resolved!.offset);
  p.copy(r, O.data!.offset);
  d.copy(r, O.data!.offset + p.length);
  return decodeEvent(r) as OpenEvent;
};

describe('WindowBuilder', () => {
  it('reports count deltas per window and skips idle processes', () => {
    const w = new WindowBuilder(3);
    const p = proc(10, [[110, 5], [0, 2]]);
    expect(w.take([p], 999)[0]!.syscalls).toEqual({ getppid: 5, read: 2 });
    p.syscalls = new Map([[110, 8], [0, 2]]);
    expect(w.take([p], 999)[0]!.syscalls).toEqual({ getppid: 3 });
    expect(w.take([p], 999)).toEqual([]);
  });

  it('counts numbers outside the syscall table under one name the gateway accepts (syscall(1500) must not get the batch refused)', () => {
    const w = new WindowBuilder(3);
    // 600 and 1021 come from the k-gram windows' codes, 1500 and 2^32 − 1 (a negative id) from the exact counts
    const p = proc(10, [[110, 5], [600, 1], [1021, 2], [1500, 3], [4_294_967_295, 4]]);
    const [activity] = w.take([p], 999);
    expect(activity!.syscalls).toEqual({ getppid: 5, sys_out_of_range: 10 });
    const batch = sampleTelemetryBatch('7b0c5a8e-2f7d-4c39-9b1e-3f5c8a9d0e11', 1, 1);
    batch.processes = [{ ...batch.processes[0]!, syscalls: activity!.syscalls }];
    const type = avroType(TelemetryBatchV1Schema);
    expect(() => checkTelemetryInvariants(type, type.toBuffer(batch), { now: Date.now(), maxFutureMs: 600_000, maxPastMs: 86_400_000 })).not.toThrow();
    // what the agent sent before: a name the gateway refuses, with the whole batch
    batch.processes[0]!.syscalls = { sys_1500: 3 };
    expect(() => checkTelemetryInvariants(type, type.toBuffer(batch), { now: Date.now(), maxFutureMs: 600_000, maxPastMs: 86_400_000 })).toThrow(/system call number 1500 is out of range/);
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
    const net: NetEvent = { ...base, type: EventType.Net, nr: nr('connect'), ret: 0, fd: 3, family: 2, port: 443, addr: '10.0.0.1' };
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

  it('reports a relative open by the absolute path the kernel resolved, so path rules and urgency see it (cd /etc && cat shadow)', () => {
    const w = new WindowBuilder(3, URGENT);
    const p = proc(10, [[257, 4]]);
    w.onOpen(p, relativeOpen('shadow', ['etc'])); // cd /etc && cat shadow
    w.onOpen(p, relativeOpen('job', ['cron.d', 'etc'], 0o1101)); // cd /etc/cron.d && echo x > job
    w.onOpen(p, relativeOpen('../etc/./shadow', ['tmp'], 0, -13)); // a failed attempt, however spelt
    w.onOpen(p, relativeOpen('notes.txt', ['src', 'ann', 'home'])); // routine
    const [u] = w.takeUrgent();
    expect(u!.files.map((f) => [f.path, f.flags, f.ret])).toEqual([
      ['/etc/shadow', 0, 0],
      ['/etc/shadow', 0, -13], // one path's entries together
      ['/etc/cron.d/job', 0o1101, 0],
    ]);
    expect(w.take([p], 999)[0]!.files.map((f) => f.path)).toEqual(['/home/ann/src/notes.txt']);
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

  it('hands rule-relevant records over at once, without counts, and never again in the window', () => {
    const w = new WindowBuilder(3, URGENT);
    const p = proc(10, [[257, 4]]);
    w.onOpen(p, open('/usr/lib/x86_64-linux-gnu/libc.so.6', 3, 0o2000000)); // routine read
    w.onOpen(p, open('/etc/shadow', 3)); // sensitive read
    w.onOpen(p, open('/etc/cron.d/job', 3, 0o1101)); // write-open
    w.onOpen(p, open('/dev/null', 3, 0o1)); // routine write
    w.onNet(p, { ...base, type: EventType.Net, nr: nr('connect'), ret: 0, fd: 3, family: 2, port: 4444, addr: '10.0.0.9' });
    w.onNet(p, { ...base, type: EventType.Net, nr: nr('connect'), ret: 0, fd: 4, family: 1, port: 0, addr: '/run/dbus/system_bus_socket' });
    w.onSecurity(p, { ...base, type: EventType.Security, nr: nr('ptrace'), ret: 0n, args: [16n, 77n, 0n, 0n, 0n, 0n], str: '' } as SecurityEvent);
    expect(w.urgentSince).toBeGreaterThan(0);
    const [u, ...none] = w.takeUrgent();
    expect(none).toEqual([]);
    expect(w.urgentSince).toBeUndefined();
    expect(u).toMatchObject({ pid: 10, syscalls: {}, sequences: { k: 3, ngrams: [] }, exited: false, exitCode: null });
    expect(u!.files.map((f) => f.path)).toEqual(['/etc/shadow', '/etc/cron.d/job']);
    expect(u!.network.map((n) => n.port)).toEqual([4444]);
    expect(u!.security.map((x) => x.kind)).toEqual(['ptrace']);
    const [win] = w.take([p], 999);
    expect(win!.syscalls).toEqual({ openat: 4 });
    expect(win!.files.map((f) => f.path)).toEqual(['/usr/lib/x86_64-linux-gnu/libc.so.6', '/dev/null']);
    expect(win!.network.map((n) => n.family)).toEqual(['UNIX']);
    expect(win!.security).toEqual([]);
    expect(w.takeUrgent()).toEqual([]);
  });

  it('sends a fork+exec with the caller and the new image, exe argv and parent as they are now', () => {
    const w = new WindowBuilder(3, URGENT);
    const bash = { ...proc(5, []), exe: '/usr/bin/bash', cmdline: ['bash', 'run.sh'] };
    const child = { ...proc(10, []), ppid: 5, exe: '/usr/bin/awk', cmdline: ['awk', '1'], ancestry: ['/usr/bin/bash'] };
    w.onExec(child, exec(), '/usr/bin/bash', bash);
    const out = w.takeUrgent();
    expect(out.map((p) => [p.pid, p.exe, p.argv, p.ppid, p.execs.length])).toEqual([
      [5, '/usr/bin/bash', ['bash', 'run.sh'], 1, 1],
      [10, '/usr/bin/awk', ['awk', '1'], 5, 0],
    ]);
    expect(w.take([bash, child], 999)).toEqual([]);
  });

  it("sends what a shell started before it exec'd its last command as the shell, in a batch ahead of the new image (sh -c 'sqlite3 db; rm x')", () => {
    for (const urgent of [URGENT, undefined]) {
      const w = new WindowBuilder(3, urgent);
      const sh = { ...proc(20, [[0, 9]]), ppid: 5, exe: '/usr/bin/dash', cmdline: ['sh', '-c', 'sqlite3 db; rm x'], ancestry: ['/usr/bin/bash'] };
      const sqlite = { ...proc(21, []), ppid: 20, exe: '/usr/bin/sqlite3', cmdline: ['sqlite3', 'db'], ancestry: ['/usr/bin/dash', '/usr/bin/bash'] };
      w.onOpen(sh, { ...open('/tmp/script-input', 3), tgid: 20, tid: 20 });
      w.onExec(sqlite, exec({ tgid: 21, tid: 21, ppid: 20, filename: '/usr/bin/sqlite3', exe: '/usr/bin/sqlite3', argv: ['sqlite3', 'db'] }), '/usr/bin/dash', sh);
      // the shell execs rm in place: the table updates its entry, the collector hands over the earlier image
      const previous = { ...sh };
      Object.assign(sh, { exe: '/usr/bin/rm', cmdline: ['rm', 'x'], comm: 'rm' });
      w.onExec(sh, exec({ tgid: 20, tid: 20, ppid: 5, filename: '/usr/bin/rm', exe: '/usr/bin/rm', argv: ['rm', 'x'] }), '/usr/bin/bash', sh, previous);
      expect(w.urgentSince).toBeDefined();
      const sealed = w.takeSealed();
      expect(sealed.map((b) => b.map((p) => [p.pid, p.exe, p.argv, p.execs.map((e) => e.filename), p.files.map((f) => f.path), p.syscalls]))).toEqual([
        [[20, '/usr/bin/dash', ['sh', '-c', 'sqlite3 db; rm x'], ['/usr/bin/sqlite3'], ['/tmp/script-input'], {}]],
      ]);
      expect(w.takeSealed()).toEqual([]);
      // the new image keeps its own exec (and the window the counts of both: the kernel keeps one per process)
      const later = [...w.takeUrgent(), ...w.take([sh, sqlite], 999)].filter((p) => p.pid === 20);
      expect(later.flatMap((p) => p.execs.map((e) => e.filename))).toEqual(['/usr/bin/rm']);
      expect(later.every((p) => p.exe === '/usr/bin/rm')).toBe(true);
      expect(later.flatMap((p) => p.files)).toEqual([]);
    }
  });

  it('puts two replaced images of one process in batches of their own, in order', () => {
    const w = new WindowBuilder(3, URGENT);
    const p = { ...proc(30, []), exe: '/usr/bin/bash', cmdline: ['bash', '-c', 'x'] };
    const q = { ...proc(31, []), exe: '/usr/bin/bash', cmdline: ['bash'] };
    for (const [who, next] of [[p, '/usr/bin/dash'], [q, '/usr/bin/env'], [p, '/usr/bin/rm']] as const) {
      w.onOpen(who, { ...open(`/tmp/${who.pid}-${next}`, 3, 0o1101), tgid: who.pid, tid: who.pid });
      const previous = { ...who };
      who.exe = next;
      w.onExec(who, exec({ tgid: who.pid, tid: who.pid, filename: next, exe: next, argv: [next] }), '/usr/bin/bash', who, previous);
    }
    expect(w.takeSealed().map((b) => b.map((a) => `${a.pid} ${a.exe}`))).toEqual([['30 /usr/bin/bash', '31 /usr/bin/bash'], ['30 /usr/bin/dash']]);
  });

  it('leaves records over the per-process or global rate for the window, counted', () => {
    const w = new WindowBuilder(3, { perProcess: 3, global: 4 });
    const a = proc(10, []);
    const b = proc(11, []);
    for (let i = 0; i < 5; i++) w.onOpen(a, open(`/etc/cron.d/a${i}`, 3, 0o1101));
    for (let i = 0; i < 3; i++) w.onOpen(b, open(`/etc/cron.d/b${i}`, 3, 0o1101));
    expect(w.limiter!.counters).toEqual({ sent: 4, deferredProcess: 2, deferredGlobal: 2 });
    const urgent = w.takeUrgent();
    expect(urgent.flatMap((p) => p.files.map((f) => f.path))).toEqual(['/etc/cron.d/a0', '/etc/cron.d/a1', '/etc/cron.d/a2', '/etc/cron.d/b0']);
    const win = w.take([a, b], 999);
    expect(win.flatMap((p) => p.files.map((f) => f.path))).toEqual(['/etc/cron.d/a3', '/etc/cron.d/a4', '/etc/cron.d/b1', '/etc/cron.d/b2']);
  });

  it('reports the argv of the running image in every process-window', () => {
    const w = new WindowBuilder(3);
    const p = { ...proc(10, [[0, 1]]), cmdline: ['sleep', '5'] };
    expect(w.take([p], 999)[0]!.argv).toEqual(['sleep', '5']);
    p.syscalls = new Map([[0, 2]]);
    p.cmdline = [];
    expect(w.take([p], 999)[0]!.argv).toBeNull();
  });

  it('attributes an exec in place to the process once it already exec\'d (bash from bash, then exec sleep)', () => {
    const parent = { pid: 5, exe: '/usr/bin/bash' };
    expect(execCallerIsParent(0, { exe: '/usr/bin/bash', forked: true }, parent, 999)).toBe(true);
    expect(execCallerIsParent(0, { exe: '/usr/bin/bash', forked: false }, parent, 999)).toBe(false);
    expect(execCallerIsParent(0, { exe: '/usr/bin/bash' }, parent, 999)).toBe(true); // seen in /proc: history unknown
  });

  it('keeps a security record\'s ret a result or an -errno (an mmap address is a success, not a negative number)', () => {
    expect(securityRet(0x7f3a_1c20_0000n)).toBe(0);
    expect(securityRet(0n)).toBe(0);
    expect(securityRet(77n)).toBe(77);
    expect(securityRet(-1n)).toBe(-1);
    expect(securityRet(-4095n)).toBe(-4095);
    expect(securityRet(-(2n ** 40n))).toBe(0);
  });
});
