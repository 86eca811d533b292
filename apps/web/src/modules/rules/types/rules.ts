import type { components } from '@vigil/api-client';

export type DetectionRule = components['schemas']['RuleDto'];

/** One row of the coverage table: a technique of a tactic and the rules that detect it. */
export interface CoverageRow {
  tactic: string;
  tacticName: string;
  technique: string;
  rules: DetectionRule[];
}
