import { readdirSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defineConfig, type ViteUserConfig } from 'vitest/config';

const root = resolve(import.meta.dirname);

/** `@vigil/<lib>` → its TypeScript source, so unit tests never need a prior build. */
export const libAliases: Record<string, string> = Object.fromEntries(
  readdirSync(join(root, 'libs'))
    .filter((d) => existsSync(join(root, 'libs', d, 'src', 'index.ts')))
    .map((d) => [`@vigil/${d}`, join(root, 'libs', d, 'src', 'index.ts')]),
);

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
