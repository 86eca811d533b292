/** One rule of the analyzer's loaded catalogue (table `detection_rules`, written by the stream analyzer). */
export interface RuleEntity {
  id: string;
  tactic: string;
  tacticName: string;
  technique: string;
  title: string;
  severity: string;
  maturity: string;
  source: string;
  file: string;
  event: string;
  baselineNever: boolean;
  rationale: string;
  falsePositives: string[];
  exceptions: { name: string; reason?: string }[];
  publishedAt: Date;
}
