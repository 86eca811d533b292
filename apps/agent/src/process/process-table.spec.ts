import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventType, type ExecEvent, type ForkEvent } from '@vigil/bpf';
import { afterAll, describe, expect, it } from 'vitest';
import { execCallerIsParent } from '../collector/collector';
import { ProcessTable, type ProcessEntry } from './process-table';

// an empty /proc: every process comes from the events below
const procRoot = mkdtempSync(join(tmpdir(), 'vigil-proc-'));
afterAll(() => rmSync(procRoot, { recursive: true, force: true }));

const base = { tsNs: 0n, tid: 0 };
const exec = (tgid: number, exe: string): ExecEvent => ({ ...base, tgid, type: EventType.Exec, ppid: 1, ret: 0, filename: exe, exe, argv: [exe], comm: exe.slice(exe.lastIndexOf('/') + 1), uid: 0, gid: 0 }) as ExecEvent;
const fork = (tgid: number, childTgid: number): ForkEvent => ({ ...base, tgid, type: EventType.Fork, childTgid, uid: 0, gid: 0, childStartNs: BigInt(childTgid) * 1_000_000_000n, comm: 'x' }) as ForkEvent;

describe('ProcessTable and the image hasher', () => {
  const requested: number[] = [];
  const table = new ProcessTable({}, -1, procRoot, { request: (e: ProcessEntry) => void requested.push(e.pid) });

  it('an exec asks for the new image’s hash and forgets the old one', () => {
    const bash = table.onExec(exec(100, '/usr/bin/bash'));
    expect(requested).toEqual([100]);
    bash.exeHash = 'aa'; // the hasher answered
    table.onExec(exec(100, '/usr/bin/sleep'));
    expect(table.get(100)!.exeHash).toBeNull();
    expect(requested).toEqual([100, 100]);
    table.get(100)!.exeHash = 'bb';
  });

  it("a fork child runs its parent's image: it inherits the hash without a request, or asks when the parent's is not known yet", () => {
    requested.length = 0;
    expect(table.onFork(fork(100, 101)).exeHash).toBe('bb');
    expect(requested).toEqual([]);
    table.onExec(exec(200, '/usr/bin/python3'));
    expect(table.onFork(fork(200, 201)).exeHash).toBeNull();
    expect(requested).toEqual([200, 201]);
  });
});

describe('ProcessTable lineage', () => {
  it('gives each process the pids of its ancestry, parent first: the chain through parents idle in a window', () => {
    const table = new ProcessTable({}, -1, procRoot);
    table.onExec(exec(300, '/usr/bin/bash'));
    table.onFork(fork(300, 301)); // a subshell: it will only wait in wait4
    table.onFork(fork(301, 302));
    const cmd = table.onExec({ ...exec(302, '/usr/bin/readlink'), ppid: 301 });
    expect(cmd.ancestry).toEqual(['/usr/bin/bash', '/usr/bin/bash']);
    expect(cmd.ancestorPids).toEqual([301, 300]);
    // an exec under a new parent (reparented) recomputes both from the table
    const moved = table.onExec({ ...exec(302, '/usr/bin/readlink'), ppid: 300 });
    expect(moved.ancestorPids).toEqual([300]);
    expect(moved.ancestry).toHaveLength(moved.ancestorPids.length);
  });
});

describe('ProcessTable: a process read from /proc before its fork record', () => {
  it("goes back to its parent's image when the fork record comes, so its first exec is the parent's edge", async () => {
    // a real child that has already exec'd sleep by the time the table reads it
    const child = spawn('sleep', ['5'], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 100));
      const table = new ProcessTable({}, -1, '/proc');
      const parent = table.ensure(process.pid);
      const early = table.ensure(child.pid!); // what a counts sync does with a tgid it does not know yet
      expect(early.exe).toMatch(/sleep$/);
      const forked = table.onFork({ ...fork(process.pid, child.pid!), childStartNs: BigInt(early.startNs) });
      expect(forked).toBe(early);
      expect(forked.exe).toBe(parent.exe);
      expect(forked.forked).toBe(true);
      // the exec queued behind the fork: made by the parent's image, so it is the parent's edge
      expect(execCallerIsParent(0, forked, parent, -1)).toBe(true);
      expect(table.onExec({ ...exec(child.pid!, '/usr/bin/sleep'), ppid: process.pid }).exe).toBe('/usr/bin/sleep');
    } finally {
      child.kill();
    }
  });
});
