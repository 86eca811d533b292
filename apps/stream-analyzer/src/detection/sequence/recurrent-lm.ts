/**
 * A small recurrent language model over syscall ids (one GRU layer), after Kim et al. 2016,
 * "LSTM-based system-call language modeling and robust ensemble method for designing host-based
 * intrusion detection systems": trained on normal whole-process traces only, a trace is as
 * anomalous as its calls are unlikely (negative log-likelihood). Pure code, no I/O; plain typed
 * arrays, no per-step allocation, so training and scoring run wherever the engine runs.
 *
 * Shapes (H hidden, E embedding, V vocabulary): embedding V×E; gates [update z, reset r, candidate n]
 * stacked as 3H rows of Wx (3H×E) and Wh (3H×H) with biases bx, bh (3H); output Wo (V×H), bo (V).
 *   z = σ(Wx_z x + bx_z + Wh_z h + bh_z)   r = σ(… _r)   n = tanh(Wx_n x + bx_n + r ⊙ (Wh_n h + bh_n))
 *   h' = (1 − z) ⊙ n + z ⊙ h              P(next | prefix) = softmax(Wo h' + bo)
 * (the reset gate applied after Wh_n, as cuDNN and PyTorch do, so Wh h is one product per step).
 * GRU rather than LSTM for cost (three gate blocks instead of four per call); an LSTM was not measured.
 *
 * Vocabulary: id 0 = out of vocabulary (tokens seen fewer than `minCount` times in training map
 * to it, so its probability is learned rather than zero), id 1 = start of trace (input only, never
 * predicted in practice), then the training tokens, most frequent first (ties by token).
 */
import { prng } from '@vigil/common/prng';

/** Hyper-parameters of the model and its training; every field has a default (DEFAULT_RNN_CONFIG). */
export interface RecurrentLmConfig {
  /** Embedding width E. */
  embed: number;
  /** Hidden units H of the one GRU layer. */
  hidden: number;
  /** Tokens seen fewer times than this in training map to the out-of-vocabulary id. */
  minCount: number;
  /** Truncated BPTT: calls per chunk; the hidden state carries over between chunks of a trace. */
  chunk: number;
  /** Chunks whose gradients are averaged into one Adam step (each from its own trace stream). */
  batch: number;
  /** Adam step size at the start; decays along a cosine to `lrFloor`×lr over the planned tokens. */
  lr: number;
  /** Final learning rate as a share of `lr`. */
  lrFloor: number;
  /** Global gradient-norm clip. */
  clip: number;
  /** Passes over the training traces (stops earlier when `tokenBudget` is spent). */
  epochs: number;
  /** Most training tokens (predictions) in all, over every epoch. */
  tokenBudget: number;
  /** Seed of the initial weights and of the trace order of each epoch. */
  seed: number;
  /** Calls in the sliding window of the peak summary. */
  window: number;
  /** A call's negative log-likelihood is capped here (nats), so one impossible call cannot dominate a mean. */
  nllCap: number;
}

/**
 * Defaults chosen on bench/analyzer-eval server val (README there), mean NLL: H 64 / E 32 over 48 / 24
 * and 32 / 16 at 12 epochs (AUC 0.909 / 0.906 / 0.881, DR@1% 49.5 / 49.2 / 25.5%); 16 epochs over 12
 * (same AUC, DR@1% 73% vs 50%) and 6 (AUC 0.85); 16 chunks of 96 calls per Adam step over 8 of 64
 * (whose loss stalled for three epochs at this learning rate).
 */
export const DEFAULT_RNN_CONFIG: RecurrentLmConfig = {
  embed: 32,
  hidden: 64,
  minCount: 2,
  chunk: 96,
  batch: 16,
  lr: 0.01,
  lrFloor: 0.05,
  clip: 5,
  epochs: 16,
  tokenBudget: 5_000_000,
  seed: 1,
  window: 32,
  nllCap: 20,
};

/** What `score` says of one trace. */
export interface TraceLmScore {
  /** −ln P(call | calls before it), one per call (capped at nllCap). */
  nll: Float32Array;
  /** Mean of `nll` (0 for an empty trace). */
  mean: number;
  /** Highest mean of `nll` over `window` consecutive calls (the mean when the trace is shorter). */
  peak: number;
  /** Calls that were out of vocabulary. */
  oov: number;
}

/** Progress of training, once per epoch (and at the end when the budget stops it early). */
export interface TrainProgress {
  epoch: number;
  /** Mean training NLL per call over the epoch (nats). */
  loss: number;
  tokens: number;
  /** Total tokens trained so far. */
  totalTokens: number;
  seconds: number;
}

/** Serialized model: config, vocabulary and the weights as base64 of little-endian Float32. */
export interface RecurrentLmJson {
  kind: 'gru-lm';
  version: 1;
  config: RecurrentLmConfig;
  vocab: string[];
  params: string;
}

const OOV = 0;
const BOS = 1;

/** Offsets of each weight block inside the one flat parameter array. */
export interface Layout {
  emb: number;
  wx: number;
  wh: number;
  bx: number;
  bh: number;
  wo: number;
  bo: number;
  size: number;
}

function layout(v: number, e: number, h: number): Layout {
  const emb = 0;
  const wx = emb + v * e;
  const wh = wx + 3 * h * e;
  const bx = wh + 3 * h * h;
  const bh = bx + 3 * h;
  const wo = bh + 3 * h;
  const bo = wo + v * h;
  return { emb, wx, wh, bx, bh, wo, bo, size: bo + v };
}

/**
 * The seeded generator for initial weights and shuffles (mulberry32 from @vigil/common; seed 0 is
 * replaced by a fixed non-zero one, as this model always did, so saved seeds reproduce the same weights).
 */
function rng(seed: number): () => number {
  return prng(seed >>> 0 || 0x9e3779b9);
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** A GRU language model over syscall tokens. Build with `RecurrentLm.train` or `RecurrentLm.fromJSON`. */
export class RecurrentLm {
  readonly config: RecurrentLmConfig;
  /** Token of each id (ids 0 and 1 are the out-of-vocabulary and start markers). */
  readonly vocab: readonly string[];
  /** Every weight, flat (see Layout). */
  readonly params: Float32Array;
  private readonly ids: Map<string, number>;
  private readonly L: Layout;
  private readonly V: number;
  // forward scratch of scoring, sized once
  private readonly sh: Float64Array;
  private readonly sgh: Float64Array;
  private readonly slogit: Float64Array;
  /**
   * Wx·emb[id] + bx of every id (V×3H): the input side of the gates depends on the id alone, so one
   * table replaces 3H·E multiply-adds per call. Rebuilt when the weights changed (`stale`).
   */
  private readonly xproj: Float64Array;
  /** Set by training after each step; scoring rebuilds `xproj` first. */
  stale = true;

  private constructor(config: RecurrentLmConfig, vocab: string[], params: Float32Array) {
    this.config = config;
    this.vocab = vocab;
    this.V = vocab.length;
    this.L = layout(this.V, config.embed, config.hidden);
    if (params.length !== this.L.size) throw new Error(`recurrent LM: ${params.length} weights, expected ${this.L.size}`);
    this.params = params;
    this.ids = new Map(vocab.map((t, i) => [t, i]));
    const H = config.hidden;
    this.sh = new Float64Array(H);
    this.sgh = new Float64Array(3 * H);
    this.slogit = new Float64Array(this.V);
    this.xproj = new Float64Array(this.V * 3 * H);
  }

  /** The input projection table of the current weights (see `xproj`). */
  inputTable(): Float64Array {
    if (this.stale) {
      buildInputTable(this.params, this.L, this.V, this.config.embed, this.config.hidden, this.xproj);
      this.stale = false;
    }
    return this.xproj;
  }

  /** An untrained model over a vocabulary built from `traces` (seeded initial weights). */
  static init(traces: readonly (readonly string[])[], config: Partial<RecurrentLmConfig> = {}): RecurrentLm {
    const cfg = { ...DEFAULT_RNN_CONFIG, ...config };
    const counts = new Map<string, number>();
    for (const t of traces) for (const tok of t) counts.set(tok, (counts.get(tok) ?? 0) + 1);
    const kept = [...counts]
      .filter(([, c]) => c >= cfg.minCount)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .map(([t]) => t);
    const vocab = ['\u0000oov', '\u0000bos', ...kept];
    const L = layout(vocab.length, cfg.embed, cfg.hidden);
    const p = new Float32Array(L.size);
    const rand = rng(cfg.seed);
    const uni = (from: number, to: number, a: number): void => {
      for (let i = from; i < to; i++) p[i] = (2 * rand() - 1) * a;
    };
    // PyTorch's GRU and Linear defaults: uniform ±1/√H for the recurrent layer, ±1/√fan-in for the output
    uni(L.emb, L.wx, 0.5);
    uni(L.wx, L.bo, 1 / Math.sqrt(cfg.hidden));
    uni(L.bo, L.size, 0);
    // the output bias starts at the log unigram frequencies, so early steps learn context, not counts
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    let oovCount = 0;
    for (const [, c] of counts) if (c < cfg.minCount) oovCount += c;
    for (let i = 0; i < vocab.length; i++) {
      const c = i === OOV ? oovCount : i === BOS ? 0 : (counts.get(vocab[i]!) ?? 0);
      p[L.bo + i] = Math.log((c + 0.5) / (total + 0.5 * vocab.length));
    }
    return new RecurrentLm(cfg, vocab, p);
  }

  /**
   * Train on normal traces: truncated BPTT over `chunk` calls, `batch` chunks per Adam step, global
   * norm clipping, a cosine learning-rate decay over the planned tokens; every epoch visits the traces
   * in a seeded order, so the same traces and seed give the same weights. Stops at `tokenBudget`.
   */
  static train(
    traces: readonly (readonly string[])[],
    config: Partial<RecurrentLmConfig> = {},
    onProgress?: (p: TrainProgress) => void,
  ): RecurrentLm {
    const m = RecurrentLm.init(traces, config);
    m.fit(traces, onProgress);
    return m;
  }

  /**
   * Train this model further on `traces` for `config.epochs` (Adam state starts fresh). The progress
   * callback may score with the model between epochs.
   */
  fit(traces: readonly (readonly string[])[], onProgress?: (p: TrainProgress) => void): void {
    new Trainer(this).run(
      traces.map((t) => this.encode(t)),
      onProgress,
    );
  }

  /** Ids of a trace's tokens (out-of-vocabulary → 0). */
  encode(trace: readonly string[]): Int32Array {
    const out = new Int32Array(trace.length);
    for (let i = 0; i < trace.length; i++) out[i] = this.ids.get(trace[i]!) ?? OOV;
    return out;
  }

  /** Per-call negative log-likelihood of a trace from its start, and its summaries. */
  score(trace: readonly string[] | Int32Array): TraceLmScore {
    const ids = trace instanceof Int32Array ? trace : this.encode(trace);
    const n = ids.length;
    const nll = new Float32Array(n);
    const { hidden: H, nllCap } = this.config;
    const p = this.params;
    const L = this.L;
    const V = this.V;
    const h = this.sh;
    const gx = this.inputTable();
    const gh = this.sgh;
    const logit = this.slogit;
    h.fill(0);
    let prev = BOS;
    let sum = 0;
    let oov = 0;
    for (let t = 0; t < n; t++) {
      gruStep(p, L, H, gx, prev * 3 * H, h, gh, null, 0);
      // log-softmax of the output at the target
      let mx = -Infinity;
      for (let v = 0; v < V; v++) {
        const s = p[L.bo + v]! + dot(p, L.wo + v * H, h, H);
        logit[v] = s;
        if (s > mx) mx = s;
      }
      let z = 0;
      for (let v = 0; v < V; v++) z += Math.exp(logit[v]! - mx);
      const y = ids[t]!;
      if (y === OOV) oov++;
      const l = Math.min(nllCap, mx + Math.log(z) - logit[y]!);
      nll[t] = l;
      sum += l;
      prev = y;
    }
    return { nll, mean: n ? sum / n : 0, peak: windowPeak(nll, this.config.window), oov };
  }

  /** Mean NLL per call over several traces (weighted by length): the held-out loss. */
  meanLoss(traces: readonly (readonly string[])[]): number {
    let s = 0;
    let n = 0;
    for (const t of traces) {
      const r = this.score(t);
      s += r.mean * r.nll.length;
      n += r.nll.length;
    }
    return n ? s / n : 0;
  }

  toJSON(): RecurrentLmJson {
    const bytes = new Uint8Array(this.params.buffer, this.params.byteOffset, this.params.byteLength);
    return { kind: 'gru-lm', version: 1, config: { ...this.config }, vocab: [...this.vocab], params: Buffer.from(bytes).toString('base64') };
  }

  static fromJSON(json: RecurrentLmJson): RecurrentLm {
    if (json.kind !== 'gru-lm' || json.version !== 1) throw new Error(`recurrent LM: unknown format ${json.kind} v${json.version}`);
    const buf = Buffer.from(json.params, 'base64');
    // copy into an aligned buffer (a Buffer may sit at any offset of a shared pool)
    const params = new Float32Array(buf.byteLength / 4);
    new Uint8Array(params.buffer).set(buf);
    return new RecurrentLm({ ...DEFAULT_RNN_CONFIG, ...json.config }, [...json.vocab], params);
  }

  /** Offsets of each weight block in `params`. */
  get layout(): Readonly<Layout> {
    return this.L;
  }

  get vocabSize(): number {
    return this.V;
  }
}

/** Highest mean over `w` consecutive values (the overall mean when there are fewer). */
export function windowPeak(x: ArrayLike<number>, w: number): number {
  const n = x.length;
  if (n === 0) return 0;
  if (n <= w) {
    let s = 0;
    for (let i = 0; i < n; i++) s += x[i]!;
    return s / n;
  }
  let s = 0;
  for (let i = 0; i < w; i++) s += x[i]!;
  let best = s;
  for (let i = w; i < n; i++) {
    s += x[i]! - x[i - w]!;
    if (s > best) best = s;
  }
  return best / w;
}

/** Σ p[po + k]·h[k] for k < n, four partial sums (a single sum waits on each add: 2.5× slower). */
function dot(p: Float32Array, po: number, h: Float64Array, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = 0;
  for (; k + 3 < n; k += 4) {
    s0 += p[po + k]! * h[k]!;
    s1 += p[po + k + 1]! * h[k + 1]!;
    s2 += p[po + k + 2]! * h[k + 2]!;
    s3 += p[po + k + 3]! * h[k + 3]!;
  }
  for (; k < n; k++) s0 += p[po + k]! * h[k]!;
  return s0 + s1 + s2 + s3;
}

/** Fill `out` (V×3H) with Wx·emb[id] + bx for every id. */
function buildInputTable(p: Float32Array, L: Layout, V: number, E: number, H: number, out: Float64Array): void {
  for (let id = 0; id < V; id++) {
    const xo = L.emb + id * E;
    for (let g = 0; g < 3 * H; g++) {
      let s = p[L.bx + g]!;
      const row = L.wx + g * E;
      for (let k = 0; k < E; k++) s += p[row + k]! * p[xo + k]!;
      out[id * 3 * H + g] = s;
    }
  }
}

/**
 * One GRU step in place: h ← GRU(x, h), the input side Wx x + bx read from `gx` at `gxo` (the input
 * table), Wh h + bh computed into `gh`. When `cache` is given the step's activations are stored at
 * `at` for the backward pass: [hPrev | z | r | n | Wh_n h + bh_n | h] (H each).
 */
function gruStep(
  p: Float32Array,
  L: Layout,
  H: number,
  gx: Float64Array,
  gxo: number,
  h: Float64Array,
  gh: Float64Array,
  cache: Float64Array | null,
  at: number,
): void {
  for (let g = 0; g < 3 * H; g++) gh[g] = p[L.bh + g]! + dot(p, L.wh + g * H, h, H);
  if (cache) for (let j = 0; j < H; j++) cache[at + j] = h[j]!;
  const cz = at + H;
  const cr = cz + H;
  const cn = cr + H;
  const cg = cn + H;
  const ch = cg + H;
  for (let j = 0; j < H; j++) {
    const z = sigmoid(gx[gxo + j]! + gh[j]!);
    const r = sigmoid(gx[gxo + H + j]! + gh[H + j]!);
    const ghn = gh[2 * H + j]!;
    const n = Math.tanh(gx[gxo + 2 * H + j]! + r * ghn);
    const hn = (1 - z) * n + z * h[j]!;
    if (cache) {
      cache[cz + j] = z;
      cache[cr + j] = r;
      cache[cn + j] = n;
      cache[cg + j] = ghn;
      cache[ch + j] = hn;
    }
    h[j] = hn;
  }
}

/**
 * Training state: `batch` lanes, each streaming traces in the epoch's order, a chunk at a time, with
 * its hidden state carried between chunks (reset at each trace's start). Buffers sized once.
 */
class Trainer {
  private readonly m: RecurrentLm;
  private readonly E: number;
  private readonly H: number;
  private readonly V: number;
  private readonly T: number;
  private readonly stride: number;
  readonly grad: Float64Array;
  private readonly am: Float64Array;
  private readonly av: Float64Array;
  private readonly cache: Float64Array;
  private readonly probs: Float64Array;
  /** Input and target ids of the current chunk. */
  readonly inputs: Int32Array;
  readonly targets: Int32Array;
  /** Gradient of the input table (V×3H), folded into Wx, bx and the embedding once per batch. */
  private readonly dx: Float64Array;
  private gx: Float64Array;
  private readonly gh: Float64Array;
  private readonly dh: Float64Array;
  private readonly dhPrev: Float64Array;
  private readonly dah: Float64Array;
  private adamStep = 0;

  constructor(m: RecurrentLm) {
    this.m = m;
    const { embed: E, hidden: H, chunk: T } = m.config;
    this.E = E;
    this.H = H;
    this.V = m.vocabSize;
    this.T = T;
    this.stride = 6 * H;
    const size = m.params.length;
    this.grad = new Float64Array(size);
    this.am = new Float64Array(size);
    this.av = new Float64Array(size);
    this.cache = new Float64Array(T * this.stride);
    this.probs = new Float64Array(T * this.V);
    this.inputs = new Int32Array(T);
    this.targets = new Int32Array(T);
    this.dx = new Float64Array(this.V * 3 * H);
    this.gx = m.inputTable();
    this.gh = new Float64Array(3 * H);
    this.dh = new Float64Array(H);
    this.dhPrev = new Float64Array(H);
    this.dah = new Float64Array(3 * H);
  }

  run(traces: Int32Array[], onProgress?: (p: TrainProgress) => void): void {
    const cfg = this.m.config;
    const B = cfg.batch;
    const H = this.H;
    const perEpoch = traces.reduce((s, t) => s + t.length, 0);
    const planned = Math.max(1, Math.min(cfg.tokenBudget, perEpoch * cfg.epochs));
    const rand = rng(cfg.seed ^ 0x5bd1e995);
    const laneTrace = new Int32Array(B);
    const lanePos = new Int32Array(B);
    const laneH = new Float64Array(B * H);
    const hview = new Float64Array(H);
    const order = traces.map((_, i) => i);
    let total = 0;
    const t0 = Date.now();
    for (let epoch = 1; epoch <= cfg.epochs && total < cfg.tokenBudget; epoch++) {
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      let next = 0;
      laneTrace.fill(-1);
      let epochLoss = 0;
      let epochTokens = 0;
      for (;;) {
        // lanes that finished their trace take the next one
        let active = 0;
        for (let b = 0; b < B; b++) {
          while (laneTrace[b]! < 0 || lanePos[b]! >= traces[laneTrace[b]!]!.length) {
            if (next >= order.length) {
              laneTrace[b] = -1;
              break;
            }
            laneTrace[b] = order[next++]!;
            lanePos[b] = 0;
            laneH.fill(0, b * H, (b + 1) * H);
          }
          if (laneTrace[b]! >= 0) active++;
        }
        if (!active || total >= cfg.tokenBudget) break;
        this.beginBatch();
        let batchTokens = 0;
        for (let b = 0; b < B; b++) if (laneTrace[b]! >= 0) batchTokens += Math.min(this.T, traces[laneTrace[b]!]!.length - lanePos[b]!);
        let batchLoss = 0;
        for (let b = 0; b < B; b++) {
          const ti = laneTrace[b]!;
          if (ti < 0) continue;
          const tr = traces[ti]!;
          const pos = lanePos[b]!;
          const len = Math.min(this.T, tr.length - pos);
          for (let t = 0; t < len; t++) {
            this.inputs[t] = pos + t === 0 ? BOS : tr[pos + t - 1]!;
            this.targets[t] = tr[pos + t]!;
          }
          for (let j = 0; j < H; j++) hview[j] = laneH[b * H + j]!;
          batchLoss += this.forwardBackward(len, hview, 1 / batchTokens);
          for (let j = 0; j < H; j++) laneH[b * H + j] = hview[j]!;
          lanePos[b] = pos + len;
        }
        this.endBatch();
        const lr = cfg.lr * (cfg.lrFloor + (1 - cfg.lrFloor) * 0.5 * (1 + Math.cos((Math.PI * Math.min(total, planned)) / planned)));
        this.adam(lr);
        total += batchTokens;
        epochTokens += batchTokens;
        epochLoss += batchLoss;
      }
      onProgress?.({ epoch, loss: epochTokens ? epochLoss / epochTokens : 0, tokens: epochTokens, totalTokens: total, seconds: (Date.now() - t0) / 1000 });
    }
  }

  /** Zero the gradients; the input table of the current weights. */
  beginBatch(): void {
    this.grad.fill(0);
    this.dx.fill(0);
    this.gx = this.m.inputTable();
  }

  /** Fold the input table's gradient into Wx, bx and the embedding rows. */
  endBatch(): void {
    const p = this.m.params;
    const L = this.m.layout;
    const { E, H, V } = this;
    const g = this.grad;
    for (let id = 0; id < V; id++) {
      const xo = L.emb + id * E;
      for (let gi = 0; gi < 3 * H; gi++) {
        const a = this.dx[id * 3 * H + gi]!;
        if (a === 0) continue;
        g[L.bx + gi] = g[L.bx + gi]! + a;
        const rowx = L.wx + gi * E;
        for (let k = 0; k < E; k++) {
          g[rowx + k] = g[rowx + k]! + a * p[xo + k]!;
          g[xo + k] = g[xo + k]! + a * p[rowx + k]!;
        }
      }
    }
  }

  /**
   * Forward over one chunk from hidden state `h` (updated in place to the chunk's last state), then
   * backward with the chunk's loss scaled by `scale` added into `grad`. Returns the chunk's summed NLL.
   */
  forwardBackward(len: number, h: Float64Array, scale: number): number {
    const p = this.m.params;
    const L = this.m.layout;
    const { H, V, stride } = this;
    const g = this.grad;
    const gx = this.gx;
    const dx = this.dx;
    const cache = this.cache;
    const probs = this.probs;
    let loss = 0;
    for (let t = 0; t < len; t++) {
      gruStep(p, L, H, gx, this.inputs[t]! * 3 * H, h, this.gh, cache, t * stride);
      const po = t * V;
      let mx = -Infinity;
      for (let v = 0; v < V; v++) {
        const s = p[L.bo + v]! + dot(p, L.wo + v * H, h, H);
        probs[po + v] = s;
        if (s > mx) mx = s;
      }
      let z = 0;
      for (let v = 0; v < V; v++) {
        const e = Math.exp(probs[po + v]! - mx);
        probs[po + v] = e;
        z += e;
      }
      for (let v = 0; v < V; v++) probs[po + v] = probs[po + v]! / z;
      loss -= Math.log(Math.max(probs[po + this.targets[t]!]!, 1e-300));
    }
    // backward through the chunk (nothing flows in from the next chunk: truncated BPTT)
    const dh = this.dh;
    const dhp = this.dhPrev;
    const dah = this.dah;
    dh.fill(0);
    for (let t = len - 1; t >= 0; t--) {
      const chp = t * stride;
      const cz = chp + H;
      const cr = cz + H;
      const cn = cr + H;
      const cg = cn + H;
      const ch = cg + H;
      const po = t * V;
      const y = this.targets[t]!;
      // output layer: dlogit = (p − onehot) · scale
      for (let v = 0; v < V; v++) {
        const d = (probs[po + v]! - (v === y ? 1 : 0)) * scale;
        if (d === 0) continue;
        g[L.bo + v] = g[L.bo + v]! + d;
        const row = L.wo + v * H;
        for (let j = 0; j < H; j++) {
          g[row + j] = g[row + j]! + d * cache[ch + j]!;
          dh[j] = dh[j]! + d * p[row + j]!;
        }
      }
      // gates (the input side's gradient goes to the input table's row of this input id)
      const xo = this.inputs[t]! * 3 * H;
      for (let j = 0; j < H; j++) {
        const z = cache[cz + j]!;
        const r = cache[cr + j]!;
        const n = cache[cn + j]!;
        const hp = cache[chp + j]!;
        const d = dh[j]!;
        const dn = d * (1 - z);
        const dz = d * (hp - n);
        dhp[j] = d * z;
        const dan = dn * (1 - n * n);
        const daz = dz * z * (1 - z);
        const dar = dan * cache[cg + j]! * r * (1 - r);
        dx[xo + j] = dx[xo + j]! + daz;
        dx[xo + H + j] = dx[xo + H + j]! + dar;
        dx[xo + 2 * H + j] = dx[xo + 2 * H + j]! + dan;
        dah[j] = daz;
        dah[H + j] = dar;
        dah[2 * H + j] = dan * r;
      }
      for (let gi = 0; gi < 3 * H; gi++) {
        const b = dah[gi]!;
        g[L.bh + gi] = g[L.bh + gi]! + b;
        const rowh = L.wh + gi * H;
        for (let k = 0; k < H; k++) {
          g[rowh + k] = g[rowh + k]! + b * cache[chp + k]!;
          dhp[k] = dhp[k]! + b * p[rowh + k]!;
        }
      }
      for (let j = 0; j < H; j++) dh[j] = dhp[j]!;
    }
    return loss;
  }

  private adam(lr: number): void {
    const { clip } = this.m.config;
    const g = this.grad;
    const p = this.m.params;
    let norm = 0;
    for (let i = 0; i < g.length; i++) norm += g[i]! * g[i]!;
    norm = Math.sqrt(norm);
    const k = norm > clip ? clip / norm : 1;
    const b1 = 0.9;
    const b2 = 0.999;
    this.adamStep++;
    const c1 = 1 - Math.pow(b1, this.adamStep);
    const c2 = 1 - Math.pow(b2, this.adamStep);
    const m = this.am;
    const v = this.av;
    for (let i = 0; i < g.length; i++) {
      const gi = g[i]! * k;
      const mi = b1 * m[i]! + (1 - b1) * gi;
      const vi = b2 * v[i]! + (1 - b2) * gi * gi;
      m[i] = mi;
      v[i] = vi;
      p[i] = p[i]! - (lr * (mi / c1)) / (Math.sqrt(vi / c2) + 1e-8);
    }
    this.m.stale = true;
  }
}

/**
 * For tests: the summed NLL of one chunk from a zero state and its gradient (flat, as the weights),
 * computed by the training code path.
 */
export function chunkLossAndGradient(m: RecurrentLm, trace: readonly string[]): { loss: number; grad: Float64Array } {
  const ids = m.encode(trace);
  m.stale = true; // the caller may have changed weights
  const tr = new Trainer(m);
  tr.beginBatch();
  const len = Math.min(ids.length, m.config.chunk);
  for (let t = 0; t < len; t++) {
    tr.inputs[t] = t === 0 ? BOS : ids[t - 1]!;
    tr.targets[t] = ids[t]!;
  }
  const loss = tr.forwardBackward(len, new Float64Array(m.config.hidden), 1);
  tr.endBatch();
  return { loss, grad: tr.grad };
}
