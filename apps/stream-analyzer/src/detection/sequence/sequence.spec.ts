import { describe, expect, it } from 'vitest';
import { ngramKeysByStart } from '../ngram-hash';
import { FrequencyProfile } from './frequency-profile';
import { SyscallLanguageModel } from './language-model';
import { NgramBagProfile, bagOfOrder } from './ngram-bag';
import { TraceAnomalyModel } from './trace-model';

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

describe('SyscallLanguageModel', () => {
  const lm = new SyscallLanguageModel(4);
  for (let s = 0; s < 50; s++) lm.observe(normalTrace(s));

  it('gives a proper distribution over the next symbol (sums to ≤ 1, unknown mass > 0)', () => {
    const ctx = [5, 3, 3];
    let total = 0;
    for (const next of [3, 4, 5, 6, 11, 45, 106, 252]) total += Math.exp(-lm.negLogLikelihoods([...ctx, next])[3]!);
    expect(total).toBeLessThanOrEqual(1 + 1e-9);
    expect(total).toBeGreaterThan(0.9);
    expect(Number.isFinite(lm.negLogLikelihoods([...ctx, 999])[3]!)).toBe(true);
  });

  it('is more surprised by a reordered or foreign trace than a fresh normal one', () => {
    const mean = (xs: Float64Array) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const normal = mean(lm.negLogLikelihoods(normalTrace(123)));
    const shuffled = mean(lm.negLogLikelihoods([11, 45, 6, 4, 5, 252, 3, 6, 5, 4, 106, 3, 6]));
    const foreign = mean(lm.negLogLikelihoods([11, 45, 5, 3, 6, 359, 362, 63, 63, 63, 11, 252]));
    expect(shuffled).toBeGreaterThan(normal + 1);
    expect(foreign).toBeGreaterThan(normal + 1);
  });

  it('round-trips through JSON', () => {
    const copy = SyscallLanguageModel.fromJSON(JSON.parse(JSON.stringify(lm.toJSON())));
    expect([...copy.negLogLikelihoods(normalTrace(9))]).toEqual([...lm.negLogLikelihoods(normalTrace(9))]);
  });
});

describe('NgramBagProfile', () => {
  it('scores never-seen and rare k-grams, merges and serialises', () => {
    const p = new NgramBagProfile(3);
    const bagOf = (ids: number[]) => bagOfOrder(ngramKeysByStart(ids, 3), ids.length, 3, 3);
    for (let s = 0; s < 20; s++) p.learn(bagOf(normalTrace(s)));
    const normal = p.score(bagOf(normalTrace(77)));
    const odd = p.score(bagOf([5, 3, 6, 359, 362, 63, 63, 63, 11]));
    expect(normal.novelShare).toBe(0);
    expect(odd.novelDistinct).toBeGreaterThan(3);
    expect(odd.rarity).toBeGreaterThan(normal.rarity + 1);
    const copy = NgramBagProfile.fromJSON(JSON.parse(JSON.stringify(p.toJSON())));
    copy.merge(p);
    expect(copy.observations).toBe(40);
    expect(copy.score(bagOf(normalTrace(77))).novelShare).toBe(0);
    p.accept(bagOf([5, 3, 6, 359, 362, 63, 63, 63, 11]).map((g) => g.key));
    expect(p.score(bagOf([5, 3, 6, 359, 362, 63, 63, 63, 11])).novelDistinct).toBe(0);
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

describe('TraceAnomalyModel', () => {
  it('ranks attack-like traces above held-out normal traces', () => {
    const train = Array.from({ length: 60 }, (_, s) => normalTrace(s));
    const m = TraceAnomalyModel.train(train);
    const normals = Array.from({ length: 20 }, (_, s) => m.score(normalTrace(1000 + s)));
    const attacks = [
      [...normalTrace(5).slice(0, 10), 359, 362, 63, 63, 63, 11, 45, 5, 3, 6, 252],
      [...normalTrace(6).slice(0, 12), 5, 143, 5, 3, 94, 212, 4, 118, 6, 38, 252],
      [...normalTrace(7), 2, 2, 2, 2, 2, 2],
    ].map((t) => m.score(t));
    expect(Math.min(...attacks)).toBeGreaterThan(Math.max(...normals));
  });
});
