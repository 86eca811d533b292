import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VigilProbe, decodeBatch, EventType, type OpenEvent } from '../../src';
import { childEnv } from '@vigil/testing';

const FIXTURES = join(__dirname, 'fixtures');
const tmp = realpathSync(mkdtempSync(join(tmpdir(), 'vigil-bpf-relopen-')));

function run(cmd: string, args: string[]): Promise<number> {
  return new Promise((res, rej) => {
    const c = spawn(cmd, args, { stdio: 'ignore', env: childEnv() });
    c.on('error', rej);
    c.on('exit', () => res(c.pid!));
  });
}

/** Open records of `probe` polled until `until` holds or 3 s passed. */
async function opens(probe: VigilProbe, keep: (e: OpenEvent) => boolean, until: (o: OpenEvent[]) => boolean): Promise<OpenEvent[]> {
  const got: OpenEvent[] = [];
  for (let i = 0; i < 30 && !until(got); i++)
    for (const e of decodeBatch(await probe.poll(100)).events) if (e.type === EventType.Open && keep(e)) got.push(e);
  return got;
}

/**
 * A relative open path carries the directory the kernel resolved it against at the call's exit (the
 * cwd, or the dfd's file), walked only for relative paths; the decoder makes it absolute and lexical,
 * keeping the caller's spelling as `given`. Real processes, real syscalls.
 */
describe('relative open paths on the running kernel (root)', () => {
  let probe: VigilProbe;
  const dir = join(tmp, 'work');

  beforeAll(() => {
    expect(process.getuid?.(), 'loads real BPF programs: run as root').toBe(0);
    mkdirSync(dir);
    writeFileSync(join(dir, 'f'), 'x');
    probe = VigilProbe.start({ agentTgid: process.pid });
  });
  afterAll(() => probe?.close());

  it('`cd DIR && cat f` reports DIR/f; a failed relative open and ../ spellings too; an absolute open unchanged', async () => {
    const script = `cd ${dir} && cat f; cat ../${basename(dir)}/./f; cat missing; cat ${dir}/f; exit 0`;
    await run('/bin/sh', ['-c', script]);
    const got = await opens(probe, (e) => e.path.startsWith(dir), (o) => o.length >= 4);
    expect(got.map((e) => ({ path: e.path, given: e.given, ret: e.ret >= 0 ? 'ok' : e.ret, dfd: e.dfd }))).toEqual([
      { path: join(dir, 'f'), given: 'f', ret: 'ok', dfd: -100 },
      { path: join(dir, 'f'), given: `../${basename(dir)}/./f`, ret: 'ok', dfd: -100 },
      { path: join(dir, 'missing'), given: 'missing', ret: -2, dfd: -100 },
      { path: join(dir, 'f'), given: undefined, ret: 'ok', dfd: -100 },
    ]);
  });

  it('openat/openat2 with a directory fd resolve against it; an absolute path ignores it; a bad fd or a too deep cwd keep the path as given', async () => {
    const bin = join(tmp, 'relopens');
    execFileSync('cc', ['-O2', '-o', bin, join(FIXTURES, 'relopens.c')]);
    let deep = join(tmp, 'deep');
    for (let i = 0; i < 40; i++) deep = join(deep, 'd');
    mkdirSync(deep, { recursive: true });
    const pid = await run(bin, [dir, deep]);
    const got = await opens(probe, (e) => e.tgid === pid, (o) => o.some((e) => e.path === 'g' || e.path.endsWith('/g')));
    // not the loader's opens, nor the spawn's /dev/null before the exec
    const mine = got.filter((e) => e.path.startsWith(dir) || ['/etc/hostname', 'f', 'g'].includes(e.path));
    expect(mine.map((e) => ({ path: e.path, given: e.given, ret: e.ret >= 0 ? 'ok' : e.ret }))).toEqual([
      { path: dir, given: undefined, ret: 'ok' }, // open(DIR, O_DIRECTORY)
      { path: join(dir, 'f'), given: 'f', ret: 'ok' },
      { path: join(dir, 'missing'), given: 'missing', ret: -2 },
      { path: '/etc/hostname', given: undefined, ret: 'ok' },
      { path: 'f', given: undefined, ret: -9 }, // EBADF: no directory to walk
      { path: join(dir, 'f'), given: 'f', ret: 'ok' }, // openat2
      { path: 'g', given: undefined, ret: -2 }, // the walk is cut (deeper than 32): as given, counted
    ]);
    expect(probe.dropsByProcess().get(pid)?.string_truncated).toBeGreaterThanOrEqual(1);
  });

  it('the raw sys_exit fallback resolves relative opens too', async () => {
    const raw = VigilProbe.start({ agentTgid: process.pid, tracefs: mkdtempSync(join(tmpdir(), 'vigil-no-tracefs-')) });
    try {
      const pid = await run('/bin/sh', ['-c', `cd ${dir} && exec cat f`]);
      const got = await opens(raw, (e) => e.tgid === pid && e.given === 'f', (o) => o.length > 0);
      expect(got).toMatchObject([{ path: join(dir, 'f'), given: 'f' }]);
    } finally {
      await raw.close();
    }
  });
});
