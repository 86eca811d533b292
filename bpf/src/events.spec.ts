import { describe, expect, it } from 'vitest';
import { syscallNumber } from '@vigil/schemas';
import { decodeBatch, decodeEvent, splitBatch } from './events';
import { EventType, LAYOUTS } from './layout';
import { exitRecord, frame, header, openRecord } from '../test/support/records';

const H = LAYOUTS.vigil_event_header!.fields;
const X = LAYOUTS.vigil_exit_event!;
const P = LAYOUTS.vigil_path_event!.fields;

/**
 * A path record packed like the kernel's: path 0, path 1, dir 0, dir 1 back to back in data, the
 * record ending after them. dirs: the resolved directories as absolute paths (undefined: unresolved).
 */
function pathRecord(nr: number, paths: [string, string], dirs: [string | undefined, string | undefined], str = ''): Buffer {
  const resolved = (dirs[0] !== undefined ? 1 : 0) | (dirs[1] !== undefined ? 2 : 0);
  const strs = paths.map((p) => (p === '' ? Buffer.alloc(0) : Buffer.from(`${p}\0`)));
  // components leaf first, NUL separated, as the kernel's walk writes them
  const comps = dirs.map((d) => (d === undefined ? Buffer.alloc(0) : Buffer.from(d.split('/').filter(Boolean).reverse().map((c) => `${c}\0`).join(''))));
  const data = Buffer.concat([...strs, ...comps]);
  const r = Buffer.alloc(P.data!.offset + data.length);
  header(r, EventType.Path, 50);
  r.writeUInt32LE(nr, P.nr!.offset);
  r.writeUInt32LE(resolved, P.resolved!.offset);
  r.writeBigInt64LE(-2n, P.ret!.offset);
  r.write(str, P.str!.offset);
  for (const i of [0, 1]) {
    r.writeUInt32LE(strs[i]!.length, P.path_len!.offset + 4 * i);
    r.writeUInt32LE(comps[i]!.length, P.dir_len!.offset + 4 * i);
  }
  data.copy(r, P.data!.offset);
  return r;
}

describe('path records', () => {
  it('joins relative paths to the directories the kernel resolved, normalised; absolute and unresolved ones stay', () => {
    const { events, undecodable } = decodeBatch(
      frame([
        pathRecord(82, ['../etc/./passwd', 'x'], ['/home/u', '/']), // rename
        pathRecord(88, ['/etc/shadow', 'lnk'], [undefined, '/tmp/d']), // symlink: target unresolved
        pathRecord(90, ['rel', ''], [undefined, undefined]),
        pathRecord(77, ['', ''], ['/var/log/syslog', undefined]), // ftruncate: the descriptor's own path
        pathRecord(59, ['/tmp/x.so', ''], [undefined, undefined], 'LD_PRELOAD'),
      ]),
    );
    expect(undecodable).toBe(0);
    expect(events.map((e) => (e.type === EventType.Path ? [e.nr, e.paths, e.resolved, e.str, e.ret] : e))).toEqual([
      [82, ['/home/etc/passwd', '/x'], [true, true], '', -2n],
      [88, ['/etc/shadow', '/tmp/d/lnk'], [false, true], '', -2n],
      [90, ['rel', ''], [false, false], '', -2n],
      [77, ['/var/log/syslog', ''], [true, false], '', -2n],
      [59, ['/tmp/x.so', ''], [false, false], 'LD_PRELOAD', -2n],
    ]);
  });

  it('does not use a directory the record cuts, and refuses a record shorter than its fixed part', () => {
    const r = pathRecord(87, ['a', ''], ['/var/tmp', undefined]);
    expect(decodeEvent(r)).toMatchObject({ paths: ['/var/tmp/a', ''], resolved: [true, false] });
    expect(decodeEvent(r.subarray(0, r.length - 2))).toMatchObject({ paths: ['a', ''], resolved: [false, false] });
    expect(decodeEvent(r.subarray(0, P.data!.offset - 1))).toBeUndefined();
  });
});

describe('decodeBatch', () => {
  it('decodes every record in place, like decodeEvent on each split record', () => {
    const records = [openRecord('/usr/share/doc/a b/ü.txt', { flags: 0o400000 }), exitRecord(-9), openRecord('/x', { ret: -2 })];
    const batch = frame(records);
    const { events, undecodable } = decodeBatch(batch);
    expect(undecodable).toBe(0);
    expect(events).toEqual(splitBatch(batch).map((r) => decodeEvent(r)));
    expect(events).toMatchObject([
      { type: EventType.Open, tsNs: 123456789n, tgid: 40, tid: 41, nr: syscallNumber('openat'), dfd: -100, flags: 0o400000, ret: 3, path: '/usr/share/doc/a b/ü.txt' },
      { type: EventType.Exit, tgid: 41, exitCode: -9 },
      { type: EventType.Open, path: '/x', ret: -2 },
    ]);
  });

  it('keeps a path within its record when path_len claims more (and stops at the NUL)', () => {
    const { events } = decodeBatch(frame([openRecord('/etc/hostname', { pathLen: 4096 }), openRecord('/tmp', { pathLen: 3 })]));
    expect(events.map((e) => (e.type === EventType.Open ? e.path : ''))).toEqual(['/etc/hostname', '/tm']);
  });

  it('makes a relative open path absolute against the directory the kernel walked, lexically, keeping the spelling as given', () => {
    const { events } = decodeBatch(
      frame([
        openRecord('shadow', { dir: ['etc'] }),
        openRecord('job', { dir: ['cron.d', 'etc'], flags: 0o1101, ret: -13 }),
        openRecord('../etc/./shadow', { dir: ['tmp'] }),
        openRecord('a//b/', { dir: ['x'], dfd: 5 }),
        openRecord('etc/hostname', { dir: [] }), // the cwd is the root: walked, no component
        openRecord('../..', { dir: ['etc'] }),
        openRecord('/etc/passwd'), // absolute: no directory
        openRecord('f', { resolved: 0 }), // the walk was cut: as given
        openRecord('f', { dir: ['tmp'], dirLen: 100 }), // a directory past the record's end: not used
      ]),
    );
    expect(events.map((e) => (e.type === EventType.Open ? [e.path, e.given] : []))).toEqual([
      ['/etc/shadow', 'shadow'],
      ['/etc/cron.d/job', 'job'],
      ['/etc/shadow', '../etc/./shadow'],
      ['/x/a/b', 'a//b/'],
      ['/etc/hostname', 'etc/hostname'],
      ['/', '../..'],
      ['/etc/passwd', undefined],
      ['f', undefined],
      ['f', undefined],
    ]);
    expect(events[1]).toMatchObject({ flags: 0o1101, ret: -13, dfd: -100 });
  });

  it('carries the count of an aggregated open record (and only of open records)', () => {
    const { events } = decodeBatch(frame([openRecord('/srv/index.html'), openRecord('/once'), exitRecord(0)], [85_000, 0, 7]));
    expect(events.map((e) => (e.type === EventType.Open ? e.count : 'exit'))).toEqual([85_000, undefined, 'exit']);
  });

  it('without timestamps, decodes the same records with tsNs left undefined (what the agent sends has no use for it)', () => {
    const batch = frame([openRecord('/usr/share/doc/a b/ü.txt', { flags: 0o400000 }), exitRecord(-9), openRecord('/x', { ret: -2 }), pathRecord(syscallNumber('chmod')!, ['/etc/a', ''], [undefined, undefined])], [3, 0, 0, 0]);
    const all = decodeBatch(batch).events;
    const { events, undecodable } = decodeBatch(batch, { timestamps: false });
    expect(undecodable).toBe(0);
    expect(all.map((e) => e.tsNs)).toEqual([123456789n, 123456789n, 123456789n, 123456789n]);
    expect(events.map((e) => e.tsNs)).toEqual([undefined, undefined, undefined, undefined]);
    expect(events).toStrictEqual(all.map((e) => ({ ...e, tsNs: undefined })));
    expect(decodeEvent(splitBatch(batch)[2]!, 0, undefined, { timestamps: false })).toStrictEqual(events[2]);
  });

  it('counts records of unknown type and records shorter than their type as undecodable', () => {
    const unknown = exitRecord(0);
    unknown.writeUInt32LE(99, H.type!.offset);
    const short = exitRecord(0).subarray(0, X.size - 4);
    const { events, undecodable } = decodeBatch(frame([unknown, short, openRecord('/ok'), Buffer.alloc(8)]));
    expect(undecodable).toBe(3);
    expect(events).toHaveLength(1);
  });
});
