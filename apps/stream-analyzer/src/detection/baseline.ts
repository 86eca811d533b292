import type { ProcessFeatures } from './features';
import type { ProgramIdentity } from './identity';
import { FrequencyProfile, type FrequencyProfileState } from './sequence/frequency-profile';
import { KgramModel, type KgramModelState } from './sequence/kgram-model';
import { Tally } from './tally';

/** Bound on remembered run ids per program (only used to count distinct runs). */
const RECENT_RUNS = 256;

/**
 * Why a baseline learns (or learned): the endpoint's own learning period, a fleet warm start, a
 * program new to the endpoint and the fleet after that period, or a new build of a known program.
 * `legacy`: restored from a version-1 checkpoint (learns for the learning period from its first window).
 */
export type LearningOrigin = 'endpoint' | 'fleet' | 'new-program' | 'update' | 'legacy';

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
  /** Event time at which learning ends (set by the engine's learning policy); null: `firstSeen + learningMs`. */
  learnUntil: number | null = null;
  /** Event time learning started (for progress); null: `firstSeen`. */
  learnFrom: number | null = null;
  origin: LearningOrigin = 'legacy';
  private recentRuns: string[] = [];

  syscalls = new FrequencyProfile();
  /** k-gram sequence model, created with the k of the first sequence data seen. */
  sequences: KgramModel | null = null;
  files = new Tally();
  execChildren = new Tally();
  execShapes = new Tally();
  /** The program's own command lines (argv shapes), see {@link ProcessFeatures.command}. */
  commands = new Tally();
  network = new Tally();
  security = new Tally();

  constructor(readonly program: ProgramIdentity) {}

  /**
   * Learning → active once event time reaches {@link learnUntil}, or (legacy baselines) once
   * `learningMs` has passed since the first observation.
   */
  updatePhase(now: number, learningMs: number): void {
    if (this.activeSince !== null) return;
    if (this.learnUntil !== null) {
      if (now >= this.learnUntil) this.activeSince = now;
    } else if (this.windows > 0 && now - this.firstSeen >= learningMs) this.activeSince = now;
  }

  /** Start (or restart) learning from `from` until `until` (event time). */
  startLearning(origin: LearningOrigin, from: number, until: number): void {
    this.origin = origin;
    this.learnFrom = from;
    this.learnUntil = until;
    this.activeSince = from >= until ? from : null;
  }

  /** 0..1: how far through its learning this baseline is at `now` (1 once active). */
  learningProgress(now: number, learningMs: number): number {
    if (this.activeSince !== null) return 1;
    const from = this.learnFrom ?? (Number.isFinite(this.firstSeen) ? this.firstSeen : now);
    const until = this.learnUntil ?? from + learningMs;
    if (until <= from) return 1;
    return Math.max(0, Math.min(1, (now - from) / (until - from)));
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
    // what the image it replaced started is learned with the program too, so a command list that is
    // routine (`sh -c 'id; exec job'`) stays quiet after learning
    if (f.preExecChildren.size > 0) this.execChildren.observe(f.preExecChildren, time, onlyKnown);
    this.execShapes.observe(f.execShapes, time, onlyKnown);
    if (f.command !== null) this.commands.observe(new Map([[f.command, 1]]), time, onlyKnown);
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
    this.commands.merge(other.commands);
    this.network.merge(other.network);
    this.security.merge(other.security);
  }

  /** A copy (fleet warm-start hands each endpoint its own), optionally under another identity (a new build of the program). */
  clone(program: ProgramIdentity = this.program): ProgramBaseline {
    return ProgramBaseline.fromJSON({ ...this.toJSON(), program });
  }

  toJSON(): ProgramBaselineStateV2 {
    return {
      version: 2,
      program: this.program,
      origin: this.origin,
      learnFrom: this.learnFrom,
      learnUntil: this.learnUntil,
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
      commands: this.commands.toJSON(),
      network: this.network.toJSON(),
      security: this.security.toJSON(),
    };
  }

  static fromJSON(s: ProgramBaselineState): ProgramBaseline {
    // version 1 (before the learning policy) has no origin/learnUntil: it keeps learning from its first window
    if (s.version !== 1 && s.version !== 2) throw new Error(`unsupported baseline state version ${String((s as { version: unknown }).version)}`);
    const b = new ProgramBaseline(s.program);
    if (s.version === 2) {
      b.origin = s.origin;
      b.learnFrom = s.learnFrom;
      b.learnUntil = s.learnUntil;
    }
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
    // checkpoints from before command lines were kept have none: nothing is "a new command line" then
    b.commands = Tally.fromJSON(s.commands ?? []);
    b.network = Tally.fromJSON(s.network);
    b.security = Tally.fromJSON(s.security);
    return b;
  }
}

type TallyRows = [string, number, number, number][];

/** JSON form of a {@link ProgramBaseline} (checkpoint format; version 1 is still restored). */
export type ProgramBaselineState = ProgramBaselineStateV1 | ProgramBaselineStateV2;

/** Version 2: with the learning policy's origin and window. */
export interface ProgramBaselineStateV2 extends Omit<ProgramBaselineStateV1, 'version'> {
  version: 2;
  origin: LearningOrigin;
  learnFrom: number | null;
  learnUntil: number | null;
}

/** Version 1 (before the endpoint-first learning policy). */
export interface ProgramBaselineStateV1 {
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
  /** Absent in checkpoints written before the program's own command lines were kept. */
  commands?: TallyRows;
  network: TallyRows;
  security: TallyRows;
}

/** Keys an acceptance teaches. */
export function acceptanceSize(a: Acceptance): number {
  let n = a.ngrams?.keys.length ?? 0;
  for (const k of ['syscalls', 'files', 'execChildren', 'execShapes', 'network', 'security'] as const) n += a[k]?.length ?? 0;
  return n;
}

/** Union of two acceptances (folded findings teach everything they folded). */
export function mergeAcceptance(a: Acceptance | null, b: Acceptance): Acceptance {
  if (!a) return b;
  const out: Acceptance = { ...a };
  for (const k of ['syscalls', 'files', 'execChildren', 'execShapes', 'network', 'security'] as const) {
    if (b[k]) out[k] = [...new Set([...(a[k] ?? []), ...b[k]])];
  }
  if (b.ngrams && (!a.ngrams || a.ngrams.k === b.ngrams.k)) out.ngrams = { k: b.ngrams.k, keys: [...new Set([...(a.ngrams?.keys ?? []), ...b.ngrams.keys])] };
  return out;
}
