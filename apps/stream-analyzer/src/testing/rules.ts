import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RuleSet } from '../detection/rules/rule-set';

/** The shipped rule pack, for unit tests of the engine (one place that knows where it lives). */
export function shippedRules(): RuleSet {
  return RuleSet.parse(readFileSync(join(__dirname, '..', '..', 'rules', 'known-bad.yaml'), 'utf8'));
}
