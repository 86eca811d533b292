import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UnsafeSpoolPathError } from './no-follow';
import { Spool } from './spool';

const dir = () => mkdtempSync(join(tmpdir(), 'vigil-spool-'));

describe('Spool', () => {
  it('keeps batches in sequence order and survives a restart', () => {
    const d = dir();
    const s = new Spool(d, 1_000);
    s.put(2, 'b', Buffer.alloc(10, 2));
    s.put(1, 'a', Buffer.alloc(10, 1));
    expect(s.peek()?.name).toMatch(/^0+1-a\.batch$/);
    writeFileSync(join(d, 'half-written.batch.tmp'), 'x');
    const again = new Spool(d, 1_000);
    expect(again.length).toBe(2);
    expect(again.bytes).toBe(20);
    expect(again.read(again.peek()!)[0]).toBe(1);
    expect(readdirSync(d).some((f) => f.endsWith('.tmp'))).toBe(false);
    again.remove(again.peek()!);
    expect(again.peek()?.name).toMatch(/-b\.batch$/);
  });

  it('evicts the oldest batches first when full, counts them (persistently) and tells the observer', () => {
    const d = dir();
    const seen: string[] = [];
    const s = new Spool(d, 100, { evicted: (e) => seen.push(e.name) });
    for (let i = 1; i <= 5; i++) s.put(i, `id${i}`, Buffer.alloc(30));
    // 5 × 30 bytes into 100: batches 1 and 2 go.
    expect(s.length).toBe(3);
    expect(s.evictedTotal).toBe(2);
    expect(seen.map((n) => n.slice(-9))).toEqual(['id1.batch', 'id2.batch']);
    expect(new Spool(d, 100).evictedTotal).toBe(2);
    expect(() => s.put(9, 'huge', Buffer.alloc(101))).toThrow(/larger than the whole spool/);
  });

  it('sends urgent batches before the others waiting, oldest urgent first, also after a restart', () => {
    const d = dir();
    const s = new Spool(d, 1_000);
    s.put(1, 'w1', Buffer.alloc(10));
    s.put(2, 'w2', Buffer.alloc(10));
    s.put(3, 'u3', Buffer.alloc(10), true);
    s.put(4, 'u4', Buffer.alloc(10), true);
    expect(s.peek()?.name).toMatch(/-u3\.urgent\.batch$/);
    const again = new Spool(d, 1_000);
    const order: string[] = [];
    for (let e = again.peek(); e; e = again.peek()) {
      order.push(e.name.replace(/^0+\d-/, ''));
      again.remove(e);
    }
    expect(order).toEqual(['u3.urgent.batch', 'u4.urgent.batch', 'w1.batch', 'w2.batch']);
  });
});

describe('Spool never follows symlinks', () => {
  it('refuses a spool directory that is a symlink or writable by others, saying why', () => {
    const d = dir();
    const real = join(d, 'real');
    mkdirSync(real, { mode: 0o700 });
    symlinkSync(real, join(d, 'link'));
    expect(() => new Spool(join(d, 'link'), 1_000)).toThrow(/spool directory is a symbolic link/);
    const open = join(d, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    expect(() => new Spool(open, 1_000)).toThrow(/writable by its group \(mode 777\); chmod 700/);
  });

  it('leaves a planted link out of the queue (and says so) and never reads through it', () => {
    const d = dir();
    const secret = join(mkdtempSync(join(tmpdir(), 'vigil-secret-')), 'shadow');
    writeFileSync(secret, 'root:secret-hash');
    symlinkSync(secret, join(d, '0000000000000001-planted.batch'));
    const refused: string[] = [];
    const s = new Spool(d, 1_000, { evicted: () => undefined, refused: (e) => refused.push(e.message) });
    expect(s.length).toBe(0);
    expect(refused).toEqual([expect.stringMatching(/planted\.batch: it is a symbolic link \(never followed in the spool\)/)]);
  });

  it('refuses to read a batch swapped for a link after it was spooled', () => {
    const d = dir();
    const s = new Spool(d, 1_000);
    const e = s.put(1, 'a', Buffer.from('batch'));
    const target = join(mkdtempSync(join(tmpdir(), 'vigil-secret-')), 'x');
    writeFileSync(target, 'not ours');
    rmSync(join(d, e.name));
    symlinkSync(target, join(d, e.name));
    expect(() => s.read(e)).toThrow(UnsafeSpoolPathError);
    expect(() => s.read(e)).toThrow(/symbolic link \(opened with O_NOFOLLOW/);
  });

  it('writes through a planted link by replacing the link, never the file it points at', () => {
    const d = dir();
    const s = new Spool(d, 1_000);
    const victim = join(mkdtempSync(join(tmpdir(), 'vigil-victim-')), 'passwd');
    writeFileSync(victim, 'untouched');
    symlinkSync(victim, join(d, '0000000000000007-b.batch.tmp'));
    symlinkSync(victim, join(d, 'evicted.count'));
    s.put(7, 'b', Buffer.from('new batch'));
    s.countLost();
    expect(readFileSync(victim, 'utf8')).toBe('untouched');
    expect(lstatSync(join(d, 'evicted.count')).isFile()).toBe(true);
    expect(s.read(s.peek()!).toString()).toBe('new batch');
  });
});
