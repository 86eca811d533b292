/**
 * Syscall frequency profile: a bounded set of prototype histograms (each a unit vector of
 * sqrt-relative frequencies, i.e. the Hellinger embedding). A new histogram's shift is
 * 1 − max cosine to any prototype = the squared Hellinger-style distance to the closest way the
 * program has behaved before. Several prototypes, not one mean, because one program has several
 * modes (a shell running ls vs. a shell running a script).
 */
export class FrequencyProfile {
  /** Prototype vectors (symbol → weight), unit length, with how many observations each absorbed. */
  private prototypes: { v: Map<string, number>; n: number }[] = [];
  /** Observations per symbol (how many histograms contained it). */
  readonly seen = new Map<string, number>();
  observations = 0;

  constructor(
    /** Upper bound on prototypes kept (memory per program is bounded). */
    readonly maxPrototypes = 32,
    /** Histograms closer than this to a prototype are merged into it. */
    readonly mergeBelow = 0.02,
  ) {}

  /** Learn one histogram (symbol → count). */
  learn(hist: Record<string, number> | Map<string, number>): void {
    const v = embed(hist);
    if (v.size === 0) return;
    this.observations++;
    for (const s of v.keys()) this.seen.set(s, (this.seen.get(s) ?? 0) + 1);
    let best = -1;
    let bestSim = -1;
    this.prototypes.forEach((p, i) => {
      const sim = cosine(p.v, v);
      if (sim > bestSim) {
        bestSim = sim;
        best = i;
      }
    });
    if (best >= 0 && (1 - bestSim < this.mergeBelow || this.prototypes.length >= this.maxPrototypes)) {
      const p = this.prototypes[best]!;
      p.v = normalise(mix(p.v, p.n, v, 1));
      p.n++;
    } else this.prototypes.push({ v, n: 1 });
  }

  /** Distance of a histogram to the closest prototype (0 = identical shape, 1 = disjoint); 1 when nothing is learned. */
  shift(hist: Record<string, number> | Map<string, number>): number {
    const v = embed(hist);
    if (v.size === 0) return 0;
    let bestSim = 0;
    for (const p of this.prototypes) bestSim = Math.max(bestSim, cosine(p.v, v));
    return 1 - bestSim;
  }

  /** Symbols in the histogram never seen before. */
  novel(hist: Record<string, number> | Map<string, number>): string[] {
    const out: string[] = [];
    for (const [s, c] of entries(hist)) if (c > 0 && !this.seen.has(s)) out.push(s);
    return out;
  }

  /** Teach symbols as seen (analyst "accept into baseline"). */
  accept(symbols: Iterable<string>): void {
    for (const s of symbols) this.seen.set(s, Math.max(1, this.seen.get(s) ?? 0));
  }

  /** Merge another profile (fleet baselines): union of prototypes, re-bounded. */
  merge(other: FrequencyProfile): void {
    this.observations += other.observations;
    for (const [s, n] of other.seen) this.seen.set(s, (this.seen.get(s) ?? 0) + n);
    for (const p of other.prototypes) this.prototypes.push({ v: new Map(p.v), n: p.n });
    while (this.prototypes.length > this.maxPrototypes) this.collapseClosestPair();
  }

  private collapseClosestPair(): void {
    let bi = 0;
    let bj = 1;
    let best = -1;
    for (let i = 0; i < this.prototypes.length; i++)
      for (let j = i + 1; j < this.prototypes.length; j++) {
        const sim = cosine(this.prototypes[i]!.v, this.prototypes[j]!.v);
        if (sim > best) [best, bi, bj] = [sim, i, j];
      }
    const a = this.prototypes[bi]!;
    const b = this.prototypes[bj]!;
    a.v = normalise(mix(a.v, a.n, b.v, b.n));
    a.n += b.n;
    this.prototypes.splice(bj, 1);
  }

  toJSON(): FrequencyProfileState {
    return {
      maxPrototypes: this.maxPrototypes,
      mergeBelow: this.mergeBelow,
      observations: this.observations,
      seen: [...this.seen],
      prototypes: this.prototypes.map((p) => ({ v: [...p.v], n: p.n })),
    };
  }

  static fromJSON(s: FrequencyProfileState): FrequencyProfile {
    const f = new FrequencyProfile(s.maxPrototypes, s.mergeBelow);
    f.observations = s.observations;
    for (const [k, n] of s.seen) f.seen.set(k, n);
    f.prototypes = s.prototypes.map((p) => ({ v: new Map(p.v), n: p.n }));
    return f;
  }
}

/** JSON form of a {@link FrequencyProfile}. */
export interface FrequencyProfileState {
  maxPrototypes: number;
  mergeBelow: number;
  observations: number;
  seen: [string, number][];
  prototypes: { v: [string, number][]; n: number }[];
}

function entries(hist: Record<string, number> | Map<string, number>): Iterable<[string, number]> {
  return hist instanceof Map ? hist.entries() : Object.entries(hist);
}

function embed(hist: Record<string, number> | Map<string, number>): Map<string, number> {
  let total = 0;
  for (const [, c] of entries(hist)) if (c > 0) total += c;
  const v = new Map<string, number>();
  if (total === 0) return v;
  for (const [s, c] of entries(hist)) if (c > 0) v.set(s, Math.sqrt(c / total));
  return v; // already unit length: Σ (sqrt(p))² = 1
}

function cosine(a: Map<string, number>, b: Map<string, number>): number {
  const [small, large] = a.size < b.size ? [a, b] : [b, a];
  let dot = 0;
  for (const [s, x] of small) {
    const y = large.get(s);
    if (y !== undefined) dot += x * y;
  }
  return dot;
}

function mix(a: Map<string, number>, wa: number, b: Map<string, number>, wb: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const [s, x] of a) out.set(s, x * wa);
  for (const [s, y] of b) out.set(s, (out.get(s) ?? 0) + y * wb);
  return out;
}

function normalise(v: Map<string, number>): Map<string, number> {
  let n = 0;
  for (const x of v.values()) n += x * x;
  n = Math.sqrt(n) || 1;
  for (const [s, x] of v) v.set(s, x / n);
  return v;
}
