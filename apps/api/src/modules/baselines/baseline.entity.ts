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
}

/** With the analyzer's summary for people (top syscalls, file patterns, children, peers, recent changes). */
export interface BaselineDetailEntity extends BaselineEntity {
  summary: Record<string, unknown>;
}
