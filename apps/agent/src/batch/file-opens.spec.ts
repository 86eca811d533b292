import { prng } from '@vigil/common';
import type { FileOpen } from '@vigil/schemas';
import { describe, expect, it } from 'vitest';
import { FileOpens } from './file-opens';

/**
 * The aggregation FileOpens replaced (a FileOpen object per entry, by path, then a list for a
 * path's other flags/results), kept as the reference: the records the agent sends must not change.
 */
class ReferenceFileOpens {
  private readonly files = new Map<string, FileOpen | FileOpen[]>();

  add(path: string, flags: number, ret: number, n: number, now: number): void {
    const known = this.files.get(path);
    if (known === undefined) {
      this.files.set(path, { path, flags, ret, count: n, firstSeen: now });
      return;
    }
    const list = Array.isArray(known) ? known : [known];
    const f = list.find((x) => x.flags === flags && x.ret === ret);
    if (f) {
      f.count += n;
      return;
    }
    list.push({ path, flags, ret, count: n, firstSeen: now });
    if (list.length === 2) this.files.set(path, list);
  }

  list(): FileOpen[] {
    return [...this.files.values()].flat();
  }
}

describe('FileOpens', () => {
  it('aggregates by (path, flags, result): paths in order of first sight, a path’s entries in theirs, each with its first time', () => {
    const f = new FileOpens();
    f.add('/etc/passwd', 0, 0, 1, 100);
    f.add('/etc/shadow', 0, -13, 1, 100);
    f.add('/etc/passwd', 0, -13, 1, 200);
    f.add('/etc/passwd', 0, 0, 85_000, 300);
    f.add('/etc/passwd', 1, 0, 1, 300);
    f.add('/etc/shadow', 0, -13, 2, 400);
    f.add('/etc/passwd', 0, -13, 1, 500);
    expect(f.list()).toEqual([
      { path: '/etc/passwd', flags: 0, ret: 0, count: 85_001, firstSeen: 100 },
      { path: '/etc/passwd', flags: 0, ret: -13, count: 2, firstSeen: 200 },
      { path: '/etc/passwd', flags: 1, ret: 0, count: 1, firstSeen: 300 },
      { path: '/etc/shadow', flags: 0, ret: -13, count: 3, firstSeen: 100 },
    ]);
    expect(new FileOpens().list()).toEqual([]);
  });

  it('lists exactly what the per-object aggregation it replaced listed (seeded random walks with repeats)', () => {
    for (const seed of [1, 2, 3, 15]) {
      const rnd = prng(seed);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
      const paths = Array.from({ length: 400 }, (_, i) => `/usr/share/doc/p${i % 37}/${i}${i % 5 === 0 ? '/ü' : ''}`);
      const [f, ref] = [new FileOpens(), new ReferenceFileOpens()];
      let now = 1_765_000_000_000;
      for (let i = 0; i < 5_000; i++) {
        if (rnd() < 0.05) now += 1000;
        const open = [pick(paths), rnd() < 0.8 ? 0o400000 : pick([0, 0o1, 0o101, 0o1101]), rnd() < 0.8 ? 0 : pick([-2, -13]), rnd() < 0.1 ? 1 + Math.floor(rnd() * 9) : 1, now] as const;
        f.add(...open);
        ref.add(...open);
      }
      expect(f.list()).toEqual(ref.list());
    }
  });
});
