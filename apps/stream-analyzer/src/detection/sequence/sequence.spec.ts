import { kgramCounts, kgramHash } from '@vigil/schemas';
import { describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDS } from '../finding';
import { FrequencyProfile } from './frequency-profile';
import { fingerprint, KgramModel, type BagEntry } from './kgram-model';

/** A tiny deterministic "program": open-read*-close loops with an occasional stat. */
function normalTrace(seed: number): number[] {
  const t = [11, 45, 5, 3, 6];
  for (let i = 0; i < 5 + (seed % 7); i++) {
    t.push(5);
    for (let j = 0; j < 1 + ((seed + i) % 3); j++) t.push(3);
    t.push(6);
    if ((seed * 7 + i) % 5 === 0) t.push(106);
    t.push(4);
  }
  t.push(252);
  return t;
}

const bagOf = (ids: number[], k = 3): BagEntry[] => [...kgramCounts(ids, k)].map(([key, count]) => ({ key, count }));

function trained(k = 3, n = 60): KgramModel {
  const m = new KgramModel(k);
  for (let s = 0; s < n; s++) m.learn(bagOf(normalTrace(s), k));
  return m;
}

describe('KgramModel (order-k Kneser-Ney language model over the kernel k-gram counts)', () => {
  it('gives a proper distribution over the next call (sums to ≤ 1, unknown calls keep some mass)', () => {
    for (const k of [1, 2, 3, 5]) {
      const m = trained(k);
      const ctx = [5, 3, 3, 3].slice(0, k - 1);
      let total = 0;
      // 11 only ever starts a run: like an unknown call it has no continuation count, so it is left out
      for (const next of [3, 4, 5, 6, 45, 106, 252]) total += Math.exp(-m.surprise(kgramHash([...ctx, next])));
      expect(total, `k=${k}`).toBeLessThanOrEqual(1 + 1e-9);
      expect(total, `k=${k}`).toBeGreaterThan(0.8);
      expect(Number.isFinite(m.surprise(kgramHash([...ctx, 999])))).toBe(true);
      let unseenContext = 0;
      for (const next of [3, 4, 5, 6, 45, 106, 252]) unseenContext += Math.exp(-m.surprise(kgramHash([...[1, 2, 7, 8].slice(0, k - 1), next])));
      expect(unseenContext, `k=${k}`).toBeLessThanOrEqual(1 + 1e-9);
    }
  });

  it('is more surprised by foreign calls and reordered runs than by a fresh normal run', () => {
    const m = trained();
    const normal = m.score(bagOf(normalTrace(123)));
    const foreign = m.score(bagOf([11, 45, 5, 3, 6, 359, 362, 63, 63, 63, 11, 252]));
    const shuffled = m.score(bagOf([11, 45, 6, 4, 5, 252, 3, 6, 5, 4, 106, 3, 6]));
    expect(normal.novelShare).toBe(0);
    expect(foreign.tailSurprise).toBeGreaterThan(normal.tailSurprise + 1);
    expect(shuffled.meanSurprise).toBeGreaterThan(normal.meanSurprise + 1);
    expect(foreign.novelDistinct).toBeGreaterThan(3);
    expect(foreign.shapeDistance).toBeGreaterThan(normal.shapeDistance);
  });

  it('calibrates against its own windows: normal runs score near 0, spliced payloads far above', () => {
    const m = trained(3, 200);
    const normals = Array.from({ length: 30 }, (_, s) => m.score(bagOf(normalTrace(1000 + s))).anomaly!);
    const attacks = [
      [...normalTrace(5).slice(0, 10), 359, 362, 63, 63, 63, 11, 45, 5, 3, 6, 252],
      [...normalTrace(6).slice(0, 12), 5, 143, 5, 3, 94, 212, 4, 118, 6, 38, 252],
    ].map((t) => m.score(bagOf(t)).anomaly!);
    // −log10 of a rank among ~190 remembered normal windows: at most 2.3 for a normal one
    expect(Math.max(...normals)).toBeLessThan(2.5);
    expect(Math.min(...normals)).toBeGreaterThanOrEqual(0);
    expect(Math.min(...attacks)).toBeGreaterThan(DEFAULT_THRESHOLDS.sequenceAnomaly);
  });

  it('judges a pooled window by its neighbourhood: k-grams known only from another kind of run count as foreign', () => {
    // one pooled model over two kinds of runs (a file reader and a network loop), as a server host's
    // traces without program identity; the splice borrows the network loop's calls into a reader run
    const net = (s: number): number[] => {
      const t = [41, 49, 50];
      for (let i = 0; i < 6 + (s % 5); i++) t.push(43, 0, 1, 3);
      return [...t, 231];
    };
    const m = new KgramModel(3);
    for (let s = 0; s < 120; s++) m.learn(bagOf(s % 2 ? normalTrace(s) : net(s)));
    const reader = m.score(bagOf(normalTrace(501)));
    const spliced = m.score(bagOf([...normalTrace(502).slice(0, 14), 41, 49, 50, 43, 0, 1, 3, 252]));
    expect(reader.neighbourMiss).toBe(0);
    expect(spliced.neighbourMiss).toBeGreaterThan(0.1);
    expect(spliced.neighbourMiss).toBeGreaterThan(spliced.novelShare + 0.05);
    // every k-gram of the splice but the two seams is known to the pooled model
    expect(spliced.novelDistinct).toBeLessThanOrEqual(3);
    expect(spliced.anomaly!).toBeGreaterThan(DEFAULT_THRESHOLDS.sequenceAnomaly);
    expect(reader.anomaly!).toBeLessThan(DEFAULT_THRESHOLDS.sequenceAnomaly);
  });

  it('remembers the shapes of a pooled host: a hundred kinds of runs each stay their own neighbourhood', () => {
    const kind = (c: number, s: number): number[] => {
      const t = [59, 12];
      for (let i = 0; i < 8 + (s % 4); i++) t.push(100 + 3 * c, 101 + 3 * c, (s + i) % 3 ? 102 + 3 * c : 0);
      return [...t, 231];
    };
    const m = new KgramModel(3);
    for (let s = 0; s < 3; s++) for (let c = 0; c < 100; c++) m.learn(bagOf(kind(c, s)));
    for (const c of [3, 57, 99]) {
      const s = m.score(bagOf(kind(c, 7)));
      expect(s.shapeDistance, `kind ${c}`).toBeLessThan(0.05);
      expect(s.neighbourMiss, `kind ${c}`).toBe(0);
    }
  });

  it('calibrates a view a checkpoint from before it existed only once it has its own normal scores', () => {
    const m = trained(3, 100);
    const state = m.toJSON();
    state.calibration = state.calibration!.slice(0, 3); // a checkpoint written before neighbourMiss
    const old = KgramModel.fromJSON(state);
    const s = old.score(bagOf(normalTrace(77)));
    expect(Number.isFinite(s.anomaly)).toBe(true);
    expect(s.anomaly!).toBeLessThan(DEFAULT_THRESHOLDS.sequenceAnomaly);
  });

  it('has no calibrated score before it has seen enough windows', () => {
    const m = trained(3, 5);
    expect(m.score(bagOf(normalTrace(1))).anomaly).toBeNull();
  });

  it('active baselines refresh known k-grams only; accepted k-grams become known', () => {
    const m = trained();
    const odd = bagOf([5, 3, 6, 359, 362, 63, 63, 63, 11]);
    const size = m.size;
    m.learn(odd, true);
    expect(m.size).toBe(size);
    expect(m.score(odd).novelDistinct).toBeGreaterThan(0);
    m.accept(odd.map((g) => g.key));
    expect(m.score(odd).novelDistinct).toBe(0);
  });

  it('round-trips through JSON and merges (fleet baselines) like learning both', () => {
    const m = trained();
    const copy = KgramModel.fromJSON(JSON.parse(JSON.stringify(m.toJSON())) as ReturnType<KgramModel['toJSON']>);
    const probe = bagOf([...normalTrace(9), 359, 362, 63]);
    expect(copy.score(probe)).toEqual(m.score(probe));
    const a = new KgramModel(3);
    const b = new KgramModel(3);
    const both = new KgramModel(3);
    for (let s = 0; s < 40; s++) {
      (s % 2 ? a : b).learn(bagOf(normalTrace(s)));
      both.learn(bagOf(normalTrace(s)));
    }
    a.merge(b);
    expect(a.size).toBe(both.size);
    for (const key of [kgramHash([5, 3, 6]), kgramHash([3, 3, 6]), kgramHash([6, 106, 4]), kgramHash([1, 2, 3])]) expect(a.surprise(key)).toBeCloseTo(both.surprise(key), 10);
    expect(() => a.merge(new KgramModel(4))).toThrow();
  });
});

describe('learned windows', () => {
  /** A rare normal run: a stat storm the program made once while learning. */
  const rare = [11, 45, 4, 4, 4, 4, 4, 4, 4, 4, 106, 106, 4, 4, 106, 252];

  it('fingerprints a bag whatever the order of its entries, and tells counts apart', () => {
    const bag = bagOf(normalTrace(3));
    expect(fingerprint([...bag].reverse())).toBe(fingerprint(bag));
    expect(Number.isSafeInteger(fingerprint(bag))).toBe(true);
    const bumped = bag.map((e, i) => (i === 0 ? { key: e.key, count: e.count + 1 } : e));
    expect(fingerprint(bumped)).not.toBe(fingerprint(bag));
  });

  it('caps an exact repeat of a learned window far below an alert, but not a near copy, and keeps it across a checkpoint', () => {
    const m = new KgramModel(3);
    for (let s = 0; s < 100; s++) {
      m.learn(bagOf(normalTrace(s)));
      if (s === 50) m.learn(bagOf(rare));
    }
    const repeat = m.score(bagOf(rare)).anomaly!;
    const nearCopy = m.score(bagOf([...rare.slice(0, -1), 4, 106, 106, 252])).anomaly!;
    expect(repeat).toBeCloseTo(-Math.log10(1 / 8), 6);
    expect(nearCopy).toBeGreaterThan(repeat);
    const copy = KgramModel.fromJSON(JSON.parse(JSON.stringify(m.toJSON())) as ReturnType<KgramModel['toJSON']>);
    expect(copy.score(bagOf(rare)).anomaly).toBeCloseTo(repeat, 10);
    // an active model (learning only known k-grams) remembers nothing new
    const active = new KgramModel(3);
    for (let s = 0; s < 100; s++) active.learn(bagOf(normalTrace(s)));
    active.learn(bagOf(rare), true);
    expect(active.score(bagOf(rare)).anomaly!).toBeGreaterThan(repeat);
  });

  it('still knows the first of a host-sized training set (1,000 distinct runs) as learned when the last is in', () => {
    // a pooled trace backtest learns every run of a server host; the public set's training part has ~720 distinct ones
    const distinct = (s: number): number[] => [...normalTrace(s), ...Array<number>(1 + (s % 37)).fill(39), ...Array<number>(1 + Math.floor(s / 37)).fill(20)];
    const m = new KgramModel(3);
    m.learn(bagOf(rare));
    for (let s = 0; s < 1000; s++) m.learn(bagOf(distinct(s)));
    expect(m.score(bagOf(rare)).anomaly).toBeCloseTo(-Math.log10(1 / 8), 6);
    expect(m.score(bagOf(distinct(0))).anomaly).toBeLessThanOrEqual(-Math.log10(1 / 8) + 1e-9);
  });
});

describe('FrequencyProfile', () => {
  it('measures shift to the closest learned mode and lists novel syscalls', () => {
    const f = new FrequencyProfile(8, 0.02);
    f.learn({ read: 100, write: 100 });
    f.learn({ stat: 50, getdents64: 50 });
    expect(f.shift({ read: 51, write: 49 })).toBeLessThan(0.01);
    expect(f.shift({ stat: 10, getdents64: 12 })).toBeLessThan(0.01);
    expect(f.shift({ read: 10, ptrace: 90 })).toBeGreaterThan(0.5);
    expect(f.novel({ read: 1, ptrace: 2 })).toEqual(['ptrace']);
    const copy = FrequencyProfile.fromJSON(JSON.parse(JSON.stringify(f.toJSON())));
    expect(copy.shift({ read: 10, ptrace: 90 })).toBeCloseTo(f.shift({ read: 10, ptrace: 90 }), 10);
  });
});
