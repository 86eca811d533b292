import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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
