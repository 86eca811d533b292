import { readdirSync, existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defineConfig, type ViteUserConfig } from 'vitest/config';

const root = resolve(import.meta.dirname);

/** A lib's subpath exports that name their TypeScript source (`"./prng": { "source": "./src/prng.ts", … }`). */
function sourceSubpaths(lib: string): [string, string][] {
  const pkg = JSON.parse(readFileSync(join(root, 'libs', lib, 'package.json'), 'utf8')) as { exports?: Record<string, unknown> };
  return Object.entries(pkg.exports ?? {}).flatMap(([subpath, target]) => {
    const source = typeof target === 'object' && target !== null ? (target as { source?: unknown }).source : undefined;
    return subpath !== '.' && typeof source === 'string' ? [[`@vigil/${lib}/${subpath.slice(2)}`, join(root, 'libs', lib, source)]] : [];
  });
}

/**
 * `@vigil/<lib>` (and its source subpaths, such as `@vigil/common/prng`) → its TypeScript source, so unit
 * tests never need a prior build. Subpaths come first: an alias also matches `<name>/…`, the first match wins.
 */
const libs = readdirSync(join(root, 'libs')).filter((d) => existsSync(join(root, 'libs', d, 'src', 'index.ts')));
export const libAliases: Record<string, string> = Object.fromEntries([
  ...libs.flatMap(sourceSubpaths),
  ...libs.map((d): [string, string] => [`@vigil/${d}`, join(root, 'libs', d, 'src', 'index.ts')]),
]);

/** Unit-test project: `src/**\/*.spec.ts`, no services. */
export function unitProject(dir: string, name: string, extra: ViteUserConfig = {}): ViteUserConfig {
  return defineConfig({
    ...extra,
    resolve: { alias: libAliases, ...(extra.resolve ?? {}) },
    test: { name, root: dir, include: ['src/**/*.spec.ts', 'src/**/*.spec.tsx'], ...(extra.test ?? {}) },
  });
}

/** Integration project: `test/integration/**\/*.integration-spec.ts`, real Kafka/registry/PostgreSQL/kernel. */
export function integrationProject(dir: string, name: string, extra: ViteUserConfig = {}): ViteUserConfig {
  return defineConfig({
    ...extra,
    resolve: { alias: libAliases, ...(extra.resolve ?? {}) },
    test: {
      name: `${name}:integration`,
      root: dir,
      include: ['test/integration/**/*.integration-spec.ts'],
      testTimeout: 120_000,
      hookTimeout: 180_000,
      fileParallelism: false,
      ...(extra.test ?? {}),
    },
  });
}
