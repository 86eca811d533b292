import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SIMULATIONS } from './simulations';

/** Rule ids declared in the analyzer's rule files (read as data: apps do not import each other). */
function ruleIds(): Set<string> {
  const dir = resolve(__dirname, '..', '..', '..', '..', 'apps', 'stream-analyzer', 'rules');
  const ids = new Set<string>();
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.yaml'))) for (const m of readFileSync(join(dir, f), 'utf8').matchAll(/^ {2}- id: ([a-z0-9-]+)$/gm)) ids.add(m[1]!);
  return ids;
}

describe('demo simulations', () => {
  it('a dozen or more, unique ids, each expecting rules that exist', () => {
    expect(SIMULATIONS.length).toBeGreaterThanOrEqual(12);
    expect(new Set(SIMULATIONS.map((s) => s.id)).size).toBe(SIMULATIONS.length);
    const ids = ruleIds();
    for (const s of SIMULATIONS) for (const r of s.expect) expect(ids, `${s.id} expects ${r}`).toContain(r);
  });
});
