import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeBatch, splitBatch } from './events';
import { EventType } from './layout';
import { exitRecord, frame, openRecord } from '../test/support/records';

/**
 * The addon's frame encoder and open-record table (addon/frames.c), compiled with a small driver
 * (test/addon/frames-driver.c) and run without N-API, libbpf or a kernel: the frames it writes
 * must be the ones decodeBatch reads, and aggregated opens must carry exact counts.
 */
const ROOT = join(__dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'vigil-frames-'));
const driver = join(dir, 'frames-driver');

type Command = { append: Buffer } | { offer: Buffer } | 'handOver';

/** Run the driver on commands; the frames it wrote. (Decoded opens carry `count` only above 1: `?? 1` below.) */
function run(commands: Command[]): Buffer {
  const input = Buffer.concat(
    commands.map((c) => {
      const [op, bytes] = c === 'handOver' ? [2, Buffer.alloc(0)] : 'append' in c ? [0, c.append] : [1, c.offer];
      const head = Buffer.alloc(8);
      head.writeUInt32LE(op, 0);
      head.writeUInt32LE(bytes.length, 4);
      return Buffer.concat([head, bytes]);
    }),
  );
  return execFileSync(driver, { input, maxBuffer: 64 << 20 });
}

beforeAll(() => {
  const cc = 'cc';
  execFileSync(cc, ['-O2', '-Wall', '-Wextra', '-Werror', '-I', join(ROOT, 'addon'), '-I', join(ROOT, 'src/bpf/include'), join(ROOT, 'addon/frames.c'), join(ROOT, 'test/addon/frames-driver.c'), '-o', driver]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('addon frames (addon/frames.c vs. the TypeScript decoder)', () => {
  it('frames a record as u32 length, u32 count 0, the bytes, zeros to the next multiple of 8', () => {
    expect(run([{ append: Buffer.from([1, 2, 3]) }]).toString('hex')).toBe('03000000' + '00000000' + '0102030000000000');
    expect(run([{ append: Buffer.alloc(0) }]).toString('hex')).toBe('0000000000000000');
  });

  it('writes the bytes the decoder splits and decodes, for every padding', () => {
    const records = [openRecord('/etc/passwd'), exitRecord(-9), openRecord('/a'), openRecord('/ab'), ...[1, 7, 8, 9, 15, 16].map((n) => Buffer.alloc(n, n))];
    const out = run(records.map((r) => ({ append: r })));
    expect(out.equals(frame(records))).toBe(true);
    expect(splitBatch(out)).toEqual(records);
    expect(decodeBatch(run([{ append: records[0]! }, { append: records[1]! }])).events).toMatchObject([
      { type: EventType.Open, path: '/etc/passwd', ret: 3 },
      { type: EventType.Exit, exitCode: -9 },
    ]);
  });

  it('passes the first open of each (process, path, flags, ok or errno) through at once and counts its repeats until the hand-over', () => {
    const a = openRecord('/srv/index.html');
    const out = run([
      { offer: a },
      { offer: openRecord('/srv/index.html', { ret: 7 }) }, // another descriptor: the same open
      { offer: openRecord('/srv/index.html', { flags: 0o100 }) },
      { offer: exitRecord(0) }, // not an open: passes through at once
      { offer: openRecord('/srv/index.html', { ret: -2 }) },
      { offer: openRecord('/srv/index.html', { ret: -13 }) },
      { offer: openRecord('/srv/index.html', { tgid: 77 }) },
      { offer: a },
      'handOver',
    ]);
    const { events, undecodable } = decodeBatch(out);
    expect(undecodable).toBe(0);
    expect(events.map((e) => (e.type === EventType.Open ? [e.tgid, e.flags, e.ret, e.count ?? 1] : e.type))).toEqual([
      [40, 0, 3, 1], // each key's first record at once, in arrival order
      [40, 0o100, 3, 1],
      EventType.Exit,
      [40, 0, -2, 1],
      [40, 0, -13, 1],
      [77, 0, 3, 1],
      [40, 0, 3, 2], // its two repeats at the hand-over (the first record's bytes stand for them)
    ]);
  });

  it('after a hand-over passes the first record of a key through again, counts from zero and hands over only what was touched since', () => {
    const a = openRecord('/etc/ld.so.cache');
    const b = openRecord('/etc/hosts');
    const out = run([{ offer: a }, { offer: b }, { offer: b }, 'handOver', { offer: b }, { offer: b }, { offer: b }, 'handOver', 'handOver']);
    expect(decodeBatch(out).events.map((e) => (e.type === EventType.Open ? [e.path, e.count ?? 1] : e.type))).toEqual([
      ['/etc/ld.so.cache', 1],
      ['/etc/hosts', 1],
      ['/etc/hosts', 1], // the hand-over: one repeat
      ['/etc/hosts', 1], // the first after it: at once
      ['/etc/hosts', 2], // the next hand-over: its two repeats; the last hand-over has nothing
    ]);
  });

  it('hands over exactly as many opens as were offered, however hand-overs interleave', () => {
    const keys = ['/a', '/b', '/c'].map((p) => openRecord(p));
    const commands: Command[] = [];
    let offered = 0;
    for (let i = 0; i < 300; i++) {
      commands.push({ offer: keys[(i * 7) % 3]! });
      offered++;
      if (i % 11 === 0) commands.push('handOver');
    }
    commands.push('handOver');
    const { events } = decodeBatch(run(commands));
    expect(events.reduce((n, e) => n + (e.type === EventType.Open ? (e.count ?? 1) : 0), 0)).toBe(offered);
    // at most two frames per key between hand-overs: its first record and the count of its repeats
    expect(events.length).toBeLessThanOrEqual(2 * 3 * (Math.ceil(300 / 11) + 1));
  });

  it('passes through an open record whose path_len overruns it, as it came', () => {
    const bad = openRecord('/tmp/x', { pathLen: 4096 });
    const out = run([{ offer: bad }, 'handOver']);
    expect(out.equals(frame([bad]))).toBe(true);
  });
});
