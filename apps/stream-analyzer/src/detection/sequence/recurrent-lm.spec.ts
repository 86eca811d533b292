import { describe, expect, it } from 'vitest';
import { chunkLossAndGradient, RecurrentLm, windowPeak, type RecurrentLmConfig } from './recurrent-lm';

/** A toy program: a fixed loop of calls whose next call depends on up to three before it. */
const LOOP = ['openat', 'read', 'write', 'close', 'mmap', 'openat', 'read', 'read', 'close', 'munmap'];
function toyTrace(repeats: number, offset: number): string[] {
  const out = ['execve', 'brk'];
  for (let i = 0; i < repeats * LOOP.length; i++) out.push(LOOP[(i + offset) % LOOP.length]!);
  out.push('exit_group');
  return out;
}

const SMALL: Partial<RecurrentLmConfig> = { embed: 8, hidden: 16, chunk: 32, batch: 4, lr: 0.02, epochs: 12, minCount: 1, window: 8, seed: 7 };

describe('recurrent-lm', () => {
  it('backpropagates the gradient that finite differences measure', () => {
    const trace = ['a', 'b', 'c', 'a', 'c', 'b', 'b', 'a', 'c', 'c', 'a', 'b'];
    const m = RecurrentLm.init([trace], { embed: 3, hidden: 4, chunk: 16, minCount: 1, seed: 3 });
    const { grad } = chunkLossAndGradient(m, trace);
    const p = m.params;
    let worst = 0;
    let scale = 0;
    for (let i = 0; i < p.length; i++) {
      const orig = p[i]!;
      p[i] = orig + 1e-2;
      const up = p[i]!;
      const lUp = chunkLossAndGradient(m, trace).loss;
      p[i] = orig - 1e-2;
      const down = p[i]!;
      const lDown = chunkLossAndGradient(m, trace).loss;
      p[i] = orig;
      const fd = (lUp - lDown) / (up - down);
      worst = Math.max(worst, Math.abs(fd - grad[i]!));
      scale = Math.max(scale, Math.abs(grad[i]!));
    }
    expect(scale).toBeGreaterThan(0.01);
    expect(worst).toBeLessThan(1e-3 * Math.max(1, scale));
  });

  it('learns a deterministic grammar and scores a foreign subsequence higher', () => {
    const train = Array.from({ length: 40 }, (_, i) => toyTrace(8 + (i % 5), i % LOOP.length));
    const progress: number[] = [];
    const m = RecurrentLm.train(train, SMALL, (p) => progress.push(p.loss));
    expect(progress).toHaveLength(12);
    expect(progress[progress.length - 1]!).toBeLessThan(progress[0]!);

    const heldOut = [toyTrace(10, 3), toyTrace(7, 6)];
    const uniform = Math.log(m.vocabSize);
    expect(m.meanLoss(heldOut)).toBeLessThan(0.15 * uniform);

    // the same calls in an order the program never makes, spliced into a normal run
    const clean = toyTrace(10, 0);
    const injected = [...clean.slice(0, 50), 'close', 'close', 'write', 'munmap', 'write', 'mmap', ...clean.slice(50)];
    const a = m.score(clean);
    const b = m.score(injected);
    expect(b.peak).toBeGreaterThan(a.peak + 1);
    expect(b.mean).toBeGreaterThan(a.mean);
    const spliced = Array.from(b.nll.slice(50, 56)).reduce((s, x) => s + x, 0) / 6;
    expect(spliced).toBeGreaterThan(5 * a.mean);
    // a call never seen in training is out of vocabulary and counted
    expect(m.score([...clean.slice(0, 20), 'ptrace', ...clean.slice(20)]).oov).toBe(1);
  });

  it('gives the same weights for the same seed and different ones for another', () => {
    const train = Array.from({ length: 10 }, (_, i) => toyTrace(4, i));
    const cfg = { ...SMALL, epochs: 2 };
    const a = RecurrentLm.train(train, cfg);
    const b = RecurrentLm.train(train, cfg);
    const c = RecurrentLm.train(train, { ...cfg, seed: 8 });
    expect(Buffer.from(a.params.buffer).equals(Buffer.from(b.params.buffer))).toBe(true);
    expect(Buffer.from(a.params.buffer).equals(Buffer.from(c.params.buffer))).toBe(false);
  });

  it('round-trips through JSON with identical scores', () => {
    const train = Array.from({ length: 10 }, (_, i) => toyTrace(4, i));
    const m = RecurrentLm.train(train, { ...SMALL, epochs: 2 });
    const copy = RecurrentLm.fromJSON(JSON.parse(JSON.stringify(m.toJSON())));
    const t = [...toyTrace(5, 2), 'ptrace', 'read'];
    const a = m.score(t);
    const b = copy.score(t);
    expect(Array.from(b.nll)).toEqual(Array.from(a.nll));
    expect(b.peak).toBe(a.peak);
    expect(copy.vocab).toEqual(m.vocab);
  });

  it('takes the peak as the highest window mean', () => {
    expect(windowPeak([1, 1, 5, 5, 1], 2)).toBe(5);
    expect(windowPeak([1, 3], 4)).toBe(2);
    expect(windowPeak([], 4)).toBe(0);
  });
});
