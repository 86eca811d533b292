import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { generateAll, OUT_DIR } = require('../scripts/generate-types.cjs') as { generateAll: () => Record<string, string>; OUT_DIR: string };

describe('generated TypeScript types', () => {
  it('are up to date with every .avsc contract (run `npm run generate -w @vigil/schemas`)', () => {
    const expected = generateAll();
    expect(Object.keys(expected).sort()).toEqual(['alert.v1.generated.ts', 'telemetry-batch.v1.generated.ts']);
    for (const [file, text] of Object.entries(expected)) {
      expect(readFileSync(join(OUT_DIR, file), 'utf8'), `${file} is stale`).toBe(text);
    }
  });

  it('fail generation for an invalid schema', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { generate } = require('../scripts/generate-types.cjs') as { generate: (s: unknown, f: string) => string };
    expect(() => generate({ type: 'record', name: 'X', fields: [{ name: 'a', type: 'nope' }] }, 'x.avsc')).toThrow();
  });
});
