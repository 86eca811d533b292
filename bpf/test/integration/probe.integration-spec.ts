import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BpfObject, VigilProbe, decodeEvent, ngramCounts, splitBatch, EventType, type VigilEvent } from '../../src';

const FIXTURES = join(__dirname, 'fixtures');
const tmp = mkdtempSync(join(tmpdir(), 'vigil-bpf-it-'));

function runToExit(cmd: string, args: string[]): Promise<number> {
  return new Promise((res, rej) => {
    const c = spawn(cmd, args, { stdio: 'ignore' });
    c.on('error', rej);
    c.on('exit', () => res(c.pid!));
  });
}

describe('vigil.bpf.o on the running kernel (root)', () => {
  let probe: VigilProbe;
  const events: VigilEvent[] = [];
  const drain = async (): Promise<void> => {
    for (const r of splitBatch(await probe.poll(0))) {
      const e = decodeEvent(r);
      if (e) events.push(e);
    }
  };

  beforeAll(() => {
    expect(process.getuid?.(), 'loads real BPF programs: run as root').toBe(0);
    probe = VigilProbe.start({ agentTgid: process.pid, ngramK: 3 });
  });
  afterAll(() => probe?.close());

  it('counts k-grams in the kernel exactly as ngramHash/ngramCounts compute them', async () => {
    const bin = join(tmp, 'seq');
    execFileSync('cc', ['-O2', '-static', '-o', bin, join(FIXTURES, 'seq.c')]);
    const pid = await runToExit(bin, ['1000']);
    await drain();
    const kernel = new Map(probe.ngramCounts().filter((c) => c.tgid === pid).map((c) => [c.key, c.count]));
    // the loop's syscalls: 1000 × (getppid, getuid, getgid)
    const expected = ngramCounts(Array.from({ length: 1000 }, () => [110, 102, 104]).flat(), 3);
    // the calls before and after the loop (startup, exit_group) form other k-grams
    for (const [hash, count] of expected) expect(kernel.get(hash), `hash ${hash}`).toBe(count);
    const counts = new Map(probe.syscallCounts().filter((c) => c.tgid === pid).map((c) => [c.key, c.count]));
    expect([counts.get(110), counts.get(102), counts.get(104)]).toEqual([1000, 1000, 1000]);
  });

  it('delivers lifecycle and argument records in batches with resolved exe paths', async () => {
    const pid = await runToExit('/bin/sh', ['-c', 'cat /etc/hostname > /dev/null; exit 0']);
    await drain();
    const fork = events.find((e) => e.type === EventType.Fork && e.tgid === pid);
    expect(fork).toBeDefined();
    const exec = events.find((e) => e.type === EventType.Exec && e.tgid === pid);
    expect(exec).toMatchObject({ ret: 0, exe: execFileSync('readlink', ['-f', '/bin/sh'], { encoding: 'utf8' }).trim(), filename: '/bin/sh' });
    const open = events.find((e) => e.type === EventType.Open && e.path === '/etc/hostname');
    expect(open).toBeDefined();
    expect(events.some((e) => e.type === EventType.Exit && e.tgid === pid)).toBe(true);
  });

  it('forgets the map entries of exited processes', async () => {
    const pid = await runToExit('/bin/true', []);
    await drain();
    expect(probe.syscallCounts().some((c) => c.tgid === pid)).toBe(true);
    probe.forgetProcesses([pid]);
    expect(probe.syscallCounts().some((c) => c.tgid === pid)).toBe(false);
    expect(probe.ngramCounts().some((c) => c.tgid === pid)).toBe(false);
  });

  it('reports the verifier log when the kernel rejects a program', () => {
    const obj = join(tmp, 'bad.bpf.o');
    execFileSync('clang', ['-g', '-O2', '-target', 'bpf', '-I/usr/include/x86_64-linux-gnu', '-c', join(FIXTURES, 'bad.bpf.c'), '-o', obj]);
    const bad = BpfObject.open(obj);
    let err: (Error & { code?: string }) | undefined;
    try {
      bad.load();
    } catch (e) {
      err = e as Error;
    }
    void bad.close();
    expect(err?.message).toContain('loading the BPF programs failed');
    expect(err?.message).toContain('--- libbpf/verifier log ---');
    expect(err?.message).toMatch(/invalid mem access 'scalar'/);
    expect(err?.code).toBe('EACCES');
  });

  it('rejects rodata that does not exist', () => {
    const obj = BpfObject.open(join(__dirname, '..', '..', 'dist', 'vigil.bpf.o'));
    expect(() => obj.setRodata('no_such_var', 1)).toThrow(/no rodata variable named "no_such_var"/);
    void obj.close();
  });
});
