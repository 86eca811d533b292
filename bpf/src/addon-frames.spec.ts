import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePassFilter, type OpenPassFilter } from './bpf-object';
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

type Command = { append: Buffer } | { offer: Buffer } | { pass: OpenPassFilter } | 'handOver';

/** Run the driver on commands; the frames it wrote. (Decoded opens carry `count` only above 1: `?? 1` below.) */
function run(commands: Command[]): Buffer {
  const input = Buffer.concat(
    commands.map((c) => {
      const [op, bytes] = c === 'handOver' ? [2, Buffer.alloc(0)] : 'append' in c ? [0, c.append] : 'pass' in c ? [3, encodePassFilter(c.pass)] : [1, c.offer];
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

  it('counts repeated opens per (process, path, flags, ok or errno) and hands each over once, in first-seen order', () => {
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
      EventType.Exit,
      [40, 0, 3, 3], // the first record's bytes stand for all three
      [40, 0o100, 3, 1],
      [40, 0, -2, 1],
      [40, 0, -13, 1],
      [77, 0, 3, 1],
    ]);
  });

  it('counts from zero again after a hand-over and hands over only what was touched since', () => {
    const a = openRecord('/etc/ld.so.cache');
    const b = openRecord('/etc/hosts');
    const out = run([{ offer: a }, { offer: b }, 'handOver', { offer: b }, { offer: b }, 'handOver', 'handOver']);
    expect(decodeBatch(out).events.map((e) => (e.type === EventType.Open ? [e.path, e.count ?? 1] : e.type))).toEqual([
      ['/etc/ld.so.cache', 1],
      ['/etc/hosts', 1],
      ['/etc/hosts', 2],
    ]);
  });

  it('lets the first open of a key since the last hand-over through at once when its flags or path prefix match, and counts its repeats', () => {
    const pass: OpenPassFilter = { flags: 0o3 | 0o100, prefixes: ['/etc/shadow', '/home/'] };
    const shadow = openRecord('/etc/shadow');
    const out = run([
      { pass },
      { offer: shadow }, // at once
      { offer: openRecord('/usr/share/a') }, // held
      { offer: shadow }, // a repeat: counted
      { offer: openRecord('/tmp/new', { flags: 0o101 }) }, // a write: at once
      { offer: openRecord('/home/ann/.ssh/id') }, // at once
      { offer: openRecord('/etc/shadow.bak') }, // the prefix matches: at once
      { offer: openRecord('/etc/shado') }, // shorter than the prefix: held
      { offer: shadow },
      'handOver',
      { offer: shadow }, // the first since the hand-over: at once again
      { offer: openRecord('/usr/share/a') }, // held again
      { offer: shadow },
      'handOver',
    ]);
    expect(decodeBatch(out).events.map((e) => (e.type === EventType.Open ? [e.path, e.count ?? 1] : e.type))).toEqual([
      ['/etc/shadow', 1],
      ['/tmp/new', 1],
      ['/home/ann/.ssh/id', 1],
      ['/etc/shadow.bak', 1],
      ['/usr/share/a', 1], // the hand-over, in first-seen order
      ['/etc/shadow', 2],
      ['/etc/shado', 1],
      ['/etc/shadow', 1], // at once
      ['/usr/share/a', 1], // the hand-over
      ['/etc/shadow', 1], // its repeat
    ]);
  });

  it('keys a relative open by its directory too, and passes it at once when its resolved path matches a prefix', () => {
    const pass: OpenPassFilter = { flags: 0, prefixes: ['/etc/shadow', '/etc/cron'] };
    const inEtc = openRecord('shadow', { dir: ['etc'] });
    const out = run([
      { pass },
      { offer: inEtc }, // /etc/shadow: at once
      { offer: openRecord('shadow', { dir: ['tmp'] }) }, // /tmp/shadow: another key, held
      { offer: openRecord('../etc/./shadow', { dir: ['home'] }) }, // /etc/shadow lexically: at once
      { offer: openRecord('job', { dir: ['cron.d', 'etc'] }) }, // /etc/cron.d/job: at once
      { offer: openRecord('etc/shadow', { dir: [] }) }, // from the root: at once
      { offer: openRecord('shadow', { resolved: 0 }) }, // unresolved: as given, held
      { offer: openRecord('shadow', { dir: ['etc', 'tmp'] }) }, // /tmp/etc/shadow: held
      { offer: inEtc }, // a repeat: counted
      'handOver',
    ]);
    expect(decodeBatch(out).events.map((e) => (e.type === EventType.Open ? [e.path, e.count ?? 1] : e.type))).toEqual([
      ['/etc/shadow', 1],
      ['/etc/shadow', 1],
      ['/etc/cron.d/job', 1],
      ['/etc/shadow', 1],
      ['/tmp/shadow', 1], // the hand-over
      ['shadow', 1],
      ['/tmp/etc/shadow', 1],
      ['/etc/shadow', 1], // the repeat of the first
    ]);
  });

  it('hands over exactly as many opens as were offered, however hand-overs and passes interleave', () => {
    const keys = ['/a', '/b', '/c', '/pass/x'].map((p) => openRecord(p));
    const commands: Command[] = [{ pass: { flags: 0, prefixes: ['/pass/', '/a'] } }];
    for (let i = 0; i < 400; i++) {
      commands.push({ offer: keys[(i * 7) % 4]! });
      if (i % 11 === 0) commands.push('handOver');
    }
    commands.push('handOver');
    const { events } = decodeBatch(run(commands));
    expect(events.reduce((n, e) => n + (e.type === EventType.Open ? (e.count ?? 1) : 0), 0)).toBe(400);
    // between two hand-overs at most one frame per held key, two per key that passes at once
    expect(events.length).toBeLessThanOrEqual((2 * 2 + 2) * (Math.ceil(400 / 11) + 1));
  });

  it('passes every first open with an empty prefix, none with no filter', () => {
    const offers: Command[] = ['/x', '/y', '/x'].map((p) => ({ offer: openRecord(p) }));
    const all = decodeBatch(run([{ pass: { flags: 0, prefixes: [''] } }, ...offers])).events;
    expect(all.map((e) => (e.type === EventType.Open ? e.path : e.type))).toEqual(['/x', '/y']);
    expect(decodeBatch(run(offers)).events).toEqual([]);
  });

  it('passes through an open record whose path_len overruns it, as it came', () => {
    const bad = openRecord('/tmp/x', { pathLen: 4096 });
    const out = run([{ offer: bad }, 'handOver']);
    expect(out.equals(frame([bad]))).toBe(true);
  });
});
