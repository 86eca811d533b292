import type { ProcessFeatures } from './features';
import type { ProgramIdentity } from './identity';
import { FrequencyProfile, type FrequencyProfileState } from './sequence/frequency-profile';
import { KgramModel, type KgramModelState } from './sequence/kgram-model';
import { Tally } from './tally';

/** Bound on remembered run ids per program (only used to count distinct runs). */
const RECENT_RUNS = 256;

/** What an analyst can teach a baseline ("accept into baseline"); produced by findings. */
export interface Acceptance {
  syscalls?: string[];
  files?: string[];
  execChildren?: string[];
  execShapes?: string[];
  network?: string[];
  security?: string[];
  /** k-grams (kernel packing, libs/schemas kgram-hash.ts) with their k. */
  ngrams?: { k: number; keys: number[] };
}

/**
 * Everything one program has been seen doing on one endpoint (or, for a fleet baseline, across
 * endpoints). Serialisable (toJSON/fromJSON) for checkpoints, mergeable for fleet warm-starts.
 * Learning happens in event time (batch windows), so replays rebuild the same state.
 */
export class ProgramBaseline {
  firstSeen = Number.POSITIVE_INFINITY;
  lastSeen = 0;
  /** Distinct runs (process instances) seen. */
  runs = 0;
  /** Process-windows learned. */
  windows = 0;
  /** When the baseline started alerting (event time), or null while learning. */
  activeSince: number | null = null;
  /** Endpoints whose observations are in this baseline (one for per-endpoint baselines). */
  sources = new Set<string>();
  private recentRuns: string[] = [];

  syscalls = new FrequencyProfile();
  /** k-gram sequence model, created with the k of the first sequence data seen. */
  sequences: KgramModel | null = null;
  files = new Tally();
  execChildren = new Tally();
  execShapes = new Tally();
  network = new Tally();
  security = new Tally();

  constructor(readonly program: ProgramIdentity) {}

  /** Learning → active once `learningMs` of event time has passed since the first observation. */
  updatePhase(now: number, learningMs: number): void {
    if (this.activeSince === null && this.windows > 0 && now - this.firstSeen >= learningMs) this.activeSince = now;
  }

  get active(): boolean {
    return this.activeSince !== null;
  }

  /**
   * Learn one process-window. While learning everything is taken in; once active only keys already
   * known are refreshed — new behaviour enters a baseline through an analyst's acceptance, never by
   * an attacker repeating it.
   */
  learn(f: ProcessFeatures, runId: string, endpointId: string, time: number): void {
    const onlyKnown = this.active;
    this.firstSeen = Math.min(this.firstSeen, time);
    this.lastSeen = Math.max(this.lastSeen, time);
    this.windows++;
    this.sources.add(endpointId);
    if (!this.recentRuns.includes(runId)) {
      this.runs++;
      this.recentRuns.push(runId);
      if (this.recentRuns.length > RECENT_RUNS) this.recentRuns.shift();
    }
    if (!onlyKnown || this.syscalls.novel(f.syscalls).length === 0) this.syscalls.learn(f.syscalls);
    if (f.ngrams.k > 0 && f.ngrams.bag.length > 0) {
      this.sequences ??= new KgramModel(f.ngrams.k);
      if (this.sequences.k === f.ngrams.k) this.sequences.learn(f.ngrams.bag, onlyKnown);
    }
    this.files.observe(f.files, time, onlyKnown);
    this.execChildren.observe(f.execChildren, time, onlyKnown);
    this.execShapes.observe(f.execShapes, time, onlyKnown);
    this.network.observe(f.network, time, onlyKnown);
    this.security.observe(f.security, time, onlyKnown);
  }

  /** Teach the baseline what an analyst accepted. */
  accept(a: Acceptance, time: number): void {
    if (a.syscalls) this.syscalls.accept(a.syscalls);
    if (a.files) this.files.accept(a.files, time);
    if (a.execChildren) this.execChildren.accept(a.execChildren, time);
    if (a.execShapes) this.execShapes.accept(a.execShapes, time);
    if (a.network) this.network.accept(a.network, time);
    if (a.security) this.security.accept(a.security, time);
    if (a.ngrams) {
      this.sequences ??= new KgramModel(a.ngrams.k);
      if (this.sequences.k === a.ngrams.k) this.sequences.accept(a.ngrams.keys);
    }
  }

  /** Fold another baseline of the same program in (fleet baselines). */
  merge(other: ProgramBaseline): void {
    this.firstSeen = Math.min(this.firstSeen, other.firstSeen);
    this.lastSeen = Math.max(this.lastSeen, other.lastSeen);
    this.runs += other.runs;
    this.windows += other.windows;
    for (const s of other.sources) this.sources.add(s);
    if (other.activeSince !== null) this.activeSince = Math.min(this.activeSince ?? other.activeSince, other.activeSince);
    this.syscalls.merge(other.syscalls);
    if (other.sequences) {
      if (!this.sequences) this.sequences = KgramModel.fromJSON(other.sequences.toJSON());
      else if (this.sequences.k === other.sequences.k) this.sequences.merge(other.sequences);
    }
    this.files.merge(other.files);
    this.execChildren.merge(other.execChildren);
    this.execShapes.merge(other.execShapes);
    this.network.merge(other.network);
    this.security.merge(other.security);
  }

  /** A copy (fleet warm-start hands each endpoint its own). */
  clone(): ProgramBaseline {
    return ProgramBaseline.fromJSON(this.toJSON());
  }

  toJSON(): ProgramBaselineState {
    return {
      version: 1,
      program: this.program,
      firstSeen: Number.isFinite(this.firstSeen) ? this.firstSeen : null,
      lastSeen: this.lastSeen,
      runs: this.runs,
      windows: this.windows,
      activeSince: this.activeSince,
      sources: [...this.sources],
      recentRuns: this.recentRuns,
      syscalls: this.syscalls.toJSON(),
      sequences: this.sequences?.toJSON() ?? null,
      files: this.files.toJSON(),
      execChildren: this.execChildren.toJSON(),
      execShapes: this.execShapes.toJSON(),
      network: this.network.toJSON(),
      security: this.security.toJSON(),
    };
  }

  static fromJSON(s: ProgramBaselineState): ProgramBaseline {
    if (s.version !== 1) throw new Error(`unsupported baseline state version ${String(s.version)}`);
    const b = new ProgramBaseline(s.program);
    b.firstSeen = s.firstSeen ?? Number.POSITIVE_INFINITY;
    b.lastSeen = s.lastSeen;
    b.runs = s.runs;
    b.windows = s.windows;
    b.activeSince = s.activeSince;
    b.sources = new Set(s.sources);
    b.recentRuns = [...s.recentRuns];
    b.syscalls = FrequencyProfile.fromJSON(s.syscalls);
    b.sequences = s.sequences ? KgramModel.fromJSON(s.sequences) : null;
    b.files = Tally.fromJSON(s.files);
    b.execChildren = Tally.fromJSON(s.execChildren);
    b.execShapes = Tally.fromJSON(s.execShapes);
    b.network = Tally.fromJSON(s.network);
    b.security = Tally.fromJSON(s.security);
    return b;
  }
}

type TallyRows = [string, number, number, number][];

/** JSON form of a {@link ProgramBaseline} (checkpoint format, version 1). */
export interface ProgramBaselineState {
  version: 1;
  program: ProgramIdentity;
  firstSeen: number | null;
  lastSeen: number;
  runs: number;
  windows: number;
  activeSince: number | null;
  sources: string[];
  recentRuns: string[];
  syscalls: FrequencyProfileState;
  sequences: KgramModelState | null;
  files: TallyRows;
  execChildren: TallyRows;
  execShapes: TallyRows;
  network: TallyRows;
  security: TallyRows;
}
