import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { RuleSource } from './compiled-rule';
import { RuleSet } from './rule-set';

/** The rules shipped with the analyzer: `<tactic>.yaml`, `lists.yaml` and `sigma/**.yml`. */
export const RULES_DIR = resolve(__dirname, '..', '..', '..', 'rules');

/** Every `.yaml`/`.yml` file below `dir`, read, named relative to `dir` (sorted: load order is stable). */
export function readRuleSources(dir: string = RULES_DIR): RuleSource[] {
  const out: RuleSource[] = [];
  const walk = (d: string): void => {
    for (const ent of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, ent.name);
      if (ent.isDirectory()) walk(p);
      else if (/\.ya?ml$/.test(ent.name)) out.push({ file: relative(dir, p).split('\\').join('/'), text: readFileSync(p, 'utf8') });
    }
  };
  walk(dir);
  return out;
}

/** Load and compile the rules directory; throws RuleFileError listing every problem of every file. */
export function loadRuleSet(dir: string = RULES_DIR): RuleSet {
  return RuleSet.fromSources(readRuleSources(dir));
}
