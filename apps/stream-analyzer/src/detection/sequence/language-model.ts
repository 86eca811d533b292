import { ngramKeysByStart, type NgramKey } from '../ngram-hash';

/**
 * A variable-order syscall language model over hashed n-grams (interpolated Witten-Bell smoothing,
 * orders 1..maxOrder). Every table is keyed by the shared k-gram hash (ngram-hash.ts), so the
 * model's state is the same kind of data the agent sends: counts of hashed k-grams.
 *
 * Why Witten-Bell: it needs only the n-gram counts and, per context, how many distinct symbols
 * followed it — both derivable from hashed counts — and it degrades gracefully to shorter contexts
 * for unseen histories, which is exactly where stide-style detectors over-alert on normal traces.
 */
export class SyscallLanguageModel {
  /** counts[n-1]: hashed n-gram → occurrences in training. */
  private readonly counts: Map<NgramKey, number>[];
  /** followers[n-1]: hashed n-gram (as a context) → number of distinct symbols seen after it. */
  private readonly followers: Map<NgramKey, number>[];
  /** Training tokens (the order-0 context count). */
  private totalTokens = 0;
  /** Distinct symbols seen in training (order-0 followers). */
  private readonly vocabulary = new Set<number>();

  constructor(readonly maxOrder = 6) {
    this.counts = Array.from({ length: maxOrder }, () => new Map());
    this.followers = Array.from({ length: maxOrder }, () => new Map());
  }

  /** Learn one trace (symbol ids in order). */
  observe(ids: ArrayLike<number>): void {
    const len = ids.length;
    const K = this.maxOrder;
    const keys = ngramKeysByStart(ids, K);
    for (let i = 0; i < len; i++) {
      this.totalTokens++;
      this.vocabulary.add(ids[i]!);
      for (let n = 1; n <= K && i - n + 1 >= 0; n++) {
        const start = i - n + 1;
        const key = keys[start * K + n - 1]!;
        const table = this.counts[n - 1]!;
        const prev = table.get(key) ?? 0;
        table.set(key, prev + 1);
        if (prev === 0 && n >= 2) {
          // a new continuation of the (n-1)-gram context
          const ctx = keys[start * K + n - 2]!;
          const f = this.followers[n - 2]!;
          f.set(ctx, (f.get(ctx) ?? 0) + 1);
        }
      }
    }
  }

  /** Number of distinct symbols seen in training. */
  get vocabularySize(): number {
    return this.vocabulary.size;
  }

  /** True when the symbol was seen in training. */
  knows(id: number): boolean {
    return this.vocabulary.has(id);
  }

  /**
   * -ln P(ids[i] | up to maxOrder-1 previous symbols) for every position, interpolated Witten-Bell.
   * Unknown symbols get the escape mass of the unigram level spread over an open vocabulary.
   */
  negLogLikelihoods(ids: ArrayLike<number>): Float64Array {
    const len = ids.length;
    const K = this.maxOrder;
    const keys = ngramKeysByStart(ids, K);
    const out = new Float64Array(len);
    const v = this.vocabulary.size;
    for (let i = 0; i < len; i++) {
      // order 1 (unigram), escaping to a uniform over vocabulary + 1 (the unknown symbol)
      const c1 = this.counts[0]!.get(keys[i * K]!) ?? 0;
      let p = (c1 + v / (v + 1)) / (this.totalTokens + v || 1);
      for (let n = 2; n <= K && i - n + 1 >= 0; n++) {
        const start = i - n + 1;
        const ctxKey = keys[start * K + n - 2]!;
        const ctxCount = this.counts[n - 2]!.get(ctxKey) ?? 0;
        if (ctxCount === 0) break; // longer contexts are unseen too
        const t = this.followers[n - 2]!.get(ctxKey) ?? 0;
        if (t === 0) break; // the context only ever ended a trace: nothing learned about what follows it
        const c = this.counts[n - 1]!.get(keys[start * K + n - 1]!) ?? 0;
        p = (c + t * p) / (ctxCount + t);
      }
      out[i] = -Math.log(p);
    }
    return out;
  }

  /** Serialisable state (for checkpoints). */
  toJSON(): SyscallLanguageModelState {
    return {
      maxOrder: this.maxOrder,
      totalTokens: this.totalTokens,
      vocabulary: [...this.vocabulary],
      counts: this.counts.map((m) => [...m]),
      followers: this.followers.map((m) => [...m]),
    };
  }

  /** Rebuild from {@link toJSON} output. */
  static fromJSON(state: SyscallLanguageModelState): SyscallLanguageModel {
    const m = new SyscallLanguageModel(state.maxOrder);
    m.totalTokens = state.totalTokens;
    for (const id of state.vocabulary) m.vocabulary.add(id);
    state.counts.forEach((entries, i) => entries.forEach(([k, c]) => m.counts[i]!.set(k, c)));
    state.followers.forEach((entries, i) => entries.forEach(([k, c]) => m.followers[i]!.set(k, c)));
    return m;
  }
}

/** JSON form of a {@link SyscallLanguageModel}. */
export interface SyscallLanguageModelState {
  maxOrder: number;
  totalTokens: number;
  vocabulary: number[];
  counts: [NgramKey, number][][];
  followers: [NgramKey, number][][];
}
