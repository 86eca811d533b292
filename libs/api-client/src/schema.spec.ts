import { execFileSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The arguments of the package's own `generate` script (one source of truth for how the types are made). */
const generateArgs = (JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as { scripts: { generate: string } }).scripts.generate.split(/\s+/).slice(1);

describe('generated client types', () => {
  it('are up to date with openapi.json (openapi-typescript --check)', { timeout: 60_000 }, () => {
    let failure: string | undefined;
    try {
      execFileSync(process.execPath, [resolve(root, '../../node_modules/openapi-typescript/bin/cli.js'), ...generateArgs, '--check'], { cwd: root, encoding: 'utf8', stdio: 'pipe' });
    } catch (err) {
      failure = `${(err as { stdout?: string }).stdout ?? ''}${(err as { stderr?: string }).stderr ?? ''}`;
    }
    expect(failure, 'src/schema.generated.ts is out of date: run `npm run generate -w libs/api-client`').toBeUndefined();
  });
});
