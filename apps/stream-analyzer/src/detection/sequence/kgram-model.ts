import { KGRAM_BITS } from '@vigil/schemas';

/** One k-gram (kernel packing, libs/schemas kgram-hash.ts) as a bag entry: how often it occurred in one window. */
export interface BagEntry {
  key: number;
  count: number;
}

/** What one process-window's k-gram bag looks like against a program's model. */
export interface SequenceScore {
  /** Count-weighted mean surprise −ln P(newest call | k−1 before it), smoothed language model. */
  meanSurprise: number;
  /** Mean surprise of the most surprising tenth of the window's k-gram occurrences (where payloads hide). */
  tailSurprise: number;
  /** Count-weighted mean rarity ln((windows+1)/(windows with the k-gram+0.5)) — stide weighted by frequency. */
  rarity: number;
  /** 1 − cosine to the nearest remembered window shape (Hellinger embedding of k-gram frequencies): the kNN view. */
  shapeDistance: number;
  /**
   * Share of the window's occurrences whose k-gram none of its nearest remembered shapes holds:
   * stide against the window's own neighbourhood, a per-class model built on the fly, so a k-gram a
   * pooled model knows from some other kind of run still counts as foreign here.
   */
  neighbourMiss: number;
  /** Share of the window's occurrences whose k-gram was never seen. */
  novelShare: number;
  /** Distinct k-grams never seen. */
  novelDistinct: number;
  /** Total k-gram occurrences in the window. */
  occurrences: number;
  /**
   * The calibrated anomaly: −log10 of the chance that a normal window of this program (scored before
   * it was learned) is as unusual, in the view where this window is most unusual (0.3 for a typical
   * window, 2.4 beyond all of 256 remembered ones, one more per 2.3 spreads further). Null until
   * enough windows were seen to calibrate.
   */
  anomaly: number | null;
}

/**
 * Views combined into the anomaly (the least likely under the program's own normal windows), with
 * their weights, measured on bench/analyzer-eval: the tail of the surprise finds spliced payloads, the
 * nearest-shape distance finds runs unlike any before, the neighbourhood miss finds calls a pooled
 * model knows only from other kinds of runs (a program class's own model, built from the nearest
 * shapes); the mean surprise added nothing over the tail (weight 0: reported, not weighed). Ranks
 * beat z-scores (max or mean) on every corpus, and the least likely view beat Fisher's product.
 */
const VIEWS = ['meanSurprise', 'tailSurprise', 'shapeDistance', 'neighbourMiss'] as const;
type View = (typeof VIEWS)[number];
const WEIGHTS: Record<View, number> = { meanSurprise: 0, tailSurprise: 1, shapeDistance: 1, neighbourMiss: 1 };
/**
 * A view's chance is multiplied by this before the least likely is taken: the tail of the surprise
 * under one language model is the noisiest view (a rare k-gram of a normal run of some other kind
 * lands there in a pooled model), so it must be twice as unlikely to decide (bench/analyzer-eval
 * server val: DR@1% 34% → 55%; real and synthetic unchanged within noise).
 */
const LOOKS: Record<View, number> = { meanSurprise: 1, tailSurprise: 2, shapeDistance: 1, neighbourMiss: 1 };
/**
 * Weight of the mean evidence over all views added to the least likely view's. View chances are
 * ranks among 256 remembered windows, so many windows share the same least likely chance exactly;
 * the mean over the views orders those ties by how unusual the window is in the other views. At 1/20
 * it moves a score by a twentieth of that mean, so beyond ties it can only swap windows whose least
 * likely chances are nearly equal (bench/analyzer-eval, chosen on server val, real and synthetic seed 7: AUC 0.945 → 0.953, 0.990 → 0.990, 0.969 → 0.969; held out:
 * server test 0.942 → 0.952, synthetic seeds 11 and 23 DR@1% +1.0 and +0.7 points, nothing worse).
 */
const TIE_BREAK = 0.05;
/** Nearest remembered shapes whose k-grams cover a window in the neighbourhood view… */
const NEIGHBOURS = 3;
/** …as long as they are nearly as close as the nearest (cosine within this band): no other kind of run. */
const NEIGHBOUR_BAND = 0.1;
/**
 * Window shapes remembered per program (kNN prototypes); beyond it a window merges into its nearest.
 * A pooled model (trace backtest: every process of a server host as one program) needs hundreds.
 */
const MAX_SHAPES = 256;
/** A window this close to a remembered shape merges into it instead of taking a slot. */
const MERGE_SHAPES_BELOW = 0.02;

/**
 * Fingerprints of learned windows remembered per program (a ring). A window whose exact k-gram bag
 * the program learned before is one of its normal runs, whatever the views say: merged shapes and a
 * pooled language model can leave an exact repeat of a rare normal run looking odd
 * (bench/analyzer-eval server test: the 7 highest-scoring normals were copies of one training trace,
 * and they set the 1% threshold). Sized for a pooled model of a whole host: the public trace set's
 * training part alone has about 720 distinct runs, and at 512 the first learned fell out of the ring
 * before the test began, so their repeats were judged as strangers. A full ring is about 35 kB of
 * checkpoint, beside up to {@link MAX_SHAPES} shapes of hundreds of k-grams each.
 */
const LEARNED_WINDOWS = 2048;
/**
 * The anomaly an exact repeat of a learned window is capped at: as odd as one normal window in
 * eight (−log10 1/8), far below any alert. Not lower: in labelled sets whole attack episodes are
 * counted, and an attack's ordinary runs repeat rare normal ones (failed logins under brute force),
 * so pulling repeats down to a typical window cost AUC (server val 0.953 → 0.938) where this cap
 * keeps it (0.956), with the same DR@1% (79.1% → 83.1%; caps 0.6–1.0 within 0.003).
 */
const REPEAT_CAP = -Math.log10(1 / 8);

/** Kneser-Ney discount. */
const DISCOUNT = 0.75;
/** Normal-window scores kept per program for calibration (a ring). */
const CALIBRATION_RING = 256;
/** Windows learned before scores are kept for calibration (earlier ones are scored against too little). */
const CALIBRATION_WARMUP = 8;
/** With a full ring, every this many learning windows one is scored for calibration. */
const CALIBRATION_EVERY = 4;
/** Calibrated scores exist once this many normal windows were scored. */
const CALIBRATION_MIN = 8;
/** Bound on cached surprises per model. */
const SURPRISE_CACHE = 4096;
/** Share of occurrences the tail view averages over. */
const TAIL_SHARE = 0.1;

const BASE = 2 ** KGRAM_BITS;

/**
 * A program's syscall-sequence model, built only from what the agent ships: per process-window
 * counts of k-grams under the kernel's packing. Because the packing is decodable, the k-gram counts
 * give every lower-order statistic, and the model is an order-k language model with interpolated
 * Kneser-Ney smoothing (continuation counts for the lower orders) predicting the newest call of
 * each k-gram from the k−1 before it, plus per-k-gram window frequencies (the rarity/stide view).
 * Every table is maintained incrementally, so learning a window costs O(distinct k-grams × k).
 * Scores are calibrated per program against its own normal windows (prequential: each learning
 * window is scored before it is learned), so one threshold fits programs of any variability.
 */
export class KgramModel {
  /** k-gram → [total count, windows containing it]. */
  private readonly grams = new Map<number, [number, number]>();
  /** Order k: context (k−1 codes) → total count of k-grams with that context. */
  private readonly ctxCount = new Map<number, number>();
  /** Order k: context → distinct next calls seen after it. */
  private readonly ctxTypes = new Map<number, number>();
  /** cont[m] (orders 1…k−1): m-gram → distinct calls seen before it (Kneser-Ney continuation count). */
  private readonly cont: Map<number, number>[] = [];
  /** contSum[m]: context (m−1 codes) → Σ continuation counts of its m-grams. */
  private readonly contSum: Map<number, number>[] = [];
  /** contTypes[m]: context (m−1 codes) → distinct m-grams with a continuation count. */
  private readonly contTypes: Map<number, number>[] = [];
  /** Windows learned. */
  observations = 0;
  /** Recent prequential scores of normal windows, per view (ring buffers). */
  private calibration: Record<View, number[]> = { meanSurprise: [], tailSurprise: [], shapeDistance: [], neighbourMiss: [] };
  /** Remembered window shapes: unit vectors (k-gram → sqrt of relative frequency) with the windows each absorbed. */
  private shapes: { v: Map<number, number>; n: number }[] = [];
  private calibrationNext = 0;
  /** Surprise per k-gram while the tables stay unchanged (an active model scores the same k-grams window after window). */
  private readonly surprises = new Map<number, number>();
  /** Fingerprints of learned windows' bags ({@link fingerprint}), a ring of {@link LEARNED_WINDOWS}. */
  private learnedWindows: number[] = [];
  private learnedIndex = new Set<number>();
  private learnedNext = 0;
  /** Cached location/scale per view; cleared when the ring changes. */
  private scales: Record<View, Calibration> | null = null;

  constructor(readonly k: number) {
    if (k < 1 || k > 5) throw new RangeError(`k must be 1…5, got ${k}`);
    for (let m = 0; m < k; m++) {
      this.cont.push(new Map());
      this.contSum.push(new Map());
      this.contTypes.push(new Map());
    }
  }

  /**
   * Learn one window's bag. `onlyKnown` (active baselines: new behaviour enters through an analyst,
   * never by repetition) only counts the window toward the known k-grams' window frequencies.
   * While learning, the window is first scored against the model so far, for calibration.
   */
  learn(bag: readonly BagEntry[], onlyKnown = false): void {
    // once the ring is full, one window in CALIBRATION_EVERY keeps it current (scoring costs as much as learning)
    const calibrate = !onlyKnown && this.observations >= CALIBRATION_WARMUP && bag.length > 0 && (this.calibration.tailSurprise.length < CALIBRATION_RING || this.observations % CALIBRATION_EVERY === 0);
    const shape = !onlyKnown && bag.length > 0 ? embed(bag) : null;
    if (calibrate) this.remember(this.raw(bag, shape));
    this.observations++;
    for (const { key, count } of bag) {
      const g = this.grams.get(key);
      if (!g) {
        if (!onlyKnown) this.insert(key, count, 1);
      } else if (onlyKnown) {
        // an active model keeps its probabilities: counts that grow without new types would make every
        // novelty look rarer the longer a program runs (and let repeated windows reshape the model)
        g[1] += 1;
      } else {
        g[0] += count;
        g[1] += 1;
        bump(this.ctxCount, Math.floor(key / BASE), count);
        this.surprises.clear();
      }
    }
    if (shape) {
      this.learnShape(shape);
      this.rememberWindow(fingerprint(bag));
    }
  }

  /** Remember a learned window's fingerprint (ring: the oldest goes first). */
  private rememberWindow(fp: number): void {
    if (this.learnedIndex.has(fp)) return;
    if (this.learnedWindows.length < LEARNED_WINDOWS) this.learnedWindows.push(fp);
    else {
      this.learnedIndex.delete(this.learnedWindows[this.learnedNext]!);
      this.learnedWindows[this.learnedNext] = fp;
      this.learnedNext = (this.learnedNext + 1) % LEARNED_WINDOWS;
    }
    this.learnedIndex.add(fp);
  }

  private learnShape(v: Map<number, number>): void {
    const [best, sim] = this.nearest(v);
    if (best >= 0 && (1 - sim < MERGE_SHAPES_BELOW || this.shapes.length >= MAX_SHAPES)) {
      const p = this.shapes[best]!;
      const mixed = new Map<number, number>();
      for (const [key, x] of p.v) mixed.set(key, x * p.n);
      for (const [key, y] of v) mixed.set(key, (mixed.get(key) ?? 0) + y);
      let n = 0;
      for (const x of mixed.values()) n += x * x;
      n = Math.sqrt(n) || 1;
      for (const [key, x] of mixed) mixed.set(key, x / n);
      p.v = mixed;
      p.n++;
    } else this.shapes.push({ v, n: 1 });
  }

  /** Index of and cosine to the nearest remembered shape (−1, 0 when none). */
  private nearest(v: Map<number, number>): [number, number] {
    const [best] = this.neighbours(v, 1);
    return best ?? [-1, 0];
  }

  /** The `m` nearest remembered shapes, nearest first: [index, cosine]. */
  private neighbours(v: Map<number, number>, m: number): [number, number][] {
    const top: [number, number][] = [];
    this.shapes.forEach((p, i) => {
      const [small, large] = p.v.size < v.size ? [p.v, v] : [v, p.v];
      let dot = 0;
      for (const [key, x] of small) {
        const y = large.get(key);
        if (y !== undefined) dot += x * y;
      }
      if (top.length < m || dot > top[top.length - 1]![1]) {
        let j = Math.min(top.length, m - 1);
        top[j] = [i, dot];
        while (j > 0 && top[j - 1]![1] < dot) {
          [top[j - 1], top[j]] = [top[j]!, top[j - 1]!];
          j--;
        }
      }
    });
    return top;
  }

  /** Add k-grams as seen (analyst "accept into baseline"). */
  accept(keys: Iterable<number>): void {
    for (const key of keys) {
      const g = this.grams.get(key);
      if (g) g[1] = Math.max(g[1], 1);
      else this.insert(key, 1, 1);
    }
  }

  /** Score a window's bag (pure; the model is not changed). */
  score(bag: readonly BagEntry[]): SequenceScore {
    const raw = this.raw(bag);
    const anomaly = this.calibrated(raw);
    // an exact repeat of a learned window is a run the program has made: at most as odd as the odd
    // eighth of its normal windows, however rare that run was
    const repeat = anomaly !== null && anomaly > REPEAT_CAP && this.learnedIndex.has(fingerprint(bag));
    return { ...raw, anomaly: repeat ? REPEAT_CAP : anomaly };
  }

  /** Whether the k-gram was ever seen. */
  knows(key: number): boolean {
    return this.grams.has(key);
  }

  /** Distinct k-grams known. */
  get size(): number {
    return this.grams.size;
  }

  /** −ln P(newest call of the k-gram | the k−1 before it), interpolated Kneser-Ney. */
  surprise(key: number): number {
    let s = this.surprises.get(key);
    if (s === undefined) {
      if (this.surprises.size >= SURPRISE_CACHE) this.surprises.clear();
      s = this.computeSurprise(key);
      this.surprises.set(key, s);
    }
    return s;
  }

  private computeSurprise(key: number): number {
    const k = this.k;
    // order 1: continuation unigram, interpolated with a uniform over the known calls + 1 (unknown)
    const types0 = this.k > 1 ? (this.contTypes[1]?.get(0) ?? 0) : this.ctxTypes.get(0) ?? 0;
    let p = 1 / (types0 + 1);
    let div = BASE;
    for (let m = 1; m < k; m++) {
      const g = key % div;
      const ctx = Math.floor(g / BASE);
      div *= BASE;
      const denom = this.contSum[m]!.get(ctx) ?? 0;
      if (denom === 0) continue; // unseen context: back off entirely
      const c = this.cont[m]!.get(g) ?? 0;
      p = (Math.max(c - DISCOUNT, 0) + DISCOUNT * (this.contTypes[m]!.get(ctx) ?? 0) * p) / denom;
    }
    const ctx = Math.floor(key / BASE);
    const denom = this.ctxCount.get(ctx) ?? 0;
    if (denom > 0) {
      const c = this.grams.get(key)?.[0] ?? 0;
      p = (Math.max(c - DISCOUNT, 0) + DISCOUNT * (this.ctxTypes.get(ctx) ?? 0) * p) / denom;
    }
    return -Math.log(p);
  }

  /** Merge another model of the same k (fleet baselines). Calibration rings are pooled. */
  merge(other: KgramModel): void {
    if (other.k !== this.k) throw new Error(`cannot merge k=${other.k} into k=${this.k}`);
    this.observations += other.observations;
    for (const [key, [c, d]] of other.grams) {
      const g = this.grams.get(key);
      if (g) {
        g[0] += c;
        g[1] += d;
        bump(this.ctxCount, Math.floor(key / BASE), c);
        this.surprises.clear();
      } else this.insert(key, c, d);
    }
    for (const v of VIEWS) for (const x of other.calibration[v]) this.push(v, x);
    for (const p of other.shapes) if (this.shapes.length < MAX_SHAPES) this.shapes.push({ v: new Map(p.v), n: p.n });
    for (const fp of other.learnedWindows) this.rememberWindow(fp);
    this.scales = null;
  }

  toJSON(): KgramModelState {
    return {
      k: this.k,
      observations: this.observations,
      grams: [...this.grams].map(([key, [c, d]]) => [key, c, d]),
      calibration: VIEWS.map((v) => this.calibration[v].slice()),
      calibrationNext: this.calibrationNext,
      shapes: this.shapes.map((p) => [[...p.v], p.n]),
      learnedWindows: this.learnedWindows.slice(),
      learnedNext: this.learnedNext,
    };
  }

  static fromJSON(state: KgramModelState): KgramModel {
    const m = new KgramModel(state.k);
    m.observations = state.observations;
    for (const [key, c, d] of state.grams) m.insert(key, c, d);
    VIEWS.forEach((v, i) => (m.calibration[v] = state.calibration?.[i]?.slice() ?? []));
    m.calibrationNext = state.calibrationNext ?? 0;
    m.shapes = (state.shapes ?? []).map(([v, n]) => ({ v: new Map(v), n }));
    m.learnedWindows = (state.learnedWindows ?? []).slice(0, LEARNED_WINDOWS);
    m.learnedIndex = new Set(m.learnedWindows);
    m.learnedNext = (state.learnedNext ?? 0) % LEARNED_WINDOWS;
    return m;
  }

  /** A new k-gram: its own counts, the order-k context tables and the continuation counts below. */
  private insert(key: number, count: number, windows: number): void {
    this.surprises.clear();
    this.grams.set(key, [count, windows]);
    const ctx = Math.floor(key / BASE);
    bump(this.ctxCount, ctx, count);
    bump(this.ctxTypes, ctx, 1);
    // a new (m+1)-gram suffix gives its m-gram suffix one more distinct predecessor; once an
    // (m+1)-suffix is already known, every shorter suffix is too
    let div = BASE ** (this.k - 1);
    for (let m = this.k - 1; m >= 1; m--) {
      const g = key % div;
      div /= BASE;
      const c = this.cont[m]!;
      const prev = c.get(g) ?? 0;
      c.set(g, prev + 1);
      const gctx = Math.floor(g / BASE);
      bump(this.contSum[m]!, gctx, 1);
      if (prev > 0) break;
      bump(this.contTypes[m]!, gctx, 1);
    }
  }

  private raw(bag: readonly BagEntry[], shape: Map<number, number> | null = null): Omit<SequenceScore, 'anomaly'> {
    let occ = 0;
    let surprise = 0;
    let weighted = 0;
    let novelOcc = 0;
    let novelDistinct = 0;
    const docs = this.observations;
    const per: [number, number][] = [];
    for (const { key, count } of bag) {
      const g = this.grams.get(key);
      const s = this.surprise(key);
      per.push([s, count]);
      surprise += count * s;
      weighted += count * Math.log((docs + 1) / ((g ? g[1] : 0) + 0.5));
      occ += count;
      if (!g) {
        novelOcc += count;
        novelDistinct++;
      }
    }
    if (occ === 0) return { meanSurprise: 0, tailSurprise: 0, rarity: 0, shapeDistance: 0, neighbourMiss: 0, novelShare: 0, novelDistinct: 0, occurrences: 0 };
    // mean of the top TAIL_SHARE of occurrences (at least one)
    per.sort((a, b) => b[0] - a[0]);
    let want = Math.max(1, occ * TAIL_SHARE);
    const taken = want;
    let tail = 0;
    for (const [s, c] of per) {
      const t = Math.min(c, want);
      tail += t * s;
      want -= t;
      if (want <= 0) break;
    }
    const near = this.neighbours(shape ?? embed(bag), NEIGHBOURS);
    const shapeDistance = near.length ? 1 - near[0]![1] : 1;
    while (near.length > 1 && near[near.length - 1]![1] < near[0]![1] - NEIGHBOUR_BAND) near.pop();
    let missed = 0;
    for (const { key, count } of bag) if (!near.some(([i]) => this.shapes[i]!.v.has(key))) missed += count;
    return { meanSurprise: surprise / occ, tailSurprise: tail / taken, rarity: weighted / occ, shapeDistance, neighbourMiss: missed / occ, novelShare: novelOcc / occ, novelDistinct, occurrences: occ };
  }

  private remember(raw: Omit<SequenceScore, 'anomaly'>): void {
    if (raw.occurrences === 0) return;
    for (const v of VIEWS) this.push(v, raw[v]);
    this.calibrationNext = (this.calibrationNext + 1) % CALIBRATION_RING;
    this.scales = null;
  }

  private push(v: View, raw: number): void {
    const x = Math.round(raw * 1e4) / 1e4; // checkpoints stay small; 4 decimals are far below any scale
    const ring = this.calibration[v];
    if (ring.length < CALIBRATION_RING) ring.push(x);
    else ring[this.calibrationNext] = x;
  }

  /**
   * −log10 of the chance that one of the program's normal windows looks this unusual in the view
   * where this window is most unusual, plus {@link TIE_BREAK} of the mean over the views. Per view the
   * chance is the window's rank among the remembered normal windows ((#at least as high + 1) / (n + 1));
   * past the highest it keeps falling by a factor e
   * per robust spread beyond it, so windows beyond every normal one still rank by how far beyond.
   * Ranks, not z-scores, put views with heavy-tailed normals on one scale.
   */
  private calibrated(raw: Omit<SequenceScore, 'anomaly'>): number | null {
    if (raw.occurrences === 0 || this.calibration.tailSurprise.length < CALIBRATION_MIN) return null;
    this.scales ??= Object.fromEntries(VIEWS.map((v) => [v, calibrationOf(this.calibration[v])])) as Record<View, Calibration>;
    let least = 1;
    let evidence = 0;
    let views = 0;
    for (const v of VIEWS) {
      const c = this.scales[v];
      // a view a checkpoint from before it existed has not calibrated yet sits out until it has
      if (WEIGHTS[v] === 0 || c.sorted.length < CALIBRATION_MIN) continue;
      const x = raw[v];
      let p: number;
      if (x > c.sorted[c.sorted.length - 1]!) p = Math.exp(-(x - c.sorted[c.sorted.length - 1]!) / (WEIGHTS[v] * c.scale)) / (c.sorted.length + 1);
      else {
        let lo = 0;
        let hi = c.sorted.length; // first index with sorted[i] >= x
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (c.sorted[mid]! < x) lo = mid + 1;
          else hi = mid;
        }
        p = (c.sorted.length - lo + 1) / (c.sorted.length + 1);
      }
      least = Math.min(least, LOOKS[v] * p);
      evidence -= Math.log10(Math.min(1, LOOKS[v] * p));
      views++;
    }
    return -Math.log10(least) + (views ? (TIE_BREAK * evidence) / views : 0);
  }
}

/** A view's remembered normal scores, sorted, and their robust spread. */
interface Calibration {
  sorted: number[];
  scale: number;
}

function calibrationOf(xs: number[]): Calibration {
  return { sorted: xs.slice().sort((a, b) => a - b), scale: robustScale(xs)[1] };
}

/** JSON form of a {@link KgramModel}: [k-gram, count, windows] triples and the calibration rings. */
export interface KgramModelState {
  k: number;
  observations: number;
  grams: [number, number, number][];
  /** Per view (meanSurprise, tailSurprise, shapeDistance, neighbourMiss): recent normal-window scores. Absent in older checkpoints (views added later start empty). */
  calibration?: number[][];
  calibrationNext?: number;
  /** Remembered window shapes: [[k-gram, weight] pairs, windows absorbed]. Absent in older checkpoints. */
  shapes?: [[number, number][], number][];
  /** Fingerprints of learned windows (a ring) and the ring's next slot. Absent in older checkpoints. */
  learnedWindows?: number[];
  learnedNext?: number;
}

/**
 * A bag's fingerprint, independent of entry order: two 32-bit sums of mixed (k-gram, count) pairs
 * folded into 53 bits (a safe integer, so checkpoints store it as a JSON number). Colliding windows
 * would have to agree on both sums: with 2,048 remembered windows about 1 in 10^12.
 */
export function fingerprint(bag: readonly BagEntry[]): number {
  let a = 0;
  let b = 0;
  for (const { key, count } of bag) {
    if (count <= 0) continue;
    const lo = key % 0x100000000;
    const hi = Math.floor(key / 0x100000000);
    a = (a + mix(lo ^ Math.imul(hi, 0x85ebca6b) ^ Math.imul(count, 0x27d4eb2f), 0x9e3779b9)) >>> 0;
    b = (b + mix(Math.imul(lo, 0xc2b2ae35) ^ hi ^ Math.imul(count, 0x165667b1), 0x7f4a7c15)) >>> 0;
  }
  return a * 0x200000 + (b & 0x1fffff);
}

/** murmur3's 32-bit finaliser over x ^ seed. */
function mix(x: number, seed: number): number {
  let h = (x ^ seed) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Hellinger embedding of a bag: k-gram → sqrt(relative frequency), a unit vector. */
function embed(bag: readonly BagEntry[]): Map<number, number> {
  let total = 0;
  for (const { count } of bag) total += count;
  const v = new Map<number, number>();
  for (const { key, count } of bag) if (count > 0) v.set(key, Math.sqrt(count / total));
  return v;
}

function bump(m: Map<number, number>, key: number, by: number): void {
  m.set(key, (m.get(key) ?? 0) + by);
}

/** Median and a robust scale (MAD or IQR based, floored so identical runs do not divide by ~0). */
function robustScale(xs: number[]): [number, number] {
  const s = xs.slice().sort((a, b) => a - b);
  const med = quantile(s, 0.5);
  const mad = quantile(
    s.map((x) => Math.abs(x - med)).sort((a, b) => a - b),
    0.5,
  );
  const iqr = quantile(s, 0.75) - quantile(s, 0.25);
  let scale = Math.max(1.4826 * mad, iqr / 1.349);
  if (scale < 1e-6) scale = (1.2533 * s.reduce((a, x) => a + Math.abs(x - med), 0)) / s.length;
  return [med, Math.max(scale, 0.05)];
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}
