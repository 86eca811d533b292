/** Learning (collecting behaviour) or active (alerting on deviations). */
export const BASELINE_PHASES = ['learning', 'active'] as const;
export type BaselinePhase = (typeof BASELINE_PHASES)[number];

/** A program's baseline on one endpoint, as the analyzer checkpoints it in `program_baselines` (never its `state`). */
export interface BaselineEntity {
  endpointId: string;
  programKey: string;
  program: string;
  phase: BaselinePhase;
  runs: number;
  firstSeen: Date;
  lastSeen: Date;
  activeSince: Date | null;
  updatedAt: Date;
  /** Where the program is in its learning (from the analyzer's summary; null for checkpoints written before it kept one). */
  learning: ProgramLearning | null;
}

/** Why and how long a program's baseline learns. */
export interface ProgramLearning {
  /** endpoint (the endpoint's learning period), fleet, new-program, update (new build of a known program), legacy. */
  origin: string;
  from: number | null;
  until: number | null;
  progress: number;
}

/** With the analyzer's summary for people (top syscalls, file patterns, children, peers, recent changes). */
export interface BaselineDetailEntity extends BaselineEntity {
  summary: Record<string, unknown>;
}
