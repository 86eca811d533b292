import { execFileSync, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kgramCounts } from '@vigil/schemas';
import { syscallNumber } from '@vigil/schemas';
import { BpfObject, VigilProbe, decodeBatch, decodeEvent, splitBatch, EventType, type VigilEvent } from '../../src';

const FIXTURES = join(__dirname, 'fixtures');
const tmp = mkdtempSync(join(tmpdir(), 'vigil-bpf-it-'));
/** The k-gram hash fixture the TypeScript implementation (libs/schemas/src/kgram-hash.ts) is tested against too. */
const KGRAM_FIXTURE = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'libs', 'schemas', 'fixtures', 'kgram-hash.json'), 'utf8')) as {
  sequences: { k: number; loop: number[]; repeat: number; counts: [number, number][]; runOnKernel: boolean }[];
};

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

  it.each(KGRAM_FIXTURE.sequences.filter((s) => s.runOnKernel))(
    'counts k=$k k-grams of $loop × $repeat in the kernel exactly as the shared fixture says',
    async ({ k, repeat, counts }) => {
      const bin = join(tmp, 'seq');
      execFileSync('cc', ['-O2', '-static', '-o', bin, join(FIXTURES, 'seq.c')]);
      const p = k === 3 ? probe : VigilProbe.start({ agentTgid: process.pid, ngramK: k });
      try {
        const pid = await runToExit(bin, [String(repeat)]);
        if (p === probe) await drain();
        const kernel = new Map(p.ngramCounts().filter((c) => c.tgid === pid).map((c) => [c.key, c.count]));
        // the calls before and after the loop (startup, exit_group) form other k-grams
        for (const [hash, count] of counts) expect(kernel.get(hash), `hash ${hash}`).toBe(count);
        const calls = new Map(p.syscallCounts().filter((c) => c.tgid === pid).map((c) => [c.key, c.count]));
        expect([calls.get(110), calls.get(102), calls.get(104)]).toEqual([repeat, repeat, repeat]);
      } finally {
        if (p !== probe) await p.close();
      }
    },
  );

  it('keeps counts and k-grams exact when the per-CPU cache slots collide (hash-map fallback)', async () => {
    // 2 slots per CPU: most windows find their slot taken and go to the k-gram hash map
    const small = VigilProbe.start({ agentTgid: process.pid, ngramK: 3, slotBits: 1 });
    try {
      const bin = join(tmp, 'seq-small');
      execFileSync('cc', ['-O2', '-static', '-o', bin, join(FIXTURES, 'seq.c')]);
      const pid = await runToExit(bin, ['500']);
      const kernel = new Map(small.ngramCounts().filter((c) => c.tgid === pid).map((c) => [c.key, c.count]));
      for (const [hash, count] of kgramCounts(Array.from({ length: 500 }, () => [110, 102, 104]).flat(), 3)) expect(kernel.get(hash), `hash ${hash}`).toBe(count);
      const counts = new Map(small.syscallCounts().filter((c) => c.tgid === pid).map((c) => [c.key, c.count]));
      expect([counts.get(110), counts.get(102), counts.get(104)]).toEqual([500, 500, 500]);
      small.forgetProcesses([pid]);
      expect(small.syscallCounts().some((c) => c.tgid === pid)).toBe(false);
    } finally {
      await small.close();
    }
  });

  it('counts calls the 10-bit k-gram code cannot name exactly, and completes records per syscall exit hook', async () => {
    expect(probe.exitHooks.mode).toBe('per-syscall');
    const loaded = probe.obj.programs().filter((p) => p.autoload).map((p) => p.name);
    expect(loaded).toContain('vigil_exit_openat');
    expect(loaded).not.toContain('vigil_sys_exit'); // the raw fallback runs only without syscall tracepoints
    const bin = join(tmp, 'odd');
    execFileSync('cc', ['-O2', '-static', '-o', bin, join(FIXTURES, 'odd.c')]);
    const pid = await runToExit(bin, []);
    await drain();
    const counts = new Map(probe.syscallCounts().filter((c) => c.tgid === pid).map((c) => [c.key, c.count]));
    expect(counts.get(1500)).toBe(7);
    expect(counts.get(175)).toBe(1); // init_module
    expect(counts.get(319)).toBe(1); // memfd_create
    const sec = events.filter((e): e is Extract<VigilEvent, { type: EventType.Security }> => e.type === EventType.Security && e.tgid === pid);
    const memfd = sec.find((e) => e.nr === syscallNumber('memfd_create'));
    expect(memfd).toMatchObject({ str: 'vigil-test-memfd' });
    expect(memfd!.ret >= 0n).toBe(true);
    const initModule = sec.find((e) => e.nr === syscallNumber('init_module'));
    // without an exit tracepoint the kernel does not implement the call: reported at entry with -ENOSYS
    if (probe.exitHooks.notImplemented.includes('init_module')) expect(initModule).toMatchObject({ ret: -38n, str: 'vigil-test-params' });
    else expect(initModule!.ret < 0n).toBe(true);
  });

  it('aggregates repeated opens in the addon with exact counts per (process, path, flags, result)', async () => {
    const agg = VigilProbe.start({ agentTgid: process.pid, aggregateOpens: true });
    try {
      const bin = join(tmp, 'opens');
      execFileSync('cc', ['-O2', '-o', bin, join(FIXTURES, 'opens.c')]);
      const target = join(tmp, 'target-file');
      execFileSync('touch', [target]);
      const pid = await runToExit(bin, [target, '20000', '3000']);
      const got = new Map<string, number>();
      let records = 0;
      for (let i = 0; i < 40; i++) {
        const { events: batch } = decodeBatch(await agg.poll(100));
        for (const e of batch) {
          if (e.type !== EventType.Open || e.tgid !== pid) continue;
          records++;
          const key = `${e.path}|${e.flags & 0o2000000 ? 'cloexec' : 'plain'}|${e.ret >= 0 ? 'ok' : e.ret}`;
          got.set(key, (got.get(key) ?? 0) + (e.count ?? 1));
        }
        if ([...got.values()].reduce((a, b) => a + b, 0) >= 63000) break;
      }
      expect(got.get(`${target}|plain|ok`)).toBe(20000);
      expect(got.get(`${target}|cloexec|ok`)).toBe(20000);
      expect(got.get(`${target}.missing|plain|-2`)).toBe(20000);
      for (const i of [0, 1500, 2999]) expect(got.get(`${target}.distinct.${i}|plain|-2`), `distinct ${i}`).toBe(1);
      expect([...got.keys()].filter((k) => k.includes('.distinct.'))).toHaveLength(3000);
      // 63,000 opens came as a few aggregated records plus the 3,000 distinct ones
      expect(records).toBeLessThan(3000 + 100);
      expect(agg.dropsByProcess().get(pid) ?? {}).toEqual({}); // host-wide: cc's long argv is truncated (and counted)
    } finally {
      await agg.close();
    }
  });

  it('holds aggregated opens until the hold passes, a poll(0) asks, or the process exits', async () => {
    // agentTgid 1: this test process's own opens are recorded
    const urgent = join(tmp, 'urgent-file');
    const agg = VigilProbe.start({ agentTgid: 1, aggregateOpens: true, aggregateHoldMs: 60_000, aggregatePassAtOnce: { flags: 0o1, prefixes: [urgent] } });
    try {
      const target = join(tmp, 'held-file');
      writeFileSync(target, 'x');
      writeFileSync(urgent, 'x');
      // opens a batch stands for (an aggregated record counts as its number), of one process
      const opens = (batch: Buffer, tgid: number, path: (p: string) => boolean): number =>
        decodeBatch(batch).events.reduce((n, e) => n + (e.type === EventType.Open && e.tgid === tgid && path(e.path) ? (e.count ?? 1) : 0), 0);
      const mine = (batch: Buffer, path: string): number => opens(batch, process.pid, (p) => p === path);
      await agg.poll(0); // whatever was pending at start
      for (let i = 0; i < 500; i++) closeSync(openSync(target, 'r'));
      for (let i = 0; i < 200; i++) closeSync(openSync(urgent, 'r'));
      const early = await agg.poll(200);
      // held: this process has not exited; any exit on the host hands over everything, and then
      // that exit record is in the same batch. The first open of a path the filter names passes at once.
      if (!decodeBatch(early).events.some((e) => e.type === EventType.Exit)) {
        expect(mine(early, target)).toBe(0);
        expect(mine(early, urgent)).toBe(1);
      }
      const rest = await agg.poll(0); // poll(0) hands over everything held
      expect(mine(early, target) + mine(rest, target)).toBe(500);
      expect(mine(early, urgent) + mine(rest, urgent)).toBe(200);
      // a process's held opens go out with its exit record, hold or not
      const bin = join(tmp, 'opens-held');
      execFileSync('cc', ['-O2', '-o', bin, join(FIXTURES, 'opens.c')]);
      const pid = await runToExit(bin, [target, '300', '0']);
      let seen = 0;
      for (let i = 0; i < 20 && seen < 900; i++)
        seen += opens(await agg.poll(100), pid, (p) => p.startsWith(target));
      expect(seen).toBe(900);
    } finally {
      await agg.close();
    }
  });

  it('falls back to the raw sys_exit hook on a kernel without syscall tracepoints', async () => {
    const raw = VigilProbe.start({ agentTgid: process.pid, ngramK: 3, tracefs: mkdtempSync(join(tmpdir(), 'vigil-no-tracefs-')) });
    try {
      expect(raw.exitHooks).toEqual({ mode: 'raw', notImplemented: [] });
      const loaded = raw.obj.programs().filter((p) => p.autoload).map((p) => p.name);
      expect(loaded).toContain('vigil_sys_exit');
      expect(loaded.some((n) => n.startsWith('vigil_exit_'))).toBe(false);
      const pid = await runToExit('/bin/cat', ['/etc/hostname']);
      const got: VigilEvent[] = [];
      for (let i = 0; i < 5 && !got.some((e) => e.type === EventType.Open && e.tgid === pid); i++)
        for (const r of splitBatch(await raw.poll(100))) {
          const e = decodeEvent(r);
          if (e) got.push(e);
        }
      expect(got.find((e) => e.type === EventType.Open && e.tgid === pid && e.path === '/etc/hostname')).toMatchObject({ ret: expect.any(Number) });
    } finally {
      await raw.close();
    }
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
    // argument records carry boot time at tick resolution: at most one tick (≤ 10 ms) before the
    // exact time, so between cat's exec (less a tick) and its exit
    const catExec = events.find((e) => e.type === EventType.Exec && e.tgid === open!.tgid)!;
    const catExit = events.find((e) => e.type === EventType.Exit && e.tgid === open!.tgid)!;
    expect(open!.tsNs).toBeGreaterThanOrEqual(catExec.tsNs! - 10_000_000n);
    expect(open!.tsNs).toBeLessThanOrEqual(catExit.tsNs!);
  });

  it('forgets the map entries of exited processes', async () => {
    const pid = await runToExit('/bin/true', []);
    await drain();
    expect(probe.syscallCounts().some((c) => c.tgid === pid)).toBe(true);
    probe.forgetProcesses([pid]);
    expect(probe.syscallCounts().some((c) => c.tgid === pid)).toBe(false);
    expect(probe.ngramCounts().some((c) => c.tgid === pid)).toBe(false);
  });

  it('loads while signals keep arriving (the verifier gives up with EAGAIN on a pending signal)', async () => {
    const onSignal = (): void => undefined;
    process.on('SIGUSR2', onSignal);
    const spammer = spawn('/bin/sh', ['-c', `while kill -USR2 ${process.pid}; do :; done`], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 100));
      for (let i = 0; i < 3; i++) await VigilProbe.start({ agentTgid: process.pid }).close();
    } finally {
      spammer.kill('SIGKILL');
      process.off('SIGUSR2', onSignal);
    }
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
