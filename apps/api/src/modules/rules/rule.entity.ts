import type { CamelCased, DetectionRuleRow } from '@vigil/db';

/** One rule of the analyzer's loaded catalogue: a row of `detection_rules` (written by the stream analyzer), camelCased. */
export type RuleEntity = CamelCased<DetectionRuleRow>;
