import type { NgramKey } from '../ngram-hash';

/** One hashed k-gram as a bag entry: how often it occurred in one observation. */
export interface BagEntry {
  key: NgramKey;
  count: number;
}

/** What a bag looks like against the profile. */
export interface BagScore {
  /** Count-weighted mean rarity, ln((docs+1)/(docsWith+0.5)): 0 ≈ everywhere, large = rare or new. */
  rarity: number;
  /** Share of the bag's occurrences whose k-gram was never seen. */
  novelShare: number;
  /** Distinct k-grams never seen. */
  novelDistinct: number;
  /** Total occurrences in the bag. */
  occurrences: number;
}

/**
 * Profile of hashed k-grams for one k: per k-gram the total count and the number of observations
 * (process-windows online, traces in backtests) that contained it. Rarity weighs a k-gram by how
 * few observations had it — the frequency-weighted form of stide's "never seen" test, so a k-gram
 * seen once in a thousand runs still scores, and one seen in every run does not.
 */
export class NgramBagProfile {
  /** k-gram key → [total count, observations containing it]. */
  private readonly grams = new Map<NgramKey, [number, number]>();
  /** Observations learned. */
  observations = 0;

  constructor(readonly k: number) {}

  /** Learn one observation's bag. `onlyKnown` updates counts of known k-grams without adding new ones (active baselines). */
  learn(bag: Iterable<BagEntry>, onlyKnown = false): void {
    this.observations++;
    for (const { key, count } of bag) {
      const g = this.grams.get(key);
      if (g) {
        g[0] += count;
        g[1] += 1;
      } else if (!onlyKnown) this.grams.set(key, [count, 1]);
    }
  }

  /** Add k-grams as if seen in `observations` observations (analyst "accept into baseline"). */
  accept(keys: Iterable<NgramKey>): void {
    for (const key of keys) {
      const g = this.grams.get(key);
      if (g) g[1] = Math.max(g[1], 1);
      else this.grams.set(key, [1, 1]);
    }
  }

  /** Score a bag against this profile (pure; the profile is not changed). */
  score(bag: Iterable<BagEntry>): BagScore {
    let weighted = 0;
    let occ = 0;
    let novelOcc = 0;
    let novelDistinct = 0;
    const docs = this.observations;
    for (const { key, count } of bag) {
      const g = this.grams.get(key);
      const with_ = g ? g[1] : 0;
      weighted += count * Math.log((docs + 1) / (with_ + 0.5));
      occ += count;
      if (!g) {
        novelOcc += count;
        novelDistinct++;
      }
    }
    return { rarity: occ ? weighted / occ : 0, novelShare: occ ? novelOcc / occ : 0, novelDistinct, occurrences: occ };
  }

  /** Number of distinct k-grams known. */
  get size(): number {
    return this.grams.size;
  }

  /** Merge another profile of the same k (fleet baselines). */
  merge(other: NgramBagProfile): void {
    if (other.k !== this.k) throw new Error(`cannot merge k=${other.k} into k=${this.k}`);
    this.observations += other.observations;
    for (const [key, [c, d]] of other.grams) {
      const g = this.grams.get(key);
      if (g) {
        g[0] += c;
        g[1] += d;
      } else this.grams.set(key, [c, d]);
    }
  }

  toJSON(): NgramBagProfileState {
    return { k: this.k, observations: this.observations, grams: [...this.grams].map(([key, [c, d]]) => [key, c, d]) };
  }

  static fromJSON(state: NgramBagProfileState): NgramBagProfile {
    const p = new NgramBagProfile(state.k);
    p.observations = state.observations;
    for (const [key, c, d] of state.grams) p.grams.set(key, [c, d]);
    return p;
  }
}

/** JSON form of an {@link NgramBagProfile}: [key, count, observations] triples. */
export interface NgramBagProfileState {
  k: number;
  observations: number;
  grams: [NgramKey, number, number][];
}

/** Bag of hashed k-grams (from ngramKeysByStart output) for one order of a full trace. */
export function bagOfOrder(keysByStart: Float64Array, len: number, maxOrder: number, k: number): BagEntry[] {
  const m = new Map<NgramKey, number>();
  for (let s = 0; s + k <= len; s++) {
    const key = keysByStart[s * maxOrder + k - 1]!;
    m.set(key, (m.get(key) ?? 0) + 1);
  }
  return [...m].map(([key, count]) => ({ key, count }));
}
