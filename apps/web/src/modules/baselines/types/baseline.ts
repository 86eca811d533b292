import type { components } from '@vigil/api-client';

type Schemas = components['schemas'];

export type Baseline = Schemas['BaselineDto'];
export type BaselineDetail = Schemas['BaselineDetailDto'];

/**
 * What the analyzer keeps for people in program_baselines.summary (apps/stream-analyzer
 * detection/baseline-summary.ts); every field may be absent in older rows, so each is optional.
 */
export interface BaselineSummary {
  windows?: number;
  endpoints?: number;
  topSyscalls?: { name: string; windows: number }[];
  files?: string[];
  children?: string[];
  execShapes?: string[];
  network?: string[];
  security?: string[];
  sequenceModel?: { k: number } | null;
  [more: string]: unknown;
}
